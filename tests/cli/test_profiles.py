"""Profiles: ``config profiles delete|rename`` (comments kept, sessions dropped or carried
over, ``config use``'s choice followed), hints that name the ``--profile`` / ``--url`` the
user typed, and ``login`` without LOGIN taking the profile's own.
"""

from __future__ import annotations

import json
import sys

import pytest

from gandi_hosting_cli.sandbox.seed import SEED_LOGIN, SEED_PASSWORD

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


@pytest.fixture
def config_file(isolate):
    return isolate / "config" / "gandi-hosting" / "config.toml"


@pytest.fixture
def two_profiles(cli, sandbox_server, config_file):
    """``[staging]`` (logged in to a sandbox server, chosen with ``config use``) between
    commented tables."""
    config_file.parent.mkdir(parents=True, mode=0o700)
    config_file.write_text(
        "# my endpoints\n"
        "[default]\n"
        'url = "sandbox"  # the embedded one\n'
        "\n"
        "# staging box\n"
        "[staging]\n"
        f'url = "{sandbox_server.url}"\n'
        f'login = "{SEED_LOGIN}"  # the seeded account\n'
        "\n"
        "# production, keep last\n"
        "[prod]\n"
        'url = "https://api.example/hosting/"\n'
    )
    config_file.chmod(0o600)
    result = cli("--profile", "staging", "login", "--password-stdin", input=SEED_PASSWORD + "\n")
    assert result.exit_code == 0, result.output  # no LOGIN: the profile's
    assert f"Logged in as {SEED_LOGIN}" in result.stderr
    assert cli("config", "use", "staging").exit_code == 0
    return sandbox_server


def test_rename_keeps_comments_and_place_and_carries_the_session(cli, two_profiles, config_file):
    result = cli("config", "profiles", "rename", "staging", "preprod", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "renamed": "staging", "to": "preprod", "sessions_moved": 1, "current": True,
    }  # fmt: skip
    text = config_file.read_text()
    for comment in ("# my endpoints", "# the embedded one", "# staging box",
                    "# the seeded account", "# production, keep last"):  # fmt: skip
        assert comment in text
    data = tomllib.loads(text)
    assert list(data) == ["current", "default", "preprod", "prod"]
    assert data["current"] == "preprod" and data["preprod"]["login"] == SEED_LOGIN
    # the session came along: the current profile works without a password
    listed = cli("vm", "list", "-q")
    assert listed.exit_code == 0, listed.output
    assert cli("--profile", "staging", "vm", "list").exit_code == 2  # gone


def test_rename_refuses_an_existing_or_unknown_name(cli, two_profiles, config_file):
    before = config_file.read_text()
    for args in (("staging", "prod"), ("nope", "other"), ("staging", "current")):
        result = cli("config", "profiles", "rename", *args)
        assert result.exit_code == 2, (args, result.output)
    assert config_file.read_text() == before


def test_delete_drops_the_sessions_and_resets_the_current_profile(
    cli, two_profiles, config_file, isolate
):
    result = cli("config", "profiles", "delete", "staging")
    assert result.exit_code == 0, result.output
    assert "1 cached session dropped" in result.stderr and "default again" in result.stderr
    text = config_file.read_text()
    assert "# production, keep last" in text and "# the embedded one" in text
    data = tomllib.loads(text)
    assert "staging" not in data and "current" not in data
    sessions = isolate / "state" / "gandi-hosting" / "sessions.json"
    logins = isolate / "state" / "gandi-hosting" / "logins.json"
    for path in (sessions, logins):
        assert not path.exists() or "staging|" not in path.read_text()
    # a profile made again with that name starts without a session
    url = two_profiles.url
    assert cli("--profile", "staging", "config", "set", "url", url).exit_code == 0
    assert cli("--profile", "staging", "config", "set", "login", SEED_LOGIN).exit_code == 0
    assert cli("--profile", "staging", "vm", "list").exit_code == 3
    assert cli("config", "profiles", "delete", "staging").exit_code == 0
    assert cli("config", "profiles", "delete", "staging").exit_code == 2  # unknown now


def test_hints_name_the_profile_and_url_the_user_typed(cli, sandbox_server, config_file):
    url = sandbox_server.url
    assert cli("--profile", "p2", "config", "set", "url", url).exit_code == 0
    assert cli("--profile", "p2", "config", "set", "login", SEED_LOGIN).exit_code == 0
    result = cli("--profile", "p2", "vm", "list")
    assert result.exit_code == 3
    assert "`gandi-hosting --profile p2 login`" in result.stderr
    # another URL than the profile's (credentials never shown)
    other = url.replace("127.0.0.1", "bob:s3cret@localhost")
    result = cli("--profile", "p2", "--url", other, "vm", "list")
    assert result.exit_code == 3
    shown = other.replace("bob:s3cret@", "")
    assert f"`gandi-hosting --profile p2 --url {shown} login`" in result.stderr
    assert "s3cret" not in result.output
    # the profile's own URL typed again adds nothing; --json carries it too
    result = cli("--profile", "p2", "--url", url, "--json", "vm", "list")
    assert result.exit_code == 3
    message = json.loads(result.stderr.splitlines()[-1])["error"]["message"]
    assert "`gandi-hosting --profile p2 login`" in message


def test_an_operation_hint_carries_the_profile(cli, sandbox_server, config_file):
    url = sandbox_server.url
    assert cli("--profile", "p2", "config", "set", "url", url).exit_code == 0
    login = cli("--profile", "p2", "login", SEED_LOGIN, "--password-stdin",
                input=SEED_PASSWORD + "\n")  # fmt: skip
    assert login.exit_code == 0, login.output
    sandbox_server.sandbox.op_delay = 3600  # the operation stays PENDING
    args = ("product", "add", "shares", "1", "--yes", "--wait-timeout", "0.01")
    result = cli("--profile", "p2", *args)
    assert result.exit_code == 7, result.output
    assert "`gandi-hosting --profile p2 op wait " in result.stderr
