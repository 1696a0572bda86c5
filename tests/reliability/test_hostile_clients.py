"""Hostile clients against a live sandbox server: slow requests, too many connections,
lengths that are not numbers.

Slowloris: hundreds of connections each holding a half-sent request and adding a byte
now and then. A probe client (from another loopback address, 127.0.0.2, as another
machine would be) is answered meanwhile, and every slow connection is cut at the request
deadline however it dribbles. 300 slow connections in CI; 2,000 with
``GANDI_HOSTING_LONG_TESTS=1``. How fast the probe is answered is a figure of
``benchmarks/hostile_clients.py``, not an assertion here (the machine may be loaded).

The tests wait on what the server holds (``held``: its connection table, read-only)
rather than for a guessed time; the sleeps left pace an attacker's bytes.
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
from gandi_hosting_cli.sandbox.connections import _READING
from gandi_hosting_cli.sandbox.seed import SEED_LOGIN, SEED_PASSWORD
from gandi_hosting_cli.sandbox.server import SandboxServer
from tests.conftest import wait_until
from tests.reliability.support import STATS

LONG = os.environ.get("GANDI_HOSTING_LONG_TESTS") == "1"
PROBE_ADDRESS = "127.0.0.2"  # another client address than the attackers' 127.0.0.1
HALF_REQUEST = b"POST /hosting/ HTTP/1.1\r\nHost: sandbox\r\nContent-Type: text/xml\r\n"
PROBE_TIMEOUT = 30.0  # a probe is answered at once; this only bounds a hang


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


def timed_probe(server: SandboxServer, timeout: float = PROBE_TIMEOUT) -> float:
    """One login over a fresh connection from PROBE_ADDRESS, answered (whatever the slow
    connections hold); its duration in seconds, a figure for STATS."""
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


def held(server: SandboxServer, state: int | None = None, *, owned: bool = False) -> list:
    """The server's open connections (in ``state``; ``owned``: being answered)."""
    conns = tuple(server._httpd._conns.values())
    return [c for c in conns if (state is None or c.state == state) and (c.owned or not owned)]


def connected(socks: list[socket.socket]) -> bool:
    """Every non-blocking connect has completed."""
    for sock in socks:
        try:
            sock.getpeername()
        except OSError:
            return False
    return True


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


class Cuts:
    """Which of ``socks`` the server has closed so far (each read once it is cut)."""

    def __init__(self, socks: list[socket.socket]):
        self.socks, self.seen = socks, set()

    def count(self) -> int:
        self.seen.update(s for s in self.socks if s not in self.seen and cut(s))
        return len(self.seen)


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
    assert wait_until(lambda: connected(socks))
    drip(socks, HALF_REQUEST)
    probes = []
    dripped = 0
    cuts = Cuts(socks)
    # keep dribbling a header byte every 0.25 s, past the deadline and until every slow
    # request is cut, while the probe is answered (each within PROBE_TIMEOUT)
    while time.monotonic() - opened < deadline + 1.0 or dripped < 8 or cuts.count() < slow:
        assert time.monotonic() - opened < 60, f"{slow - cuts.count()} slow requests kept"
        drip(socks, b"X")
        dripped += 1
        probes.append(timed_probe(server))
        time.sleep(0.25)  # paces the attackers' bytes (a slowloris drips, it does not wait)
    STATS["hostile clients: slow connections at once"] = slow
    STATS["hostile clients: probe calls meanwhile"] += len(probes)
    STATS["hostile clients: slowest probe call (ms)"] = round(max(probes) * 1000)
    for sock in socks:
        sock.close()
    assert dripped >= 8
    timed_probe(server)


@pytest.mark.slow
def test_a_request_dribbled_past_the_deadline_gets_408_and_is_closed(serve):
    server = serve(request_timeout=1.0)
    with socket.create_connection((server.host, server.port), timeout=5) as sock:
        started = time.monotonic()
        sock.sendall(HALF_REQUEST)
        answer = b""
        while True:
            assert time.monotonic() - started < 30, "dribbling kept the request alive"
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
    assert elapsed > 0.9  # not before its deadline (how soon after: the benchmark)
    timed_probe(server)


