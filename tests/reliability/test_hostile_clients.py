"""Hostile clients against a live sandbox server: slow requests, too many connections,
lengths that are not numbers.

Slowloris: hundreds of connections each holding a half-sent request and adding a byte
now and then. A probe client (from another loopback address, 127.0.0.2, as another
machine would be) is timed meanwhile: it is answered at once, and every slow connection
is cut at the request deadline however it dribbles. 300 slow connections in CI; 2,000
with ``GANDI_HOSTING_LONG_TESTS=1``.
"""

from __future__ import annotations

import http.client
import os
import resource
import socket
import time
import xmlrpc.client

import pytest

from gandi_hosting_cli.sandbox import Sandbox
from gandi_hosting_cli.sandbox.seed import SEED_LOGIN, SEED_PASSWORD
from gandi_hosting_cli.sandbox.server import SandboxServer
from tests.reliability.support import STATS

LONG = os.environ.get("GANDI_HOSTING_LONG_TESTS") == "1"
PROBE_ADDRESS = "127.0.0.2"  # another client address than the attackers' 127.0.0.1
HALF_REQUEST = b"POST /hosting/ HTTP/1.1\r\nHost: sandbox\r\nContent-Type: text/xml\r\n"


@pytest.fixture
def serve(tmp_path):
    servers: list[tuple[SandboxServer, Sandbox]] = []

    def start(**options) -> SandboxServer:
        box = Sandbox(tmp_path / f"state{len(servers)}.sqlite3", op_delay=0)
        server = SandboxServer(box, **options).start_in_thread()
        servers.append((server, box))
        return server

    yield start
    for server, box in servers:
        server.shutdown()
        box.close()


