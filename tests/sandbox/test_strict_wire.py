"""``sandbox serve --strict`` / ``Sandbox(strict=True)``: the spec's types exactly.

The default mode tolerates what the spec's PHP and Perl samples send (digit strings for
ints, ints for strings, 0/1 for booleans, base64 for strings); strict mode answers each
with the type fault of its argument. Invalid base64, duplicate struct members and
``<nil/>`` are refused in both modes.
"""

from __future__ import annotations

import urllib.request
import xmlrpc.client

import pytest

from tests.sandbox.helpers import fault_code
from tests.served import ServeProcess

LOGIN, PASSWORD = "AA1234-GANDI", "mypassword"

# (call, fault code in strict mode); each succeeds in the default mode
TOLERATED = {
    "digit string for an int": (lambda api, s: api.disk_info(s, "1001"), 501010),
    "int for a string": (lambda api, s: api.disk_create(s, {"name": 12345, "size": 1}), 501210),
    "1 for a boolean": (lambda api, s: api.login(LOGIN, PASSWORD, 1), 501110),
    "base64 for a string": (
        lambda api, s: api.login(LOGIN, xmlrpc.client.Binary(PASSWORD.encode())),
        501210,
    ),
    "digit string in a struct member": (
        lambda api, s: api.disk_create(s, {"name": "d2", "size": "1024"}),
        501010,
    ),
}


def _post(url: str, body: bytes) -> xmlrpc.client.Fault:
    request = urllib.request.Request(url, body, {"Content-Type": "text/xml"})
    with urllib.request.urlopen(request, timeout=10) as response:
        answer = response.read()
    with pytest.raises(xmlrpc.client.Fault) as info:
        xmlrpc.client.loads(answer)
    return info.value


def _fresh(make_sandbox_server, strict: bool):
    running = make_sandbox_server(strict=strict)
    session = running.login()
    with running.proxy() as api:
        api.hosting_account_product_add(session, "disk", 4096, "1m")
        api.disk_create(session, {"name": "d1", "size": 1024})  # id 1001
    return running, session


@pytest.mark.parametrize("case", list(TOLERATED))
def test_strict_refuses_what_the_default_mode_tolerates(make_sandbox_server, case):
    call, code = TOLERATED[case]
    lenient, session = _fresh(make_sandbox_server, strict=False)
    with lenient.proxy() as api:
        call(api, session)  # no fault
    strict, session = _fresh(make_sandbox_server, strict=True)
    with strict.proxy() as api:
        assert fault_code(call, api, session) == code


def test_strict_takes_the_spec_python_samples_as_they_are(make_sandbox_server):
    running, session = _fresh(make_sandbox_server, strict=True)
    with running.proxy() as api:
        assert api.login(LOGIN, PASSWORD, True)
        assert api.disk_info(session, 1001)["name"] == "d1"
        assert api.os_list(session)


def test_sandbox_serve_strict_refuses_a_digit_string_for_an_int(tmp_path):
    served = ServeProcess(tmp_path / "s.sqlite3", extra=("--strict",))
    try:
        with xmlrpc.client.ServerProxy(served.url) as api:
            session = api.login(LOGIN, PASSWORD)
            assert fault_code(api.vm_info, session, "101") == 501010
            assert fault_code(api.vm_info, session, 101) == 530240  # typed right: no such VM
    finally:
        served.stop()


def test_sandbox_serve_is_tolerant_without_strict(tmp_path):
    # the spec's PHP and Perl samples run against a plain `sandbox serve`
    served = ServeProcess(tmp_path / "s.sqlite3")
    try:
        with xmlrpc.client.ServerProxy(served.url) as api:
            session = api.login(LOGIN, PASSWORD, 1)
            assert fault_code(api.vm_info, session, "101") == 530240  # taken for 101
    finally:
        served.stop()


@pytest.mark.parametrize("case", list(TOLERATED))
def test_a_strict_refusal_says_what_came(make_sandbox_server, case):
    call, _ = TOLERATED[case]
    running, session = _fresh(make_sandbox_server, strict=True)
    with running.proxy() as api, pytest.raises(xmlrpc.client.Fault) as info:
        call(api, session)
    came = {"digit string": "string", "int for": "int", "1 for": "int", "base64": "base64"}
    sent = next(wire for prefix, wire in came.items() if case.startswith(prefix))
    assert f" expected, not {sent} (strict mode) [" in info.value.faultString


