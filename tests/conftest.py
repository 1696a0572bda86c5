"""Test isolation shared by every test, and the ``cli`` runner.

No test may touch the developer's real config, keyring or sandbox state: every test gets
private XDG dirs, a quiet environment, a fresh in-memory keyring (in-process) or keyring's
``fail`` backend (subprocesses, so they use the 0600 file in the isolated state dir), and
its own embedded-sandbox state file. ``wait_until(predicate, timeout)``: how a test waits
for a condition (never a bare ``time.sleep``).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from click.testing import CliRunner, Result
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

pytest_plugins = ["tests.sandbox_fixtures"]


def wait_until(predicate: Callable[[], object], timeout: float = 60.0, interval: float = 0.01):
    """Poll ``predicate`` until it is true or ``timeout`` seconds have passed; return its
    last value (``assert wait_until(...)``). Deadlines are generous: a loaded machine only
    makes the wait longer, never the test fail, and a quick condition costs no more than
    ``interval``."""
    end = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= end:
            return value
        time.sleep(interval)


@pytest.fixture(autouse=True)
def isolate(tmp_path, monkeypatch):
    """Give every test its own XDG dirs (platformdirs honours them), its own working
    directory and a predictable terminal."""
    home = tmp_path / "home"
    for var, sub in (
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_STATE_HOME", "state"),
        ("XDG_CACHE_HOME", "cache"),
        ("XDG_DATA_HOME", "data"),
    ):
        d = home / sub
        d.mkdir(parents=True)
        monkeypatch.setenv(var, str(d))
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(tmp_path)  # a file a command writes (export --file X) never lands in the repo
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "100")
    for var in (
        "GANDI_HOSTING_PROFILE",
        "GANDI_HOSTING_URL",
        "GANDI_HOSTING_LOGIN",
        "GANDI_HOSTING_PASSWORD",
        "FORCE_COLOR",
    ):
        monkeypatch.delenv(var, raising=False)
    return home


class MemoryKeyring(KeyringBackend):
    """A keyring backend that lives and dies with one test."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self.entries:
            raise PasswordDeleteError(username)
        del self.entries[(service, username)]


@pytest.fixture(autouse=True)
def memory_keyring(monkeypatch):
    import keyring

    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def no_keyring():
    """Select keyring's fail backend: the headless-server case (file fallback)."""
    import keyring
    from keyring.backends import fail

    keyring.set_keyring(fail.Keyring())


@pytest.fixture(autouse=True)
def embedded_sandbox_state(tmp_path, monkeypatch):
    """--sandbox keeps its state in the test's tmp dir and finishes operations at once."""
    monkeypatch.setenv("GANDI_HOSTING_SANDBOX_STATE", str(tmp_path / "embedded.sqlite3"))
    monkeypatch.setenv("GANDI_HOSTING_SANDBOX_OP_DELAY", "0")


@pytest.fixture
def cli():
    """``cli(*args, input=None, env=None, interactive=False, clock=None) -> Result`` through
    the real root group."""
    from gandi_hosting_cli.cli import cli as root

    runner = CliRunner()

    def invoke(
        *args: str,
        input: str | None = None,
        env: dict | None = None,
        interactive: bool = False,
        clock=None,
    ) -> Result:
        """``interactive``: someone at the terminal answers the prompts. ``clock``: the
        sandbox's hand-driven clock (``tests.sandbox_fixtures.Clock``), which the command's
        waits read and move instead of sleeping."""
        obj = None
        if interactive or clock is not None:
            from gandi_hosting_cli.cli.context import AppContext
            from gandi_hosting_cli.output.terminal import Terminal

            obj = AppContext(terminal=Terminal(interactive=True) if interactive else Terminal())
            if clock is not None:
                obj.wait_clock, obj.sleep = clock, clock.tick
        return runner.invoke(
            root, list(args), input=input, env=env, obj=obj, catch_exceptions=False
        )

    return invoke


@pytest.fixture
def logged_in(cli, sandbox_server):
    """A session for the seeded account on a fresh sandbox server; returns the server."""
    from gandi_hosting_cli.sandbox.seed import SEED_LOGIN, SEED_PASSWORD

    result = cli(
        "--url",
        sandbox_server.url,
        "login",
        SEED_LOGIN,
        "--password-stdin",
        input=SEED_PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    return sandbox_server


@pytest.fixture
def path_env(tmp_path) -> dict[str, str]:
    """An environment whose PATH has a ``gandi-hosting`` running this checkout (keyring:
    the ``fail`` backend, so sessions go to the fallback file)."""
    import os
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parent.parent
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    exe = bin_dir / "gandi-hosting"
    exe.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m gandi_hosting_cli "$@"\n')
    exe.chmod(0o755)
    env = dict(os.environ)
    env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(repo), env.get("PYTHONPATH")]))
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    return env


def sigint_as_default() -> None:
    """``preexec_fn`` of a child a test sends SIGINT (Ctrl-C) to: its default action back,
    whatever the runner inherited (a shell's background job starts with SIGINT ignored, and
    Python then installs no KeyboardInterrupt handler)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)
