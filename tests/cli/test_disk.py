"""`disk list|info|create|delete|attach|detach` against a sandbox server."""

from __future__ import annotations

import json


def test_create_with_a_unit_and_find_its_operation(gh):
    gh.shares(1)
    data = gh.json("disk", "create", "data", "--size", "2G", "--fstype", "xfs", "--wait")
    assert list(data) == ["id", "operation", "state"] and data["state"] == "DONE"
    op = gh.json("op", "info", str(data["operation"]))
    assert (op["type"], op["param"]["disk_id"]) == ("disk_create", data["id"])
    info = gh.json("disk", "info", "data")
    assert (info["id"], info["size"], info["fstype"], info["vm_id"]) == (data["id"], 2048, "xfs", 0)
    text = gh("disk", "create", "logs", "--size", "1024")
    assert text.exit_code == 0
    assert text.stdout.startswith("logs (disk ") and "operation" in text.stdout
    assert gh("-q", "disk", "create", "more", "--size", "512").stdout.strip().isdigit()


def test_create_checks_values_before_sending(gh):
    before = gh.server.request_count
    for args, needle in (
        (["data", "--size", "2X"], "not a size"),
        (["data", "--size", "0"], "more than 0"),
        (["data", "--size", "1G", "--fstype", "ntfs"], "ntfs"),
        (["my disk", "--size", "1G"], "not a valid disk name"),
    ):
        result = gh("disk", "create", *args)
        assert result.exit_code == 2, args
        assert needle in result.stderr
    assert gh.server.request_count == before


def test_create_refused_over_the_quota(gh):
    result = gh("--json", "disk", "create", "huge", "--size", "1000G")
    assert result.exit_code == 1
    assert json.loads(result.stderr.splitlines()[-1])["error"]["code"] == 530435  # disk quota


def test_create_fail_name_ends_in_error(slow_gh):
    g = slow_gh(0)  # ends in ERROR at the first poll: no pause
    result = g("disk", "create", "fail-disk", "--size", "1G", "--wait")
    assert result.exit_code == 5
    assert "ended in ERROR" in result.stderr


def test_list_and_details_show_the_attached_vm(gh):
    [vm_id] = gh.vms(1, "web")
    [d1, d2] = gh.disks(2, "data", size=2048)
    gh.json("disk", "attach", "data1", "web1", "--wait")
    ids = [int(i) for i in gh("-q", "disk", "list").stdout.split()]
    assert {d1, d2} <= set(ids) and len(ids) == 3  # and the system disk
    details = {d["name"]: d for d in gh.json("disk", "list", "--details")}
    assert details["data1"]["vm_id"] == vm_id and details["data2"]["vm_id"] == 0
    table = {
        line.split()[1]: line for line in gh("disk", "list", "--details").stdout.splitlines()[1:]
    }
    assert f"web1 ({vm_id}, position 1)" in table["data1"]
    assert "2 GB" in table["data1"] and table["data2"].rstrip().endswith("-")
    assert "boot" in table["sys_web1"]


def test_disk_list_details_in_constant_requests(gh):
    gh.vms(2, "web")
    before = gh.server.request_count
    gh("disk", "list", "--details")
    few = gh.server.request_count - before
    gh.vms(50, "more")
    gh.disks(50, "data")
    before = gh.server.request_count
    gh("disk", "list", "--details")
    assert gh.server.request_count - before == few == 3


def test_attach_detach_by_names_and_refusals(gh):
    [vm_id] = gh.vms(1, "web")
    [disk_id] = gh.disks(1, "data")
    attached = gh.json("disk", "attach", "data1", "web1", "--wait")
    assert set(attached) == {"operation", "state"}
    assert gh.json("disk", "info", str(disk_id))["vm_id"] == vm_id
    [other] = gh.vms(1, "db")
    elsewhere = gh("disk", "attach", "data1", "db1")  # attached to another VM: refused
    assert elsewhere.exit_code == 1 and "attached" in elsewhere.stderr
    refused = gh("disk", "delete", "data1", "--yes")
    assert refused.exit_code == 1 and "attached" in refused.stderr
    assert gh.json("disk", "detach", "data1", str(vm_id), "--wait")["state"] == "DONE"
    gh.json("disk", "attach", "data1", "web1", "--wait")
    not_this_one = gh("--json", "disk", "detach", "data1", str(other))  # on web1, not db1
    assert not_this_one.exit_code == 1
    assert json.loads(not_this_one.stderr.splitlines()[-1])["error"]["code"] == 530498
    assert gh("disk", "attach", "nosuch", "web1").exit_code == 4


def test_delete_several_one_refused(gh):
    gh.vms(1, "web")
    ids = gh.disks(3, "data")
    gh.json("disk", "attach", "data2", "web1", "--wait")
    result = gh("--json", "disk", "delete", "data1", "data2", str(ids[2]), "--yes", "--wait")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert [d.get("state") for d in data] == ["DONE", None, "DONE"]
    assert data[1]["error"]["code"] == 530439
    names = {d["name"] for d in gh.json("disk", "list", "--details")}
    assert "data1" not in names and "data2" in names and "data3" not in names


def test_delete_needs_yes_off_a_terminal_and_asks_on_one(gh):
    gh.disks(1, "data", size=3072)
    before = gh.server.request_count
    assert gh("disk", "delete", "data1").exit_code == 2
    assert gh.server.request_count == before
    person = gh.on_terminal()
    declined = person("disk", "delete", "data1", input="n\n")
    assert declined.exit_code == 1  # Declined: nothing was sent
    assert "nothing was sent" in declined.stderr
    assert "data1: 3 GB" in declined.stderr
    assert person("disk", "delete", "data1", "--wait", input="y\n").exit_code == 0
    assert gh("disk", "info", "data1").exit_code == 4


def test_ambiguous_disk_reference_is_impossible_but_unknown_is_exit_4(gh):
    # disk names are unique per account: only a missing name can fail
    result = gh("--json", "disk", "info", "ghost")
    assert result.exit_code == 4
    assert json.loads(result.stderr.splitlines()[-1])["error"]["exit_code"] == 4


def test_create_finds_its_operation_in_one_extra_round_trip(gh):
    gh.disks(25, "old")  # older disk_create operations to look through
    gh.shares(1)
    before = gh.server.request_count
    data = gh.json("disk", "create", "data", "--size", "1G")
    # disk_list + multicall(disk_info) (is the name free?), then
    # multicall(disk_create, operation_list) + multicall(operation_details of the newest)
    assert gh.server.request_count - before == 4
    assert gh.json("op", "info", str(data["operation"]))["param"]["disk_id"] == data["id"]


def test_create_against_a_server_without_multicall(cli, make_sandbox_server):
    from tests.cli.hosting_helpers import Gh

    g = Gh(cli, make_sandbox_server(multicall=False))
    g.login()
    g.disks(5, "old")
    g.shares(1)
    for name in ("a1", "a2", "a3"):
        data = g.json("disk", "create", name, "--size", "512", "--wait")
        assert data["state"] == "DONE"
        assert g.json("op", "info", str(data["operation"]))["param"]["disk_id"] == data["id"]
