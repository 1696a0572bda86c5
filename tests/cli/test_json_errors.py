"""With --json (or -o json), stderr carries JSON only: the error object, and warnings
and messages as JSON lines, so that `2>err.json` parses line by line."""

from __future__ import annotations

import json

import pytest

from gandi_hosting_cli.sandbox.seed import SEED_LOGIN, SEED_PASSWORD
from tests.cli.hosting_helpers import free_port


def json_lines(text: str) -> list[dict]:
    """Every line of ``text`` parsed as JSON (fails on any other line)."""
    return [json.loads(line) for line in text.splitlines()]


def the_error(result) -> dict:
    lines = json_lines(result.stderr)
    errors = [line["error"] for line in lines if "error" in line]
    assert errors, result.stderr
    assert errors[-1]["exit_code"] == result.exit_code
    return errors[-1]


@pytest.fixture(params=[["--json"], ["-o", "json"], ["--output=json"]], ids=lambda p: " ".join(p))
def as_json(request) -> list[str]:
    return request.param


def test_exit_1_an_api_fault(gh, as_json):
    result = gh(*as_json, "disk", "create", "huge", "--size", "1000G")
    assert result.exit_code == 1 and the_error(result)["code"] == 530435


@pytest.mark.parametrize(
    "args",
    [
        ["vm", "list", "--columns", "id,nope"],
        ["vm", "list", "--sort", "nope"],
        ["vm", "list", "--no-such-option"],
        ["vm", "create"],
        ["op", "list", "--state"],
        ["vm", "start", "web1", "-"],  # '-' must be alone
    ],
    ids=" ".join,
)
def test_exit_2_usage_errors(gh, as_json, args):
    result = gh(*as_json, *args, input="")
    assert result.exit_code == 2
    assert the_error(result)["code"] is None and result.stdout == ""


def test_exit_2_when_the_option_itself_comes_after_the_parse_error(gh):
    result = gh("vm", "list", "--no-such-option", "-o", "json")
    assert result.exit_code == 2 and the_error(result)


def test_exit_3_wrong_password(cli, sandbox_server, as_json):
    result = cli(
        "--url", sandbox_server.url, *as_json, "login", SEED_LOGIN, "--password-stdin",
        input="wrong-password\n",
    )  # fmt: skip
    assert result.exit_code == 3 and the_error(result)["code"] == 500150


def test_exit_4_not_found(gh, as_json):
    result = gh(*as_json, "vm", "info", "424242")
    assert result.exit_code == 4 and "does not exist" in the_error(result)["message"]


def test_exit_5_an_operation_ended_in_error(slow_gh, as_json):
    g = slow_gh(0)  # ends in ERROR at the first poll: no pause
    result = g(*as_json, "disk", "create", "fail-disk", "--size", "1G", "--wait")
    assert result.exit_code == 5 and the_error(result)
    assert json.loads(result.stdout)["state"] == "ERROR"


def test_exit_6_nothing_listening(cli, as_json):
    url = f"http://127.0.0.1:{free_port()}/hosting/"
    result = cli(
        "--url", url, *as_json, "login", SEED_LOGIN, "--password-stdin",
        input=SEED_PASSWORD + "\n",
    )  # fmt: skip
    assert result.exit_code == 6 and "cannot connect" in the_error(result)["message"]


def test_exit_7_wait_timeout(slow_gh, as_json):
    g = slow_gh(60)
    opid = g.json("product", "add", "--yes", "disk", "1024")["operation"]
    result = g(*as_json, "op", "wait", str(opid), "--wait-timeout", "0.2")
    assert result.exit_code == 7 and the_error(result)


def test_several_failures_each_become_a_json_line(gh):
    gh.disks(1, "data")
    result = gh("--json", "disk", "delete", "data1", "4242", "4343", "--yes")
    assert result.exit_code == 4
    lines = json_lines(result.stderr)
    assert len([line for line in lines if "error" in line]) >= 2


def test_warnings_and_messages_are_json_lines_too(gh):
    from tests.cli.test_op_list_paging import BASE, add_operations

    add_operations(gh, [BASE + i for i in range(301)])  # a full list: a warning
    result = gh("--json", "op", "list")
    assert result.exit_code == 0
    [warning] = json_lines(result.stderr)
    assert "last 300" in warning["warning"]
    # a message (the session store in use), with -o json
    login = gh("-o", "json", "login", SEED_LOGIN, "--password-stdin", input=SEED_PASSWORD + "\n")
    assert login.exit_code == 0
    assert all(set(line) <= {"message", "warning"} for line in json_lines(login.stderr))
    # and without --json, the same stderr is for people
    assert gh("op", "list").stderr.startswith("warning: ")
