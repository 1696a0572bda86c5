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


OUT_OF_RANGE = [
    ["vm", "info", "99999999999999999999"],
    ["vm", "info", "0"],
    ["disk", "info", "2147483648"],
    ["disk", "attach", "1", "2147483648"],
    ["product", "remove", "99999999999", "--yes"],
    ["product", "update", "2147483648", "1"],
    ["product", "update", "١", "1"],
    ["product", "add", "shares", "1_0"],
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
        ["product", "add", "disk", "1", "--wait-timeout", "nan"],
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


@pytest.mark.parametrize("json_flag", [["--json"], []])
def test_ctrl_c_while_waiting_gives_one_line_and_the_json_error(make_sandbox_server, json_flag):
    import os
    import signal
    import subprocess
    import sys
    import time

    from gandi_hosting_cli.sandbox.seed import SEED_LOGIN, SEED_PASSWORD
    from tests.cli.test_waiting import logged_client, queue_disk_products

    server = make_sandbox_server(op_delay=60)
    [opid] = queue_disk_products(server, 1)
    env = {
        **os.environ,
        "GANDI_HOSTING_URL": server.url,
        "GANDI_HOSTING_LOGIN": SEED_LOGIN,
        "GANDI_HOSTING_PASSWORD": SEED_PASSWORD,
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "gandi_hosting_cli", "op", "wait", str(opid), *json_flag],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 20
    while server.request_count < 4 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 130, err
    assert out == ""
    lines = [line for line in err.splitlines() if line.strip()]
    lines = lines[[i for i, line in enumerate(lines) if line.startswith("Error: ")][0] :]
    follow = f"operation {opid} goes on; follow it with `gandi-hosting op wait {opid}`"
    assert follow in lines[0] and lines[0].startswith("Error: ")
    if json_flag:
        assert len(lines) == 2, err
        error = json.loads(lines[1])["error"]
        assert error["exit_code"] == 130 and follow in error["message"]
    else:
        assert len(lines) == 1, err
    assert logged_client(server).operation_details(opid)["state"] in ("PENDING", "RUN")


def test_op_list_json_gives_ids_and_details_gives_structs(cli, logged_in):
    def run(*args):
        return cli("--url", logged_in.url, "op", "list", *args)

    assert run("--json").exit_code == 0 and json.loads(run("--json").stdout) == []
    for _ in range(2):
        assert cli("--url", logged_in.url, "product", "add", "disk", "1024").exit_code == 0
    ids = json.loads(run("--json").stdout)
    structs = json.loads(run("--json", "--details").stdout)
    assert all(isinstance(i, int) for i in ids) and len(ids) == 2
    assert [s["uid"] for s in structs] == ids
    assert {"uid", "type", "state", "date_create"} <= set(structs[0])
    assert run("-q").stdout.split() == [str(i) for i in ids]
    table = run().stdout.splitlines()
    assert table == run("--details").stdout.splitlines()
    assert table[0].split() == ["ID", "TYPE", "STATE", "CREATED", "UPDATED", "OBJECT", "COMMENT"]
    assert [row.split()[0] for row in table[1:]] == [str(i) for i in ids]
    assert "--details" in run("--help").stdout


@pytest.mark.parametrize("command", [["product", "list"], ["os", "list"]])
def test_product_and_os_list_help_say_they_give_objects(cli, command):
    assert "objects, not ids" in " ".join(cli(*command, "--help").stdout.split())


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
