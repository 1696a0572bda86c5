"""Waiting: how soon `op wait` sees an operation DONE, and how many polls it sends.

    python benchmarks/wait_polling.py [--durations 1 3 10 30]

For each T, a `sandbox serve --op-delay T` (operations are DONE exactly T s after their
creation); an operation is created with a direct XML-RPC call (its creation time known to
the millisecond), then `gandi-hosting --json op wait ID` runs at once with a cached
session. Figures:
- latency: when the command exited minus when the operation became DONE (an upper bound
  of the detection delay: it includes the command's exit);
- polls: requests the command sent (the server's log; with a cached session every request
  is a poll).
Targets: latency within max(0.5 s, 10% of T); polls at most about 2*log2(T) + T/5
("about" = at most 6 more, the bound waiting.py documents).
"""

from __future__ import annotations

import argparse
import math
import subprocess
import sys
import time
import xmlrpc.client
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import SEED_LOGIN, SEED_PASSWORD, ServedSandbox, report  # noqa: E402

SLACK = 6  # polls over 2*log2(T) + T/5 still counted as "about" (waiting.py's bound)


def measure(duration: float) -> tuple[float, int]:
    with ServedSandbox(op_delay=duration) as box:
        with xmlrpc.client.ServerProxy(box.url) as proxy:
            session = proxy.login(SEED_LOGIN, SEED_PASSWORD)
            before = box.settle()
            created = time.time()
            op = proxy.hosting_account_product_add(session, "disk", 1024, "1m")
        opid = op["id"] if isinstance(op, dict) else int(op)
        done_at = created + duration
        proc = subprocess.run(
            box.command("--json", "op", "wait", str(opid)),
            env=box.env,
            capture_output=True,
            text=True,
            timeout=duration * 2 + 60,
        )
        exited = time.time()
        if proc.returncode != 0:
            raise RuntimeError(f"op wait failed: {proc.stderr[-500:]}")
        polls = box.settle() - before - 1  # minus the product_add itself
        return exited - done_at, polls


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--durations", type=float, nargs="+", default=[1, 3, 10, 30])
    args = parser.parse_args()
    ok = True
    print("waiting: `op wait` on an operation that takes T seconds")
    for duration in args.durations:
        latency, polls = measure(duration)
        limit = max(0.5, 0.1 * duration)
        ok &= report(
            f"wait T={duration:g}s: detection latency",
            f"{latency:.2f} s",
            f"<= {limit:.2f} s",
            latency <= limit,
            latency,
        )
        budget = 2 * math.log2(duration) + duration / 5 if duration >= 1 else 0.0
        # "about": the formula is under 1 poll for T <= 1 s, where 3 polls are needed to
        # see DONE within 0.5 s; the slack is waiting.py's documented bound (+6)
        ok &= report(
            f"wait T={duration:g}s: polls",
            str(polls),
            f"~{budget:.1f} (<= {budget + SLACK:.1f})",
            polls <= budget + SLACK,
            polls,
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
