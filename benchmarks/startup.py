"""Start-up: `--version`, `--help` and completion requests against both baselines.

    python benchmarks/startup.py [--runs 15]

Every command runs in the benchmark's fresh venv (see _common.py), interleaved with
`python -c pass` and `python -c 'import click'` from that venv; medians of >= 15 runs,
once with the platform's default keyring resolution and once with keyring's fail backend
forced (none of these commands may touch keyring, so both should agree). Targets:
`--version` <= 1.5x `python -c pass` (the entry point answers it without click);
`--help` and a completion request <= 1.3x `python -c 'import click'`. Also lists the
heavy packages each one imports (`-X importtime`): none of rich, keyring or xmlrpc, and
no click for `--version`. `python -c 'import re'` is shown for information: pip's
console-script wrapper imports `re` before anything of ours runs, so that is the floor
of `gandi-hosting --version`.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    KEYRING_MODES,
    MIN_RUNS,
    bench_python,
    cli_path,
    isolated_env,
    load,
    print_baselines,
    ratios,
    report,
    timed_runs,
)

COMPLETE_VAR = "_GANDI_HOSTING_COMPLETE"
HEAVY = ("rich", "keyring", "xmlrpc", "sqlite3", "platformdirs", "http", "email", "click")
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
    """Heavy top-level packages a run imports (the script run by the venv's interpreter
    with ``-X importtime``, as its shebang would)."""
    run = subprocess.run(
        [bench_python(), "-X", "importtime", *cmd],
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
    parser.add_argument("--runs", type=int, default=MIN_RUNS, help="timed runs of each (>= 15)")
    args = parser.parse_args()
    runs = max(args.runs, MIN_RUNS)

    script = cli_path()
    ok = True
    with tempfile.TemporaryDirectory(prefix="gh-bench-") as tmp:
        commands = {}
        envs = {}
        for mode, backend in KEYRING_MODES.items():
            env = isolated_env(Path(tmp) / mode.replace(" ", "-"), keyring=backend)
            envs[mode] = env
            commands[f"--version ({mode})"] = ([script, "--version"], env)
            commands[f"--help ({mode})"] = ([script, "--help"], env)
            for name, line in COMPLETIONS.items():
                commands[f"{name} ({mode})"] = ([script], completion_env(env, line))
        # the floor of any pip-made console script: its wrapper runs `import re` first
        commands["python -c 'import re'"] = (
            [bench_python(), "-c", "import re"],
            envs["default keyring"],
        )
        times = timed_runs(commands, runs)

        print(f"start-up ({script}); {load()}")
        print_baselines(times, runs)
        for name in commands:
            ms, x_pass, x_click, figure = ratios(times, name)
            if name == "python -c 'import re'":
                report(
                    f"(floor) {name}, as pip's script wrapper does", figure, "(information)", True
                )
                continue
            if name.startswith("--version"):
                target, passed = "<= 1.5x python -c pass", x_pass <= 1.5
            else:
                target, passed = "<= 1.3x import click", x_click <= 1.3
            ok &= report(f"start-up {name}", figure, target, passed, x_pass)
        env = envs["default keyring"]
        for name, cmd, cmd_env in (
            ("--version", [script, "--version"], env),
            ("--help", [script, "--help"], env),
            *((n, [script], completion_env(env, line)) for n, line in COMPLETIONS.items()),
        ):
            heavy = heavy_imports(cmd, cmd_env)
            banned = {"rich", "keyring", "xmlrpc"} | ({"click"} if name == "--version" else set())
            ok &= report(
                f"imports of {name}",
                ", ".join(heavy) or "none heavy",
                "no " + "/".join(sorted(banned)),
                not banned & set(heavy),
            )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
