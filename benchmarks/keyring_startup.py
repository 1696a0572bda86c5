"""keyring's public discovery vs the CLI's own pick of a backend (auth/keyring_backend.py).

    python benchmarks/keyring_startup.py [--runs 15]

Why the CLI does not simply call ``keyring.get_keyring()``: that public call imports
every backend keyring knows (the macOS and Windows ones too, on Linux) before it finds
that none works on a headless machine. ``find_backend`` asks only the platform's own
candidates, through keyring's public API, and remembers "none usable" for a day. Each
variant runs in a fresh interpreter of the benchmark's fresh venv (see _common.py),
interleaved round-robin with the baselines (``python -c pass``, ``python -c 'import
click'``); medians of >= 15 runs, in two environments:

- no session bus (a headless server, CI): nothing to probe;
- a session bus address that answers nothing (a desktop session without a keyring
  daemon): SecretService, KWallet and libsecret are worth a probe.

Every command imports ``config.settings`` (paths, profiles) before it needs a session:
the ``find_backend`` variants are measured above ``python -c 'import
gandi_hosting_cli.config.settings'`` (the "settings" baseline), the public discovery
above ``python -c pass``. Targets: probing costs less than the public discovery; with
"none" remembered, no keyring module is imported at all (``-X importtime``: a count, not
a time, so the machine's load cannot blur it; its wall time is shown beside).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    MIN_RUNS,
    bench_python,
    isolated_env,
    load,
    median_ms,
    print_baselines,
    report,
    run_once,
    timed_runs,
)

SETTINGS = "import gandi_hosting_cli.config.settings"
FIND = SETTINGS + "; from gandi_hosting_cli.auth.keyring_backend import find_backend as f; "
VARIANTS = {
    "settings": SETTINGS,
    "import keyring": "import keyring",
    "keyring.get_keyring() (public discovery)": "import keyring; keyring.get_keyring()",
    "find_backend() probing": FIND + "f(remember=False)",
    "find_backend() with none remembered": FIND + "f()",
}


def environments(home: Path) -> dict[str, dict[str, str]]:
    quiet = isolated_env(home / "no-bus")
    quiet.pop("DBUS_SESSION_BUS_ADDRESS", None)
    quiet["XDG_RUNTIME_DIR"] = str(home / "no-bus")  # no default bus socket there either
    silent = isolated_env(home / "silent-bus")
    silent["DBUS_SESSION_BUS_ADDRESS"] = f"unix:path={home / 'silent-bus' / 'bus'}"
    return {"no session bus": quiet, "a silent session bus": silent}


def keyring_imports(python: str, code: str, env: dict[str, str]) -> int:
    """How many keyring modules one run of ``code`` imports (``-X importtime``)."""
    done = subprocess.run(
        [python, "-X", "importtime", "-c", code],
        env=env, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    names = [line.rpartition("|")[2].strip() for line in done.stderr.splitlines()]
    return sum(1 for n in names if n == "keyring" or n.startswith("keyring."))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=MIN_RUNS)
    args = parser.parse_args()
    python = bench_python()
    print(f"keyring: public discovery vs find_backend ({load()})")
    ok = True
    with tempfile.TemporaryDirectory(prefix="gh-bench-keyring-") as tmp:
        for where, env in environments(Path(tmp)).items():
            # a first find_backend() writes the "none usable" record the last variant reads
            run_once([python, "-c", VARIANTS["find_backend() with none remembered"]], env)
            commands = {name: ([python, "-c", code], env) for name, code in VARIANTS.items()}
            times = timed_runs(commands, args.runs)
            print(f"\n{where}:")
            print_baselines(times)
            base = median_ms(times["pass"])
            for name in VARIANTS:
                ms = median_ms(times[name])
                print(f"  {name:<46} {ms:>19.1f} ms  (+{ms - base:.1f} ms over pass)")
            settings = median_ms(times["settings"])
            public = median_ms(times["keyring.get_keyring() (public discovery)"]) - base
            probing = median_ms(times["find_backend() probing"]) - settings
            remembered = median_ms(times["find_backend() with none remembered"]) - settings
            ok &= report(
                f"keyring probe ({where})",
                f"+{probing:.0f} ms vs +{public:.0f} ms public",
                "< the public discovery",
                probing < public,
                probing,
            )
            imported = keyring_imports(python, VARIANTS["find_backend() with none remembered"], env)
            ok &= report(
                f"keyring none remembered ({where})",
                f"{imported} keyring modules, {remembered:+.1f} ms over settings",
                "no keyring import",
                imported == 0,
                remembered,
            )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