def test_connections_over_the_per_client_limit_push_out_that_clients_slow_ones(serve):
    server = serve(max_per_client=20, request_timeout=30)
    socks = open_slow(server, 20, ["127.0.0.1"])
    assert wait_until(lambda: connected(socks))
    drip(socks, HALF_REQUEST)
    assert wait_until(lambda: len(held(server, _READING)) == 20)
    assert server.open_connections == 20
    # the same client opens more: its own oldest slow requests make room, nobody else's
    with xmlrpc.client.ServerProxy(server.url) as proxy:
        assert proxy.login(SEED_LOGIN, SEED_PASSWORD)
    timed_probe(server)
    assert wait_until(lambda: Cuts(socks).count() >= 1)
    for sock in socks:
        sock.close()


def test_a_full_pool_closes_idle_keep_alive_connections_first(serve):
    server = serve(max_connections=10)
    idle = [xmlrpc.client.ServerProxy(server.url) for _ in range(10)]
    for proxy in idle:
        proxy.system.listMethods()  # one call each: 10 idle keep-alive connections
    assert server.open_connections == 10
    slow = open_slow(server, 3, ["127.0.0.1"])
    assert wait_until(lambda: connected(slow))
    drip(slow, HALF_REQUEST)
    assert wait_until(lambda: len(held(server, _READING)) == 3)
    # three idle ones made room for the slow requests, which are kept (not yet late)
    assert server.open_connections == 10
    assert not any(cut(s) for s in slow)
    timed_probe(server)  # room again: the oldest idle one goes
    for proxy in idle:  # and the closed ones reconnect transparently
        assert proxy.system.listMethods()
    for sock in slow:
        sock.close()


@pytest.mark.slow
def test_an_idle_keep_alive_connection_is_closed_after_its_timeout(serve):
    server = serve(keep_alive_timeout=0.5)
    conn = http.client.HTTPConnection(server.host, server.port, timeout=5)
    conn.request("POST", "/hosting/", login_body())
    assert conn.getresponse().read()
    assert server.open_connections == 1
    assert wait_until(lambda: server.open_connections == 0)
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


@pytest.mark.slow
def test_sandbox_serve_takes_the_request_deadline_and_the_connection_limit(tmp_path):
    from tests.served import ServeProcess

    served = ServeProcess(
        tmp_path / "state.sqlite3", extra=("--request-timeout", "3", "--max-connections", "4")
    )
    try:
        port = int(served.url.split(":")[2].split("/")[0])
        # four slow requests fill the pool; a fifth connection pushes out the oldest (the
        # server accepts in the kernel's order, so the oldest is the first, read or not)
        started = time.monotonic()
        slow = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(4)]
        for sock in slow:
            sock.sendall(HALF_REQUEST)
        with xmlrpc.client.ServerProxy(served.url) as proxy:
            assert proxy.login(SEED_LOGIN, SEED_PASSWORD)
        for sock in slow:
            sock.setblocking(False)
        answers: dict[socket.socket, bytes] = {}

        def look() -> int:
            for sock in slow:
                if sock not in answers:
                    try:
                        answers[sock] = sock.recv(4096)
                    except BlockingIOError:
                        continue
                    except OSError:
                        answers[sock] = b""
                    drip([s for s in slow if s not in answers], b"X")  # however they dribble
            return len(answers)

        assert wait_until(lambda: look() >= 1)
        assert slow[0] in answers  # the oldest slow request went first
        # the others get 408 at their deadline, however they dribble
        assert wait_until(lambda: look() == 4)
        timed_out = [s for s in slow if answers[s].startswith(b"HTTP/1.1 408 ")]
        assert timed_out == slow[1:]  # the one pushed out got no 408: not due yet
        assert time.monotonic() - started > 2.8  # not before their deadline
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
        # the write is being answered, held up by the database lock
        assert wait_until(lambda: held(server, owned=True))
        assert not results
        with xmlrpc.client.ServerProxy(server.url) as reader:
            for _ in range(5):  # answered meanwhile
                assert reader.hosting_account_info(session)
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
    for n, sock in enumerate(socks[:2], start=1):
        sock.sendall(head + body[:700_000])  # the rest later
        assert wait_until(lambda n=n: sum(len(c.buf) for c in held(server)) >= n * 690_000)
    socks[2].sendall(head + body[:700_000])  # the rest never
    socks[2].settimeout(PROBE_TIMEOUT)
    answers.append(socks[2].recv(4096))
    assert answers[0].startswith(b"HTTP/1.1 503 ")  # over the budget: refused at once
    timed_probe(server)  # others are answered
    for sock in socks[:2]:  # the two within the budget finish and are answered
        sock.sendall(body[700_000:])
        assert sock.recv(4096).startswith(b"HTTP/1.1 200 ")
    for sock in socks:
        sock.close()
