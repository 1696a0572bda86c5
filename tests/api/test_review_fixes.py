"""Review fixes in the API layer, against a real sandbox server."""

from __future__ import annotations

import pytest

from gandi_hosting_cli.api.client import HostingClient
from gandi_hosting_cli.api.errors import AuthError, InvalidInput, fault_to_error
from gandi_hosting_cli.exit_codes import ExitCode
from gandi_hosting_cli.sandbox.seed import SEED_LOGIN, SEED_PASSWORD


def logged_in_client(url, **kw) -> HostingClient:
    client = HostingClient(url, **kw)
    client.session = client.login(SEED_LOGIN, SEED_PASSWORD)
    return client


# -- a password refused for its value is bad input (exit 1), not an auth failure (3) --------
def test_a_vm_root_password_refused_by_the_server_is_invalid_input_not_auth(sandbox_server):
    client = logged_in_client(sandbox_server.url)
    client.hosting_account_product_add("shares", 1, "1m")
    with pytest.raises(InvalidInput) as refused:
        client.vm_create("web1", "abc", 111, 1, 1)
    assert refused.value.code == 500130
    assert not isinstance(refused.value, AuthError)
    assert refused.value.exit_code == ExitCode.API_FAULT


def test_wrong_credentials_rights_sessions_and_logins_stay_auth_errors(sandbox_server):
    with pytest.raises(AuthError) as bad:
        HostingClient(sandbox_server.url).login(SEED_LOGIN, "wrong-password")
    assert (bad.value.code, bad.value.exit_code) == (500150, ExitCode.AUTH)


@pytest.mark.parametrize(
    ("code", "cls"),
    [
        (500150, AuthError),  # wrong login or password
        (500120, InvalidInput),  # password syntax
        (500130, InvalidInput),  # password value
        (500131, InvalidInput),  # password size
        (500132, InvalidInput),  # password missing
        (500240, AuthError),  # unknown session
        (500340, AuthError),  # unknown login (su)
        (530250, AuthError),  # no right on that VM
    ],
)
def test_password_faults_map_by_cause(code, cls):
    assert type(fault_to_error(code, "DataError: x [password: ***]")) is cls


# -- layering: the API layer never prints, and the CLI picks the in-process transport -------
def test_the_api_layer_never_prints_and_the_tracer_needs_a_writer():
    import ast
    from pathlib import Path

    from gandi_hosting_cli import api
    from gandi_hosting_cli.api.trace import Tracer

    for path in Path(api.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
        assert not [c for c in calls if getattr(c.func, "id", None) == "print"], path
    with pytest.raises(TypeError):
        Tracer()  # type: ignore[call-arg]
    lines: list[str] = []
    Tracer(lines.append).note("hello")
    assert lines == ["-- hello"]


def test_the_cli_context_builds_the_in_process_transport_itself():
    from gandi_hosting_cli.cli.context import AppContext
    from gandi_hosting_cli.sandbox.transport import InProcessTransport

    app = AppContext(url="sandbox")
    transport = app.sandbox_transport()
    assert isinstance(transport, InProcessTransport)
    transport.close()
    client = app.new_client()
    assert client.endpoint == "http://sandbox/hosting/"
    assert isinstance(client._proxy._ServerProxy__transport, InProcessTransport)
    client.session = client.login(SEED_LOGIN, SEED_PASSWORD)
    assert client.account_currency() == "EUR"
    client.close()


def test_debug_trace_goes_to_stderr_through_the_cli(cli):
    result = cli("--sandbox", "--debug", "account", "balance")
    assert result.exit_code == 0, result.output
    assert "account_balance(***)" in result.stderr
    assert "account_balance" not in result.stdout


# -- an int the XML-RPC wire cannot carry is a usage error (exit 2), nothing sent ----------
def test_an_int_outside_the_xmlrpc_range_is_a_usage_error_before_sending(sandbox_server):
    from gandi_hosting_cli.api.errors import LocalUsageError

    client = logged_in_client(sandbox_server.url)
    before = sandbox_server.request_count
    for call in (
        lambda: client.vm_info(2**31),
        lambda: client.disk_create({"name": "d", "size": -(2**31) - 1}),
        lambda: client.multicall([("vm_info", (1,)), ("disk_info", (99999999999,))]),
    ):
        with pytest.raises(LocalUsageError) as refused:
            call()
        assert refused.value.exit_code == ExitCode.USAGE
        assert "outside the XML-RPC int range" in refused.value.message
        assert "nothing was sent" in refused.value.message
    assert "99999999999" in refused.value.message and "disk_info" in refused.value.message
    assert sandbox_server.request_count == before
    assert client.request_count == 1  # the login only
    with pytest.raises(Exception) as missing:
        client.vm_info(2**31 - 1)  # the largest int is still sent
    assert getattr(missing.value, "code", None) == 530240


def test_the_cli_client_refuses_an_out_of_range_int_with_exit_2(logged_in):
    from gandi_hosting_cli.api.errors import LocalUsageError
    from gandi_hosting_cli.cli.context import AppContext

    # the CLI's own checks usually refuse such a value first; this is the safety net
    app = AppContext(url=logged_in.url)
    with pytest.raises(LocalUsageError) as refused:
        app.client.call("vm_info", 2**40)
    assert refused.value.exit_code == ExitCode.USAGE
