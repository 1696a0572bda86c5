"""Fixtures of the sandbox's own tests: a proxy over HTTP or in-process, raw sockets.

The servers (``sandbox_server``, ``make_sandbox_server``) and the hand-driven ``clock``
come from the ``tests.sandbox_fixtures`` plugin; helpers are in ``tests/sandbox/helpers.py``.
"""

from __future__ import annotations

import xmlrpc.client

import pytest

from gandi_hosting_cli.sandbox.in_process import InProcessTransport
from tests.sandbox.helpers import Raw


@pytest.fixture
def sandbox_strict() -> bool:
    """The sandbox's own tests serve the default, tolerant mode (strict tests ask for it)."""
    return False


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


@pytest.fixture
def raw(sandbox_server):
    """``raw() -> Raw``: a new raw-socket connection to ``sandbox_server``."""
    connections: list[Raw] = []

    def connect() -> Raw:
        connections.append(Raw(sandbox_server))
        return connections[-1]

    yield connect
    for connection in connections:
        connection.close()
