"""The installed console script, in subprocesses, against a sandbox server on 127.0.0.1.

Subprocesses get keyring's ``fail`` backend (tests/conftest.py), which is what a
headless server or CI has: sessions go to the 0600 file in the isolated state dir.
"""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from gandi_hosting_cli.sandbox.seed import SEED_LOGIN, SEED_PASSWORD
from tests.conftest import sigint_as_default


def _installed_script() -> str | None:
    # next to this interpreter: a PATH lookup may find a stale shim (pyenv) or another venv
    candidate = Path(sys.executable).with_name("gandi-hosting")
    return str(candidate) if candidate.is_file() and os.access(candidate, os.X_OK) else None


SCRIPT = _installed_script()
COMMAND = [SCRIPT] if SCRIPT else [sys.executable, "-m", "gandi_hosting_cli"]


def run(*args: str, input: str | None = None, env: dict | None = None):
    return subprocess.run(
        [*COMMAND, *args],
        input=input,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


@pytest.mark.skipif(SCRIPT is None, reason="console script not installed (pip install -e .)")
def test_the_console_script_is_installed():
    assert run("--version").stdout.strip().startswith("gandi-hosting, version ")


def test_round_trip_with_the_file_store(sandbox_server, isolate):
    url = sandbox_server.url
    done = run("--url", url, "login", SEED_LOGIN, "--password-stdin", input=SEED_PASSWORD + "\n")
    assert done.returncode == 0, done.stderr
    path = isolate / "state" / "gandi-hosting" / "sessions.json"
    assert f"sessions are kept in {path} (mode 0600)" in done.stderr
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    session_id = json.loads(next(iter(json.loads(path.read_text()).values())))["session_id"]

    before = sandbox_server.request_count
    currency = run("--url", url, "account", "currency", "--debug")
    assert currency.returncode == 0 and currency.stdout == "EUR\n"
    assert sandbox_server.request_count == before + 1
    assert session_id not in currency.stderr and SEED_PASSWORD not in currency.stderr

    shown = json.loads(run("--url", url, "session", "--json").stdout)
    assert shown["store"] == f"file ({path})" and session_id not in json.dumps(shown)
    assert run("--url", url, "logout").returncode == 0
    assert run("--url", url, "session").returncode == 3


def test_exit_codes_3_4_6_for_real(sandbox_server):
    url = sandbox_server.url
    bad = run("--url", url, "login", SEED_LOGIN, "--password-stdin", input="nope-nope\n")
    assert bad.returncode == 3 and bad.stdout == ""
    run("--url", url, "login", SEED_LOGIN, "--password-stdin", input=SEED_PASSWORD + "\n")
    missing = run("--url", url, "vm", "info", "424242")
    assert missing.returncode == 4 and "Traceback" not in missing.stderr
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    credentials = {"GANDI_HOSTING_LOGIN": SEED_LOGIN, "GANDI_HOSTING_PASSWORD": SEED_PASSWORD}
    down = run("--url", f"http://127.0.0.1:{port}/", "os", "list", "--json", env=credentials)
    assert down.returncode == 6 and down.stdout == ""
    assert json.loads(down.stderr.splitlines()[-1])["error"]["exit_code"] == 6


def test_sandbox_without_server_or_login(tmp_path):
    env = {"GANDI_HOSTING_SANDBOX_STATE": str(tmp_path / "s.sqlite3")}
    result = run("--sandbox", "os", "list", "--json", env=env)
    assert result.returncode == 0, result.stderr
    assert {image["id"] for image in json.loads(result.stdout)} >= {111}


def test_ctrl_c_exits_130_without_a_traceback():
    import signal

    with socket.socket() as listener:  # accepts, never answers
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/"
        proc = subprocess.Popen(
            [*COMMAND, "--url", url, "login", SEED_LOGIN, "--password-stdin"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=sigint_as_default,
        )
        proc.stdin.write(SEED_PASSWORD + "\n")
        proc.stdin.close()
        listener.settimeout(30)
        conn, _ = listener.accept()
        conn.settimeout(30)
        assert conn.recv(1)  # the request is in flight (its first bytes arrived)
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
        err = proc.stderr.read()
        proc.stdout.close()
        proc.stderr.close()
        conn.close()
    assert proc.returncode == 130
    assert "Interrupted." in err and "Traceback" not in err
