"""Declarative apply vs the same changes as single CLI commands, on `sandbox serve --op-delay 2`.

    python benchmarks/apply_parallel.py [--vms 20] [--op-delay 2]

A manifest of N VMs (1 share each, Debian 12) with one data disk each (1 GB) is applied
from an empty account by the declarative engine (``gandi_hosting_cli.declarative``:
the code `gandi-hosting apply` runs), then the same account is built on a second
sandbox with the equivalent single commands run one after another with ``--wait``:
``disk create NAME --size 1024``, ``vm create HOST --os 111 --shares 1``,
``disk attach NAME HOST``. Wall time and HTTP requests (counted from the server's log)
of both. Target: apply at least 5x faster.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import SEED_LOGIN, SEED_PASSWORD, ServedSandbox, report  # noqa: E402

PASSWORD = "bench-pass-123"


def manifest(n: int) -> str:
    parts = []
    for i in range(1, n + 1):
        parts.append(
            f'[[vm]]\nhostname = "app{i}"\nos = "Debian 12"\nshares = 1\ndisks = ["data{i}"]\n'
        )
        parts.append(f'[[disk]]\nname = "data{i}"\nsize = 1024\n')
    return "\n".join(parts)


def buy_shares(box: ServedSandbox, n: int) -> None:
    box.cli("product", "add", "--yes", "shares", str(n + 4), "--wait")


def run_apply(box: ServedSandbox, n: int) -> tuple[float, int, int]:
    from gandi_hosting_cli.api.client import HostingClient
    from gandi_hosting_cli.declarative.executor import apply_plan
    from gandi_hosting_cli.declarative.manifest import parse_manifest
    from gandi_hosting_cli.declarative.planner import make_plan
    from gandi_hosting_cli.declarative.state import read_account

    before = box.settle()
    start = time.perf_counter()
    client = HostingClient(box.url)
    client.session = client.login(SEED_LOGIN, SEED_PASSWORD)
    plan = make_plan(parse_manifest(manifest(n), "bench.toml"), read_account(client))
    result = apply_plan(client, plan, passwords=lambda host: PASSWORD)
    elapsed = time.perf_counter() - start
    client.close()
    if result.exit_code != 0:
        raise RuntimeError([o.as_dict() for o in result.outcomes if o.status != "done"])
    # the second apply must find nothing to do
    check = HostingClient(box.url)
    check.session = check.login(SEED_LOGIN, SEED_PASSWORD)
    assert make_plan(parse_manifest(manifest(n), "b"), read_account(check)).up_to_date
    check.close()
    return elapsed, box.settle() - before - 2, len(plan.actions)  # minus the check's 2


def run_single_commands(box: ServedSandbox, n: int) -> tuple[float, int]:
    before = box.settle()
    start = time.perf_counter()
    for i in range(1, n + 1):
        box.cli("disk", "create", f"data{i}", "--size", "1024", "--wait")
        box.cli("vm", "create", f"app{i}", "--os", "111", "--shares", "1",
                "--password-stdin", "--wait", input=PASSWORD + "\n")  # fmt: skip
        box.cli("disk", "attach", f"data{i}", f"app{i}", "--wait")
    elapsed = time.perf_counter() - start
    return elapsed, box.settle() - before


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vms", type=int, default=20)
    parser.add_argument("--op-delay", type=float, default=2.0)
    args = parser.parse_args()
    n = args.vms
    delay = f"{args.op_delay:g}"
    print(f"apply of {n} VMs + {n} disks vs single commands, sandbox serve --op-delay {delay}")
    with ServedSandbox(op_delay=args.op_delay) as box:
        buy_shares(box, n)
        apply_s, apply_req, actions = run_apply(box, n)
    print(f"  apply: {actions} actions in {apply_s:.1f} s, {apply_req} requests")
    with ServedSandbox(op_delay=args.op_delay) as box:
        buy_shares(box, n)
        single_s, single_req = run_single_commands(box, n)
    print(f"  single commands with --wait: {3 * n} commands in {single_s:.1f} s, ", end="")
    print(f"{single_req} requests")
    speedup = single_s / apply_s
    ok = report(
        f"apply {n} VMs + {n} disks (op-delay {args.op_delay:g})",
        f"{apply_s:.1f} s vs {single_s:.1f} s = {speedup:.1f}x",
        ">= 5x faster",
        speedup >= 5,
        speedup,
    )
    print(f"  requests: apply {apply_req}, single commands {single_req}")
    print("PASS" if ok else "MISS")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
