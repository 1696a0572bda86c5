"""Hostile clients: how fast the sandbox server answers others meanwhile, how soon it cuts.

    python benchmarks/hostile_clients.py [--slow 300] [--rounds 5]

The figures tests/reliability/test_hostile_clients.py used to assert (on a loaded machine
they are not the server's behaviour but the machine's; the tests assert the behaviour):
- probe: a login over a fresh connection from another address (127.0.0.2) while ``--slow``
  connections dribble half-sent requests; the slowest of ``--rounds`` x 10 probes;
- 408: how long after its deadline (1 s) a request dribbled a byte every 0.2 s is cut;
- held write: 5 reads while a write waits for the database lock (another connection holds
  ``BEGIN IMMEDIATE``).
The server runs in this process (``SandboxServer`` in a thread), as in the tests.
"""

from __future__ import annotations

import argparse
import http.client
import resource
import socket
import sqlite3
import sys
import tempfile
import threading
import time
import xmlrpc.client
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from _common import SEED_LOGIN, SEED_PASSWORD, load, report  # noqa: E402

from gandi_hosting_cli.sandbox import Sandbox  # noqa: E402
from gandi_hosting_cli.sandbox.server import SandboxServer  # noqa: E402

HALF_REQUEST = b"POST /hosting/ HTTP/1.1\r\nHost: sandbox\r\nContent-Type: text/xml\r\n"


def serve(folder: Path, **options) -> tuple[SandboxServer, Sandbox]:
    box = Sandbox(folder / f"state-{time.monotonic_ns()}.sqlite3", op_delay=0)
    return SandboxServer(box, **options).start_in_thread(), box


def probe(server: SandboxServer) -> float:
    body = xmlrpc.client.dumps((SEED_LOGIN, SEED_PASSWORD), "login").encode()
    started = time.monotonic()
    conn = http.client.HTTPConnection(
        server.host, server.port, timeout=30, source_address=("127.0.0.2", 0)
    )
    try:
        conn.request("POST", "/hosting/", body, {"Content-Type": "text/xml"})
        assert conn.getresponse().read()
    finally:
        conn.close()
    return time.monotonic() - started


def slowloris(folder: Path, slow: int, rounds: int) -> float:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 2 * slow + 256:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 2 * slow + 256), hard))
    server, box = serve(folder, request_timeout=60)
    socks = []
    try:
        for _ in range(slow):
            sock = socket.create_connection((server.host, server.port), timeout=5)
            sock.sendall(HALF_REQUEST)
            socks.append(sock)
        probes = []
        for _ in range(rounds):
            for sock in socks:
                try:
                    sock.send(b"X")
                except OSError:
                    pass
            probes += [probe(server) for _ in range(10)]
        return max(probes)
    finally:
        for sock in socks:
            sock.close()
        server.shutdown()
        box.close()


def cut_after_deadline(folder: Path, deadline: float = 1.0) -> float:
    server, box = serve(folder, request_timeout=deadline)
    try:
        with socket.create_connection((server.host, server.port), timeout=5) as sock:
            started = time.monotonic()
            sock.sendall(HALF_REQUEST)
            sock.settimeout(0.2)
            while True:
                try:
                    sock.sendall(b"X")
                    if not sock.recv(4096):
                        break
                    break  # the 408
                except TimeoutError:
                    continue
                except OSError:
                    break
            return time.monotonic() - started - deadline
    finally:
        server.shutdown()
        box.close()


def reads_beside_a_held_write(folder: Path) -> float:
    server, box = serve(folder)
    try:
        with xmlrpc.client.ServerProxy(server.url) as proxy:
            session = proxy.login(SEED_LOGIN, SEED_PASSWORD)
        holder = sqlite3.connect(box.state_path)
        holder.execute("BEGIN IMMEDIATE")

        def write() -> None:
            with xmlrpc.client.ServerProxy(server.url) as writer:
                writer.hosting_account_product_add(session, "shares", 1, "1m")

        blocked = threading.Thread(target=write)
        blocked.start()
        time.sleep(0.3)  # the write is held up by now
        started = time.monotonic()
        with xmlrpc.client.ServerProxy(server.url) as reader:
            for _ in range(5):
                reader.hosting_account_info(session)
        elapsed = time.monotonic() - started
        holder.rollback()
        holder.close()
        blocked.join(timeout=30)
        return elapsed
    finally:
        server.shutdown()
        box.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slow", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    print(load())
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        worst = slowloris(folder, args.slow, args.rounds)
        late = cut_after_deadline(folder)
        reads = reads_beside_a_held_write(folder)
    ok = report(
        f"slowest probe beside {args.slow} slow connections",
        f"{worst * 1000:.0f} ms",
        "< 1 s",
        worst < 1.0,
        worst,
    )
    ok &= report("408 after the deadline", f"{late * 1000:.0f} ms late", "< 1.5 s", late < 1.5)
    ok &= report("5 reads beside a held write", f"{reads * 1000:.0f} ms", "< 1.5 s", reads < 1.5)
    print(load())
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
