"""Review findings: each test fails without its fix (values, ids, --json, Ctrl-C, op list)."""

from __future__ import annotations

import json

import pytest

from gandi_hosting_cli.cli import types


@pytest.mark.parametrize("text", ["100m", "110m", "120m"])
def test_durations_of_100_to_120_months_are_accepted(text):
    assert types.DURATION.convert(text, None, None) == text


@pytest.mark.parametrize("text", ["121m", "999m", "1000m"])
def test_durations_over_120_months_are_a_usage_error(cli, text):
    result = cli("--sandbox", "--json", "product", "add", "disk", "1", "--duration", text)
    assert result.exit_code == 2
    assert "Invalid value for '--duration'" in result.stderr


def test_a_120_month_duration_is_not_refused_by_the_cli(cli):
    result = cli("--sandbox", "product", "add", "disk", "1", "--duration", "120m")
    assert result.exit_code != 2, result.stderr
    assert "Invalid value" not in result.stderr


@pytest.mark.parametrize("token", ["²", "١٠١", "１２"])
def test_non_ascii_digits_are_a_name_not_an_id(cli, token):
    result = cli("--sandbox", "vm", "info", token)
    assert result.exit_code == 4, result.stderr
    assert result.stderr == f"Error: no VM named {token!r}\n"


@pytest.mark.parametrize("token", ["²", "١٠١"])
def test_non_ascii_digits_are_not_an_operation_id(cli, token):
    result = cli("--sandbox", "--json", "op", "info", token)
    assert result.exit_code == 2, result.stderr
    assert "is not an operation id" in result.stderr
    assert json.loads(result.stderr.splitlines()[-1])["error"]["exit_code"] == 2
