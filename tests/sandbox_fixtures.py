"""Pytest plugin: sandbox servers on 127.0.0.1 for tests (owned by the sandbox layer).

Fixtures:
- ``make_sandbox_server(**kwargs)``: a factory; ``kwargs`` are ``Sandbox`` keyword
  arguments (``op_delay`` defaults to 0 here, ``strict`` to ``sandbox_strict``,
  ``session_ttl``, ``accounts``, ``multicall``, ``clock``) plus ``state_path`` (default: a
  fresh file in ``tmp_path``, a copy of a fresh state made once per run) and ``port``
  (default 0). Every server it made is shut down after the test.
- ``sandbox_strict``: whether servers are strict by default: True, so the CLI's and the
  api layer's wire tests prove they send the spec's types exactly (``sandbox serve
  --strict``); ``tests/sandbox/conftest.py`` makes it False, as the sandbox's own tests
  check the default, tolerant mode (the spec's PHP and Perl samples).
- ``sandbox_server``: one running server, op_delay 0, fresh state.
- ``sandbox_proxy``: an ``xmlrpc.client.ServerProxy`` on ``sandbox_server``.
- ``sandbox_session``: a session id of the seeded account on ``sandbox_server``.
- ``serve_process(state_path=None, **kwargs)``: the real ``gandi-hosting sandbox serve``
  as a subprocess (``tests.served.ServeProcess``; ``kwargs``: ``op_delay``, ``extra``,
  ``env``); the state defaults to one file per test (so a second call restarts on the
  same state); every process still running after the test is killed.
- ``clock``: a hand-driven ``Clock`` to pass as ``make_sandbox_server(clock=clock)``;
  ``clock.tick(seconds)`` moves the sandbox's time (session expiry, operations) at once,
  so no test sleeps for a short TTL and a loaded machine cannot change the outcome.

What they yield (``RunningSandbox``): ``.url``, ``.request_count``, ``.sandbox`` (the
``Sandbox``, e.g. for ``bulk_create_vms``), ``.state_path``, ``.server``,
``.restart(same_port=False)`` (same state file, new ``Sandbox`` and server),
``.proxy()`` and ``.login(login, password, safe)``.
"""

from __future__ import annotations

import contextlib
import itertools
import shutil
import socket
import threading
import time
import xmlrpc.client
from pathlib import Path

import pytest

from gandi_hosting_cli.sandbox.dispatcher import Sandbox
from gandi_hosting_cli.sandbox.seed import SEED_LOGIN, SEED_PASSWORD
from gandi_hosting_cli.sandbox.server import SandboxServer
from tests.served import ServeProcess


class Clock:
    """A hand-driven clock for ``Sandbox(clock=...)``: the sandbox's time moves when the test
    says (``tick``), never on its own. It starts at the current whole second, so dates the
    sandbox writes stay close to the real time other code compares them with."""

    def __init__(self, start: float | None = None):
        self.now = float(int(time.time()) if start is None else start)

    def __call__(self) -> float:
        return self.now

    def tick(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


def shutdown_promptly(server: SandboxServer) -> None:
    """``server.shutdown()`` without waiting out socketserver's poll interval.

    The serving loop sees a stop request only when its ``select()`` returns: up to 50 ms,
    which was a third of the suite's wall time (one teardown per test). A connection wakes
    it at once, so we keep connecting (refused once the port is closed) until it is done.
    """
    stopper = threading.Thread(target=server.shutdown, name="sandbox-stopper")
    stopper.start()
    address = ("127.0.0.1", server.port)
    while stopper.is_alive():
        with contextlib.suppress(OSError):
            socket.create_connection(address, timeout=1).close()
        stopper.join(0.002)


class RunningSandbox:
    """A ``SandboxServer`` serving in a thread, restartable on the same state."""

    def __init__(self, state_path: Path, port: int = 0, **sandbox_kwargs):
        self.state_path = Path(state_path)
        self._kwargs = sandbox_kwargs
        self.sandbox = Sandbox(self.state_path, **sandbox_kwargs)
        self.server = SandboxServer(self.sandbox, port=port).start_in_thread()

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def request_count(self) -> int:
        return self.server.request_count

    def restart(self, *, same_port: bool = False) -> RunningSandbox:
        """Stop, then serve the same state file again (a new ``Sandbox`` and server)."""
        port = self.server.port if same_port else 0
        self.stop()
        self.sandbox = Sandbox(self.state_path, **self._kwargs)
        self.server = SandboxServer(self.sandbox, port=port).start_in_thread()
        return self

    def stop(self) -> None:
        shutdown_promptly(self.server)
        self.sandbox.close()

    def proxy(self, **kwargs) -> xmlrpc.client.ServerProxy:
        return xmlrpc.client.ServerProxy(self.url, **kwargs)

    def login(
        self, login: str = SEED_LOGIN, password: str = SEED_PASSWORD, safe: bool = True
    ) -> str:
        with self.proxy() as proxy:
            return proxy.login(login, password, safe)


@pytest.fixture
def sandbox_strict() -> bool:
    return True


@pytest.fixture(scope="session")
def fresh_state(tmp_path_factory) -> Path:
    """A fresh sandbox state file (schema and seed), made once: a test's server starts
    on a copy of it, which costs a quarter of making one."""
    path = tmp_path_factory.mktemp("template") / "fresh.sqlite3"
    Sandbox(path).close()  # closing checkpoints the WAL into the file
    return path


@pytest.fixture
def make_sandbox_server(tmp_path, sandbox_strict, fresh_state):
    started: list[RunningSandbox] = []
    numbers = itertools.count(1)

    def make(*, state_path: Path | str | None = None, port: int = 0, **kwargs) -> RunningSandbox:
        kwargs.setdefault("op_delay", 0)
        kwargs.setdefault("strict", sandbox_strict)
        if state_path is None:
            state_path = tmp_path / f"sandbox-{next(numbers)}.sqlite3"
            shutil.copy(fresh_state, state_path)
        running = RunningSandbox(Path(state_path), port=port, **kwargs)
        started.append(running)
        return running

    yield make
    for running in started:
        running.stop()


@pytest.fixture
def sandbox_server(make_sandbox_server) -> RunningSandbox:
    return make_sandbox_server()


@pytest.fixture
def sandbox_proxy(sandbox_server):
    with sandbox_server.proxy() as proxy:
        yield proxy


@pytest.fixture
def serve_process(tmp_path):
    started: list[ServeProcess] = []

    def start(state_path: Path | str | None = None, **kwargs) -> ServeProcess:
        state = Path(state_path) if state_path is not None else tmp_path / "served.sqlite3"
        running = ServeProcess(state, **kwargs)
        started.append(running)
        return running

    yield start
    for running in started:
        running.kill()


@pytest.fixture
def sandbox_session(sandbox_server) -> str:
    return sandbox_server.login()
