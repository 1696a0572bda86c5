"""What real XML-RPC clients send at the HTTP level, over raw sockets (always run, fast).

Each case reproduces a client seen in the wild (Perl's XMLRPC::Lite over LWP, PHP's http
stream and curl, phpxmlrpc, Ruby's Net::HTTP, node, curl, .NET's Expect, Java's chunked
streaming, Python's own ``xmlrpc.client`` with gzip): HTTP/1.0, ``Connection`` tokens,
keep-alive and pipelining, ``Expect: 100-continue``, chunked and gzip bodies, content
types, paths, response headers. The XML they send (charsets, BOMs, pretty-printing, value
shapes, dates with zones) is replayed in ``test_third_party_clients.py``, which also runs
the real clients when they are installed.
"""

from __future__ import annotations

import gzip
import xmlrpc.client
import zlib

import pytest

from gandi_hosting_cli.sandbox.seed import SEED_LOGIN, SEED_PASSWORD
from tests.sandbox.helpers import call_body, fault, login_body, request, value


def chunked(body: bytes, size: int = 100, extension: str = "") -> bytes:
    pieces = [body[i : i + size] for i in range(0, len(body), size)]
    return b"".join(b"%x%s\r\n%s\r\n" % (len(p), extension.encode(), p) for p in pieces)


# --- HTTP versions, Connection, keep-alive ---------------------------------------------


def test_http_10_gets_its_answer_then_the_connection_closes(raw):
    # PHP's http:// stream wrapper, phpxmlrpc 2/3 over fsockopen: HTTP/1.0, read until EOF
    conn = raw()
    conn.send(request(login_body(), head="POST /hosting/ HTTP/1.0"))
    status, headers, body = conn.answer()
    assert status == 200 and isinstance(value(body), str)
    assert headers["connection"] == "close"
    assert conn.closed_by_server()


def test_http_10_keep_alive_is_kept_and_said(raw, sandbox_server):
    conn = raw()
    for _ in range(3):
        conn.send(
            request(
                login_body(), head="POST /hosting/ HTTP/1.0", headers="Connection: Keep-Alive\r\n"
            )
        )
        status, headers, body = conn.answer()
        assert status == 200 and headers["connection"] == "keep-alive"
    assert sandbox_server.request_count == 3


@pytest.mark.parametrize("connection", ["close", "Close", "TE, close", "keep-alive, close"])
def test_connection_close_among_other_tokens_closes(raw, connection):
    # LWP (Perl's XMLRPC::Lite) sends "Connection: TE, close"
    conn = raw()
    conn.send(
        request(login_body(), headers=f"TE: deflate,gzip;q=0.3\r\nConnection: {connection}\r\n")
    )
    status, headers, _ = conn.answer()
    assert status == 200 and headers["connection"] == "close"
    assert conn.closed_by_server()


def test_http_11_keeps_the_connection_for_many_calls(raw, sandbox_server):
    # Ruby's Net::HTTP, curl, node's agent, Python's http.client: one connection, many calls
    conn = raw()
    conn.send(request(login_body(), headers="Connection: keep-alive\r\n"))
    session = value(conn.answer()[2])
    for method in ("account_currency", "account_balance", "os_list", "vm_list", "disk_list"):
        conn.send(request(xmlrpc.client.dumps((session,), method).encode()))
        status, headers, body = conn.answer()
        assert status == 200 and "connection" not in headers
        value(body)
    assert sandbox_server.request_count == 6


def test_pipelined_requests_are_answered_in_order(raw):
    conn = raw()
    bodies = [xmlrpc.client.dumps((), "system.listMethods").encode(), login_body()]
    conn.send(b"".join(request(b) for b in bodies) + request(b"<methodCall>"))
    assert "login" in value(conn.answer()[2])
    assert isinstance(value(conn.answer()[2]), str)
    assert fault(conn.answer()[2]).faultCode == 500020


# --- Expect: 100-continue -------------------------------------------------------------


def test_expect_100_continue_gets_the_interim_answer_first(raw):
    # curl and PHP's curl send it for bodies over 1 KiB and wait (1 s) for the 100
    body = login_body()
    conn = raw()
    head = request(body, headers="Expect: 100-continue\r\n")[: -len(body)]
    conn.send(head)
    assert conn.rfile.readline() == b"HTTP/1.1 100 Continue\r\n"
    assert conn.rfile.readline() == b"\r\n"
    conn.send(body)
    status, _, answer = conn.answer()
    assert status == 200 and isinstance(value(answer), str)


def test_expect_100_continue_on_a_refused_body_gets_413_at_once(raw):
    conn = raw()
    conn.send(
        b"POST /hosting/ HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
        b"Content-Length: 5000000\r\n\r\n"
    )
    status, headers, _ = conn.answer()  # no 100 first, and no wait for a body never sent
    assert status == 413 and headers["connection"] == "close"


