"""Drift the API cannot fix in place (a disk's size or fstype, a VM's OS): `plan` exits 9
and apply leaves it; with --replace NAME it is a delete then a create, verified on the
account through a plain xmlrpc.client."""

from __future__ import annotations

from gandi_hosting_cli.declarative.executor import apply_plan
from gandi_hosting_cli.declarative.manifest import parse_manifest
from gandi_hosting_cli.declarative.planner import make_plan, unknown_names
from gandi_hosting_cli.declarative.state import read_account
from tests.declarative.conftest import passwords
from tests.declarative.test_apply import MANIFEST, account, apply, names_on

GROWN = MANIFEST.replace('name = "data1"\nsize = "2G"', 'name = "data1"\nsize = "3G"')
NEW_OS = MANIFEST.replace('hostname = "web1"\nos = "Debian 12"',
                          'hostname = "web1"\nos = "Ubuntu 22.04"')  # fmt: skip


def plan_for(client, text, replace=()):
    return make_plan(parse_manifest(text, "site.toml"), read_account(client), replace=replace)


def test_a_grown_disk_is_drift_only_replacement_fixes_exit_9_and_apply_sends_nothing(
    client, plain, calls
):
    apply(client, MANIFEST)
    plan = plan_for(client, GROWN)
    assert plan.actions == [] and plan.exit_code == 9
    [problem] = plan.problems
    assert problem.kind == "replace" and "--replace data1" in problem.message
    calls.clear()
    result = apply_plan(client, plan, passwords=passwords)
    assert result.outcomes == [] and calls.writes == []
    _, disks = account(*plain)
    assert disks["data1"]["size"] == 2048


def test_replace_of_a_grown_attached_disk_detaches_deletes_creates_and_attaches_it(client, plain):
    apply(client, MANIFEST)
    _, before = account(*plain)
    plan = plan_for(client, GROWN, replace=["data1"])
    assert [(a.kind, a.disk) for a in plan.actions] == [
        ("detach", "data1"), ("delete_disk", "data1"), ("create_disk", "data1"),
        ("attach", "data1"),
    ]  # fmt: skip
    assert [a.depends for a in plan.actions] == [[], [1], [2], [1, 3]]
    assert plan.replaced == ["disk data1"] and plan.exit_code == 8
    result = apply_plan(client, plan, passwords=passwords)
    assert result.exit_code == 0, [o.as_dict() for o in result.outcomes]
    vms, disks = account(*plain)
    assert disks["data1"]["size"] == 3072 and disks["data1"]["id"] != before["data1"]["id"]
    assert names_on(vms["web1"], disks)[1:] == ["logs1", "data1"]
    assert plan_for(client, GROWN).up_to_date


def test_an_os_change_exits_9_without_replace_and_leaves_the_vm(client, plain, calls):
    apply(client, MANIFEST)
    plan = plan_for(client, NEW_OS)
    assert plan.actions == [] and plan.exit_code == 9
    assert "vm web1" in plan.problems[0].message and "--replace web1" in plan.problems[0].message
    calls.clear()
    assert apply_plan(client, plan, passwords=passwords).outcomes == []
    assert calls.writes == []


def test_replace_of_a_vm_recreates_it_with_the_new_os_and_keeps_its_data_disks(client, plain):
    apply(client, MANIFEST)
    vms, before = account(*plain)
    old_id = vms["web1"]["id"]
    plan = plan_for(client, NEW_OS, replace=["web1"])
    kinds = [a.kind for a in plan.actions]
    assert kinds == ["stop", "delete_vm", "create_vm", "attach", "attach"]
    assert plan.replaced == ["vm web1"]
    result = apply_plan(client, plan, passwords=passwords)
    assert result.exit_code == 0, [o.as_dict() for o in result.outcomes]
    vms, disks = account(*plain)
    assert vms["web1"]["id"] != old_id and vms["web1"]["state"] == "running"
    ubuntu = read_account(client).os_images
    assert any(i["id"] == vms["web1"]["os_id"] and "Ubuntu" in i["label"] for i in ubuntu)
    assert names_on(vms["web1"], disks)[1:] == ["data1", "logs1"]
    assert disks["data1"]["id"] == before["data1"]["id"]  # the data disks were kept
    assert plan_for(client, NEW_OS).up_to_date


