"""Hostile and random XML-RPC requests against a sandbox server over HTTP.

Every one gets an XML-RPC fault (in a 200) or a 4xx, never a 500, a traceback, a server
error fault (1xxxxx), a hang or a change of state; entity declarations are refused
before anything is expanded.
"""

from __future__ import annotations

import http.client
import logging
import socket
import time
import xmlrpc.client

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gandi_hosting_cli.sandbox.registry import REGISTRY
from tests.reliability.invariants import assert_invariants, state_snapshot
from tests.reliability.support import STATS, fuzz_settings

ANSWER_TIMEOUT = 15.0  # "never a hang": every request is answered well within this
XML_HEAD = b"<?xml version='1.0'?>\n"


def call_body(method: str, *params_xml: bytes) -> bytes:
    params = b"".join(b"<param>" + p + b"</param>" for p in params_xml)
    return (
        XML_HEAD
        + b"<methodCall><methodName>"
        + method.encode()
        + b"</methodName><params>"
        + params
        + b"</params></methodCall>"
    )


def s(text: str) -> bytes:
    return b"<value><string>" + text.encode() + b"</string></value>"


def i(number: int | str) -> bytes:
    return b"<value><int>" + str(number).encode() + b"</int></value>"


class Wire:
    """One keep-alive HTTP connection to the server (reopened when the server closes it)."""

    def __init__(self, url: str):
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        self.host, self.port, self.path = parts.hostname, parts.port, parts.path
        self.conn: http.client.HTTPConnection | None = None
        self.sent = 0

    def post(
        self, body: bytes, *, method: str = "POST", path: str | None = None, headers=None
    ) -> tuple[int, bytes]:
        self.sent += 1
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=ANSWER_TIMEOUT)
            try:
                self.conn.request(
                    method, path or self.path, body, {"Content-Type": "text/xml", **(headers or {})}
                )
                answer = self.conn.getresponse()
                data = answer.read()
                if answer.getheader("Connection", "").lower() == "close":
                    self.close()
                return answer.status, data
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.close()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def raw_exchange(url: str, data: bytes, *, read_timeout: float = ANSWER_TIMEOUT) -> bytes:
    """Send raw bytes on a new connection; what comes back before the server closes."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=read_timeout) as sock:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)
        chunks = []
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks)


def assert_refused(status: int, data: bytes) -> int | None:
    """A fault (returned: its code) in a 200, or a 4xx; never a server error."""
    assert status != 500 and status < 500, (status, data[:200])
    assert b"Traceback" not in data
    if status != 200:
        assert 400 <= status < 500, status
        return None
    try:
        (value,), _ = xmlrpc.client.loads(data)
    except xmlrpc.client.Fault as fault:
        assert fault.faultCode >= 500000, (fault.faultCode, fault.faultString)  # not a crash
        return fault.faultCode
    # system.multicall answers a list: each of its calls must have been refused
    assert isinstance(value, list) and value, f"a hostile request was accepted: {data[:300]!r}"
    for item in value:
        assert isinstance(item, dict) and item["faultCode"] >= 500000, item
    return value[0]["faultCode"]


def answer_ok(status: int, data: bytes) -> None:
    """Answered without a server error: a value or a refusal fault, never 1xxxxx or a 5xx."""
    assert status < 500, (status, data[:200])
    assert b"Traceback" not in data
    if status == 200:
        try:
            xmlrpc.client.loads(data)
        except xmlrpc.client.Fault as fault:
            assert fault.faultCode >= 500000, (fault.faultCode, fault.faultString)


@pytest.fixture
def target(sandbox_server, caplog):
    """The server, a wire to it, a valid session and the state before anything hostile."""
    caplog.set_level(logging.ERROR, logger="gandi_hosting_cli.sandbox")
    session = sandbox_server.login()
    with sandbox_server.proxy() as api:
        api.hosting_account_product_add(session, "shares", 4, "1m")
        api.hosting_account_info(session)  # the operation is DONE (op delay 0)
        vm = api.vm_create(session, "web1", "rootpassword", 111, 1, 1, {})
        api.vm_info(session, vm)
    wire = Wire(sandbox_server.url)
    before = state_snapshot(sandbox_server.state_path)
    yield sandbox_server, wire, session, before
    wire.close()
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, errors  # no internal error was logged


def billion_laughs(levels: int = 10) -> bytes:
    entities = ['<!ENTITY lol0 "lol">']
    for n in range(1, levels):
        entities.append(f'<!ENTITY lol{n} "' + f"&lol{n - 1};" * 10 + '">')
    doctype = "<!DOCTYPE lolz [" + "".join(entities) + "]>"
    return (
        XML_HEAD
        + doctype.encode()
        + f"<methodCall><methodName>&lol{levels - 1};</methodName></methodCall>".encode()
    )


def hostile_bodies(session: str) -> dict[str, bytes]:
    ok_session = s(session)
    deep = b"<value><array><data>" * 5000 + b"</data></array></value>" * 5000
    huge_array = b"<value><array><data>" + i(1) * 35000 + b"</data></array></value>"
    return {
        "billion laughs": billion_laughs(),
        "quadratic blowup": (
            XML_HEAD
            + b'<!DOCTYPE q [<!ENTITY a "'
            + b"x" * 50000
            + b'">]><methodCall><methodName>vm_list</methodName><params><param><value>'
            + b"&a;" * 2000
            + b"</value></param></params></methodCall>"
        ),
        "external entity (XXE)": (
            XML_HEAD
            + b'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
            + call_body("login", b"<value><string>&xxe;</string></value>", s("x"))[len(XML_HEAD) :]
        ),
        "parameter entity": (
            XML_HEAD
            + b'<!DOCTYPE x [<!ENTITY % pe SYSTEM "http://127.0.0.1:9/evil.dtd"> %pe;]>'
            + b"<methodCall><methodName>os_list</methodName></methodCall>"
        ),
        "external DTD": (
            XML_HEAD
            + b'<!DOCTYPE methodCall SYSTEM "http://127.0.0.1:9/x.dtd">'
            + b"<methodCall><methodName>os_list</methodName></methodCall>"
        ),
        "processing instruction and undefined entity": (
            XML_HEAD + b"<methodCall><methodName>&undefined;</methodName></methodCall>"
        ),
        "deep nesting": call_body("vm_info", ok_session, deep),
        "huge string": call_body("vm_info", ok_session, s("A" * 1_000_000)),
        "huge method name": call_body("m" * 200_000),
        "huge array": call_body("vm_info", ok_session, huge_array),
        "invalid UTF-8": call_body("os_list").replace(b"os_list", b"os_\xff\xfelist"),
        "invalid UTF-8 in a string": call_body("vm_info", ok_session, b"<value>\xc3\x28</value>"),
        "latin-1 declared utf-16": (
            b"<?xml version='1.0' encoding='utf-16'?><methodCall><methodName>os_list"
            b"</methodName></methodCall>"
        ),
        "unknown encoding": (
            b"<?xml version='1.0' encoding='x-klingon'?><methodCall><methodName>os_list"
            b"</methodName></methodCall>"
        ),
        "NUL bytes": call_body("os_list").replace(b"os_list", b"os\x00list"),
        "JSON": b'{"method": "vm_list", "params": []}',
        "empty body": b"",
        "binary": bytes(range(256)) * 8,
        "HTML": b"<html><body>hello</body></html>",
        "truncated XML": call_body("vm_list", ok_session)[:-20],
        "no methodName": XML_HEAD + b"<methodCall><params></params></methodCall>",
        "empty methodName": call_body(""),
        "methodResponse instead of a call": xmlrpc.client.dumps((1,), methodresponse=True).encode(),
        "unknown method": call_body("vm_explode", ok_session),
        "private attribute": call_body("__init__"),
        "nil": call_body("vm_info", ok_session, b"<value><nil/></value>"),
        "ex:nil": call_body("vm_info", ok_session, b"<value><ex:nil/></value>"),
        "int over 32 bits": call_body("vm_info", ok_session, i(99_999_999_999)),
        "int not a number": call_body("vm_info", ok_session, i("12abc")),
        "bad boolean": call_body(
            "login", s("AA1234-GANDI"), s("x"), b"<value><boolean>2</boolean></value>"
        ),
        "bad double": call_body("vm_info", ok_session, b"<value><double>nan-ish</double></value>"),
        "bad date": call_body(
            "operation_list",
            ok_session,
            b"<value><struct><member><name>date_created_after</name><value>"
            b"<dateTime.iso8601>yesterday</dateTime.iso8601></value></member></struct></value>",
        ),  # fmt: skip
        "bad base64": call_body(
            "vm_info", ok_session, b"<value><base64>!!!notbase64</base64></value>"
        ),
        "string where int": call_body("vm_info", ok_session, s("web1")),
        "array where int": call_body(
            "vm_info", ok_session, b"<value><array><data>" + i(101) + b"</data></array></value>"
        ),
        "struct member without name": call_body(
            "disk_create",
            ok_session,
            b"<value><struct><member><value><string>x</string></value></member></struct></value>",
        ),  # fmt: skip
        "struct with an unknown member": call_body(
            "disk_create",
            ok_session,
            b"<value><struct><member><name>name</name>" + s("d1") + b"</member>"
            b"<member><name>size</name>" + i(1024) + b"</member>"
            b"<member><name>__class__</name>" + s("x") + b"</member></struct></value>",
        ),  # fmt: skip
        "missing parameters": call_body("vm_create", ok_session, s("web2")),
        "extra parameters": call_body("vm_list", ok_session, i(1), i(2)),
        "no session": call_body("vm_list"),
        "wrong session": call_body("vm_delete", s("not-a-session"), i(101)),
        "vm_create, short password": call_body(
            "vm_create",
            ok_session,
            s("web2"),
            s("short"),
            i(111),
            i(1),
            i(1),
            b"<value><struct></struct></value>",
        ),  # fmt: skip
        "vm_create, cpu over shares": call_body(
            "vm_create",
            ok_session,
            s("web2"),
            s("rootpassword"),
            i(111),
            i(1),
            i(4),
            b"<value><struct></struct></value>",
        ),  # fmt: skip
        "vm_create, hostile hostname": call_body(
            "vm_create",
            ok_session,
            s("web2; rm -rf /"),
            s("rootpassword"),
            i(111),
            i(1),
            i(1),
            b"<value><struct></struct></value>",
        ),  # fmt: skip
        "disk_create, negative size": call_body(
            "disk_create",
            ok_session,
            b"<value><struct><member><name>name</name>" + s("d1") + b"</member>"
            b"<member><name>size</name>" + i(-5) + b"</member></struct></value>",
        ),  # fmt: skip
        "product, absurd duration": call_body(
            "hosting_account_product_add", ok_session, s("shares"), i(1), s("9999y")
        ),
        "product, negative quantity": call_body(
            "hosting_account_product_add", ok_session, s("shares"), i(-1), s("1m")
        ),
        "nested multicall": call_body(
            "system.multicall",
            b"<value><array><data><value><struct><member><name>methodName</name>"
            + s("system.multicall")
            + b"</member><member><name>params</name><value><array><data></data></array>"
            b"</value></member></struct></value></data></array></value>",
        ),
        "multicall of garbage": call_body(
            "system.multicall", b"<value><array><data>" + i(1) + s("x") + b"</data></array></value>"
        ),
        "multicall of refused creates": call_body(
            "system.multicall",
            b"<value><array><data>"
            + (
                b"<value><struct><member><name>methodName</name>"
                + s("vm_delete")
                + b"</member><member><name>params</name><value><array><data>"
                + s("bad-session")
                + i(101)
                + b"</data></array></value></member></struct></value>"
            )
            * 2000
            + b"</data></array></value>",
        ),  # fmt: skip
    }


def test_hostile_corpus_is_refused_and_changes_nothing(target):
    server, wire, session, before = target
    bodies = hostile_bodies(session)
    codes = {}
    for label, body in bodies.items():
        started = time.monotonic()
        status, data = wire.post(body)
        assert time.monotonic() - started < ANSWER_TIMEOUT, label
        try:
            codes[label] = assert_refused(status, data)
        except AssertionError as exc:
            raise AssertionError(f"{label}: {exc}") from None
        # "multicall of ..." answers a list of faults: loads() gives it back as a value
    assert state_snapshot(server.state_path) == before
    STATS["hostile corpus payloads"] = len(bodies)
    # the entity payloads were refused as malformed, before any expansion
    for label in ("billion laughs", "quadratic blowup", "external entity (XXE)", "external DTD"):
        assert codes[label] == 500020, (label, codes[label])


def test_entity_declarations_are_refused_before_expansion(sandbox_server):
    """The parser guard itself: a billion-laughs body is refused at once, in little memory."""
    import tracemalloc

    from gandi_hosting_cli.sandbox.faults import SandboxFault
    from gandi_hosting_cli.sandbox.xmlrpc_wire import parse_request

    tracemalloc.start()
    started = time.process_time()  # CPU time: a loaded machine cannot inflate it
    with pytest.raises(SandboxFault) as refused:
        parse_request(billion_laughs(12))  # 10**11 "lol"s if expanded
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert refused.value.faultCode == 500020
    assert "DOCTYPE" in refused.value.faultString or "entity" in refused.value.faultString
    assert time.process_time() - started < 1.0
    assert peak < 5 * 1024 * 1024
    # and the external-entity payload never reads the file
    with pytest.raises(SandboxFault):
        parse_request(hostile_bodies("x")["external entity (XXE)"])


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"GET /hosting/ HTTP/1.1\r\nHost: x\r\n\r\n", 405),
        (b"PUT /hosting/ HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", 405),
        (b"DELETE /hosting/ HTTP/1.1\r\nHost: x\r\n\r\n", 405),
        (b"OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n", 405),
        (b"HEAD /hosting/ HTTP/1.1\r\nHost: x\r\n\r\n", 405),
        (b"PATCH /hosting/ HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", 405),
        (b"POST /etc/passwd HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", 404),
        (b"POST /hosting/ HTTP/1.1\r\nHost: x\r\n\r\n", 411),
        # chunked: refused (411), or read and found empty (a malformed-request fault)
        (b"POST /hosting/ HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", (411, 200)),
        (b"POST /hosting/ HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n\r\n", (411, 400)),
        (
            b"POST /hosting/ HTTP/1.1\r\nContent-Length: 10\r\nContent-Encoding: gzip\r\n\r\n"
            b"0123456789",
            (400, 415, 200),
        ),
        (b"POST /hosting/ HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400),
        (b"POST /hosting/ HTTP/1.1\r\nContent-Length: lots\r\n\r\n", 400),
        (b"POST /hosting/ HTTP/2.0\r\nContent-Length: 0\r\n\r\n", 400),
        (b"NONSENSE\r\n\r\n", 400),
        (b"POST /hosting/ HTTP/1.1\r\nno colon here\r\n\r\n", 400),
        (b"POST /" + b"a" * 10000 + b" HTTP/1.1\r\n\r\n", 400),
        (b"POST /hosting/ HTTP/1.1\r\n" + b"X-A: b\r\n" * 200 + b"\r\n", 400),
        (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 64, 400),  # TLS hello
    ],
)
def test_http_level_garbage_gets_a_4xx(sandbox_server, request_bytes, status):
    before = state_snapshot(sandbox_server.state_path)
    answer = raw_exchange(sandbox_server.url, request_bytes)
    allowed = status if isinstance(status, tuple) else (status,)
    assert any(answer.startswith(f"HTTP/1.1 {code} ".encode()) for code in allowed), answer[:100]
    if answer.startswith(b"HTTP/1.1 200 "):
        head, _, body = answer.partition(b"\r\n\r\n")
        assert_refused(200, body)
    assert b"Traceback" not in answer
    assert state_snapshot(sandbox_server.state_path) == before


def test_an_oversized_body_gets_413_and_the_server_goes_on(sandbox_server):
    wire = Wire(sandbox_server.url)
    try:
        status, _ = wire.post(call_body("vm_list", s("x" * (2 * 1024 * 1024))))
        assert status == 413
        with sandbox_server.proxy() as api:
            assert api.os_list(sandbox_server.login())
    finally:
        wire.close()


def test_a_client_that_hangs_up_mid_body_does_not_hurt(sandbox_server):
    from urllib.parse import urlsplit

    parts = urlsplit(sandbox_server.url)
    for _ in range(20):
        with socket.create_connection((parts.hostname, parts.port), timeout=5) as sock:
            sock.sendall(b"POST /hosting/ HTTP/1.1\r\nContent-Length: 5000\r\n\r\n<?xml")
    with sandbox_server.proxy() as api:
        assert api.os_list(sandbox_server.login())


# -- hypothesis ------------------------------------------------------------------------

METHODS = sorted(REGISTRY) + ["system.multicall", "system.methodHelp", "system.listMethods"]
INT32 = st.integers(min_value=-(2**31), max_value=2**31 - 1)
SCALARS = st.one_of(
    INT32,
    st.sampled_from([0, -1, 1, 101, 1001, 10001, 111, 2**31 - 1, -(2**31)]),
    st.booleans(),
    st.text(max_size=40),
    st.sampled_from(["", "web1", "fail-x", "ext3", "1m", "shares", "disk", "DONE", "a" * 300]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.datetimes().map(xmlrpc.client.DateTime),
)
MEMBER_NAMES = st.one_of(
    st.sampled_from(["name", "size", "fstype", "login", "shares", "cpu", "vm_max_memory",
                     "state", "type", "methodName", "params"]),
    st.text(max_size=10),
)  # fmt: skip


def _containers(children: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(
        st.lists(children, max_size=5), st.dictionaries(MEMBER_NAMES, children, max_size=5)
    )


VALUES = st.recursive(SCALARS, _containers, max_leaves=12)


def _dumps(method: str, params: tuple) -> bytes:
    try:
        return xmlrpc.client.dumps(params, method, allow_none=False).encode(
            "utf-8", "surrogatepass"
        )
    except (OverflowError, TypeError):
        return call_body(method)


@pytest.fixture
def fuzz_target(target):
    return target


@pytest.mark.slow
@fuzz_settings(ci=100, long=4000)
@given(
    method=st.one_of(st.sampled_from(METHODS), st.text(max_size=30)),
    session=st.one_of(st.text(max_size=40), st.just("")),
    params=st.lists(VALUES, max_size=7),
)
def test_random_calls_without_a_session_change_nothing(fuzz_target, method, session, params):
    server, wire, _session, before = fuzz_target
    if method == "login":
        params = [p for p in params if p not in ("mypassword", "customerpass")]
    status, data = wire.post(_dumps(method, (session, *params)))
    answer_ok(status, data)
    STATS["sandbox fuzz: random calls"] += 1
    assert state_snapshot(server.state_path) == before


@pytest.mark.slow
@fuzz_settings(ci=100, long=4000)
@given(method=st.sampled_from(sorted(REGISTRY)), params=st.lists(VALUES, max_size=7))
def test_random_calls_with_a_session_keep_the_books(fuzz_target, method, params):
    server, wire, session, _before = fuzz_target
    status, data = wire.post(_dumps(method, (session, *params)))
    answer_ok(status, data)
    STATS["sandbox fuzz: random calls with a session"] += 1
    report = assert_invariants(server.state_path, settled=False)
    STATS["sandbox fuzz: invariants checked"] += report.checks


@pytest.mark.slow
@fuzz_settings(ci=100, long=4000)
@given(data=st.data())
def test_mutated_requests_are_refused_cleanly(fuzz_target, data):
    server, wire, session, before = fuzz_target
    body = bytearray(
        _dumps(
            data.draw(st.sampled_from(["vm_delete", "disk_create", "vm_list", "system.multicall"])),
            ("not-a-session", data.draw(VALUES)),
        )
    )
    for _ in range(data.draw(st.integers(1, 8))):
        where = data.draw(st.integers(0, max(0, len(body) - 1)))
        how = data.draw(st.sampled_from(["flip", "insert", "delete", "dup"]))
        if how == "flip" and body:
            body[where] = data.draw(st.integers(0, 255))
        elif how == "insert":
            body[where:where] = data.draw(
                st.sampled_from([b"<", b">", b"&", b"<!DOCTYPE a>", b"\xff", b"</value>", b"\x00"])
            )
        elif how == "delete":
            del body[where : where + data.draw(st.integers(1, 20))]
        else:
            body[where:where] = body[where : where + 50]
    status, answer = wire.post(bytes(body))
    answer_ok(status, answer)
    STATS["sandbox fuzz: mutated bodies"] += 1
    assert state_snapshot(server.state_path) == before


def test_an_unknown_xml_encoding_is_a_fault_not_a_dropped_connection(sandbox_server):
    """expat raised LookupError for encoding='x-klingon': the server hung up without a word."""
    wire = Wire(sandbox_server.url)
    try:
        body = b"<?xml version='1.0' encoding='x-klingon'?><methodCall><methodName>os_list"
        status, data = wire.post(body + b"</methodName></methodCall>")
    finally:
        wire.close()
    assert assert_refused(status, data) == 500020
