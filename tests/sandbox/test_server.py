"""The HTTP server: status codes, guards, logs without secrets, restarts, concurrency."""

from __future__ import annotations

import http.client
import logging
import socket
import threading
import time
import xmlrpc.client
from urllib.parse import urlsplit

import pytest

from gandi_hosting_cli.sandbox.xmlrpc_wire import MAX_BODY
from tests.sandbox.helpers import FAULT_FORMAT, fault_code, with_shares


def _post(
    url: str,
    body: bytes,
    path: str | None = None,
    method: str = "POST",
    headers: dict | None = None,
) -> http.client.HTTPResponse:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    conn.request(method, path or parts.path, body=body, headers=headers or {})
    return conn.getresponse()


def _fault(response) -> xmlrpc.client.Fault:
    assert response.status == 200
    with pytest.raises(xmlrpc.client.Fault) as info:
        xmlrpc.client.loads(response.read())
    return info.value


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "HEAD"])
def test_other_http_methods_get_405(sandbox_server, method):
    response = _post(sandbox_server.url, b"", method=method)
    assert response.status == 405
    assert response.getheader("Allow") == "POST"


def test_the_root_and_hosting_paths_answer_and_others_get_404(sandbox_server):
    call = xmlrpc.client.dumps((), "system.listMethods").encode()
    assert _post(sandbox_server.url, call, path="/").status == 200
    assert _post(sandbox_server.url, call, path="/hosting/").status == 200
    assert _post(sandbox_server.url, call, path="/elsewhere").status == 404


def test_body_over_one_mib_is_413_without_reading_it(sandbox_server):
    response = _post(sandbox_server.url, b"x" * (1024 * 1024 + 1))
    assert response.status == 413


def test_in_process_oversized_body_is_a_fault(sandbox_server):
    reply = sandbox_server.sandbox.handle(b"x" * (1024 * 1024 + 1))
    with pytest.raises(xmlrpc.client.Fault) as info:
        xmlrpc.client.loads(reply)
    assert info.value.faultCode == 500031


def test_malformed_xml_is_a_fault(sandbox_server):
    fault = _fault(_post(sandbox_server.url, b"<methodCall><methodName>vm_list"))
    assert fault.faultCode == 500020
    fault = _fault(_post(sandbox_server.url, b"not xml at all"))
    assert fault.faultCode == 500020


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


