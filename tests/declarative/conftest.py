"""Fixtures of the declarative engine's tests: a sandbox on 127.0.0.1 with shares
bought, a HostingClient logged in on it, and a server-side log of every API call."""

from __future__ import annotations

import xmlrpc.client

import pytest

from gandi_hosting_cli.api.client import HostingClient
from gandi_hosting_cli.sandbox.registry import REGISTRY

PASSWORD = "rootpass-123"


class CallLog:
    """Every API method the sandbox ran (sub-calls of system.multicall included)."""

    def __init__(self, sandbox) -> None:
        self.methods: list[str] = []
        self._call = sandbox.call
        sandbox.call = self._record

    def _record(self, method, params):
        self.methods.append(method)
        return self._call(method, params)

    @property
    def writes(self) -> list[str]:
        return [m for m in self.methods if m in REGISTRY and REGISTRY[m].write]

    def clear(self) -> None:
        self.methods.clear()


@pytest.fixture
def logged_in(logged_in):
    """The root conftest's logged-in sandbox, with shares bought."""
    with logged_in.proxy() as proxy:
        proxy.hosting_account_product_add(logged_in.login(), "shares", 16, "1m")
    return logged_in


@pytest.fixture
def server(sandbox_server):
    """The sandbox (op_delay 0) with 16 flexible shares bought (disk quota 128 GB)."""
    with sandbox_server.proxy() as proxy:
        session = sandbox_server.login()
        proxy.hosting_account_product_add(session, "shares", 16, "1m")
    return sandbox_server


@pytest.fixture
def calls(sandbox_server) -> CallLog:
    return CallLog(sandbox_server.sandbox)


@pytest.fixture
def client(server):
    client = HostingClient(server.url, session=server.login())
    yield client
    client.close()


@pytest.fixture
def plain(server):
    """(proxy, session): a bare xmlrpc.client to verify what the account holds."""
    with xmlrpc.client.ServerProxy(server.url) as proxy:
        yield proxy, server.login()


def passwords(hostname: str) -> str:
    return PASSWORD


class Clock:
    """A hand-driven clock shared by the sandbox (operations advance with it) and the
    executor (its sleep advances it): operations of 10 s take no real time."""

    def __init__(self, start: float = 1_800_000_000.0):
        self.now = start

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)


@pytest.fixture
def slow_clock() -> Clock:
    """The hand-driven clock of ``slow_server``, for the executor to share."""
    return Clock()


@pytest.fixture
def slow_server(make_sandbox_server, slow_clock):
    """A sandbox whose operations take 10 s of ``slow_clock``; 16 shares bought."""
    clock = slow_clock
    running = make_sandbox_server(op_delay=10, clock=clock)
    with running.proxy() as proxy:
        session = running.login()
        proxy.hosting_account_product_add(session, "shares", 16, "1m")
        clock.sleep(10)
    return running
