"""On a real terminal (a pty): rich tables, NO_COLOR, and the password prompt on expiry."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time

import pytest

from gandi_hosting_cli.sandbox.seed import SEED_LOGIN, SEED_PASSWORD

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a pty")

COMMAND = [sys.executable, "-m", "gandi_hosting_cli"]


def run_in_pty(*args: str, env: dict | None = None, answer: tuple[str, str] | None = None):
    """Run with stdin/stdout/stderr on a pty; answer one prompt; return (code, output)."""
    import pty

    master, slave = pty.openpty()
    environ = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    environ.update({"TERM": "xterm-256color", "COLUMNS": "100", **(env or {})})
    proc = subprocess.Popen(
        [*COMMAND, *args], stdin=slave, stdout=slave, stderr=slave, env=environ, close_fds=True
    )
    os.close(slave)
    output = b""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            output += chunk
            if answer and answer[0].encode() in output:
                os.write(master, answer[1].encode() + b"\n")
                answer = None
        elif proc.poll() is not None:
            break
    proc.wait(timeout=10)
    os.close(master)
    return proc.returncode, output.decode("utf-8", "replace")


def test_a_terminal_gets_a_rich_table_in_colour(tmp_path):
    env = {"GANDI_HOSTING_SANDBOX_STATE": str(tmp_path / "s.sqlite3")}
    code, output = run_in_pty("--sandbox", "os", "list", env=env)
    assert code == 0, output
    assert "\x1b[" in output  # styled header
    assert "Debian 12 64 bits" in output


def test_no_color_on_a_terminal(tmp_path):
    env = {"GANDI_HOSTING_SANDBOX_STATE": str(tmp_path / "s.sqlite3"), "NO_COLOR": "1"}
    code, output = run_in_pty("--sandbox", "os", "list", env=env)
    assert code == 0, output
    assert "\x1b[" not in output
    assert "Debian 12 64 bits" in output


def test_an_expired_session_prompts_for_the_password_on_a_terminal(make_sandbox_server, clock):
    server = make_sandbox_server(session_ttl=60, clock=clock)
    done = subprocess.run(
        [*COMMAND, "--url", server.url, "login", SEED_LOGIN, "--password-stdin"],
        input=SEED_PASSWORD + "\n",
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    clock.tick(61)  # the server forgets the session
    code, output = run_in_pty(
        "--url", server.url, "account", "currency", answer=("Password for", SEED_PASSWORD)
    )
    assert code == 0, output
    assert f"Password for {SEED_LOGIN}" in output
    assert output.rstrip().endswith("EUR")
    assert SEED_PASSWORD not in output  # the prompt hides what is typed
