"""Several objects: each its own outcome, everywhere. One that is missing (a name that
names nothing, an id that does not exist) never stops the others; --json gives one
entry per object in the order given (the failed ones with error.code and exit_code),
and the exit code is the worst."""

from __future__ import annotations

import json

import pytest

from tests.cli.hosting_helpers import PASSWORD, Gh


@pytest.fixture
def account(gh: Gh) -> dict:
    [web1] = gh.vms(1, "web")  # running
    [idle1] = gh.vms(1, "idle", state="halted")
    [data1] = gh.disks(1, "data")
    return {"web1": web1, "idle1": idle1, "data1": data1}


def _entries(result) -> list[dict]:
    assert result.exit_code == 4, (result.stdout, result.stderr)
    # stderr: one JSON object a line, the failed object's error in DESIGN's error shape
    errors = [json.loads(line)["error"] for line in result.stderr.splitlines() if '"error"' in line]
    assert errors and all({"code", "message", "exit_code"} <= set(e) for e in errors), errors
    assert max(e["exit_code"] for e in errors) == 4
    entries = json.loads(result.stdout)
    assert len(entries) == 2, entries
    missing = entries[1]
    assert missing["error"]["exit_code"] == 4 and "message" in missing["error"]
    assert "code" in missing["error"]
    assert "error" not in entries[0], entries[0]
    return entries


@pytest.mark.parametrize("missing", ["nosuch", "999"])
def test_vm_info_of_several_gives_the_missing_one_its_entry(gh, account, missing):
    entries = _entries(gh("--json", "vm", "info", "web1", missing))
    assert entries[0]["id"] == account["web1"]
    assert entries[1]["id"] == (int(missing) if missing.isdigit() else missing)


def test_disk_info_of_several_gives_the_missing_one_its_entry(gh, account):
    entries = _entries(gh("--json", "disk", "info", "data1", "nosuch"))
    assert entries[0]["id"] == account["data1"] and entries[1]["id"] == "nosuch"


def test_columns_apply_to_several_objects_as_to_one(gh, account):
    one = gh("--json", "--columns", "id,hostname", "vm", "info", "web1")
    several = gh("--json", "--columns", "id,hostname", "vm", "info", "web1", "idle1", "nosuch")
    assert json.loads(one.stdout) == {"id": account["web1"], "hostname": "web1"}
    entries = json.loads(several.stdout)
    assert entries[:2] == [
        {"id": account["web1"], "hostname": "web1"},
        {"id": account["idle1"], "hostname": "idle1"},
    ]
    assert entries[2]["error"]["exit_code"] == 4 and several.exit_code == 4
    people = gh("--columns", "hostname", "vm", "info", "web1", "idle1")
    assert people.exit_code == 0 and "state" not in people.stdout
    assert "web1" in people.stdout and "idle1" in people.stdout


@pytest.mark.parametrize(
    ("command", "name", "goal"),
    [
        (("vm", "start"), "idle1", "running"),
        (("vm", "stop"), "web1", "halted"),
        (("vm", "reboot"), "web1", "running"),
        (("vm", "delete", "--yes"), "idle1", None),
    ],
)
def test_a_vm_command_goes_on_past_a_missing_vm(gh, account, command, name, goal):
    entries = _entries(gh("--json", *command, name, "nosuch", "--wait"))
    assert entries[0]["id"] == account[name] and entries[0]["state"] == "DONE"
    assert entries[1]["id"] == "nosuch"
    vms = {vm["id"]: vm["state"] for vm in gh.json("vm", "list")}
    assert vms.get(account[name]) == goal


def test_disk_delete_of_several_keeps_input_order(gh, account):
    result = gh("--json", "disk", "delete", "data1", "nosuch", "--yes", "--wait")
    entries = _entries(result)
    assert entries[0]["id"] == account["data1"] and entries[1]["id"] == "nosuch"
    assert "data1" not in [d["name"] for d in gh.json("disk", "list")]


def test_op_info_cancel_and_wait_go_on_past_a_missing_operation(gh):
    gh.shares(2)
    created = gh("--json", "vm", "create", "fail-1", "--os", "111", "--shares", "1",
                 "--password-stdin", input=PASSWORD + "\n")  # fmt: skip
    failed_op = json.loads(created.stdout or "{}").get("operation")
    if failed_op is None:  # the create's own error: its operation ended in ERROR
        [failed_op] = gh.ids("op", "list", "--state", "ERROR")
    [done_op] = gh.ids("op", "list", "--state", "DONE")[:1]
    entries = _entries(gh("--json", "op", "info", str(done_op), "999999"))
    assert entries[0]["uid"] == done_op
    entries = _entries(gh("--json", "op", "wait", str(done_op), "999999"))
    assert entries[0]["state"] == "DONE"
    entries = _entries(gh("--json", "op", "cancel", str(failed_op), "999999", "--yes"))
    assert entries[0]["state"] == "CANCEL"
