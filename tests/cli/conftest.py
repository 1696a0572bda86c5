"""Fixtures of the command tests: ``gh`` (the CLI on a fresh sandbox server, logged in)
and ``slow_gh`` (the same with operations that take time, on the sandbox's hand-driven
clock). The isolation and the ``cli`` runner come from tests/conftest.py."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.cli.hosting_helpers import Gh


@pytest.fixture
def gh(cli, logged_in) -> Gh:
    """The CLI on a fresh sandbox server (operations finish at once), logged in."""
    return Gh(cli, logged_in)


@pytest.fixture
def slow_gh(cli, make_sandbox_server, clock) -> Callable[[float], Gh]:
    """``slow_gh(op_delay)``: the CLI on a sandbox whose operations take ``op_delay`` s of
    its hand-driven clock (``g.clock``), with 8 shares already bought. Time moves only when
    a command waits (each pause between polls moves it instead of sleeping) or the test
    ticks it: an operation is still PENDING at the next command however loaded the machine,
    and a wait costs no real time."""

    def make(op_delay: float, **kw) -> Gh:
        kw.setdefault("clock", clock)
        g = Gh(cli, make_sandbox_server(**kw), clock=kw["clock"])
        g.login()
        g.shares(8)  # bought at full speed, then operations slow down
        g.sandbox.op_delay = op_delay
        return g

    return make
