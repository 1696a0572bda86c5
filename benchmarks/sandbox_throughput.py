"""Sandbox throughput over HTTP: vm_info calls per second, and create/delete cycles.

    python benchmarks/sandbox_throughput.py [--threads 4] [--seconds 3] [--vms 200]

The server is the real `gandi-hosting sandbox serve` in its own process (op delay 0, a
fresh state file pre-filled with ``--vms`` VMs by ``Sandbox.bulk_create_vms``), so that
the client threads do not share its interpreter lock. Each client thread keeps one
keep-alive connection (one ``ServerProxy``) and calls in a loop for ``--seconds``.

Phases:
- ``vm_info``: random existing VMs, through ``xmlrpc.client.ServerProxy``;
- ``vm_info`` with a raw HTTP client (request bodies marshalled in advance): what the
  server alone sustains, without the client library's own CPU cost;
- create/delete cycle: ``vm_create`` -> ``vm_stop`` -> ``vm_delete`` (with op delay 0 each
  call finds the previous operation done), reported in cycles and calls per second.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
import xmlrpc.client
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gandi_hosting_cli.sandbox.dispatcher import Sandbox  # noqa: E402
from gandi_hosting_cli.sandbox.seed import SEED_LOGIN, SEED_PASSWORD  # noqa: E402


def _run_threads(threads: int, seconds: float, work) -> int:
    """Run ``work(proxy, deadline) -> calls`` in ``threads`` threads; total calls."""
    totals: list[int] = []
    barrier = threading.Barrier(threads + 1)

    def worker(index: int) -> None:
        with xmlrpc.client.ServerProxy(URL) as proxy:
            barrier.wait()
            totals.append(work(proxy, index, time.perf_counter() + seconds))

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    barrier.wait()
    for thread in pool:
        thread.join()
    return sum(totals)


URL = ""


def _raw_vm_info(url: str, session: str, vm_ids: list[int], threads: int, seconds: float) -> int:
    """vm_info over keep-alive HTTP with request bodies marshalled in advance.

    The xmlrpc.client side costs about as much CPU as the server; this phase shows what
    the server alone sustains (responses are still read in full and checked).
    """
    parts = urlsplit(url)
    bodies = [xmlrpc.client.dumps((session, vm_id), "vm_info").encode() for vm_id in vm_ids]
    requests = [
        b"POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: text/xml\r\nContent-Length: %d\r\n\r\n"
        % (parts.path.encode(), parts.netloc.encode(), len(body))
        + body
        for body in bodies
    ]

    def work(_proxy, index, deadline):
        calls = 0
        with socket.create_connection((parts.hostname, parts.port)) as sock:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            reader = sock.makefile("rb")
            while time.perf_counter() < deadline:
                sock.sendall(requests[(calls + index) % len(requests)])
                assert reader.readline().startswith(b"HTTP/1.1 200 ")
                length = 0
                while (line := reader.readline()) not in (b"\r\n", b""):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                assert b"<struct>" in reader.read(length)
                calls += 1
        return calls

    return _run_threads(threads, seconds, work)


def main() -> int:
    global URL
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--vms", type=int, default=200)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        state = Path(tmp) / "bench.sqlite3"
        box = Sandbox(state, op_delay=0)
        vm_ids = box.bulk_create_vms(SEED_LOGIN, args.vms)
        box.close()
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gandi_hosting_cli",
                "sandbox",
                "serve",
                "--port",
                "0",
                "--op-delay",
                "0",
                "--state",
                str(state),
            ],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        try:
            URL = server.stdout.readline().strip()
            with xmlrpc.client.ServerProxy(URL) as proxy:
                session = proxy.login(SEED_LOGIN, SEED_PASSWORD)
                proxy.hosting_account_product_add(session, "shares", args.threads * 2, "1m")

            def vm_info(proxy, index, deadline):
                calls = 0
                rng = random.Random(index)
                while time.perf_counter() < deadline:
                    proxy.vm_info(session, rng.choice(vm_ids))
                    calls += 1
                return calls

            def cycle(proxy, index, deadline):
                cycles = 0
                while time.perf_counter() < deadline:
                    vm_id = proxy.vm_create(session, f"bench{index}", "s3cret-pass", 111, 1, 1, {})
                    proxy.vm_stop(session, vm_id)
                    proxy.vm_delete(session, vm_id)
                    cycles += 1
                return cycles

            raw = _raw_vm_info(URL, session, vm_ids, args.threads, args.seconds)
            calls = _run_threads(args.threads, args.seconds, vm_info)
            print(
                f"vm_info: {calls / args.seconds:,.0f} calls/s "
                f"({args.threads} threads, keep-alive, {args.vms} VMs)"
            )
            print(
                f"vm_info, raw HTTP client (pre-marshalled requests, the server alone): "
                f"{raw / args.seconds:,.0f} calls/s ({args.threads} threads, keep-alive)"
            )
            cycles = _run_threads(args.threads, args.seconds, cycle)
            print(
                f"create/stop/delete cycle: {cycles / args.seconds:,.1f} cycles/s "
                f"= {3 * cycles / args.seconds:,.0f} calls/s ({args.threads} threads)"
            )
        finally:
            server.terminate()
            server.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
