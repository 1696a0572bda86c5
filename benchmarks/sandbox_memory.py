"""Sandbox soak: `sandbox serve` memory over many `vm_info` calls on many keep-alive connections.

    python benchmarks/sandbox_memory.py [--calls 250000] [--connections 32] [--vms 200]
    python benchmarks/sandbox_memory.py --quick          # 40,000 calls

The server is `gandi-hosting sandbox serve` in its own process (log lines on, as a user
runs it), pre-filled with ``--vms`` VMs. One client process drives ``--connections``
keep-alive connections at once (a selector loop, each connection sending its next
`vm_info` on a random VM as soon as its answer is in; the XML-RPC request bodies are
marshalled in advance so that the client keeps up with the server). Every answer is read
in full and checked. The server's RSS (``/proc/PID/status``) is read after a warm-up of
10% of the calls, then every 5% and at the end. Target (issue 14): RSS flat within
+-5 MB after the warm-up over 250,000 calls on 32 connections.
"""

from __future__ import annotations

import argparse
import random
import selectors
import socket
import sys
import time
import xmlrpc.client
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import SEED_LOGIN, SEED_PASSWORD, ServedSandbox, report  # noqa: E402


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


class Connection:
    def __init__(self, port: int, requests: list[bytes], rng: random.Random):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.setblocking(False)
        self.requests, self.rng = requests, rng
        self.buf = b""

    def send_next(self) -> None:
        self.sock.sendall(self.rng.choice(self.requests))  # small: fits the socket buffer

    def answer_done(self) -> bool:
        """Read what arrived; True when a whole answer is in (then it is checked)."""
        data = self.sock.recv(65536)
        if not data:
            raise RuntimeError("the server closed a keep-alive connection")
        self.buf += data
        end = self.buf.find(b"\r\n\r\n")
        if end < 0:
            return False
        head = self.buf[:end]
        length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
        if len(self.buf) < end + 4 + length:
            return False
        if not head.startswith(b"HTTP/1.1 200 ") or b"<struct>" not in self.buf[end:]:
            raise RuntimeError(f"unexpected answer: {self.buf[:200]!r}")
        self.buf = self.buf[end + 4 + length :]
        return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=250_000)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--vms", type=int, default=200)
    parser.add_argument("--max-seconds", type=float, default=600, help="stop early after this")
    parser.add_argument("--quick", action="store_true", help="40,000 calls")
    args = parser.parse_args()
    if args.quick:
        args.calls = 40_000

    with ServedSandbox(vms=args.vms, login=False) as box:
        pid = box.proc.pid
        with xmlrpc.client.ServerProxy(box.url) as proxy:
            session = proxy.login(SEED_LOGIN, SEED_PASSWORD)
        requests = []
        for vm_id in box.vm_ids:
            body = xmlrpc.client.dumps((session, vm_id), "vm_info").encode()
            requests.append(
                b"POST /hosting/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/xml\r\n"
                b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
            )
        selector = selectors.DefaultSelector()
        conns = [Connection(box.port, requests, random.Random(i)) for i in range(args.connections)]
        for conn in conns:
            selector.register(conn.sock, selectors.EVENT_READ, conn)
        samples: list[tuple[int, float]] = [(0, rss_mb(pid))]
        step = max(1, args.calls // 20)
        next_sample = step
        done = sent = 0
        deadline = time.monotonic() + args.max_seconds
        started = time.perf_counter()
        for conn in conns:
            conn.send_next()
            sent += 1
        while done < sent and time.monotonic() < deadline:
            for key, _ in selector.select(timeout=5):
                conn = key.data
                if not conn.answer_done():
                    continue
                done += 1
                if done >= next_sample:
                    samples.append((done, rss_mb(pid)))
                    next_sample += step
                if sent < args.calls:
                    conn.send_next()
                    sent += 1
        elapsed = time.perf_counter() - started
        samples.append((done, rss_mb(pid)))
        for conn in conns:
            conn.sock.close()

    warm_at = max(step, args.calls // 10)
    after = [(c, r) for c, r in samples if c >= warm_at]
    warm = after[0][1]
    low, high = min(r for _, r in after), max(r for _, r in after)
    final = samples[-1][1]
    print(
        f"sandbox soak: {done:,} vm_info calls on {args.connections} keep-alive connections "
        f"in {elapsed:.0f} s"
    )
    print(
        "  RSS MB at calls: "
        + ", ".join(f"{c // 1000}k={r:.1f}" for c, r in samples[:: max(1, len(samples) // 10)])
        + f", {samples[-1][0] // 1000}k={final:.1f}"
    )
    report(
        f"sandbox soak rate ({args.connections} connections)",
        f"{done / elapsed:,.0f} calls/s",
        "(information)",
        True,
        done / elapsed,
    )
    drift = max(high - warm, warm - low)
    full = done >= args.calls
    return (
        0
        if report(
            f"sandbox RSS over {done:,} calls, {args.connections} conns",
            f"{low - warm:+.1f}/{high - warm:+.1f} MB ({warm:.1f} at {warm_at // 1000}k)",
            "within +-5 MB" + ("" if done >= 250_000 else " (over 250k)"),
            drift <= 5 and full,
            drift,
        )
        else 1
    )


if __name__ == "__main__":
    sys.exit(main())
