"""Memory: the CLI's peak RSS, from the benchmark's fresh venv (see _common.py).

    python benchmarks/memory.py [--vms 1000] [--runs 5]

Each run is one child process waited for with ``os.wait4``, whose rusage is that child's
own (``ru_maxrss``, KiB on Linux): no other process is counted. Medians of the runs, with
`python -c pass` and `python -c 'import click'` from the same venv for scale.
- `vm info ID --json` with a cached session, with the platform's default keyring
  resolution and with keyring's fail backend forced: target <= 30 MB each.
- `vm list --details` with 1,000 VMs: the plain table (stdout a pipe), `--json`, and the
  rich table (FORCE_COLOR=1 makes rich render it in a pipe, as on a terminal), default
  keyring resolution: target under 80 MB each.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    KEYRING_MODES,
    ServedSandbox,
    load,
    python_click,
    python_pass,
    report,
    run_measured,
)


def peak_rss_mb(cmd: list[str], env: dict[str, str]) -> float:
    return run_measured(cmd, env)[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vms", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    ok = True
    print(f"peak RSS of the CLI, median of {args.runs} runs; {load()}")
    with ServedSandbox(vms=args.vms) as box:

        def median_rss(cmd: list[str], env: dict[str, str]) -> float:
            return statistics.median(peak_rss_mb(cmd, env) for _ in range(args.runs))

        env = box.env
        print(f"  {'python -c pass':<52} {median_rss(python_pass(), env):>38.1f} MB")
        label = "python -c 'import click'"
        print(f"  {label:<52} {median_rss(python_click(), env):>38.1f} MB")
        vm_id = str(box.vm_ids[0])
        for mode in KEYRING_MODES:
            rss = median_rss(box.command("--json", "vm", "info", vm_id), box.envs[mode])
            ok &= report(
                f"peak RSS: vm info ID --json ({mode})", f"{rss:.1f} MB", "<= 30 MB", rss <= 30, rss
            )
        variants = {
            "plain table": (box.command("vm", "list", "--details"), env),
            "--json": (box.command("--json", "vm", "list", "--details"), env),
            "rich table": (
                box.command("vm", "list", "--details"),
                {k: v for k, v in env.items() if k != "NO_COLOR"} | {"FORCE_COLOR": "1"},
            ),
        }
        for name, (cmd, cmd_env) in variants.items():
            rss = median_rss(cmd, cmd_env)
            ok &= report(
                f"peak RSS: vm list --details {name}, {args.vms} VMs",
                f"{rss:.1f} MB",
                "< 80 MB",
                rss < 80,
                rss,
            )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