@pytest.mark.parametrize("strict", [False, True])
def test_other_type_faults_are_worded_alike_in_both_modes(make_sandbox_server, strict):
    running, session = _fresh(make_sandbox_server, strict=strict)
    with running.proxy() as api, pytest.raises(xmlrpc.client.Fault) as info:
        api.vm_info(session, 1.5)  # a double is never an int
    assert info.value.faultString == "DataError: integer expected [vm_id: 1.5]"
    with running.proxy() as api, pytest.raises(xmlrpc.client.Fault) as info:
        api.login(LOGIN, PASSWORD, 2)  # only 0 and 1 are taken for booleans
    assert info.value.faultString == "DataError: boolean expected [safe: 2]"


def _login_body(password_value: str) -> bytes:
    return (
        "<?xml version='1.0'?><methodCall><methodName>login</methodName><params>"
        f"<param><value><string>{LOGIN}</string></value></param>"
        f"<param><value>{password_value}</value></param></params></methodCall>"
    ).encode()


@pytest.mark.parametrize("strict", [False, True])
@pytest.mark.parametrize("b64", ["bXlwYXNzd29yZA", "bXlw!YXNzd29yZA==", "bXlwYXNzd29yZA==="])
def test_invalid_base64_is_refused_in_both_modes(make_sandbox_server, strict, b64):
    running = make_sandbox_server(strict=strict)
    fault = _post(running.url, _login_body(f"<base64>{b64}</base64>"))
    assert fault.faultCode == 500020 and "invalid base64" in fault.faultString


def test_wrapped_base64_is_still_base64(make_sandbox_server):
    running = make_sandbox_server(strict=False)
    wrapped = "bXlwYXNz\nd29yZA=="  # MIME and xmlrpc.client wrap base64 lines
    answer = urllib.request.urlopen(
        urllib.request.Request(running.url, _login_body(f"<base64>{wrapped}</base64>")),
        timeout=10,
    ).read()
    assert isinstance(xmlrpc.client.loads(answer)[0][0], str)  # a session id


@pytest.mark.parametrize("strict", [False, True])
def test_a_duplicate_struct_member_is_refused_in_both_modes(make_sandbox_server, strict):
    running = make_sandbox_server(strict=strict)
    session = running.login()
    member = "<member><name>name</name><value><string>{}</string></value></member>"
    body = (
        "<?xml version='1.0'?><methodCall><methodName>disk_create</methodName><params>"
        f"<param><value><string>{session}</string></value></param>"
        "<param><value><struct>"
        + member.format("first")
        + "<member><name>size</name><value><int>1024</int></value></member>"
        + member.format("second")
        + "</struct></value></param></params></methodCall>"
    ).encode()
    fault = _post(running.url, body)
    assert fault.faultCode == 500020 and "duplicate struct member" in fault.faultString
    with running.proxy() as api:
        assert api.disk_list(session) == []


@pytest.mark.parametrize("strict", [False, True])
def test_nil_gets_the_type_fault_of_its_argument(make_sandbox_server, strict):
    running = make_sandbox_server(strict=strict)
    session = running.login()
    with running.proxy(allow_none=True) as api:
        assert fault_code(api.vm_info, session, None) == 501010  # int expected
        assert fault_code(api.login, LOGIN, None) == 501210  # string expected
        assert fault_code(api.login, LOGIN, PASSWORD, None) == 501110  # boolean expected
        assert fault_code(api.disk_create, session, {"name": None, "size": 1}) == 501210
        fault = fault_code(api.operation_list, session, None)
        assert fault == 501510  # struct expected


@pytest.mark.parametrize("strict", [False, True])
def test_an_i8_is_an_int_by_default_and_refused_in_strict_mode(make_sandbox_server, strict):
    running, session = _fresh(make_sandbox_server, strict=strict)
    body = (
        "<?xml version='1.0'?><methodCall><methodName>disk_info</methodName><params>"
        f"<param><value><string>{session}</string></value></param>"
        "<param><value><i8>1001</i8></value></param></params></methodCall>"
    ).encode()
    request = urllib.request.Request(running.url, body, {"Content-Type": "text/xml"})
    with urllib.request.urlopen(request, timeout=10) as response:
        answer = response.read()
    if not strict:
        assert xmlrpc.client.loads(answer)[0][0]["name"] == "d1"
        return
    with pytest.raises(xmlrpc.client.Fault) as info:
        xmlrpc.client.loads(answer)
    assert info.value.faultCode == 501010
    assert info.value.faultString == (
        "DataError: integer expected, not i8 (strict mode) [disk_id: 1001]"
    )
