"""Fixtures of the command tests: ``gh`` (the CLI on a fresh sandbox server, logged in)
and ``slow_gh`` (the same with operations that take time). The isolation and the ``cli``
runner come from tests/conftest.py."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.cli.hosting_helpers import Gh


@pytest.fixture
def gh(cli, logged_in) -> Gh:
    """The CLI on a fresh sandbox server (operations finish at once), logged in."""
    return Gh(cli, logged_in)


@pytest.fixture
def slow_gh(cli, make_sandbox_server) -> Callable[[float], Gh]:
    """``slow_gh(op_delay)``: the CLI on a sandbox whose operations take ``op_delay`` s,
    with 8 shares already bought."""

    def make(op_delay: float, **kw) -> Gh:
        g = Gh(cli, make_sandbox_server(**kw))
        g.login()
        g.shares(8)  # bought at full speed, then operations slow down
        g.sandbox.op_delay = op_delay
        return g

    return make
