"""Whatever bytes arrive, the dispatcher answers a well-formed XML-RPC response.

The examples are derandomized (the same every run, so the suite cannot fail by chance);
GANDI_HOSTING_LONG_TESTS=1 searches at random, with more examples.
"""

from __future__ import annotations

import os
import xmlrpc.client

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gandi_hosting_cli.sandbox.dispatcher import Sandbox

_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**31), 2**31 - 1)  # what xmlrpc.client can send
    | st.floats(allow_nan=False)
    | st.text()
    | st.binary(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
LONG = os.environ.get("GANDI_HOSTING_LONG_TESTS") == "1"
FUZZ = settings(
    max_examples=1000 if LONG else 80,
    deadline=None,
    derandomize=not LONG,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
_methods = st.sampled_from(
    [
        "login",
        "vm_info",
        "vm_create",
        "disk_create",
        "operation_list",
        "system.multicall",
        "system.methodHelp",
        "nope",
    ]
)


def _answer(box: Sandbox, body: bytes):
    reply = box.handle(body)
    try:
        return xmlrpc.client.loads(reply)[0][0]  # a response with one value...
    except xmlrpc.client.Fault as fault:  # ...or a fault with a DESIGN.md code
        assert fault.faultString.startswith(("DataError: ", "ServerError: "))
        assert 100000 <= fault.faultCode <= 599999
        return fault


@FUZZ
@given(method=_methods, params=st.lists(_values, max_size=4))
def test_any_well_formed_call_gets_a_response_or_a_fault(tmp_path_factory, method, params):
    box = _box(tmp_path_factory)
    body = xmlrpc.client.dumps(tuple(params), method, allow_none=True).encode()
    _answer(box, body)


@FUZZ
@given(body=st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_any_bytes_get_a_fault(tmp_path_factory, body):
    assert isinstance(_answer(_box(tmp_path_factory), body), xmlrpc.client.Fault)


_BOXES: dict[int, Sandbox] = {}


def _box(tmp_path_factory) -> Sandbox:
    key = id(tmp_path_factory)
    if key not in _BOXES:
        _BOXES.clear()
        _BOXES[key] = Sandbox(tmp_path_factory.mktemp("fuzz") / "s.sqlite3", op_delay=0)
    return _BOXES[key]


def test_an_int_beyond_32_bits_is_a_value_fault(tmp_path):
    box = Sandbox(tmp_path / "s.sqlite3")
    session = box.call("login", ("AA1234-GANDI", "mypassword")).encode()
    body = (
        b"<methodCall><methodName>vm_info</methodName><params>"
        b"<param><value><string>" + session + b"</string></value></param>"
        b"<param><value><int>99999999999</int></value></param></params></methodCall>"
    )
    assert _answer(box, body).faultCode == 501030


def test_a_base64_value_with_control_bytes_is_shown_escaped_in_the_fault(tmp_path):
    """The refused value is echoed in ``[element: value]``: a NUL or C1 byte from a base64
    argument must not make the answer unparseable XML."""
    box = Sandbox(tmp_path / "s.sqlite3")
    body = xmlrpc.client.dumps((xmlrpc.client.Binary(b"\x00\x80"), "x"), "login").encode()
    fault = _answer(box, body)
    assert isinstance(fault, xmlrpc.client.Fault)
    assert fault.faultCode == 501210 and "\\x00" in fault.faultString


def test_a_control_byte_in_a_refused_value_still_gives_well_formed_xml(tmp_path):
    box = Sandbox(tmp_path / "s.sqlite3", op_delay=0)
    session = box.call("login", ("AA1234-GANDI", "mypassword"))
    body = xmlrpc.client.dumps((session, xmlrpc.client.Binary(b"\x00")), "vm_info").encode()
    fault = _answer(box, body)  # parsed: the answer is well-formed XML
    assert fault.faultCode == 501010 and "\\x00" in fault.faultString