def test_entity_expansion_bomb_is_refused_at_once(sandbox_server):
    lol = "".join(f'<!ENTITY l{i} "{("&l" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
    body = (
        f'<?xml version="1.0"?><!DOCTYPE m [<!ENTITY l0 "lol">{lol}]>'
        "<methodCall><methodName>&l9;</methodName></methodCall>"
    ).encode()
    started = time.process_time()  # CPU time of this process (the server is a thread of it):
    fault = _fault(_post(sandbox_server.url, body))  # a loaded machine cannot inflate it
    assert fault.faultCode == 500020
    assert "DOCTYPE" in fault.faultString
    assert time.process_time() - started < 1


def test_deep_nesting_is_refused(sandbox_server):
    depth = 5000
    value = "<value><array><data>" * depth + "</data></array></value>" * depth
    body = (
        f"<methodCall><methodName>vm_list</methodName><params><param>{value}</param>"
        "</params></methodCall>"
    ).encode()
    assert _fault(_post(sandbox_server.url, body)).faultCode == 500020


def test_nil_is_refused_with_the_type_fault_of_its_argument(sandbox_server):
    body = xmlrpc.client.dumps((None,), "vm_list", allow_none=True).encode()
    assert _fault(_post(sandbox_server.url, body)).faultCode == 501210  # string expected


def test_one_log_line_per_request_without_secrets(sandbox_server, caplog):
    caplog.set_level(logging.INFO, logger="gandi_hosting_cli.sandbox")
    with sandbox_server.proxy() as api:
        session = api.login("AA1234-GANDI", "mypassword")
        # a fault (no shares yet): its log line must not show the root password either
        assert fault_code(api.vm_create, session, "web", "root-password-1", 111, 1, 1, {})
    lines = [r.getMessage() for r in caplog.records if r.name == "gandi_hosting_cli.sandbox"]
    assert len(lines) == 2
    assert "login" in lines[0] and "vm_create" in lines[1]
    for text in lines:
        assert "mypassword" not in text and session not in text and "root-password" not in text


def test_keep_alive_and_request_count(sandbox_server):
    with sandbox_server.proxy() as api:
        session = api.login("AA1234-GANDI", "mypassword")
        for _ in range(5):
            api.vm_list(session)
    assert sandbox_server.request_count == 6


def test_state_persists_across_a_restart(sandbox_server):
    with sandbox_server.proxy() as api:
        session = api.login("AA1234-GANDI", "mypassword")
        with_shares(api, session, 2)
        first = api.vm_create(session, "web", "s3cret-pass", 111, 1, 1, {})
    old_port = sandbox_server.port
    sandbox_server.restart(same_port=True)
    assert sandbox_server.port == old_port
    with sandbox_server.proxy() as api:
        assert api.vm_info(session, first)["hostname"] == "web"  # the session survived
        second = api.vm_create(session, "web2", "s3cret-pass", 111, 1, 1, {})
        assert second > first  # ids continue where they stopped
        assert api.account_balance(session) == 490.0


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


def test_concurrent_clients_never_overbook_shares(sandbox_server):
    with sandbox_server.proxy() as api:
        session = api.login("AA1234-GANDI", "mypassword")
        with_shares(api, session, 5)
    results: list[object] = []
    barrier = threading.Barrier(16)

    def client(i: int) -> None:
        with xmlrpc.client.ServerProxy(sandbox_server.url) as proxy:
            barrier.wait()
            try:
                results.append(proxy.vm_create(session, f"race{i}", "s3cret-pass", 111, 1, 1, {}))
            except xmlrpc.client.Fault as fault:
                results.append(fault.faultCode)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    created = [r for r in results if r < 100000]  # VM ids; fault codes are 6 digits
    refused = [r for r in results if r == 530935]
    assert len(results) == 16
    assert len(refused) == 11 and len(created) == 5, results
    with sandbox_server.proxy() as api:
        used = api.hosting_account_info(session)["resources"]
        assert used["used"]["shares"] == 5 and used["available"]["shares"] == 0


def test_concurrent_purchases_never_overdraw_the_balance(sandbox_server):
    session = sandbox_server.login()
    results: list[object] = []
    barrier = threading.Barrier(16)

    def client() -> None:
        with xmlrpc.client.ServerProxy(sandbox_server.url) as proxy:
            barrier.wait()
            try:  # 60.00 each: only 8 of 16 fit in 500.00
                results.append(proxy.hosting_account_product_add(session, "shares", 12, "1m"))
            except xmlrpc.client.Fault as fault:
                results.append(fault.faultCode)

    threads = [threading.Thread(target=client) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r for r in results if r == 530063) == [530063] * 8
    with sandbox_server.proxy() as api:
        assert api.account_balance(session) == 500.0 - 8 * 60.0


def test_no_multicall_answers_unknown_method(make_sandbox_server):
    running = make_sandbox_server(multicall=False)
    with running.proxy() as api:
        assert "system.multicall" not in api.system.listMethods()
        assert fault_code(api.system.multicall, []) == 501640


def test_concurrent_disk_creations_never_overbook_the_quota(sandbox_server):
    session = sandbox_server.login()
    with sandbox_server.proxy() as api:
        api.hosting_account_product_add(session, "disk", 4096, "1m")
        api.account_balance(session)
    results: list[object] = []
    barrier = threading.Barrier(16)

    def client(i: int) -> None:
        with xmlrpc.client.ServerProxy(sandbox_server.url) as proxy:
            barrier.wait()
            try:  # 1024 MB each: only 4 fit
                results.append(proxy.disk_create(session, {"name": f"d{i}", "size": 1024}))
            except xmlrpc.client.Fault as fault:
                results.append(fault.faultCode)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results)[-12:] == [530435] * 12
    assert len([r for r in results if r < 100000]) == 4


def test_a_missing_length_or_a_garbage_request_line_is_refused(sandbox_server):
    parts = urlsplit(sandbox_server.url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(b"POST /hosting/ HTTP/1.1\r\nHost: x\r\n\r\n")
        assert sock.recv(100).startswith(b"HTTP/1.1 411 ")
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(b"HELLO\r\n\r\n")
        assert sock.recv(100).startswith(b"HTTP/1.1 400 ")


def test_many_connections_are_served_without_a_thread_each(sandbox_server):
    from gandi_hosting_cli.sandbox.server import WORKERS

    parts = urlsplit(sandbox_server.url)
    body = xmlrpc.client.dumps((), "system.listMethods").encode()
    request = b"POST /hosting/ HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(body) + body
    socks = [socket.create_connection((parts.hostname, parts.port), timeout=10) for _ in range(200)]
    try:
        for sock in socks:
            sock.sendall(request)
        for sock in socks:
            assert sock.recv(65536).startswith(b"HTTP/1.1 200 ")
        assert sandbox_server.server.open_connections == 200
        # the same worker pool (and the server's own thread) for all of them: at most that
        # many threads (workers beyond the first may still be starting), never one each
        threads = [t for t in threading.enumerate() if t.name.startswith("sandbox-")]
        assert 1 < len(threads) <= WORKERS + 1
        for sock in socks:  # and each stays usable (keep-alive)
            sock.sendall(request)
            assert sock.recv(65536).startswith(b"HTTP/1.1 200 ")
    finally:
        for sock in socks:
            sock.close()
    assert sandbox_server.request_count == 400


def test_a_refused_body_gets_its_answer_before_the_client_has_sent_it_all(sandbox_server):
    parts = urlsplit(sandbox_server.url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(b"POST /hosting/ HTTP/1.1\r\nHost: x\r\nContent-Length: 5000000\r\n\r\n")
        sock.sendall(b"x" * 100_000)  # of 5 MB: the answer does not wait for the rest
        assert sock.recv(4096).startswith(b"HTTP/1.1 413 ")
        sock.sendall(b"x" * 100_000)  # what still comes is read and dropped, not a reset
        assert sock.recv(4096) == b""  # then the server closes
