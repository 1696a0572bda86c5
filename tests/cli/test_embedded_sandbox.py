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


def test_the_sandbox_url_runs_in_process(tmp_path, monkeypatch):
    """``--url sandbox``: the CLI's context builds the in-process transport (api/ does not)."""
    from gandi_hosting_cli.cli.context import AppContext
    from gandi_hosting_cli.sandbox.seed import SEED_LOGIN, SEED_PASSWORD

    monkeypatch.setenv("GANDI_HOSTING_SANDBOX_STATE", str(tmp_path / "s.sqlite3"))
    with AppContext(url="sandbox").new_client() as client:
        assert client.endpoint == "http://sandbox/hosting/"
        client.session = client.login(SEED_LOGIN, SEED_PASSWORD)
        assert client.account_currency() == "EUR"
