"""Wall time against a local `sandbox serve` (and the embedded `--sandbox`), warm.

    python benchmarks/wall_time.py [--runs 15] [--vms 1000]

Every command runs from the benchmark's fresh venv (see _common.py), interleaved with
`python -c pass` and `python -c 'import click'` from that venv; medians of >= 15 runs
after 2 warm-up rounds (a cached session; the "no usable keyring" answer remembered).
Each networked command is timed twice: with the platform's default keyring resolution
(no PYTHON_KEYRING_BACKEND) and with keyring's fail backend forced.

Targets: `vm info ID --json` with the default resolution within 1.15x of the same with
the fail backend, and <= 2.5x `python -c 'import click'`; `--sandbox --json vm info ID`
(embedded: never imports keyring) within 1.15x of its fail-backend twin too;
`vm list --details --json` with 1,000 VMs under 1.5 s; completing `vm info <TAB>` (ids
from the cache a list command filled) within 4x `python -c pass`. `vm info NAME` is
shown for information (lookups by name are another change).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    KEYRING_MODES,
    MIN_RUNS,
    SEED_LOGIN,
    ServedSandbox,
    cli_path,
    load,
    print_baselines,
    ratios,
    report,
    timed_runs,
)


def embedded_state(path: Path) -> int:
    """A small state for the embedded sandbox (its own file: the server holds the other);
    the id of one of its VMs."""
    from gandi_hosting_cli.sandbox.dispatcher import Sandbox

    box = Sandbox(path, op_delay=0)
    try:
        return box.bulk_create_vms(SEED_LOGIN, 10, "emb")[5]
    finally:
        box.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=MIN_RUNS, help="timed runs of each (>= 15)")
    parser.add_argument("--vms", type=int, default=1000)
    args = parser.parse_args()
    runs = max(args.runs, MIN_RUNS)
    ok = True
    with ServedSandbox(vms=args.vms) as box:
        vm_id = box.vm_ids[len(box.vm_ids) // 2]
        state = Path(box._tmp.name) / "embedded.sqlite3"
        emb_id = embedded_state(state)
        box.cli("vm", "list")  # fills the completion cache, as any list command does
        line = f"gandi-hosting --url {box.url} vm info "
        commands = {}
        for mode in KEYRING_MODES:
            env = box.envs[mode]
            commands[f"vm info ID --json ({mode})"] = (
                box.command("--json", "vm", "info", str(vm_id)),
                env,
            )
            commands[f"--sandbox --json vm info ID ({mode})"] = (
                [cli_path(), "--sandbox", "--json", "vm", "info", str(emb_id)],
                env | {"GANDI_HOSTING_SANDBOX_STATE": str(state)},
            )
            commands[f"vm info NAME --json ({mode})"] = (
                box.command("--json", "vm", "info", f"vm{len(box.vm_ids) // 2 + 1}"),
                env,
            )
        env = box.envs["default keyring"]
        commands["complete vm info <TAB>"] = (
            [cli_path()],
            env
            | {
                "_GANDI_HOSTING_COMPLETE": "bash_complete",
                "COMP_WORDS": line,
                "COMP_CWORD": str(len(line.split(" ")) - 1),
            },
        )
        commands["vm list --details --json"] = (
            box.command("--json", "vm", "list", "--details"),
            env,
        )
        times = timed_runs(commands, runs)

    print(f"wall time against sandbox serve ({args.vms} VMs); {load()}")
    print_baselines(times, runs)
    for what in ("vm info ID --json", "--sandbox --json vm info ID", "vm info NAME --json"):
        default = ratios(times, f"{what} (default keyring)")
        fail = ratios(times, f"{what} (fail backend)")
        report(f"wall: {what} (fail backend)", fail[3], "(the reference)", True, fail[0])
        keyring_ratio = default[0] / fail[0]
        if what == "vm info NAME --json":
            report(f"wall: {what} (default keyring)", default[3], "(information)", True)
            continue
        ok &= report(
            f"wall: {what} (default keyring)",
            f"{default[3]} = {keyring_ratio:.2f}x fail",
            "<= 1.15x fail backend",
            keyring_ratio <= 1.15,
            keyring_ratio,
        )
        if what == "vm info ID --json":
            for mode, figure in (("default keyring", default), ("fail backend", fail)):
                ok &= report(
                    f"wall: vm info ID --json ({mode}) vs click",
                    f"{figure[2]:.2f}x click",
                    "<= 2.2x import click",
                    figure[2] <= 2.2,
                    figure[2],
                )
    complete = ratios(times, "complete vm info <TAB>")
    ok &= report(
        f"completion: VM ids after a list ({args.vms} VMs)",
        complete[3],
        "<= 2x python -c pass",
        complete[1] <= 2,
        complete[1],
    )
    listing = ratios(times, "vm list --details --json")
    ok &= report(
        f"wall: vm list --details --json, {args.vms} VMs",
        listing[3],
        "< 1500 ms",
        listing[0] < 1500,
        listing[0],
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
