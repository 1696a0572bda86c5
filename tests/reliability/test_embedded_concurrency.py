"""Several CLI processes on one embedded sandbox (``--sandbox``) at the same time.

Each process opens the same SQLite file; writers queue on SQLite's busy timeout, so no
command may fail with "database is locked", and the books balance afterwards.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.reliability.invariants import assert_invariants
from tests.reliability.support import LONG, STATS

PROCESSES = 6


def _start(args: list[str], stdin: str | None, env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "gandi_hosting_cli", "--sandbox", *args],
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )


@pytest.mark.slow
def test_cli_processes_sharing_the_embedded_sandbox(tmp_path):
    env = {**os.environ, "GANDI_HOSTING_SANDBOX_STATE": str(tmp_path / "embedded.sqlite3")}
    first = subprocess.run(
        [sys.executable, "-m", "gandi_hosting_cli", "--sandbox", "product", "add", "--yes",
         "shares", "20"],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert first.returncode == 0, first.stderr
    rounds = 4 if LONG else 1
    for round_no in range(rounds):
        procs = []
        for n in range(PROCESSES):
            name = f"r{round_no}p{n}"
            if n % 2:
                procs.append(_start(["disk", "create", name, "--size", "512"], None, env))
            else:
                args = ["vm", "create", name, "--os", "111", "--shares", "1", "--password-stdin"]
                procs.append(_start(args, "rootpassword\n", env))
        for proc in procs:
            out, err = proc.communicate(input="rootpassword\n" if proc.stdin else None, timeout=120)
            assert proc.returncode == 0, err
            assert "locked" not in err and "busy" not in err, err
            STATS["embedded sandbox: concurrent CLI processes"] += 1
    report = assert_invariants(tmp_path / "embedded.sqlite3")
    assert report.counts["vms"] == rounds * (PROCESSES // 2)
    STATS["embedded sandbox: invariants checked"] += report.checks
