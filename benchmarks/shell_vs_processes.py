"""One shell session vs one process per command: 100 `vm info ID --json` against `sandbox serve`.

    python benchmarks/shell_vs_processes.py [--commands 100] [--rounds 3]

- processes: `gandi-hosting --url URL vm info ID --json`, once per VM (100 processes, each
  with its interpreter start-up, imports, session lookup and a new connection);
- shell: `gandi-hosting --url URL shell` reading the same 100 lines from stdin (script
  mode): one process, one logged-in client, one keep-alive connection.

Both with a cached session (keyring's fail backend: the 0600 file) and the same output
on stdout (checked: the 100 JSON objects are the same). Each round runs both, in turn;
the figures are the medians of the rounds' totals, and each command's median in the
processes case. Requests are counted by the server: 100 in both cases.
Target: the shell >= 10x faster in total.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import FAIL_BACKEND, ServedSandbox, cli_path, load, report  # noqa: E402

TARGET = 10.0


def run(cmd: list[str], env: dict[str, str], stdin: str | None = None) -> tuple[float, str]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, input=stdin, capture_output=True, text=True, timeout=600)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr[-500:]}")
    return elapsed, proc.stdout


def objects(stdout: str) -> list[dict]:
    """The JSON objects printed one after the other (each `vm info --json`)."""
    decoder, found, at = json.JSONDecoder(), [], 0
    while at < len(stdout.rstrip()):
        obj, end = decoder.raw_decode(stdout, at)
        found.append(obj)
        at = end + 1
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, default=100, help="vm info commands per case")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of both cases")
    args = parser.parse_args()
    n = args.commands
    print(f"shell vs processes: {n} x `vm info ID --json`, {load()}")
    with ServedSandbox(vms=n) as box:
        env = box.envs["fail backend"]
        assert env.get("PYTHON_KEYRING_BACKEND") == FAIL_BACKEND
        base = [cli_path(), "--url", box.url]
        script = "".join(f"vm info {vm_id} --json\n" for vm_id in box.vm_ids)
        run([*base, "vm", "info", str(box.vm_ids[0]), "--json"], env)  # warm the caches
        process_totals, shell_totals, each = [], [], []
        for _ in range(args.rounds):
            outputs, started = [], time.perf_counter()
            for vm_id in box.vm_ids:
                elapsed, out = run([*base, "vm", "info", str(vm_id), "--json"], env)
                each.append(elapsed)
                outputs.append(out)
            process_totals.append(time.perf_counter() - started)
            before = box.settle()
            elapsed, shell_out = run([*base, "shell"], env, stdin=script)
            requests = box.settle() - before
            shell_totals.append(elapsed)
            assert objects("".join(outputs)) == objects(shell_out), "not the same output"
        processes = statistics.median(process_totals)
        shell = statistics.median(shell_totals)
        speedup = processes / shell
        print(f"  rounds: {args.rounds}; server requests of one shell run: {requests}")
        print(
            f"  {n} processes: total {processes:.2f} s (median of rounds), "
            f"{statistics.median(each) * 1000:.1f} ms per command (median)"
        )
        per_command = shell / n * 1000
        print(
            f"  1 shell:       total {shell:.2f} s (median of rounds), "
            f"{per_command:.1f} ms per command"
        )
        ok = report(
            f"shell vs {n} processes (vm info ID --json)",
            f"{speedup:.1f}x faster",
            f">= {TARGET:g}x",
            speedup >= TARGET,
            speedup,
        )
        ok &= report(
            f"requests of {n} commands in one shell",
            str(requests),
            f"== {n}",
            requests == n,
            requests,
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
