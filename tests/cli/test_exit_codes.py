"""Errors: one line, the documented exit code, the JSON error object with --json, and
nothing sent when the input is bad."""

from __future__ import annotations

import json

import pytest

from gandi_hosting_cli.sandbox.seed import SEED_LOGIN, SEED_PASSWORD
from tests.cli.hosting_helpers import free_port


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
    assert len(result.stderr.splitlines()) == 1  # with --json, stderr is only JSON


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
    [line] = result.stderr.splitlines()  # with --json, only the JSON error
    error = json.loads(line)["error"]
    assert error["message"] == f"cannot connect to {url}: connection refused"
    assert error["exit_code"] == 6
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


@pytest.mark.parametrize(
    "args",
    [
        ["vm", "info", "--json", "1", "--bogus"],
        ["--json", "vm", "explode"],
        ["op", "list", "--json", "--state"],
        ["vm", "info", "--json"],
    ],
    ids=" ".join,
)
def test_json_errors_for_parse_errors_after_json(cli, args):
    result = cli("--sandbox", *args)
    assert result.exit_code == 2
    error = json.loads(result.stderr.splitlines()[-1])["error"]
    assert error["exit_code"] == 2 and error["code"] is None and error["message"]


def test_json_after_double_dash_is_an_operand(cli):
    result = cli("--sandbox", "vm", "info", "1", "--bogus", "--", "--json")
    assert result.exit_code == 2
    assert not result.stderr.splitlines()[-1].startswith("{")


@pytest.mark.parametrize("token", ["²", "١٠١"])
def test_non_ascii_digits_are_not_an_operation_id(cli, token):
    result = cli("--sandbox", "--json", "op", "info", token)
    assert result.exit_code == 2, result.stderr
    assert "is not an operation id" in result.stderr
    assert json.loads(result.stderr.splitlines()[-1])["error"]["exit_code"] == 2


OUT_OF_RANGE = [
    ["vm", "info", "99999999999999999999"],
    ["vm", "info", "0"],
    ["disk", "info", "2147483648"],
    ["disk", "attach", "1", "2147483648"],
    ["product", "remove", "99999999999", "--yes"],
    ["product", "update", "--yes", "2147483648", "1"],
    ["product", "update", "--yes", "١", "1"],
    ["product", "add", "--yes", "shares", "1_0"],
    ["vm", "create", "w1", "--os", "111", "--shares", "99999999999", "--password-stdin"],
    ["vm", "create", "w1", "--os", "99999999999", "--shares", "1", "--password-stdin"],
    ["vm", "update", "web1", "--max-memory", "99999999999"],
    ["vm", "update", "web1", "--shares", "2147483648"],
    ["disk", "create", "d1", "--size", "3000000G"],
    ["op", "info", "2147483648"],
    ["op", "wait", "1", "99999999999"],
    ["op", "cancel", "99999999999", "--yes"],
]


@pytest.mark.parametrize("args", OUT_OF_RANGE, ids=" ".join)
def test_out_of_range_numbers_are_a_usage_error_before_any_request(cli, logged_in, args):
    before = logged_in.request_count
    result = cli("--url", logged_in.url, *args, input="s3cret-root-pw\n")
    assert result.exit_code == 2, result.output
    assert "Invalid value" in result.stderr and "Traceback" not in result.stderr
    assert logged_in.request_count == before


def test_the_largest_id_is_still_sent(cli, logged_in):
    result = cli("--url", logged_in.url, "vm", "info", "2147483647")
    assert result.exit_code == 4, result.output


@pytest.mark.parametrize(
    "args",
    [
        ["--timeout", "inf", "account", "currency"],
        ["--timeout", "nan", "account", "currency"],
        ["account", "currency", "--timeout", "NaN"],
        ["--timeout", "3601", "account", "currency"],
        ["op", "wait", "1", "--wait-timeout", "nan"],
        ["op", "wait", "1", "--wait-timeout", "inf"],
        ["product", "add", "--yes", "disk", "1", "--wait-timeout", "nan"],
        ["disk", "create", "d1", "--size", "9" * 400],
    ],
    ids=lambda a: " ".join(a)[:40],
)
def test_non_finite_or_huge_seconds_are_a_usage_error(cli, logged_in, args):
    before = logged_in.request_count
    result = cli("--url", logged_in.url, "--json", *args)
    assert result.exit_code == 2, result.output
    assert json.loads(result.stderr.splitlines()[-1])["error"]["exit_code"] == 2
    assert logged_in.request_count == before


def test_a_finite_timeout_still_works(cli, logged_in):
    result = cli("--url", logged_in.url, "--timeout", "3600", "account", "currency")
    assert result.exit_code == 0 and result.stdout == "EUR\n"