def test_replacing_a_vm_booting_from_a_data_disk_keeps_that_disk(client, plain):
    apply(client, MANIFEST)
    _, before = account(*plain)
    text = MANIFEST.replace("os = 111", 'os = "Ubuntu 22.04"')
    plan = plan_for(client, text, replace=["db1"])
    assert [a.kind for a in plan.actions][:3] == ["stop", "link_boot_disk", "delete_vm"]
    result = apply_plan(client, plan, passwords=passwords)
    assert result.exit_code == 0, [o.as_dict() for o in result.outcomes]
    vms, disks = account(*plain)
    assert disks["dbdata"]["id"] == before["dbdata"]["id"]
    assert names_on(vms["db1"], disks)[0] == "dbdata"
    assert "sys_db1" in disks and plan_for(client, text).up_to_date


def test_replace_drift_and_other_changes_together_exit_8(client):
    apply(client, MANIFEST)
    plan = plan_for(client, GROWN.replace("shares = 2\ndisks", "shares = 3\ndisks"))
    assert [a.kind for a in plan.actions] == ["update_vm"] and plan.exit_code == 8


def test_replace_names_a_declared_object_and_says_when_there_is_nothing_to_replace(client):
    apply(client, MANIFEST)
    manifest = parse_manifest(MANIFEST, "site.toml")
    assert unknown_names(manifest, ["web1", "data1", "nosuch", "WEB1"]) == ["nosuch"]
    plan = plan_for(client, MANIFEST, replace=["web1"])
    assert plan.actions == [] and plan.notes and "nothing to replace" in plan.notes[0]


def test_a_declared_name_two_vms_hold_is_a_problem_exit_2(client, plain, calls):
    proxy, session = plain
    for _ in range(2):
        proxy.vm_create(session, "web1", "rootpass-123", 111, 1, 1, {})
    plan = plan_for(client, MANIFEST)
    assert plan.exit_code == 2 and not plan.up_to_date
    [dup] = plan.duplicates
    assert dup.blocking and "2 vms have this name" in dup.message
    assert not any(a.vm == "web1" for a in plan.actions)


def test_replacing_the_data_disk_a_running_vm_boots_from_halts_it_and_links_the_new_one(
    client, plain
):
    apply(client, MANIFEST)
    text = MANIFEST.replace('name = "dbdata"\nsize = "4G"', 'name = "dbdata"\nsize = "5G"')
    plan = plan_for(client, text, replace=["dbdata"])
    assert [a.kind for a in plan.actions] == [
        "stop", "detach", "delete_disk", "create_disk", "attach", "link_boot_disk", "start",
    ]  # fmt: skip
    result = apply_plan(client, plan, passwords=passwords)
    assert result.exit_code == 0, [o.as_dict() for o in result.outcomes]
    vms, disks = account(*plain)
    assert disks["dbdata"]["size"] == 5120 and names_on(vms["db1"], disks)[0] == "dbdata"
    assert vms["db1"]["state"] == "running" and plan_for(client, text).up_to_date


def test_replacing_a_vm_and_a_disk_it_holds_together_converges(client, plain):
    apply(client, MANIFEST)
    text = NEW_OS.replace('name = "data1"\nsize = "2G"', 'name = "data1"\nsize = "3G"')
    plan = plan_for(client, text, replace=["web1", "data1"])
    delete_vm = next(a for a in plan.actions if a.kind == "delete_vm")
    delete_disk = next(a for a in plan.actions if a.kind == "delete_disk")
    assert delete_vm.id in delete_disk.depends  # the VM's delete detaches it first
    result = apply_plan(client, plan, passwords=passwords)
    assert result.exit_code == 0, [o.as_dict() for o in result.outcomes]
    vms, disks = account(*plain)
    assert disks["data1"]["size"] == 3072
    assert sorted(names_on(vms["web1"], disks)[1:]) == ["data1", "logs1"]
    assert plan_for(client, text).up_to_date
