"""Local failures (state files, environment, config) are one-line errors, never crashes."""

from __future__ import annotations

import pytest


def _one_line_error(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: "), result.stderr
    assert "unexpected error" not in lines[0]
    return lines[0]


# -- 1. a sandbox state file that is not SQLite, or an unusable location ------------------
@pytest.fixture
def junk_state(tmp_path):
    path = tmp_path / "b.sqlite3"
    path.write_text("junk\n")
    return path


def test_serve_on_a_state_file_that_is_not_sqlite_is_a_usage_error(cli, junk_state):
    result = cli("sandbox", "serve", "--port", "0", "--state", str(junk_state))
    assert result.exit_code == 2
    line = _one_line_error(result)
    assert str(junk_state) in line and "not a database" in line
    assert "gandi-hosting sandbox reset" in line and "--state" in line


def test_embedded_sandbox_on_a_state_file_that_is_not_sqlite_is_a_usage_error(
    cli, junk_state, monkeypatch
):
    monkeypatch.setenv("GANDI_HOSTING_SANDBOX_STATE", str(junk_state))
    result = cli("--sandbox", "vm", "list")
    assert result.exit_code == 2
    line = _one_line_error(result)
    assert "not a database" in line and "gandi-hosting sandbox reset" in line


def test_embedded_sandbox_in_an_unusable_data_dir_is_a_usage_error(cli, monkeypatch):
    monkeypatch.delenv("GANDI_HOSTING_SANDBOX_STATE")
    monkeypatch.setenv("XDG_DATA_HOME", "/proc/x")
    result = cli("--sandbox", "vm", "list")
    assert result.exit_code == 2
    assert "/proc/x" in _one_line_error(result)


def test_a_usable_state_file_after_reset_works_again(cli, junk_state, monkeypatch):
    monkeypatch.setenv("GANDI_HOSTING_SANDBOX_STATE", str(junk_state))
    assert cli("sandbox", "reset", "--yes").exit_code == 0
    result = cli("--sandbox", "vm", "list")
    assert result.exit_code == 0, result.output


# -- 2. op delay and session TTL: finite, bounded -------------------------------------------
@pytest.mark.parametrize("value", ["abc", "nan", "inf", "-1", "3601"])
def test_a_bad_embedded_op_delay_is_a_usage_error(cli, monkeypatch, value):
    monkeypatch.setenv("GANDI_HOSTING_SANDBOX_OP_DELAY", value)
    result = cli("--sandbox", "vm", "list")
    assert result.exit_code == 2
    assert "GANDI_HOSTING_SANDBOX_OP_DELAY" in _one_line_error(result)


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--op-delay", "nan"),
        ("--op-delay", "inf"),
        ("--op-delay", "abc"),
        ("--op-delay", "3601"),
        ("--session-ttl", "nan"),
        ("--session-ttl", "inf"),
        ("--session-ttl", "0"),
    ],
)
def test_serve_refuses_a_non_finite_or_huge_delay(cli, tmp_path, option, value):
    state = tmp_path / "s.sqlite3"
    result = cli("sandbox", "serve", "--port", "0", "--state", str(state), option, value)
    assert result.exit_code == 2
    assert option in _one_line_error(result)
    assert not state.exists()  # refused before the sandbox was opened


# -- 3. an unwritable state dir: warn once, go on without caching ---------------------------
@pytest.mark.parametrize("keyring_backend", ["file", "keyring"])
def test_an_unwritable_state_dir_never_breaks_a_command(cli, monkeypatch, keyring_backend):
    if keyring_backend == "file":
        import keyring
        from keyring.backends import fail

        keyring.set_keyring(fail.Keyring())
    monkeypatch.setenv("XDG_STATE_HOME", "/proc/x")
    result = cli("--sandbox", "account", "balance")
    assert result.exit_code == 0, result.output
    assert "EUR" in result.stdout
    assert "unexpected error" not in result.stderr
    warnings = [line for line in result.stderr.splitlines() if "cannot write" in line]
    assert len(warnings) == 1, result.stderr  # once, though sessions and logins both failed
    assert "/proc/x" in warnings[0]
    login = cli("--sandbox", "login")
    assert login.exit_code == 0, login.output
    assert cli("--sandbox", "logout").exit_code == 0


def test_file_store_reports_a_failed_write_and_goes_on(tmp_path):
    from pathlib import Path

    from gandi_hosting_cli.auth.secret_store import FileStore

    errors: list[str] = []
    store = FileStore(Path("/proc/x/sessions.json"), on_error=errors.append)
    store.set("k", "v")  # no exception
    assert store.get("k") is None
    assert len(errors) == 1 and "/proc/x/sessions.json" in errors[0]


# -- 4. a malformed config.toml: one line naming the file and the key, exit 2 ---------------
@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b'[default]\nurl = "\xff"\n', "not UTF-8"),
        (b"[default]\nurl = 5\n", "[default] url must be a string, not 5"),
        (b'[default]\nlogin = ["x"]\n', "[default] login must be a string"),
        (b'[default]\nwait = "yes"\n', "[default] wait must be true or false, not 'yes'"),
        (b"[staging]\nwait = 1\n", "[staging] wait must be true or false"),
        (b"not toml [\n", "cannot read"),
    ],
)
def test_a_malformed_config_is_a_one_line_usage_error(cli, isolate, content, needle):
    config = isolate / "config" / "gandi-hosting" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_bytes(content)
    result = cli("--sandbox", "account", "balance")
    assert result.exit_code == 2, result.output
    line = _one_line_error(result)
    assert str(config) in line and needle in line


def test_a_well_typed_config_is_used(cli, isolate):
    config = isolate / "config" / "gandi-hosting" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text('[default]\nurl = "sandbox"\nlogin = "AA1234-GANDI"\nwait = true\n')
    result = cli("account", "balance")
    assert result.exit_code == 0, result.output
    assert "EUR" in result.stdout
