"""``config list|get|set|unset|use|profiles``: config.toml edited from the CLI, comments kept."""

from __future__ import annotations

import json
import stat
import sys

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


@pytest.fixture
def config_file(isolate):
    return isolate / "config" / "gandi-hosting" / "config.toml"


def one_line_error(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ") and "unexpected" not in lines[0]
    return lines[0]


def test_a_comment_survives_a_set_and_unset_round_trip(cli, config_file):
    config_file.parent.mkdir(parents=True)
    original = (
        "# my endpoints, do not lose this comment\n"
        "[default]\n"
        'url = "sandbox"   # the embedded one\n'
        "\n"
        "# staging box\n"
        "[staging]\n"
        'url = "http://127.0.0.1:8080/hosting/"\n'
    )
    config_file.write_text(original)
    assert cli("config", "set", "wait", "true").exit_code == 0
    text = config_file.read_text()
    assert "# my endpoints, do not lose this comment" in text
    assert "# the embedded one" in text and "# staging box" in text
    assert tomllib.loads(text)["default"]["wait"] is True  # typed: a boolean, not "true"
    assert cli("config", "unset", "wait").exit_code == 0
    assert config_file.read_text() == original


def test_set_writes_the_file_0600_in_a_0700_directory(cli, config_file):
    assert cli("config", "set", "login", "AA1234-GANDI").exit_code == 0
    assert stat.S_IMODE(config_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(config_file.parent.stat().st_mode) == 0o700


def test_an_unknown_key_is_a_usage_error_listing_the_valid_ones(cli, config_file):
    result = cli("config", "set", "colour", "red")
    assert result.exit_code == 2
    line = one_line_error(result)
    assert "colour" in line and "url, login, wait" in line
    assert not config_file.exists()
    assert cli("config", "get", "colour").exit_code == 2


def test_a_value_of_the_wrong_type_is_refused(cli, config_file):
    result = cli("config", "set", "wait", "maybe")
    assert result.exit_code == 2 and "true or false" in one_line_error(result)
    result = cli("config", "set", "url", "api.gandi.net/hosting/")
    assert result.exit_code == 2 and "no scheme" in one_line_error(result)
    assert not config_file.exists()


def test_set_tidies_a_url_but_keeps_its_path_as_typed(cli, config_file):
    assert cli("config", "set", "url", "HTTP://LocalHost:80/rpc").exit_code == 0
    result = cli("config", "get", "url")
    assert result.stdout == "http://localhost/rpc\n"  # a server may not serve /rpc/


def test_get_prints_the_value_and_exits_4_when_unset(cli):
    assert cli("config", "set", "wait", "yes").exit_code == 0
    assert cli("config", "get", "wait").stdout == "true\n"
    data = json.loads(cli("config", "get", "wait", "--json").stdout)
    assert data == {"profile": "default", "key": "wait", "value": True}
    missing = cli("config", "get", "login")
    assert missing.exit_code == 4 and "not set" in missing.stderr


def test_list_shows_the_settings_of_the_profile(cli):
    cli("config", "set", "url", "sandbox")
    cli("config", "set", "wait", "true")
    text = cli("config", "list")
    assert text.exit_code == 0
    assert "url" in text.stdout and "sandbox" in text.stdout and "true" in text.stdout
    data = json.loads(cli("config", "list", "--json").stdout)
    assert data == {"profile": "default", "settings": {"url": "sandbox", "wait": True}}


def test_use_remembers_the_profile_for_the_next_commands(cli, config_file, monkeypatch):
    assert cli("--profile", "box", "config", "set", "url", "sandbox").exit_code == 0
    assert cli("config", "use", "box").exit_code == 0
    assert tomllib.loads(config_file.read_text())["current"] == "box"
    # the default profile points nowhere reachable; the current one at the sandbox
    result = cli("account", "currency")
    assert result.exit_code == 0, result.output
    assert result.stdout == "EUR\n"
    profiles = json.loads(cli("config", "profiles", "--json").stdout)
    assert [(p["name"], p["current"]) for p in profiles] == [("default", False), ("box", True)]
    # --profile and GANDI_HOSTING_PROFILE still win
    assert (
        json.loads(cli("--profile", "default", "config", "list", "--json").stdout)["profile"]
        == "default"
    )
    monkeypatch.setenv("GANDI_HOSTING_PROFILE", "default")
    assert json.loads(cli("config", "list", "--json").stdout)["profile"] == "default"
    monkeypatch.delenv("GANDI_HOSTING_PROFILE")
    assert cli("config", "use", "default").exit_code == 0
    assert "current" not in tomllib.loads(config_file.read_text())


def test_use_of_an_unknown_profile_is_refused(cli, config_file):
    result = cli("config", "use", "nowhere")
    assert result.exit_code == 2
    assert "nowhere" in one_line_error(result) and "config set" in result.stderr
    assert not config_file.exists()


def test_profiles_lists_the_default_even_when_the_file_is_empty(cli):
    result = cli("config", "profiles")
    assert result.exit_code == 0 and "default" in result.stdout


def test_a_broken_config_file_is_a_usage_error(cli, config_file):
    config_file.parent.mkdir(parents=True)
    config_file.write_text("[default\n")
    result = cli("config", "set", "wait", "true")
    assert result.exit_code == 2
    assert str(config_file) in one_line_error(result)
    assert config_file.read_text() == "[default\n"  # untouched


def test_a_current_profile_removed_by_hand_says_how_to_go_back(cli, config_file):
    assert cli("--profile", "box", "config", "set", "url", "sandbox").exit_code == 0
    assert cli("config", "use", "box").exit_code == 0
    config_file.write_text(config_file.read_text().replace("[box]", "[other]"))
    result = cli("account", "currency")
    assert result.exit_code == 2
    assert "config use default" in one_line_error(result)
    assert cli("config", "use", "default").exit_code == 0
    assert cli("config", "profiles").exit_code == 0


def test_current_cannot_name_a_profile(cli, config_file):
    result = cli("--profile", "current", "config", "set", "url", "sandbox")
    assert result.exit_code == 2 and "current" in one_line_error(result)
