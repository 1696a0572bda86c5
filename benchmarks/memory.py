"""Memory: the CLI's peak RSS for `vm list --details` with 1,000 VMs.

    python benchmarks/memory.py [--vms 1000] [--runs 3]

Each run is one child process waited for with ``os.wait4``, whose rusage is that child's
own (``ru_maxrss``, KiB on Linux): no other process is counted. Output variants: the plain
table (stdout a pipe), `--json`, and the rich table (FORCE_COLOR=1 makes rich render it
in a pipe, as on a terminal). Target: under 80 MB each (median of the runs).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ServedSandbox, report  # noqa: E402


def peak_rss_mb(cmd: list[str], env: dict[str, str]) -> float:
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    err = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {err[-500:]}")
    return usage.ru_maxrss / 1024  # KiB -> MiB


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vms", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    ok = True
    print(f"peak RSS of the CLI, median of {args.runs} runs")
    with ServedSandbox(vms=args.vms) as box:
        variants = {
            "plain table": (box.command("vm", "list", "--details"), box.env),
            "--json": (box.command("--json", "vm", "list", "--details"), box.env),
            "rich table": (
                box.command("vm", "list", "--details"),
                {k: v for k, v in box.env.items() if k != "NO_COLOR"} | {"FORCE_COLOR": "1"},
            ),
        }
        baseline = statistics.median(
            peak_rss_mb([sys.executable, "-c", "pass"], box.env) for _ in range(args.runs)
        )
        print(f"  {'python -c pass':<46} {baseline:>19.1f} MB")
        for name, (cmd, env) in variants.items():
            rss = statistics.median(peak_rss_mb(cmd, env) for _ in range(args.runs))
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