def test_expect_100_continue_from_an_http_10_client_gets_no_interim(raw):
    body = login_body()
    conn = raw()
    conn.send(request(body, head="POST /hosting/ HTTP/1.0", headers="Expect: 100-continue\r\n"))
    status, _, answer = conn.answer()
    assert status == 200 and isinstance(value(answer), str)


# --- chunked and compressed bodies ----------------------------------------------------


def test_a_chunked_body_is_read(raw, sandbox_server):
    body = login_body()
    conn = raw()
    for size, extension in ((1, ""), (64, ";name=value"), (len(body), "")):
        conn.send(
            b"POST /hosting/ HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
            + chunked(body, size, extension)
            + b"0\r\nX-Trailer: yes\r\n\r\n"
        )
        status, _, answer = conn.answer()
        assert status == 200 and isinstance(value(answer), str)
    assert sandbox_server.request_count == 3  # and the connection stayed open


def test_a_chunked_body_with_expect_and_uppercase_hex(raw):
    body = login_body() + b" " * 300  # a size over 0xFF, sent as upper-case hex
    conn = raw()
    conn.send(
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\nExpect: 100-continue\r\n\r\n"
    )
    assert conn.rfile.readline() == b"HTTP/1.1 100 Continue\r\n"
    conn.rfile.readline()
    conn.send(b"%X\r\n%s\r\n0\r\n\r\n" % (len(body), body))
    status, _, answer = conn.answer()
    assert status == 200 and isinstance(value(answer), str)


@pytest.mark.parametrize(
    ("wire", "status"),
    [
        (b"zz\r\nabc\r\n0\r\n\r\n", 400),  # not hex
        (b"-5\r\nabc\r\n0\r\n\r\n", 400),
        (b"3\r\nabcdef\r\n0\r\n\r\n", 400),  # chunk longer than said
        (b"%x\r\n" % (2 * 1024 * 1024) + b"a" * (2 * 1024 * 1024) + b"\r\n0\r\n\r\n", 413),
        (b"ffffffffffffffff\r\n", 413),
    ],
)
def test_a_bad_or_oversized_chunked_body_is_refused(raw, sandbox_server, wire, status):
    conn = raw()
    conn.send(b"POST /hosting/ HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + wire)
    assert conn.answer()[0] == status
    assert sandbox_server.login()  # and the server goes on


def test_both_chunked_and_content_length_use_chunked_then_close(raw):
    body = login_body()
    conn = raw()
    conn.send(
        b"POST /hosting/ HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n" + chunked(body) + b"0\r\n\r\n"
    )
    status, headers, answer = conn.answer()
    assert status == 200 and isinstance(value(answer), str)
    assert headers["connection"] == "close" and conn.closed_by_server()


def test_another_transfer_coding_gets_411(raw):
    conn = raw()
    conn.send(b"POST /hosting/ HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n")
    assert conn.answer()[0] == 411


@pytest.mark.parametrize(
    ("coding", "squeeze"),
    [
        ("gzip", gzip.compress),
        ("x-gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", lambda b: _raw_deflate(b)),  # raw deflate, as some clients send
        ("identity", lambda b: b),
    ],
)
def test_a_compressed_body_is_decoded(raw, coding, squeeze):
    conn = raw()
    conn.send(request(squeeze(login_body()), headers=f"Content-Encoding: {coding}\r\n"))
    status, _, answer = conn.answer()
    assert status == 200 and isinstance(value(answer), str)


def _raw_deflate(data: bytes) -> bytes:
    squeezer = zlib.compressobj(wbits=-15)
    return squeezer.compress(data) + squeezer.flush()


def test_python_xmlrpc_client_gzip_requests_work(sandbox_server):
    # xmlrpc.client's own option: gzip every request body over encode_threshold bytes
    transport = xmlrpc.client.Transport()
    transport.encode_threshold = 0
    with xmlrpc.client.ServerProxy(sandbox_server.url, transport=transport) as api:
        session = api.login(SEED_LOGIN, SEED_PASSWORD)
        assert api.account_currency(session) == "EUR"


def test_a_gzip_bomb_and_unknown_codings_are_refused(raw, sandbox_server):
    bomb = gzip.compress(b"<" * (20 * 1024 * 1024))  # 20 KB on the wire, 20 MiB inflated
    conn = raw()
    conn.send(request(bomb, headers="Content-Encoding: gzip\r\n"))
    assert conn.answer()[0] == 413
    for coding, data, status in (("br", b"xx", 415), ("gzip", b"not gzip", 400)):
        conn = raw()
        conn.send(request(data, headers=f"Content-Encoding: {coding}\r\n"))
        assert conn.answer()[0] == status
    assert sandbox_server.login()


def _vm_list_request(sandbox_server, accept: str) -> bytes:
    session = sandbox_server.login()
    return request(
        xmlrpc.client.dumps((session,), "vm_list").encode(),
        headers=f"Accept-Encoding: {accept}\r\n" if accept else "",
    )


def test_a_large_answer_is_gzipped_for_a_client_that_accepts_gzip(raw, sandbox_server):
    sandbox_server.sandbox.bulk_create_vms(SEED_LOGIN, 300, "web")
    conn = raw()
    conn.send(_vm_list_request(sandbox_server, "gzip"))
    status, headers, body = conn.answer()
    assert status == 200 and headers["content-encoding"] == "gzip"
    assert headers["vary"] == "Accept-Encoding"
    plain = gzip.decompress(body)
    assert len(plain) > 4096 and len(body) < len(plain) // 3
    assert len(value(plain)) == 300
    # the same answer, uncompressed, to a client that does not ask for it (or refuses it)
    for accept in ("", "gzip;q=0", "identity", "br"):
        conn = raw()
        conn.send(_vm_list_request(sandbox_server, accept))
        status, headers, other = conn.answer()
        assert "content-encoding" not in headers, accept
        assert other == plain


def test_small_answers_are_never_compressed(raw):
    conn = raw()
    conn.send(request(login_body(), headers="Accept-Encoding: gzip\r\n"))
    status, headers, body = conn.answer()
    assert "content-encoding" not in headers and isinstance(value(body), str)


def test_python_xmlrpc_client_reads_gzipped_answers(sandbox_server):
    # xmlrpc.client sends Accept-Encoding: gzip by default and inflates the answer
    ids = sandbox_server.sandbox.bulk_create_vms(SEED_LOGIN, 300, "db")
    with xmlrpc.client.ServerProxy(sandbox_server.url) as api:
        session = api.login(SEED_LOGIN, SEED_PASSWORD)
        assert api.vm_list(session) == ids


# --- Content-Type, charsets, BOM, XML shapes ------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "text/xml",
        "text/xml; charset=utf-8",
        'text/xml;charset="UTF-8"',
        "application/xml",
        "application/x-www-form-urlencoded",  # curl -d without -H
        "TEXT/XML; Charset=ISO-8859-1",
    ],
)
def test_any_content_type_is_read_as_xml(raw, content_type):
    conn = raw()
    extra = f"Content-Type: {content_type}\r\n" if content_type else ""
    conn.send(request(login_body(), headers=extra))
    status, headers, body = conn.answer()
    assert status == 200 and isinstance(value(body), str)


