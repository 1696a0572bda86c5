"""Where the time of a warm `vm info ID --json` goes, phase by phase.

    python benchmarks/warm_phases.py [--runs 15]

Against `gandi-hosting sandbox serve` (a cached session), in both keyring modes (the
platform's default resolution, and the fail backend), the benchmark venv's interpreter
runs the command in one process that notes the time (``time.monotonic``: one clock for
every process on Linux, macOS and Windows) after each group of imports, loaded as the
entry point loads them (click and the CLI's root with the collector paused, then frozen:
``__main__._load_cli``; an older checkout without it: plain imports), then the command
itself; the parent notes when it started the process and when the process was gone.
Phases (medians of interleaved runs): the interpreter's start-up (with the entry
point's own module); click; the CLI's root package (context, options, types: click
decorators); xmlrpc.client (http.client, email, ssl, decimal, gzip); the API client,
sessions, settings and name cache; the command's modules (vm/show.py, workflows,
output); the run (one request, the JSON printed); the exit (atexit, the collector, the
modules torn down). Beside them, `python -c pass`, `python -c 'import click'` and the
console script itself, interleaved. Then the modules with the largest own import time
(`-X importtime`, medians, default keyring), by package. Information only: wall_time.py
holds the target.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    KEYRING_MODES,
    MIN_RUNS,
    ServedSandbox,
    bench_python,
    load,
    median_ms,
    print_baselines,
    python_click,
    python_pass,
    run_once,
)

PHASES = """
import time
t = [time.monotonic()]
import gc, sys
try:  # the console script's module, imported first as the console script does
    from gandi_hosting_cli.__main__ import _load_cli
except ImportError:  # an older checkout: the CLI loaded as any import, nothing frozen
    _load_cli = None
if _load_cli:
    gc.disable()  # as the entry point (_load_cli) loads click with the CLI's root
import click
t.append(time.monotonic())
if _load_cli:
    _load_cli()  # the CLI's root, then gc.freeze() (it leaves the collector as it found it)
    gc.enable()
else:
    import gandi_hosting_cli.cli
t.append(time.monotonic())
import xmlrpc.client
t.append(time.monotonic())
import gandi_hosting_cli.api.client, gandi_hosting_cli.auth.sessions
import gandi_hosting_cli.config.name_cache, gandi_hosting_cli.config.settings
t.append(time.monotonic())
import gandi_hosting_cli.cli.vm.show, gandi_hosting_cli.workflows.reads
import gandi_hosting_cli.output.render
t.append(time.monotonic())
import io, contextlib
with contextlib.redirect_stdout(io.StringIO()):
    code = gandi_hosting_cli.cli.cli.main(
        sys.argv[1:], prog_name="gandi-hosting", standalone_mode=False
    )
assert code == 0, code
t.append(time.monotonic())
print("PHASES", " ".join(f"{x:.6f}" for x in t), file=sys.stderr, flush=True)
"""
NAMES = (
    "interpreter start-up (to the first line)",
    "import click",
    "the CLI's root package (context, options, types)",
    "xmlrpc.client (http.client, email, ssl, decimal, gzip)",
    "api client, sessions, settings, name cache",
    "the command's modules (vm/show, workflows, output)",
    "the run: one request, JSON printed",
    "exit: atexit, the collector, modules torn down",
)


def phases_once(argv: list[str], env: dict[str, str]) -> list[float]:
    """One run of PHASES: the seconds each phase took, start-up and exit included."""
    start = time.monotonic()
    done = subprocess.run(
        [bench_python(), "-c", PHASES, *argv], env=env, capture_output=True, text=True,
        timeout=60, check=True,
    )  # fmt: skip
    end = time.monotonic()
    line = next(x for x in done.stderr.splitlines() if x.startswith("PHASES "))
    marks = [start, *map(float, line.split()[1:]), end]
    return [b - a for a, b in zip(marks, marks[1:], strict=False)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=MIN_RUNS)
    args = parser.parse_args()
    runs = max(args.runs, MIN_RUNS)
    print(f"warm `vm info ID --json` by phase; {load()}")
    with ServedSandbox(vms=10) as box:
        argv = ["--url", box.url, "--json", "vm", "info", str(box.vm_ids[5])]
        envs = {mode: box.envs[mode] for mode in KEYRING_MODES}
        default_env = envs["default keyring"]
        phases = {mode: [[] for _ in NAMES] for mode in envs}
        times: dict[str, list[float]] = defaultdict(list)
        own: dict[str, list[int]] = defaultdict(list)
        for i in range(runs + 1):  # the first round warms the caches, and is dropped
            for mode, env in envs.items():
                for k, value in enumerate(phases_once(argv, env)):
                    if i:
                        phases[mode][k].append(value)
            for name, cmd, env in [
                ("pass", python_pass(), default_env),
                ("click", python_click(), default_env),
                *((mode, box.command(*argv[2:]), env) for mode, env in envs.items()),
            ]:
                elapsed = run_once(cmd, env)
                if i:
                    times[name].append(elapsed)
            timed = subprocess.run(
                [bench_python(), "-X", "importtime", "-c", PHASES, *argv], env=default_env,
                capture_output=True, text=True, timeout=60, check=True,
            )  # fmt: skip
            for line in timed.stderr.splitlines():
                if line.startswith("import time:") and "|" in line and "[us]" not in line:
                    self_us, _, name = line.split("|", 2)
                    own[name.strip()].append(int(self_us.split(":")[-1]))
        print_baselines(times, runs)
        print(f"  {'':<58} {'default':>9} {'fail':>9}   (keyring; ms)")
        totals = dict.fromkeys(envs, 0.0)
        for k, name in enumerate(NAMES):
            row = []
            for mode in envs:
                ms = median_ms(phases[mode][k])
                totals[mode] += ms
                row.append(f"{ms:9.1f}")
            print(f"  {name:<58} {' '.join(row)}")
        sums = " ".join(f"{totals[mode]:9.1f}" for mode in envs)
        print(f"  {'(sum of the medians)':<58} {sums}")
        walls = " ".join(f"{median_ms(times[mode]):9.1f}" for mode in envs)
        print(f"  {'the console script, same runs (wall)':<58} {walls}")
        click_ms = median_ms(times["click"])
        shown = " ".join(f"{median_ms(times[mode]) / click_ms:8.2f}x" for mode in envs)
        print(f"  {'  as a ratio to import click':<58} {shown}")
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
