"""Run every benchmark and print one table: figure, target, pass/MISS.

    python benchmarks/run_all.py [--quick] [--markdown]

First a FRESH venv is made (``python -m venv`` without system site packages, then
``pip install`` of this checkout, ~10 s) in a temporary dir, unless
``GANDI_HOSTING_BENCH_VENV`` names one to reuse; every script takes its figures with that
venv's interpreter and console script (see _common.py). Each script runs in its own
process, one after the other (they would skew each other's figures otherwise); the
summary collects their ``RESULT`` lines. The sandbox server's own benchmarks
(``sandbox_throughput.py``, ``sandbox_memory.py``) are run as they are: their ``RESULT``
lines if they print any, else their lines that carry a verdict (pass/fail/miss), else
their exit status. The machine's load is printed before and after. ``--quick`` samples
fewer wait durations (start-up and wall figures keep their >= 15 runs) and sets
``GANDI_HOSTING_BENCH_QUICK=1`` for the scripts that honour it. Exit status 0 when every
target is met.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _common import VENV_ENV, load, make_venv  # noqa: E402

VERDICT = re.compile(r"\b(pass|PASS|ok|OK|MISS|miss|FAIL|fail|FAILED)\b\s*$")
FIGURE = re.compile(r"[\d,.]+\s*(calls/s|requests/s|req/s|reads/s|writes/s|/s|MB|MiB)\b")


def run(script: str, *args: str, env: dict[str, str], timeout: float = 900) -> list[dict]:
    cmd = [sys.executable, str(HERE / script), *args]
    print(f"$ {' '.join(cmd[1:])}", flush=True)
    started = time.monotonic()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
        out, err, code = proc.stdout, proc.stderr, proc.returncode
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        err, code = f"timed out after {timeout:.0f} s", None
    results = []
    verdicts = []
    figures = []
    for line in out.splitlines():
        if line.startswith("RESULT "):
            results.append(json.loads(line[7:]))
            continue
        print(line)
        match = VERDICT.search(line)
        if match:
            text = line[: match.start()].strip()
            verdicts.append(
                {
                    "name": f"{script}: {' '.join(text.split())[:90]}",
                    "figure": "(see its output)",
                    "target": "(its own)",
                    "ok": match.group(1).lower() in ("pass", "ok"),
                }
            )
        elif FIGURE.search(line):
            figures.append(
                {
                    "name": f"{script}: {' '.join(line.split())[:90]}",
                    "figure": FIGURE.search(line).group(0),
                    "target": "(information)",
                    "ok": True,
                }
            )
    if code != 0 and err.strip():
        print(err.strip()[-2000:])
    if not results:
        results = verdicts
    if not results:
        results = figures  # and its exit status below
        results.append(
            {
                "name": script,
                "figure": "exit status " + ("timeout" if code is None else str(code)),
                "target": "exit status 0" + (f" ({err.strip()[-150:]})" if code else ""),
                "ok": code == 0,
            }
        )
    print(f"  ({time.monotonic() - started:.0f} s)", flush=True)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer wait durations")
    parser.add_argument("--markdown", action="store_true", help="the table in Markdown")
    args = parser.parse_args()
    durations = ["1", "3", "10"] if args.quick else ["1", "3", "10", "30"]

    started = time.monotonic()
    before = load()
    print(f"before: {before}")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    tmp = None
    if not env.get(VENV_ENV):
        tmp = tempfile.mkdtemp(prefix="gh-bench-venv-")
        print(f"(creating a fresh venv in {tmp}: python -m venv + pip install)", flush=True)
        env[VENV_ENV] = str(make_venv(Path(tmp) / "venv"))
    if args.quick:
        env["GANDI_HOSTING_BENCH_QUICK"] = "1"
    venv_python = Path(env[VENV_ENV]) / ("Scripts" if os.name == "nt" else "bin") / "python"
    version = subprocess.run(
        [str(venv_python), "-c", "import sys; print(sys.version.split()[0], sys.prefix)"],
        capture_output=True, text=True, timeout=60,
    ).stdout.strip()  # fmt: skip
    print(f"benchmark venv: Python {version}")
    try:
        results: list[dict] = []
        results += run("startup.py", env=env)
        results += run("round_trips.py", env=env)
        results += run("wall_time.py", env=env)
        results += run("warm_phases.py", env=env)
        results += run("memory.py", env=env)
        results += run("shell_vs_processes.py", env=env)
        results += run("wait_polling.py", "--durations", *durations, env=env)
        results += run("sandbox_throughput.py", env=env)
        results += run("sandbox_memory.py", env=env)
        sizes = ["10", "100"] if args.quick else ["10", "100", "1000"]
        results += run("declarative_scale.py", "--sizes", *sizes, env=env, timeout=1800)
        results += run("hostile_clients.py", env=env)
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)

    after = load()
    print(f"\nsummary ({time.monotonic() - started:.0f} s); before: {before}; after: {after}")
    if args.markdown:
        print("| Measure | Figure | Target | |")
        print("|---|---|---|---|")
        for r in results:
            mark = "pass" if r["ok"] else "**MISS**"
            print(f"| {r['name']} | {r['figure']} | {r['target']} | {mark} |")
    else:
        for r in results:
            verdict = "pass" if r["ok"] else "MISS"
            print(f"  {r['name']:<56} {r['figure']:>44}   {r['target']:<32} {verdict}")
    failed = [r for r in results if not r["ok"]]
    print(f"{len(results) - len(failed)}/{len(results)} targets met")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
