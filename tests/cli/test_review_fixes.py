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
