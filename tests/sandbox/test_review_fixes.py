"""Review fixes in the sandbox: every fault string follows DESIGN.md's format."""

from __future__ import annotations

import re
import xmlrpc.client

import pytest

from gandi_hosting_cli.sandbox.xmlrpc_wire import MAX_BODY
from tests.sandbox.test_faults import CASES, world  # noqa: F401 - world is a fixture

FAULT_FORMAT = re.compile(r"^(DataError: .+ \[[\w.]+: .*\]|ServerError: .+)$")


def _fault(call, *args) -> xmlrpc.client.Fault:
    with pytest.raises(xmlrpc.client.Fault) as info:
        call(*args)
    return info.value


@pytest.mark.parametrize("case", list(CASES))
def test_every_refusal_string_follows_the_design_format(world, case):  # noqa: F811
    call, code = CASES[case]
    fault = _fault(call, world["api"], world)
    assert fault.faultCode == code
    assert FAULT_FORMAT.match(fault.faultString), fault.faultString


def test_wrong_login_or_password_names_the_login_never_the_password(sandbox_server):
    api = sandbox_server.proxy()
    fault = _fault(api.login, "AA1234-GANDI", "wrong-password-123")
    assert (fault.faultCode, fault.faultString) == (
        500150,
        "DataError: wrong login or password [login: 'AA1234-GANDI']",
    )
    assert "wrong-password-123" not in fault.faultString


def test_wire_level_refusals_follow_the_design_format(sandbox_server):
    box = sandbox_server.sandbox
    answers = {
        "not xml": box.handle(b"this is not xml"),
        "no methodName": box.handle(b"<?xml version='1.0'?><methodCall></methodCall>"),
        "too large": box.handle(b" " * (MAX_BODY + 1)),
    }
    for name, body in answers.items():
        with pytest.raises(xmlrpc.client.Fault) as info:
            xmlrpc.client.loads(body)
        assert FAULT_FORMAT.match(info.value.faultString), (name, info.value.faultString)
    with pytest.raises(xmlrpc.client.Fault) as info:
        xmlrpc.client.loads(answers["not xml"])
    assert info.value.faultString == "DataError: malformed request [request: 'body']"


def test_multicall_item_refusals_name_the_call_index(sandbox_server):
    api = sandbox_server.proxy()
    session = api.login("AA1234-GANDI", "mypassword")
    results = api.system.multicall(
        [
            {"methodName": "account_currency", "params": [session]},
            {"params": []},
            {"methodName": "system.multicall", "params": [[]]},
        ]
    )
    assert results[0] == ["EUR"]
    assert results[1] == {
        "faultCode": 501530,
        "faultString": "DataError: each call is {methodName, params} [call: 1]",
    }
    assert results[2]["faultString"] == "DataError: system.multicall cannot be nested [call: 2]"
    for item in results[1:]:
        assert FAULT_FORMAT.match(item["faultString"])


# -- an unusable state file is a SandboxStateError, raised when the store opens ------------
def test_an_unusable_state_file_raises_sandbox_state_error(tmp_path):
    from gandi_hosting_cli.sandbox import Sandbox, SandboxStateError

    junk = tmp_path / "junk.sqlite3"
    junk.write_text("junk\n")
    with pytest.raises(SandboxStateError, match="not a database") as info:
        Sandbox(junk)
    assert info.value.path == str(junk)
    with pytest.raises(SandboxStateError):
        Sandbox("/proc/x/state.sqlite3")
    with pytest.raises(SandboxStateError):
        Sandbox(tmp_path)  # a directory


@pytest.mark.parametrize("value", ["abc", "nan", "inf", "-inf", "-1", "3601"])
def test_env_op_delay_refuses_non_finite_and_huge_values(monkeypatch, value):
    from gandi_hosting_cli.sandbox import OP_DELAY_ENV, env_op_delay

    monkeypatch.setenv(OP_DELAY_ENV, value)
    with pytest.raises(ValueError, match=OP_DELAY_ENV):
        env_op_delay()
