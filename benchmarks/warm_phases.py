"""Where the time of a warm `vm info ID --json` goes, phase by phase.

    python benchmarks/warm_phases.py [--runs 15]

Against `gandi-hosting sandbox serve` (a cached session, the fail backend: the session
file), the benchmark venv's interpreter runs the command in one process that notes the
time after each group of imports, then the command itself (medians of interleaved runs,
with `python -c pass` and `python -c 'import click'` beside them):
click; the CLI's root package (context, options, types: click decorators); xmlrpc.client
(http.client, email, ssl, decimal, gzip); the API client, sessions, settings and name
cache; the command's modules (vm/show.py, workflows, output); the run (one request,
the JSON printed). Then the modules with the largest own import time (`-X importtime`,
medians), by package. Information only: wall_time.py holds the target.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    FAIL_BACKEND,
    MIN_RUNS,
    ServedSandbox,
    bench_python,
    load,
    median_ms,
    print_baselines,
    timed_runs,
)

PHASES = """
import sys, time
t = [time.perf_counter()]
import click
t.append(time.perf_counter())
import gandi_hosting_cli.cli
t.append(time.perf_counter())
import xmlrpc.client
t.append(time.perf_counter())
import gandi_hosting_cli.api.client, gandi_hosting_cli.auth.sessions
import gandi_hosting_cli.config.name_cache, gandi_hosting_cli.config.settings
t.append(time.perf_counter())
import gandi_hosting_cli.cli.vm.show, gandi_hosting_cli.workflows.reads
import gandi_hosting_cli.output.render
t.append(time.perf_counter())
import io, contextlib
with contextlib.redirect_stdout(io.StringIO()):
    gandi_hosting_cli.cli.cli.main(sys.argv[1:], prog_name="gandi-hosting", standalone_mode=False)
t.append(time.perf_counter())
print(" ".join(f"{b - a:.6f}" for a, b in zip(t, t[1:])), file=sys.stderr)
"""
NAMES = (
    "import click",
    "the CLI's root package (context, options, types)",
    "xmlrpc.client (http.client, email, ssl, decimal, gzip)",
    "api client, sessions, settings, name cache",
    "the command's modules (vm/show, workflows, output)",
    "the run: one request, JSON printed",
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=MIN_RUNS)
    args = parser.parse_args()
    runs = max(args.runs, MIN_RUNS)
    with ServedSandbox(vms=10) as box:
        env = box.envs["fail backend"] | {"PYTHON_KEYRING_BACKEND": FAIL_BACKEND}
        argv = ["--url", box.url, "--json", "vm", "info", str(box.vm_ids[5])]
        phases: list[list[float]] = [[] for _ in NAMES]
        own: dict[str, list[int]] = defaultdict(list)
        for _ in range(runs):
            done = subprocess.run(
                [bench_python(), "-c", PHASES, *argv], env=env, capture_output=True,
                text=True, timeout=60, check=True,
            )  # fmt: skip
            for i, value in enumerate(done.stderr.split()[-len(NAMES) :]):
                phases[i].append(float(value))
            timed = subprocess.run(
                [bench_python(), "-X", "importtime", "-c", PHASES, *argv], env=env,
                capture_output=True, text=True, timeout=60, check=True,
            )  # fmt: skip
            for line in timed.stderr.splitlines():
                if line.startswith("import time:") and "|" in line and "[us]" not in line:
                    self_us, _, name = line.split("|", 2)
                    own[name.strip()].append(int(self_us.split(":")[-1]))
        times = timed_runs({}, runs, warmup=1)
        print(f"warm `vm info ID --json` by phase (fail backend); {load()}")
        print_baselines(times, runs)
        total = 0.0
        for name, values in zip(NAMES, phases, strict=True):
            ms = median_ms(values)
            total += ms
            print(f"  {name:<58} {ms:7.1f} ms")
        print(f"  {'(sum of the medians; + the interpreter start-up)':<58} {total:7.1f} ms")
        by_package: dict[str, float] = defaultdict(float)
        medians = {name: statistics.median(v) / 1000 for name, v in own.items()}
        for name, ms in medians.items():
            top = name.split(".")[0]
            key = ".".join(name.split(".")[:2]) if top == "gandi_hosting_cli" else top
            by_package[key] += ms
        print("  own import time by package (-X importtime, medians; inflated by the tracing):")
        for key, ms in sorted(by_package.items(), key=lambda kv: -kv[1])[:16]:
            print(f"    {key:<40} {ms:6.1f} ms")
        print("  largest modules of ours:")
        ours = [(n, ms) for n, ms in medians.items() if n.startswith("gandi_hosting_cli")]
        for name, ms in sorted(ours, key=lambda kv: -kv[1])[:10]:
            print(f"    {name:<40} {ms:6.2f} ms")
    print(f"after: {load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