# --- paths and response headers -------------------------------------------------------


@pytest.mark.parametrize(
    "target", ["/hosting/", "/hosting", "/", "/hosting/?session=1", "http://127.0.0.1/hosting/"]
)
def test_xmlrpc_paths(raw, target):
    conn = raw()
    conn.send(request(login_body(), head=f"POST {target} HTTP/1.1"))
    status, _, body = conn.answer()
    assert status == 200 and isinstance(value(body), str)


@pytest.mark.parametrize("target", ["/RPC2", "/xmlrpc.php", "/hosting/x", "http://h/other"])
def test_other_paths_get_404(raw, target):
    conn = raw()
    conn.send(request(login_body(), head=f"POST {target} HTTP/1.1"))
    status, headers, body = conn.answer()
    assert status == 404 and headers["content-type"] == "text/plain"
    assert len(body) == int(headers["content-length"])


def test_answers_carry_xml_type_length_date_and_server(raw):
    conn = raw()
    conn.send(request(login_body()))
    status, headers, body = conn.answer()
    assert status == 200
    assert headers["content-type"] == "text/xml"
    assert int(headers["content-length"]) == len(body)
    assert headers["date"].endswith(" GMT") and headers["server"]
    assert body.startswith(b"<?xml version='1.0'?>")


def test_security_guards_still_hold(raw):
    doctype = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><methodCall/>'
    deep = call_body("vm_list", "<value><array><data>" * 100 + "</data></array></value>" * 100)
    for body in (doctype, deep, gzip.compress(doctype)):
        conn = raw()
        headers = "Content-Encoding: gzip\r\n" if body[:2] == b"\x1f\x8b" else ""
        conn.send(request(body, headers=headers))
        status, _, answer = conn.answer()
        assert status == 200 and fault(answer).faultCode == 500020


def test_repeated_header_fields_are_one_list(raw):
    body = login_body()
    conn = raw()  # Connection given twice: its tokens add up
    conn.send(request(body, headers="Connection: TE\r\nConnection: close\r\n"))
    assert conn.answer()[1]["connection"] == "close" and conn.closed_by_server()
    conn = raw()  # two lengths: no guessing which one frames the body (request smuggling)
    conn.send(request(body, headers=f"Content-Length: {len(body) + 5}\r\n"))
    assert conn.answer()[0] == 400
