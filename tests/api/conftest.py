"""Fixtures of the API layer's tests (servers come from the ``tests.sandbox_fixtures`` plugin)."""

from __future__ import annotations

import pytest

from gandi_hosting_cli.api.client import HostingClient
from gandi_hosting_cli.sandbox.seed import SEED_LOGIN, SEED_PASSWORD


@pytest.fixture
def logged_in_client():
    """``logged_in_client(url, **kwargs) -> HostingClient`` with a session of the seeded
    account; every client it made is closed after the test."""
    made: list[HostingClient] = []

    def make(url: str, **kwargs) -> HostingClient:
        client = HostingClient(url, **kwargs)
        made.append(client)
        client.session = client.login(SEED_LOGIN, SEED_PASSWORD)
        return client

    yield make
    for client in made:
        client.close()
