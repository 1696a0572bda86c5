"""Global options: anywhere on the command line, and an option beats the environment."""

from __future__ import annotations

import json

import pytest

from tests.cli.hosting_helpers import free_port


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
    ("group", "command", "expected"),
    [
        ("vm", "list", []),
        ("disk", "list", []),
        ("op", "list", []),
        ("product", "list", []),
        ("account", "currency", {"currency": "EUR"}),
    ],
)
def test_global_options_between_group_and_command(cli, logged_in, group, command, expected):
    result = cli(group, "--url", logged_in.url, "--json", command)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == expected


def test_os_group_takes_quiet(cli):
    result = cli("os", "--sandbox", "-q", "list")
    assert result.exit_code == 0 and "111" in result.stdout.split()
