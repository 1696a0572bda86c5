"""The root group: global options anywhere, lazy imports, exit codes, JSON everywhere."""

from __future__ import annotations

import json
import socket
import subprocess
import sys

import pytest

from gandi_hosting_cli.sandbox.seed import SEED_LOGIN, SEED_PASSWORD


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_help_imports_neither_rich_keyring_nor_xmlrpc():
    code = (
        "import sys\n"
        "from gandi_hosting_cli.cli import cli\n"
        "try:\n"
        "    cli.main(['--help'], prog_name='gandi-hosting')\n"
        "except SystemExit:\n"
        "    pass\n"
        "roots = ('rich', 'keyring', 'xmlrpc')\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in roots)\n"
        "print(heavy, file=sys.stderr)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "Commands:" in proc.stdout and "account" in proc.stdout
    assert proc.stderr.strip() == "[]"


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["account"],
        ["account", "info"],
        ["account", "balance"],
        ["account", "currency"],
        ["os"],
        ["os", "list"],
        ["login"],
        ["logout"],
        ["session"],
        ["su"],
    ],
)
def test_help_of_every_core_command(cli, command):
    result = cli(*command, "--help")
    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: ")
    if command and command[0] not in ("account", "os") or len(command) == 2:
        assert "GANDI_HOSTING_URL" in result.stdout  # global options, envvars named


@pytest.mark.parametrize("position", ["before", "after"])
def test_global_options_before_or_after_the_subcommand(cli, logged_in, position):
    args = ["account", "currency"]
    opts = ["--url", logged_in.url, "--json"]
    result = cli(*(opts + args if position == "before" else args + opts))
    assert json.loads(result.stdout) == {"currency": "EUR"}


def test_an_option_beats_the_environment(cli, logged_in):
    result = cli(
        "account",
        "currency",
        "--url",
        logged_in.url,
        env={"GANDI_HOSTING_URL": f"http://127.0.0.1:{free_port()}/"},
    )
    assert result.exit_code == 0 and result.stdout == "EUR\n"


@pytest.mark.parametrize(
    "command",
    [
        ["session"],
        ["account", "info"],
        ["account", "balance"],
        ["account", "currency"],
        ["os", "list"],
        ["su", SEED_LOGIN],
        ["logout"],
    ],
)
def test_json_output_parses_for_every_command(cli, logged_in, command):
    result = cli("--url", logged_in.url, "--json", *command)
    assert result.exit_code == 0, result.output
    json.loads(result.stdout)


def test_login_json(cli, sandbox_server):
    result = cli(
        "--url",
        sandbox_server.url,
        "login",
        SEED_LOGIN,
        "--password-stdin",
        "--json",
        input=SEED_PASSWORD + "\n",
    )
    data = json.loads(result.stdout)
    assert data["login"] == SEED_LOGIN and "session_id" not in data


def test_exit_3_bad_password_with_a_json_error_on_stderr(cli, sandbox_server):
    result = cli(
        "--url",
        sandbox_server.url,
        "--json",
        "login",
        SEED_LOGIN,
        "--password-stdin",
        input="wrong-password\n",
    )
    assert result.exit_code == 3
    assert result.stdout == ""
    error = json.loads(result.stderr.splitlines()[-1])["error"]
    assert error == {"code": 500150, "message": error["message"], "exit_code": 3}
    assert result.stderr.splitlines()[0].startswith("Error: ")


def test_exit_4_unknown_id(cli, logged_in):
    result = cli("--url", logged_in.url, "vm", "info", "424242")
    assert result.exit_code == 4
    assert result.stderr.count("\n") == 1 and "does not exist" in result.stderr
    assert "530240" not in result.stderr  # the code shows with --debug only


def test_exit_6_nothing_listening(cli):
    url = f"http://127.0.0.1:{free_port()}/hosting/"
    result = cli(
        "--url", url, "--json", "login", SEED_LOGIN, "--password-stdin", input=SEED_PASSWORD + "\n"
    )
    assert result.exit_code == 6
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0] == f"Error: cannot connect to {url}: connection refused"
    assert json.loads(lines[1])["error"]["exit_code"] == 6
    assert "Traceback" not in result.stderr


def test_debug_shows_the_traceback(cli):
    url = f"http://127.0.0.1:{free_port()}/"
    result = cli(
        "--debug",
        "--url",
        url,
        "--timeout",
        "2",
        "login",
        SEED_LOGIN,
        "--password-stdin",
        input=SEED_PASSWORD + "\n",
    )
    assert result.exit_code == 6
    assert "Traceback" in result.stderr and SEED_PASSWORD not in result.stderr


def test_usage_error_exits_2_with_json(cli):
    result = cli("--json", "os", "list", "--no-such-option")
    assert result.exit_code == 2
    assert json.loads(result.stderr.splitlines()[-1])["error"]["exit_code"] == 2


def test_off_a_terminal_login_needs_a_password_source(cli, sandbox_server):
    result = cli("--url", sandbox_server.url, "login", SEED_LOGIN)
    assert result.exit_code == 2 and "--password-stdin" in result.stderr
    assert sandbox_server.request_count == 0


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