def need_files(count: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < count:
        if hard != resource.RLIM_INFINITY and hard < count:
            pytest.skip(f"needs {count} open files, the hard limit is {hard}")
        resource.setrlimit(resource.RLIMIT_NOFILE, (count, hard))


def login_body() -> bytes:
    return xmlrpc.client.dumps((SEED_LOGIN, SEED_PASSWORD), "login").encode()


def timed_probe(server: SandboxServer, timeout: float = 5.0) -> float:
    """One login over a fresh connection from PROBE_ADDRESS; its duration in seconds."""
    started = time.monotonic()
    conn = http.client.HTTPConnection(
        server.host, server.port, timeout=timeout, source_address=(PROBE_ADDRESS, 0)
    )
    try:
        conn.request("POST", "/hosting/", login_body(), {"Content-Type": "text/xml"})
        response = conn.getresponse()
        assert response.status == 200
        assert b"<string>" in response.read()
    finally:
        conn.close()
    return time.monotonic() - started


def open_slow(server: SandboxServer, count: int, sources: list[str]) -> list[socket.socket]:
    socks = []
    for i in range(count):
        sock = socket.socket()
        sock.bind((sources[i % len(sources)], 0))
        sock.setblocking(False)
        try:
            sock.connect((server.host, server.port))
        except BlockingIOError:
            pass
        socks.append(sock)
    return socks


def drip(socks: list[socket.socket], data: bytes) -> None:
    for sock in socks:
        try:
            sock.send(data)
        except OSError:
            pass  # already cut (or not yet connected): that is for the end to tell


def cut(sock: socket.socket) -> bool:
    """True when the server has closed this connection (EOF, reset, or a 408/503 first)."""
    try:
        data = sock.recv(4096)
    except BlockingIOError:
        return False
    except OSError:
        return True
    if not data:
        return True
    assert data.startswith((b"HTTP/1.1 408 ", b"HTTP/1.1 503 ")), data[:40]
    return True  # the answer said Connection: close; the EOF follows


@pytest.mark.parametrize(
    "slow", [pytest.param(2000 if LONG else 300, marks=pytest.mark.slow, id="slowloris")]
)
def test_slow_connections_do_not_keep_other_clients_waiting_and_are_cut_at_the_deadline(
    serve, slow
):
    need_files(2 * slow + 256)
    deadline = 1.5
    server = serve(request_timeout=deadline)
    # attackers from several addresses, so that the server-wide pool fills too (long run)
    sources = [f"127.0.1.{i}" for i in range(1, 1 + max(1, slow // 250))]
    socks = open_slow(server, slow, sources)
    opened = time.monotonic()
    time.sleep(0.2)
    drip(socks, HALF_REQUEST)
    probes = []
    dripped = 0
    # keep dribbling a header byte every 0.25 s, past the deadline, while the probe is timed
    while time.monotonic() - opened < deadline + 1.0:
        drip(socks, b"X")
        dripped += 1
        probes.append(timed_probe(server))
        time.sleep(0.25)
    STATS["hostile clients: slow connections at once"] = slow
    STATS["hostile clients: probe calls meanwhile"] += len(probes)
    STATS["hostile clients: slowest probe call (ms)"] = round(max(probes) * 1000)
    assert max(probes) < 1.0, probes  # answered at once, every time
    still_open = [s for s in socks if not cut(s)]
    for sock in socks:
        sock.close()
    assert still_open == []  # every slow request was cut, however it dribbled
    assert dripped >= 8
    assert timed_probe(server) < 1.0


def test_a_request_dribbled_past_the_deadline_gets_408_and_is_closed(serve):
    server = serve(request_timeout=1.0)
    with socket.create_connection((server.host, server.port), timeout=5) as sock:
        started = time.monotonic()
        sock.sendall(HALF_REQUEST)
        answer = b""
        while True:
            try:
                sock.sendall(b"X")  # a byte every 0.2 s never extends the deadline
            except OSError:
                break
            sock.settimeout(0.2)
            try:
                data = sock.recv(4096)
            except TimeoutError:
                continue
            except OSError:
                break
            if not data:
                break
            answer += data
        elapsed = time.monotonic() - started
    assert answer.startswith(b"HTTP/1.1 408 ")
    assert 0.9 < elapsed < 2.5
    assert timed_probe(server) < 1.0


def test_connections_over_the_per_client_limit_push_out_that_clients_slow_ones(serve):
    server = serve(max_per_client=20, request_timeout=30)
    socks = open_slow(server, 20, ["127.0.0.1"])
    time.sleep(0.2)
    drip(socks, HALF_REQUEST)
    time.sleep(0.2)
    assert server.open_connections == 20
    # the same client opens more: its own oldest slow requests make room, nobody else's
    with xmlrpc.client.ServerProxy(server.url) as proxy:
        assert proxy.login(SEED_LOGIN, SEED_PASSWORD)
    assert timed_probe(server) < 1.0
    time.sleep(0.2)
    assert sum(cut(s) for s in socks) >= 1
    for sock in socks:
        sock.close()


def test_a_full_pool_closes_idle_keep_alive_connections_first(serve):
    server = serve(max_connections=10)
    idle = [xmlrpc.client.ServerProxy(server.url) for _ in range(10)]
    for proxy in idle:
        proxy.system.listMethods()  # one call each: 10 idle keep-alive connections
    assert server.open_connections == 10
    slow = open_slow(server, 3, ["127.0.0.1"])
    time.sleep(0.2)
    drip(slow, HALF_REQUEST)
    time.sleep(0.2)
    # three idle ones made room for the slow requests, which are kept (not yet late)
    assert server.open_connections == 10
    assert not any(cut(s) for s in slow)
    assert timed_probe(server) < 1.0  # room again: the oldest idle one goes
    for proxy in idle:  # and the closed ones reconnect transparently
        assert proxy.system.listMethods()
    for sock in slow:
        sock.close()


def test_an_idle_keep_alive_connection_is_closed_after_its_timeout(serve):
    server = serve(keep_alive_timeout=0.5)
    conn = http.client.HTTPConnection(server.host, server.port, timeout=5)
    conn.request("POST", "/hosting/", login_body())
    assert conn.getresponse().read()
    time.sleep(1.2)
    assert server.open_connections == 0
    conn.close()


@pytest.mark.parametrize(
    "value",
    ["1_0", "+10", "\x0b10", "1e1", "0x10", "10, 11", "1 0", "-10", "", "10.0", "١٠"],
    ids=repr,
)
def test_a_content_length_that_is_not_a_digit_string_is_a_400(serve, value):
    server = serve()
    body = b"x" * 10
    with socket.create_connection((server.host, server.port), timeout=5) as sock:
        sock.sendall(
            b"POST /hosting/ HTTP/1.1\r\nHost: s\r\nContent-Length: "
            + value.encode()
            + b"\r\n\r\n"
            + body
        )
        answer = sock.recv(4096)
    assert answer.startswith(b"HTTP/1.1 400 "), answer[:60]
    assert server.request_count == 0  # never read as a length of 10


@pytest.mark.parametrize("value", ["10", "  10\t", "10, 10", "010"], ids=repr)
def test_content_length_digit_forms_the_rfc_allows_are_read(serve, value):
    server = serve()
    body = b"<?xml version='1.0'?>\n<methodCall><methodName>system.listMethods</methodName>"
    body += b"</methodCall>"
    value = value.replace("10", str(len(body)))
    with socket.create_connection((server.host, server.port), timeout=5) as sock:
        sock.sendall(
            b"POST /hosting/ HTTP/1.1\r\nHost: s\r\nContent-Length: " + value.encode() + b"\r\n\r\n"
        )
        sock.sendall(body)
        answer = sock.recv(65536)
    assert answer.startswith(b"HTTP/1.1 200 "), answer[:60]
    assert server.request_count == 1


def test_sandbox_serve_takes_the_request_deadline_and_the_connection_limit(tmp_path):
    from tests.served import ServeProcess

    served = ServeProcess(
        tmp_path / "state.sqlite3", extra=("--request-timeout", "3", "--max-connections", "4")
    )
    try:
        port = int(served.url.split(":")[2].split("/")[0])
        # four slow requests fill the pool; a fifth connection pushes out the oldest
        started = time.monotonic()
        slow = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(4)]
        for sock in slow:
            sock.sendall(HALF_REQUEST)
        time.sleep(0.2)
        with xmlrpc.client.ServerProxy(served.url) as proxy:
            assert proxy.login(SEED_LOGIN, SEED_PASSWORD)
        time.sleep(0.2)
        for sock in slow:
            sock.setblocking(False)
        pushed_out = [sock for sock in slow if cut(sock)]
        assert len(pushed_out) == 1  # the oldest slow request (no 408: not due yet)
        assert time.monotonic() - started < 3
        # the others get 408 at their deadline, however they dribble
        rest = [sock for sock in slow if sock not in pushed_out]
        for sock in rest:
            sock.sendall(b"X")
            sock.setblocking(True)
        for sock in rest:
            assert sock.recv(4096).startswith(b"HTTP/1.1 408 ")
        assert 2.8 < time.monotonic() - started < 6
        for sock in slow:
            sock.close()
    finally:
        assert served.stop() == 0
    assert '"- -" 408 - ' in served.log


@pytest.mark.parametrize("option", ["--request-timeout", "--max-connections"])
def test_sandbox_serve_refuses_a_zero_limit_in_one_line(tmp_path, option):
    import subprocess
    import sys

    run = subprocess.run(
        [sys.executable, "-m", "gandi_hosting_cli", "sandbox", "serve", option, "0"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert run.returncode == 2
    assert "Traceback" not in run.stderr and option in run.stderr


def test_a_call_held_up_by_the_database_does_not_hold_up_other_clients(serve):
    import sqlite3
    import threading

    server = serve()
    with xmlrpc.client.ServerProxy(server.url) as proxy:
        session = proxy.login(SEED_LOGIN, SEED_PASSWORD)
    holder = sqlite3.connect(server.sandbox.state_path)  # another process's write, say
    holder.execute("BEGIN IMMEDIATE")
    results: list[object] = []

    def write() -> None:
        with xmlrpc.client.ServerProxy(server.url) as writer:
            results.append(writer.hosting_account_product_add(session, "shares", 1, "1m"))

    blocked = threading.Thread(target=write)
    blocked.start()
    try:
        time.sleep(0.3)  # the write now waits for the database lock
        assert not results
        started = time.monotonic()
        with xmlrpc.client.ServerProxy(server.url) as reader:
            for _ in range(5):
                assert reader.hosting_account_info(session)
        assert time.monotonic() - started < 1.5  # answered meanwhile
        assert not results
    finally:
        holder.rollback()
        holder.close()
        blocked.join(timeout=20)
    assert results  # and the held-up write went through once the lock was free


def test_slow_large_bodies_cannot_take_the_servers_memory(serve):
    server = serve()
    server._httpd.max_buffered = 1_800_000  # 64 MiB by default
    body = xmlrpc.client.dumps(("x" * 999_000,), "system.methodHelp").encode()
    head = b"POST /hosting/ HTTP/1.1\r\nHost: s\r\nContent-Length: %d\r\n\r\n" % len(body)
    socks = [socket.create_connection((server.host, server.port), timeout=5) for _ in range(3)]
    answers = []
    for sock in socks:
        sock.sendall(head + body[:700_000])  # the rest later (or never)
        time.sleep(0.2)
    socks[2].settimeout(2)
    answers.append(socks[2].recv(4096))
    assert answers[0].startswith(b"HTTP/1.1 503 ")  # over the budget: refused at once
    assert timed_probe(server) < 1.0  # others are answered
    for sock in socks[:2]:  # the two within the budget finish and are answered
        sock.sendall(body[700_000:])
        assert sock.recv(4096).startswith(b"HTTP/1.1 200 ")
    for sock in socks:
        sock.close()
