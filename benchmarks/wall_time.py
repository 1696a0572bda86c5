"""Wall time against a local `sandbox serve`, with a cached session.

    python benchmarks/wall_time.py [--runs 11] [--vms 1000]

Targets (medians): `vm info ID --json` under 4x `python -c pass` (measured interleaved in
the same run); `vm list --details --json` with 1,000 VMs under 1.5 s; completing
`vm info <TAB>` (VM ids from the cache a list command filled) within 4x.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    ServedSandbox,
    cli_path,
    median_ms,
    python_pass,
    report,
    timed_runs,
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11, help="timed runs of each (>= 10)")
    parser.add_argument("--vms", type=int, default=1000)
    args = parser.parse_args()
    ok = True
    print(f"wall time against sandbox serve, medians of {args.runs} runs")
    with ServedSandbox(vms=args.vms) as box:
        vm_id = box.vm_ids[len(box.vm_ids) // 2]
        box.cli("vm", "list")  # fills the completion cache, as any list command does
        line = f"gandi-hosting --url {box.url} vm info "
        complete_env = box.env | {
            "_GANDI_HOSTING_COMPLETE": "bash_complete",
            "COMP_WORDS": line,
            "COMP_CWORD": str(len(line.split(" ")) - 1),
        }
        times = timed_runs(
            {
                "pass": (python_pass(), box.env),
                "complete": ([cli_path()], complete_env),
                "info": (box.command("--json", "vm", "info", str(vm_id)), box.env),
                "name": (box.command("--json", "vm", "info", f"vm{vm_id}"), box.env),
                "list": (box.command("--json", "vm", "list", "--details"), box.env),
            },
            args.runs,
        )
    base = median_ms(times["pass"])
    print(f"  {'python -c pass':<46} {base:>19.1f} ms")
    info = median_ms(times["info"])
    ok &= report(
        "wall: vm info ID --json",
        f"{info:.0f} ms = {info / base:.2f}x",
        f"< 4x python ({4 * base:.0f} ms)",
        info < 4 * base,
        info / base,
    )
    name = median_ms(times["name"])
    report(
        f"wall: vm info NAME --json ({args.vms} VMs)",
        f"{name:.0f} ms = {name / base:.2f}x",
        "(information)",
        True,
        name / base,
    )
    complete = median_ms(times["complete"])
    ok &= report(
        f"completion: VM ids after a list ({args.vms} VMs)",
        f"{complete:.0f} ms = {complete / base:.2f}x",
        f"<= 4x python ({4 * base:.0f} ms)",
        complete <= 4 * base,
        complete / base,
    )
    listing = median_ms(times["list"])
    ok &= report(
        f"wall: vm list --details --json, {args.vms} VMs",
        f"{listing:.0f} ms",
        "< 1500 ms",
        listing < 1500,
        listing,
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
