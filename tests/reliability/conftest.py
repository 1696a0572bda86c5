"""Reliability suite fixtures (bounded by default, longer with GANDI_HOSTING_LONG_TESTS=1;
the helpers they share are in tests/reliability/support.py).

- Keyring: keyring's ``fail`` backend in this process and its subprocesses, so sessions
  go to the 0600 fallback file in the test's private state dir (the headless case; it
  is also the store whose secrets these tests look for). The embedded sandbox's state and
  op delay come from tests/conftest.py.
- ``run_cli``: ``support.invoke``; ``logged_in_url``: a sandbox server with a session
  cached for it; ``proxy``: a ``FaultyProxy`` in front of one, with a session cached for
  the proxy's URL.
- At the end of the run, the ``STATS`` figures (of a long run, for the report).
"""

from __future__ import annotations

import pytest

from tests.reliability.support import LONG, STATS, invoke


@pytest.fixture(autouse=True)
def headless_keyring(monkeypatch):
    import keyring
    from keyring.backends import fail

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    yield
    keyring.set_keyring(previous)


@pytest.fixture
def run_cli():
    return invoke


def _log_in(url: str) -> None:
    from gandi_hosting_cli.sandbox.seed import SEED_LOGIN, SEED_PASSWORD

    result = invoke(
        "--url", url, "login", SEED_LOGIN, "--password-stdin", input=SEED_PASSWORD + "\n"
    )  # fmt: skip
    assert result.exit_code == 0, result.output


@pytest.fixture
def logged_in_url(sandbox_server) -> str:
    _log_in(sandbox_server.url)
    return sandbox_server.url


@pytest.fixture
def proxy(sandbox_server):
    """A forwarding proxy in front of a sandbox, with a session cached for its URL."""
    from tests.reliability.faulty_server import FaultyProxy

    with FaultyProxy(sandbox_server.url) as running:
        _log_in(running.url)
        running.calls.clear()
        yield running


def pytest_terminal_summary(terminalreporter) -> None:
    if STATS:
        terminalreporter.write_sep("-", "reliability figures" + (" (long run)" if LONG else ""))
        for key in sorted(STATS):
            terminalreporter.write_line(f"{key}: {STATS[key]}")
