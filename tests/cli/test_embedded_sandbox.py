"""``--sandbox``: the emulator in process, no server and no login needed."""

from __future__ import annotations

import json

from gandi_hosting_cli.sandbox.seed import SEED_LOGIN


def test_sandbox_needs_no_server_and_no_login(cli):
    result = cli("--sandbox", "account", "info", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["handle"] == SEED_LOGIN
    shown = json.loads(cli("--sandbox", "session", "--json").stdout)
    assert shown["endpoint"] == "http://sandbox/hosting/" and shown["logged_in"] is True
    assert cli("os", "list", "--sandbox", "-q").stdout.split()[:2] == ["110", "111"]


def test_sandbox_reset_state_is_renewed_transparently(cli, tmp_path):
    assert cli("--sandbox", "account", "currency").exit_code == 0
    (tmp_path / "embedded.sqlite3").unlink()  # a fresh sandbox knows no session
    result = cli("--sandbox", "account", "currency")
    assert result.exit_code == 0 and result.stdout == "EUR\n"
