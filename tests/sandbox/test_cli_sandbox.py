"""`gandi-hosting sandbox reset` and `serve`'s argument checks, through the root group;
the embedded sandbox's settings from the environment."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from gandi_hosting_cli.cli import cli
from gandi_hosting_cli.sandbox import Sandbox, default_state_path


def test_reset_forgets_the_state(tmp_path, monkeypatch):
    state = tmp_path / "box.sqlite3"
    box = Sandbox(state, op_delay=0)
    box.bulk_create_vms("AA1234-GANDI", 2)
    box.close()
    assert state.exists()
    result = CliRunner().invoke(cli, ["sandbox", "reset", "--yes", "--state", str(state)])
    assert result.exit_code == 0, result.output
    assert not state.exists() and not state.with_name("box.sqlite3-wal").exists()
    fresh = Sandbox(state)
    assert fresh.bulk_create_vms("AA1234-GANDI", 1) == [101]  # ids start over


def test_reset_uses_the_environment_then_the_user_data_dir(tmp_path, monkeypatch):
    state = tmp_path / "env.sqlite3"
    monkeypatch.setenv("GANDI_HOSTING_SANDBOX_STATE", str(state))
    Sandbox(state).close()
    assert CliRunner().invoke(cli, ["sandbox", "reset", "--yes"]).exit_code == 0
    assert not state.exists()
    monkeypatch.delenv("GANDI_HOSTING_SANDBOX_STATE")
    assert str(default_state_path()).startswith(str(tmp_path))  # the test's XDG data dir
    result = CliRunner().invoke(cli, ["sandbox", "reset", "--yes"])
    assert result.exit_code == 0
    assert "already empty" in result.output


def test_serve_refuses_a_malformed_account(tmp_path):
    result = CliRunner().invoke(
        cli, ["sandbox", "serve", "--state", str(tmp_path / "s.sqlite3"), "--account", "nopass"]
    )
    assert result.exit_code == 2
    assert "LOGIN:PASSWORD" in result.output


def test_in_process_transport_defaults_come_from_the_environment(tmp_path, monkeypatch):
    import xmlrpc.client

    from gandi_hosting_cli.sandbox.in_process import InProcessTransport

    state = tmp_path / "embedded.sqlite3"
    monkeypatch.setenv("GANDI_HOSTING_SANDBOX_STATE", str(state))
    monkeypatch.setenv("GANDI_HOSTING_SANDBOX_OP_DELAY", "30")
    transport = InProcessTransport()
    assert transport.sandbox.op_delay == 30.0
    with xmlrpc.client.ServerProxy("http://sandbox/hosting/", transport=transport) as api:
        s = api.login("AA1234-GANDI", "mypassword")
        opid = api.hosting_account_product_add(s, "shares", 1, "1m")
        assert api.operation_details(s, opid)["state"] == "PENDING"  # 30 s to go
    assert state.exists()
    assert transport.request_count == 3


@pytest.mark.parametrize("value", ["abc", "nan", "inf", "-inf", "-1", "3601"])
def test_env_op_delay_refuses_non_finite_and_huge_values(monkeypatch, value):
    from gandi_hosting_cli.sandbox import OP_DELAY_ENV, env_op_delay

    monkeypatch.setenv(OP_DELAY_ENV, value)
    with pytest.raises(ValueError, match=OP_DELAY_ENV):
        env_op_delay()


def test_serve_stops_cleanly_on_ctrl_c(serve_process):
    import signal

    server = serve_process()
    assert server.url.startswith("http://127.0.0.1:")
    assert server.stop(signal.SIGINT) == 0
    assert "Sandbox stopped" in server.log


def test_serve_takes_accounts_from_the_environment_out_of_ps(serve_process):
    """GANDI_HOSTING_SANDBOX_ACCOUNTS keeps extra accounts' passwords out of the arguments."""
    import xmlrpc.client

    accounts = "XY1-GANDI:secret123 XY2-GANDI:other456"
    server = serve_process(env={"GANDI_HOSTING_SANDBOX_ACCOUNTS": accounts})
    with xmlrpc.client.ServerProxy(server.url) as api:
        for login, password in (("XY1-GANDI", "secret123"), ("XY2-GANDI", "other456")):
            assert api.account_currency(api.login(login, password)) == "EUR"
    assert not any("secret123" in a for a in server.proc.args)
