"""Start-up: `--help`, `--version` and completion requests against `python -c pass`.

    python benchmarks/startup.py [--runs 15]

Targets (medians, same run, interleaved): `--help` and `--version` within 3x `python -c
pass`; a completion request (what the shell's completion function runs on TAB) within 4x.
Also lists which heavy packages each one imports (`-X importtime`): none of rich, keyring
or xmlrpc may appear.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import cli_path, isolated_env, median_ms, python_pass, report, timed_runs  # noqa: E402

COMPLETE_VAR = "_GANDI_HOSTING_COMPLETE"
HEAVY = ("rich", "keyring", "xmlrpc", "sqlite3", "platformdirs", "http", "email")
COMPLETIONS = {
    "completion: top level": "gandi-hosting ",
    "completion: vm subcommand": "gandi-hosting vm st",
    "completion: option value": "gandi-hosting op list --state ",
}


def completion_env(base: dict[str, str], line: str) -> dict[str, str]:
    return base | {
        COMPLETE_VAR: "bash_complete",
        "COMP_WORDS": line,
        "COMP_CWORD": str(len(line.split(" ")) - 1),
    }


def heavy_imports(cmd: list[str], env: dict[str, str]) -> list[str]:
    import subprocess

    run = subprocess.run(
        [sys.executable, "-X", "importtime", *cmd],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    names = {
        line.rsplit("|", 1)[1].strip().split(".")[0]
        for line in run.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    return sorted(names & set(HEAVY))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="timed runs of each (>= 10)")
    args = parser.parse_args()

    script = cli_path()
    with tempfile.TemporaryDirectory(prefix="gh-bench-") as tmp:
        env = isolated_env(Path(tmp))
        commands = {
            "python -c pass": (python_pass(), env),
            "--help": ([script, "--help"], env),
            "--version": ([script, "--version"], env),
        }
        for name, line in COMPLETIONS.items():
            commands[name] = ([script], completion_env(env, line))
        times = timed_runs(commands, args.runs)

        base = median_ms(times["python -c pass"])
        print(f"start-up, medians of {args.runs} runs ({script})")
        print(f"  {'python -c pass':<46} {base:>19.1f} ms")
        ok = True
        for name in commands:
            if name == "python -c pass":
                continue
            limit = 4 if name.startswith("completion") else 3
            ms = median_ms(times[name])
            ratio = ms / base
            ok &= report(
                f"start-up {name}",
                f"{ms:.1f} ms = {ratio:.2f}x",
                f"<= {limit}x python ({limit * base:.0f} ms)",
                ratio <= limit,
                ratio,
            )
        # what they import: the script is run by this interpreter so -X importtime applies
        for name, (cmd, cmd_env) in commands.items():
            if name == "python -c pass":
                continue
            heavy = heavy_imports(cmd, cmd_env)
            ok &= report(
                f"imports of {name}",
                ", ".join(heavy) or "none heavy",
                "no rich/keyring/xmlrpc",
                not {"rich", "keyring", "xmlrpc"} & set(heavy),
            )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
