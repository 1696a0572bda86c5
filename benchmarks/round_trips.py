"""Round trips: HTTP requests per command with a cached session, against `sandbox serve`.

    python benchmarks/round_trips.py [--vms 1000]

Counted from the server's log (one line per request), one command at a time:
- `vm info`, `disk info`, `account balance`, `op info` by id: exactly 1 request; by
  name: at most 1 more (the lookup) when the name is not cached, exactly 1 when it is, at
  10 and ``--vms`` objects: one info call confirming the cached guess after a list that
  read the objects ("listed"); after an ids-only list (`-q`, "cached") the first lookup
  reads the objects that list saw, in multicalls of at most 2,000 calls;
- `vm list --details` / `disk list --details`: the same count for 10 objects as for
  ``--vms`` (multicall; calls go in batches of up to 2,000, so that is O(1) up to 2,000
  objects), and at most N+1 against a server without `system.multicall` (then the single
  calls go over a bounded pool of parallel connections; the disk table also reads the
  attached VMs' hostnames).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ServedSandbox, report  # noqa: E402


def exact(box: ServedSandbox, name: str, args: list[str], limit: int, *, equal: bool) -> bool:
    count, methods = box.count(*args)
    names = "+".join(m.replace("system.multicall", "multicall") for m in methods)
    shown = f"{count} ({names})" if len(names) <= 24 else str(count)
    return report(
        name,
        shown,
        f"{'==' if equal else '<='} {limit}",
        count == limit if equal else count <= limit,
        count,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vms", type=int, default=1000, help="VMs, disks for --details")
    parser.add_argument("--fallback-vms", type=int, default=50, help="N without multicall")
    args = parser.parse_args()
    ok = True

    print("round trips with a cached session (requests counted by the server)")
    with ServedSandbox(vms=5, disks=5) as box:
        vm_id, disk_id = box.vm_ids[2], box.disk_ids[2]
        opid = json.loads(box.cli("--json", "op", "list").stdout)[0]
        opid = opid["id"] if isinstance(opid, dict) else opid
        for name, cmd in (
            ("vm info ID", ["vm", "info", str(vm_id)]),
            ("vm info ID --json", ["--json", "vm", "info", str(vm_id)]),
            ("disk info ID", ["disk", "info", str(disk_id)]),
            ("disk info ID --json", ["--json", "disk", "info", str(disk_id)]),
            ("account balance", ["account", "balance"]),
            ("op info ID", ["op", "info", str(opid)]),
        ):
            ok &= exact(box, f"requests: {name}", cmd, 1, equal=True)
        for name, cmd in (
            ("vm info NAME, not cached", ["vm", "info", "vm3"]),
            ("disk info NAME, not cached", ["disk", "info", "data3"]),
        ):
            ok &= exact(box, f"requests: {name}", cmd, 2, equal=False)

    # a name the name cache knows (from a list, completion or an earlier lookup) costs one
    # info call confirming it, whatever the number of objects
    for n in (10, args.vms):
        with ServedSandbox(vms=n, disks=n) as box:
            box.cli("-q", "vm", "list", "--details")
            box.cli("-q", "disk", "list", "--details")
            for name, cmd in (
                (f"vm info NAME, cached, N={n}", ["--json", "vm", "info", f"vm{n // 2}"]),
                (f"vm info NAME table, cached, N={n}", ["vm", "info", f"vm{n // 2}"]),
                (f"disk info NAME, cached, N={n}", ["--json", "disk", "info", f"data{n // 2}"]),
            ):
                ok &= exact(box, f"requests: {name}", cmd, 1, equal=True)

    # names cached by a list that reads the objects (`vm list`, `disk list`: names and
    # ids), not by an ids-only `-q` list as above: one info call, nothing else
    for n in (10, args.vms):
        with ServedSandbox(vms=n, disks=n) as box:
            box.cli("--json", "vm", "list")
            box.cli("--json", "disk", "list")
            for name, cmd in (
                (f"vm info NAME, listed, N={n}", ["--json", "vm", "info", f"vm{n // 2}"]),
                (f"disk info NAME, listed, N={n}", ["--json", "disk", "info", f"data{n // 2}"]),
            ):
                ok &= exact(box, f"requests: {name}", cmd, 1, equal=True)

    # N disks = N/2 VMs' system disks (attached: the table shows their VM) + N/2 data disks
    counts: dict[tuple[str, int], int] = {}
    for n in (10, args.vms):
        with ServedSandbox(vms=n) as box:
            counts["vm", n], _ = box.count("--json", "vm", "list", "--details")
        with ServedSandbox(vms=n // 2, disks=n - n // 2) as box:
            counts["disk", n], _ = box.count("--json", "disk", "list", "--details")
            counts["disk table", n], _ = box.count("disk", "list", "--details")
    for kind in ("vm", "disk", "disk table"):
        many, few = counts[kind, args.vms], counts[kind, 10]
        ok &= report(
            f"requests: {kind} list --details, {args.vms} vs 10",
            f"{many} vs {few}",
            "same (O(1))",
            many == few,
            many,
        )

    # Without multicall: the first command against such an endpoint pays one refused
    # system.multicall probe, which the CLI then remembers for a day (user cache dir); the
    # figures are those of every later command, after one warm-up command.
    n = args.fallback_vms
    with ServedSandbox(vms=n, multicall=False) as box:
        first, _ = box.count("--json", "vm", "list", "--details")
        print(f"  (first command against the endpoint: {first}, with the refused probe)")
        # --json/-q (scripts): N+1. The table for people also reads os_list for the OS
        # labels: one request more, a choice of readability over the bound.
        for fmt, limit in ((["--json"], n + 1), ([], n + 2)):
            count, _ = box.count(*fmt, "vm", "list", "--details")
            ok &= report(
                f"requests: vm list --details no multicall {'--json' if fmt else 'table'}",
                f"{count} for N={n}",
                f"<= {'N+1' if fmt else 'N+2 (+os_list)'} = {limit}",
                count <= limit,
                count,
            )
    with ServedSandbox(vms=n // 2, disks=n - n // 2, multicall=False) as box:
        box.count("account", "balance")  # warm-up: the refused probe is remembered
        # the table also reads each attached VM once, for its hostname (n // 2 VMs here)
        for fmt, limit in ((["--json"], n + 1), ([], n + 1 + n // 2)):
            count, _ = box.count(*fmt, "disk", "list", "--details")
            ok &= report(
                f"requests: disk list --details no multicall {'--json' if fmt else 'table'}",
                f"{count} for N={n}",
                f"<= {'N+1' if fmt else 'N+1+VMs'} = {limit}",
                count <= limit,
                count,
            )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
