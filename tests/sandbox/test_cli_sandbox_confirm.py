"""``sandbox reset`` asks like every destructive command; ``sandbox serve --help`` tells how
to log in."""

from __future__ import annotations

from gandi_hosting_cli.sandbox.dispatcher import Sandbox
from gandi_hosting_cli.sandbox.seed import SEED_LOGIN, SEED_PASSWORD


def make_state(path):
    box = Sandbox(path, op_delay=0)
    box.bulk_create_vms(SEED_LOGIN, 1)
    box.close()
    return path


def test_reset_off_a_terminal_without_yes_is_refused_and_deletes_nothing(cli, tmp_path):
    state = make_state(tmp_path / "box.sqlite3")
    result = cli("sandbox", "reset", "--state", str(state))
    assert result.exit_code == 2
    assert "--yes" in result.stderr and str(state) in result.stderr
    assert state.exists()
    assert cli("sandbox", "reset", "--state", str(state), "--yes").exit_code == 0
    assert not state.exists()


def test_reset_on_a_terminal_asks_and_a_no_keeps_the_state(cli, tmp_path):
    state = make_state(tmp_path / "box.sqlite3")
    result = cli("sandbox", "reset", "--state", str(state), input="n\n", interactive=True)
    assert result.exit_code == 1 and "nothing was deleted" in result.stderr
    assert state.exists()
    result = cli("sandbox", "reset", "--state", str(state), input="y\n", interactive=True)
    assert result.exit_code == 0 and not state.exists()


def test_serve_help_gives_the_seeded_login_and_password(cli):
    text = " ".join(cli("sandbox", "serve", "--help").stdout.split())
    assert SEED_LOGIN in text and f"password {SEED_PASSWORD}" in text
