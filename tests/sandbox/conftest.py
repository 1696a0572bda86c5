"""Helpers for the sandbox's own tests: a proxy over HTTP or in-process, faults by code."""

from __future__ import annotations

import xmlrpc.client

import pytest

from gandi_hosting_cli.sandbox.transport import InProcessTransport


class Clock:
    """A hand-driven clock for ``Sandbox(clock=...)``: operations advance when we say."""

    def __init__(self, start: float = 1_800_000_000.0):
        self.now = start

    def __call__(self) -> float:
        return self.now

    def tick(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def sandbox_strict() -> bool:
    """The sandbox's own tests serve the default, tolerant mode (strict tests ask for it)."""
    return False


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(params=["http", "inprocess"])
def api(request, sandbox_server):
    """A ServerProxy on the sandbox, over 127.0.0.1 or through the in-process transport."""
    if request.param == "http":
        proxy = xmlrpc.client.ServerProxy(sandbox_server.url)
    else:
        transport = InProcessTransport(sandbox_server.sandbox)
        proxy = xmlrpc.client.ServerProxy("http://sandbox/hosting/", transport=transport)
    with proxy:
        yield proxy


@pytest.fixture
def session(api) -> str:
    return api.login("AA1234-GANDI", "mypassword", True)


def fault_code(call, *args) -> int:
    """The faultCode a call ends with (fails the test if it succeeds)."""
    with pytest.raises(xmlrpc.client.Fault) as info:
        call(*args)
    return info.value.faultCode


def with_shares(api, session: str, shares: int = 8) -> int:
    """Add a shares product and let its operation finish (op_delay 0: the next call)."""
    opid = api.hosting_account_product_add(session, "shares", shares, "1m")
    assert api.operation_details(session, opid)["state"] == "DONE"
    return opid
