"""Sandbox soak: `sandbox serve` memory over many `vm_info` calls (keep-alive), and its rate.

    python benchmarks/sandbox_memory.py [--calls 100000] [--threads 2] [--vms 200]

The server is `gandi-hosting sandbox serve` in its own process (log lines on, as a user
runs it), pre-filled with ``--vms`` VMs. ``--threads`` client threads, one keep-alive
connection each, call `vm_info` on random VMs until ``--calls`` calls are made. The
server's RSS (``/proc/PID/status``) is read after a warm-up of 5% of the calls, then every
5% and at the end. Target: RSS growth after the warm-up under 20 MB over 100,000 calls.
The throughput target (>= 1,000 `vm_info` calls/s) is `sandbox_throughput.py`'s; the rate
of this soak is printed as well.
"""

from __future__ import annotations

import argparse
import random
import sys
import threading
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--vms", type=int, default=200)
    parser.add_argument("--max-seconds", type=float, default=300, help="stop early after this")
    args = parser.parse_args()

    with ServedSandbox(vms=args.vms, login=False) as box:
        pid = box.proc.pid
        with xmlrpc.client.ServerProxy(box.url) as proxy:
            session = proxy.login(SEED_LOGIN, SEED_PASSWORD)
        done = 0
        lock = threading.Lock()
        deadline = time.monotonic() + args.max_seconds
        samples: list[tuple[int, float]] = [(0, rss_mb(pid))]
        step = max(1, args.calls // 20)
        next_sample = step

        def worker(index: int) -> None:
            nonlocal done, next_sample
            rng = random.Random(index)
            with xmlrpc.client.ServerProxy(box.url) as proxy:
                while time.monotonic() < deadline:
                    with lock:
                        if done >= args.calls:
                            return
                        done += 1
                        sample = done >= next_sample
                        if sample:
                            next_sample += step
                    proxy.vm_info(session, rng.choice(box.vm_ids))
                    if sample:
                        samples.append((done, rss_mb(pid)))

        started = time.perf_counter()
        threads = [threading.Thread(target=worker, args=(i,)) for i in range(args.threads)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        samples.append((done, rss_mb(pid)))

    samples.sort()
    warm = next(rss for calls, rss in samples if calls >= step)
    final = samples[-1][1]
    peak = max(rss for _, rss in samples)
    print(f"sandbox soak: {done:,} vm_info calls over HTTP keep-alive, {args.threads} threads")
    print(
        "  RSS MB at calls: "
        + ", ".join(f"{c // 1000}k={r:.1f}" for c, r in samples[:: max(1, len(samples) // 8)])
    )
    report(
        f"sandbox soak rate ({args.threads} threads)",
        f"{done / elapsed:,.0f} calls/s",
        "(information)",
        True,
        done / elapsed,
    )
    growth = max(final, peak) - warm
    ok = report(
        f"sandbox RSS growth over {done:,} calls",
        f"{growth:+.1f} MB ({warm:.0f}->{final:.0f})",
        "< 20 MB" + ("" if done >= 100_000 else " (over 100k)"),
        growth < 20 and done >= min(args.calls, 100_000),
        growth,
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
