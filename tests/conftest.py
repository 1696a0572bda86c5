"""Test isolation shared by every test: private config/state/cache/data dirs and a quiet env.

No test may touch the developer's real config, keyring or sandbox state.
"""

from __future__ import annotations

import pytest

pytest_plugins = ["tests.sandbox_fixtures"]


@pytest.fixture(autouse=True)
def isolate(tmp_path, monkeypatch):
    """Give every test its own XDG dirs (platformdirs honours them) and a predictable terminal."""
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
