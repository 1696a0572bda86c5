"""The sandbox dispatcher alone: in-process ``Sandbox.handle(body)`` calls per second.

    python benchmarks/dispatcher_calls.py [--runs 5] [--seconds 1] [--profile reads|writes]

No HTTP, no client: the request bodies are marshalled once, then ``handle`` is called in
a loop on one thread, as a server worker calls it. Phases, as ``sandbox_throughput.py``:

- reads: ``vm_info`` on random existing VMs (200, op delay 0);
- writes: ``vm_create`` -> ``vm_stop`` -> ``vm_delete`` (op delay 0: each call finds the
  previous operation due and completes it), counted in calls.

Figures are the medians of ``--runs`` runs of ``--seconds`` each (reads and writes
alternate), with the per-call time. ``--profile PHASE`` runs one phase under cProfile
instead and prints the 25 most expensive functions (cumulative and own time).
Information only: no target (issue 14's targets are over HTTP, ``sandbox_throughput.py``).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import xmlrpc.client
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from _common import report  # noqa: E402

from gandi_hosting_cli.sandbox.dispatcher import Sandbox  # noqa: E402
from gandi_hosting_cli.sandbox.seed import SEED_LOGIN, SEED_PASSWORD  # noqa: E402


def _body(method: str, *params: object) -> bytes:
    return xmlrpc.client.dumps(params, method).encode()


def _ok(answer: bytes) -> bytes:
    if b"<fault>" in answer:
        raise RuntimeError(answer.decode()[:300])
    return answer


def reads(box: Sandbox, session: str, vm_ids: list[int], seconds: float) -> float:
    bodies = [_body("vm_info", session, i) for i in vm_ids]
    rng = random.Random(1)
    calls = 0
    end = time.perf_counter() + seconds
    start = time.perf_counter()
    while time.perf_counter() < end:
        for _ in range(50):
            _ok(box.handle(rng.choice(bodies)))
        calls += 50
    return calls / (time.perf_counter() - start)


def writes(box: Sandbox, session: str, vm_ids: list[int], seconds: float) -> float:
    create = _body("vm_create", session, "bench", "s3cret-pass", 111, 1, 1, {})
    calls = 0
    end = time.perf_counter() + seconds
    start = time.perf_counter()
    while time.perf_counter() < end:
        answer = _ok(box.handle(create))
        vm_id = xmlrpc.client.loads(answer)[0][0]
        _ok(box.handle(_body("vm_stop", session, vm_id)))
        _ok(box.handle(_body("vm_delete", session, vm_id)))
        calls += 3
    return calls / (time.perf_counter() - start)


PHASES = {"reads": reads, "writes": writes}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--vms", type=int, default=200)
    parser.add_argument("--profile", choices=sorted(PHASES))
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        box = Sandbox(Path(tmp) / "bench.sqlite3", op_delay=0)
        try:
            vm_ids = box.bulk_create_vms(SEED_LOGIN, args.vms)
            session = box.call("login", (SEED_LOGIN, SEED_PASSWORD))
            box.call("hosting_account_product_add", (session, "shares", 64, "1m"))
            for fn in PHASES.values():  # warm-up: caches, statements, the WAL file
                fn(box, session, vm_ids, 0.2)
            if args.profile:
                import cProfile
                import pstats

                profiler = cProfile.Profile()
                profiler.enable()
                rate = PHASES[args.profile](box, session, vm_ids, args.seconds)
                profiler.disable()
                stats = pstats.Stats(profiler)
                stats.sort_stats("tottime").print_stats(25)
                stats.sort_stats("cumulative").print_stats(25)
                print(f"{args.profile}: {rate:,.0f} calls/s under cProfile")
                return 0
            rates: dict[str, list[float]] = {name: [] for name in PHASES}
            for _ in range(args.runs):
                for name, fn in PHASES.items():
                    rates[name].append(fn(box, session, vm_ids, args.seconds))
        finally:
            box.close()
    load = os.getloadavg()[0]
    print(f"load average {load:.2f}; medians of {args.runs} runs of {args.seconds} s")
    for name, values in rates.items():
        rate = statistics.median(values)
        call = "vm_info" if name == "reads" else "create/stop/delete"
        report(
            f"dispatcher {name} ({call}), in-process calls/s",
            f"{rate:,.0f} calls/s ({1e6 / rate:.0f} us/call;"
            f" runs {min(values):,.0f}-{max(values):,.0f})",
            "(information)",
            True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
