"""Changes that need several operations in order: moves, boot disks, halts, prune of data disks."""

from __future__ import annotations

from tests.declarative.test_apply import MANIFEST, account, apply, names_on, plan_for


def test_moving_a_disk_detaches_it_before_attaching_it_elsewhere(client, plain):
    apply(client, MANIFEST)
    moved = MANIFEST.replace('disks = ["data1", "logs1"]', 'disks = ["data1"]').replace(
        'disks = ["data2"]', 'disks = ["data2", "logs1"]'
    )
    plan = plan_for(client, moved)
    kinds = [(a.kind, a.disk) for a in plan.actions]
    assert kinds == [("detach", "logs1"), ("attach", "logs1")]
    assert plan.actions[1].depends == [1]
    _, result = apply(client, moved)
    assert result.exit_code == 0
    vms, disks = account(*plain)
    assert names_on(vms["web1"], disks)[1:] == ["data1"]
    assert names_on(vms["web2"], disks)[1:] == ["data2", "logs1"]
    assert plan_for(client, moved).up_to_date


def test_dropping_boot_disk_links_the_system_disk_back(client, plain):
    apply(client, MANIFEST)
    text = MANIFEST.replace('boot_disk = "dbdata"\n', "")
    plan = plan_for(client, text)
    assert [a.kind for a in plan.actions] == ["stop", "link_boot_disk", "start"]
    assert apply(client, text)[1].exit_code == 0
    vms, disks = account(*plain)
    assert names_on(vms["db1"], disks)[0] == "sys_db1"
    assert vms["db1"]["state"] == "running"
    assert plan_for(client, text).up_to_date


def test_growing_shares_beyond_max_memory_halts_the_vm_for_the_update(client, plain):
    apply(client, MANIFEST)
    text = MANIFEST.replace("shares = 2\ndisks", "shares = 9\ndisks")  # 2304 MB > 2048
    plan = plan_for(client, text)
    assert [a.kind for a in plan.actions] == ["stop", "update_vm", "start"]
    assert apply(client, text)[1].exit_code == 0
    vms, _ = account(*plain)
    assert (vms["web1"]["shares"], vms["web1"]["state"]) == (9, "running")
    assert vms["web1"]["vm_max_memory"] >= 9 * 256


def test_a_disk_declared_on_no_vm_is_detached_and_kept(client, plain):
    apply(client, MANIFEST)
    text = MANIFEST.replace('disks = ["data2"]', "disks = []")
    plan = plan_for(client, text)
    assert [(a.kind, a.disk) for a in plan.actions] == [("detach", "data2")]
    assert apply(client, text)[1].exit_code == 0
    _, disks = account(*plain)
    assert disks["data2"]["vm_id"] == 0


def test_prune_detaches_and_deletes_an_undeclared_disk_on_a_declared_vm(client, plain):
    apply(client, MANIFEST)
    text = MANIFEST.replace('disks = ["data2"]', "disks = []").replace(
        '[[disk]]\nname = "data2"\nsize = "512M"\n', ""
    )
    assert plan_for(client, text).up_to_date  # without prune: left alone
    plan = plan_for(client, text, prune=True)
    assert [(a.kind, a.disk) for a in plan.actions] == [
        ("detach", "data2"),
        ("delete_disk", "data2"),
    ]
    assert apply(client, text, prune=True)[1].exit_code == 0
    _, disks = account(*plain)
    assert "data2" not in disks and "sys_web2" in disks


def test_plan_describes_before_and_after(client):
    apply(client, MANIFEST)
    plan = plan_for(client, MANIFEST.replace('state = "halted"', 'state = "running"'))
    (start,) = plan.actions
    assert start.describe() == "start vm web2: state halted -> running"
    assert start.as_dict()["method"] == "vm_start"
    assert plan.exit_code == 8
