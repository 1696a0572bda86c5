"""Parallel writers lose nothing: 16 ``login`` processes at once keep 16 sessions (48
with ``GANDI_HOSTING_LONG_TESTS=1``).

Each ``login`` is a separate process writing the session file (no keyring backend) and
``logins.json``; before the file lock, 8-13 of 16 sessions survived.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import wait_until
from tests.served import ServeProcess

LOGINS = 48 if os.environ.get("GANDI_HOSTING_LONG_TESTS") == "1" else 16


def reading_stdin(pid: int) -> bool:
    """The process is blocked reading a pipe (its password); True where /proc cannot say."""
    try:
        return "pipe_read" in Path(f"/proc/{pid}/wchan").read_text()
    except OSError:
        # no /proc (macOS, Windows): nothing can say, so give the processes time to start;
        # the test still passes if one is late (it then logs in a little after the rest)
        time.sleep(3)
        return True


@pytest.fixture
def served_accounts(tmp_path):
    accounts = [(f"CL{i}-GANDI", f"password-{i:02d}-secret") for i in range(LOGINS)]
    env = {"GANDI_HOSTING_SANDBOX_ACCOUNTS": " ".join(f"{a}:{p}" for a, p in accounts)}
    server = ServeProcess(tmp_path / "served.sqlite3", env=env)
    try:
        yield server, accounts
    finally:
        server.stop()


@pytest.mark.slow
def test_parallel_logins_to_different_accounts_keep_every_session(served_accounts, isolate):
    server, accounts = served_accounts
    env = {**os.environ, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    procs = []
    started = time.monotonic()
    for login, password in accounts:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gandi_hosting_cli", "--url", server.url, "login", login,
             "--password-stdin"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
        )  # fmt: skip
        procs.append((proc, password))
    # a start barrier: every process waits for its password before any gets one, so
    # that all 16 log in and write the session file at the same moment
    assert wait_until(lambda: all(reading_stdin(p.pid) for p, _ in procs), 90)
    for proc, password in procs:
        proc.stdin.write(password.encode() + b"\n")
        proc.stdin.close()
    failures = []
    for proc, _ in procs:
        proc.stdout.read()
        err = proc.stderr.read()
        if proc.wait(timeout=120) != 0:
            failures.append(err.decode())
    elapsed = time.monotonic() - started
    assert failures == [], failures[:3]

    state = Path(os.environ["XDG_STATE_HOME"]) / "gandi-hosting"
    sessions = json.loads((state / "sessions.json").read_text())
    kept = {key.rsplit("|", 1)[1] for key in sessions}
    assert kept == {login for login, _ in accounts}, f"{len(kept)} of {LOGINS} kept"
    assert stat.S_IMODE((state / "sessions.json").stat().st_mode) == 0o600
    assert not [p.name for p in state.iterdir() if p.name.endswith(".tmp")]
    for _, password in accounts:  # passwords never reach the session file
        assert password not in (state / "sessions.json").read_text()
    print(f"{LOGINS} parallel logins in {elapsed:.1f} s")

    # and each of them works: `session` of one account shows it logged in
    login = accounts[-1][0]
    shown = subprocess.run(
        [sys.executable, "-m", "gandi_hosting_cli", "--url", server.url, "session", "--json"],
        capture_output=True, text=True, env={**env, "GANDI_HOSTING_LOGIN": login}, timeout=60,
    )  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["logged_in"] is True
