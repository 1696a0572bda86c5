"""Run every benchmark and print one table: figure, target, pass/fail.

    python benchmarks/run_all.py [--quick] [--markdown]

Each script runs in its own process, one after the other (they would skew each other's
figures otherwise); the summary collects their ``RESULT`` lines. The full run
takes about 8 minutes on a 2-core machine (the sandbox throughput rounds about 4, the
250,000-call soak about 1); ``--quick`` runs fewer repetitions, 2 throughput rounds and a
40,000-call soak in about 3 minutes.
Exit status 0 when every target is met.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def run(script: str, *args: str, timeout: float = 600) -> tuple[list[dict], str]:
    cmd = [sys.executable, str(HERE / script), *args]
    print(f"$ {' '.join(cmd[1:])}", flush=True)
    started = time.monotonic()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        out, err = proc.stdout, proc.stderr
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        err = f"timed out after {timeout:.0f} s"
    results = []
    for line in out.splitlines():
        if line.startswith("RESULT "):
            results.append(json.loads(line[7:]))
        else:
            print(line)
    if not results:
        results.append(
            {"name": script, "figure": "error", "target": err.strip()[-200:], "ok": False}
        )
    print(f"  ({time.monotonic() - started:.0f} s)", flush=True)
    return results, out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs, shorter soak")
    parser.add_argument("--markdown", action="store_true", help="the table in Markdown")
    args = parser.parse_args()
    runs = "10" if args.quick else "15"
    durations = ["1", "3", "10"] if args.quick else ["1", "3", "10", "30"]

    started = time.monotonic()
    results: list[dict] = []
    results += run("startup.py", "--runs", runs)[0]
    results += run("round_trips.py")[0]
    results += run("wall_time.py", "--runs", "10" if args.quick else "11")[0]
    results += run("wait_polling.py", "--durations", *durations)[0]
    results += run("memory.py")[0]
    results += run("sandbox_throughput.py", *(["--quick"] if args.quick else []), timeout=1200)[0]
    results += run("sandbox_memory.py", *(["--quick"] if args.quick else []))[0]

    print(f"\nsummary ({time.monotonic() - started:.0f} s)")
    if args.markdown:
        print("| Measure | Figure | Target | |")
        print("|---|---|---|---|")
        for r in results:
            mark = "pass" if r["ok"] else "**FAIL**"
            print(f"| {r['name']} | {r['figure']} | {r['target']} | {mark} |")
    else:
        for r in results:
            verdict = "PASS" if r["ok"] else "FAIL"
            print(f"  {r['name']:<50} {r['figure']:>24}   {r['target']:<26} {verdict}")
    failed = [r for r in results if not r["ok"]]
    print(f"{len(results) - len(failed)}/{len(results)} targets met")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
