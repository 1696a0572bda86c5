"""plan -> apply -> re-apply against a real sandbox, verified with a plain xmlrpc.client."""

from __future__ import annotations

from gandi_hosting_cli.api.dry_run import DryRunClient
from gandi_hosting_cli.cli.hints import with_hint
from gandi_hosting_cli.declarative.calls import planned_calls
from gandi_hosting_cli.declarative.executor import apply_plan
from gandi_hosting_cli.declarative.export import export_account
from gandi_hosting_cli.declarative.manifest import parse_manifest
from gandi_hosting_cli.declarative.planner import make_plan
from gandi_hosting_cli.declarative.state import read_account
from gandi_hosting_cli.errors import Hint
from tests.declarative.conftest import passwords

MANIFEST = """
[[vm]]
hostname = "web1"
os = "Debian 12"
shares = 2
disks = ["data1", "logs1"]

[[vm]]
hostname = "web2"
os = "Ubuntu 22.04"
shares = 1
state = "halted"
login = "admin"
disks = ["data2"]

[[vm]]
hostname = "db1"
os = 111
shares = 2
cpu = 2
max_memory = 4096
disks = ["dbdata"]
boot_disk = "dbdata"

[[disk]]
name = "data1"
size = "2G"

[[disk]]
name = "logs1"
size = 1024

[[disk]]
name = "data2"
size = "512M"

[[disk]]
name = "dbdata"
size = "4G"
fstype = "xfs"
"""


def plan_for(client, text, prune=False):
    return make_plan(parse_manifest(text, "site.toml"), read_account(client), prune=prune)


def apply(client, text, prune=False):
    plan = plan_for(client, text, prune)
    return plan, apply_plan(client, plan, passwords=passwords)


def account(proxy, session):
    vms = {}
    for vm_id in proxy.vm_list(session):
        info = proxy.vm_info(session, vm_id)
        vms[info["hostname"]] = info
    disks = {}
    for disk_id in proxy.disk_list(session):
        info = proxy.disk_info(session, disk_id)
        disks[info["name"]] = info
    return vms, disks


def names_on(vm, disks):
    by_id = {d["id"]: name for name, d in disks.items()}
    return [by_id[i] for i in vm["disks_id"]]


def test_apply_from_empty_account_builds_everything_declared(client, plain, calls):
    plan, result = apply(client, MANIFEST)
    assert result.exit_code == 0, [o.as_dict() for o in result.outcomes]
    assert all(o.status == "done" for o in result.outcomes)

    proxy, session = plain
    vms, disks = account(proxy, session)
    assert sorted(vms) == ["db1", "web1", "web2"]
    assert (vms["web1"]["state"], vms["web1"]["shares"]) == ("running", 2)
    assert (vms["web2"]["state"], vms["web2"]["login"]) == ("halted", "admin")
    assert (vms["db1"]["cpu"], vms["db1"]["vm_max_memory"]) == (2, 4096)
    assert vms["db1"]["state"] == "running"
    assert names_on(vms["web1"], disks)[1:] == ["data1", "logs1"]
    assert names_on(vms["web2"], disks)[1:] == ["data2"]
    assert names_on(vms["db1"], disks)[0] == "dbdata"  # the boot disk
    assert disks["dbdata"]["is_boot_disk"] and disks["dbdata"]["fstype"] == "xfs"
    assert (disks["data1"]["size"], disks["data2"]["size"]) == (2048, 512)


def test_second_apply_sends_no_write_request(client, calls):
    apply(client, MANIFEST)
    calls.clear()
    plan, result = apply(client, MANIFEST)
    assert plan.up_to_date and plan.exit_code == 0
    assert result.outcomes == [] and result.exit_code == 0
    assert calls.writes == []


def test_edited_manifest_converges(client, plain, calls):
    apply(client, MANIFEST)
    edited = (
        MANIFEST.replace('shares = 2\ndisks = ["data1", "logs1"]',
                         'shares = 4\ndisks = ["data1", "logs1", "extra"]')
        .replace('shares = 2\ncpu = 2', 'shares = 2\ncpu = 2\nstate = "halted"')
        + '\n[[disk]]\nname = "extra"\nsize = 1024\n'
    )  # fmt: skip
    plan = plan_for(client, edited)
    kinds = sorted(a.kind for a in plan.actions)
    assert kinds == ["attach", "create_disk", "stop", "update_vm"]
    update = next(a for a in plan.actions if a.kind == "update_vm")
    assert (update.before, update.after) == ({"shares": 2}, {"shares": 4})
    result = apply_plan(client, plan, passwords=passwords)
    assert result.exit_code == 0

    proxy, session = plain
    vms, disks = account(proxy, session)
    assert vms["web1"]["shares"] == 4 and vms["web1"]["state"] == "running"
    assert names_on(vms["web1"], disks)[1:] == ["data1", "logs1", "extra"]
    assert vms["db1"]["state"] == "halted"
    calls.clear()
    assert plan_for(client, edited).up_to_date
    assert calls.writes == []


def test_cpu_change_on_a_running_vm_stops_updates_and_starts_it(client, plain):
    apply(client, MANIFEST)
    plan = plan_for(client, MANIFEST.replace("shares = 2\ncpu = 2", "shares = 2\ncpu = 1"))
    assert [a.kind for a in plan.actions] == ["stop", "update_vm", "start"]
    assert plan.actions[1].depends == [1] and plan.actions[2].depends == [2]
    assert apply_plan(client, plan).exit_code == 0
    vms, _ = account(*plain)
    assert (vms["db1"]["cpu"], vms["db1"]["state"]) == (1, "running")


def test_prune_deletes_only_what_is_not_declared(client, plain):
    apply(client, MANIFEST)
    proxy, session = plain
    extra = MANIFEST + '\n[[vm]]\nhostname = "old"\nos = "Debian 12"\nshares = 1\n'
    extra += 'disks = ["olddata"]\n[[disk]]\nname = "olddata"\nsize = 512\n'
    extra += '[[disk]]\nname = "spare"\nsize = 512\n'
    assert apply(client, extra)[1].exit_code == 0
    vms, disks = account(proxy, session)
    assert {"old", "web1"} <= set(vms) and {"olddata", "spare"} <= set(disks)

    # without prune, the undeclared objects are left alone
    assert plan_for(client, MANIFEST).up_to_date
    plan, result = apply(client, MANIFEST, prune=True)
    assert sorted(a.kind for a in plan.actions) == [
        "delete_disk",
        "delete_disk",
        "delete_vm",
        "stop",
    ]
    assert result.exit_code == 0, [o.as_dict() for o in result.outcomes]
    vms, disks = account(proxy, session)
    assert sorted(vms) == ["db1", "web1", "web2"]
    assert "olddata" not in disks and "spare" not in disks and "sys_old" not in disks
    assert {"data1", "logs1", "data2", "dbdata", "sys_web1"} <= set(disks)
    assert plan_for(client, MANIFEST, prune=True).up_to_date


def test_export_then_plan_reports_nothing_to_do(client):
    apply(client, MANIFEST)
    text = export_account(client)
    assert 'boot_disk = "dbdata"' in text and 'hostname = "web2"' in text
    assert "sys_" not in text
    plan = plan_for(client, text, prune=True)
    assert plan.up_to_date, [a.describe() for a in plan.actions] + [
        p.message for p in plan.problems
    ]


def test_failed_create_skips_its_dependents_and_lets_the_rest_finish(client, plain, calls):
    broken = MANIFEST.replace('hostname = "web2"', 'hostname = "fail-web2"')
    plan, result = apply(client, broken)
    assert result.exit_code == 5
    by_target = {(o.action.kind, o.action.target): o for o in result.outcomes}
    failed = by_target[("create_vm", "vm fail-web2")]
    assert failed.status == "failed" and "ERROR" in failed.message
    assert by_target[("attach", "disk data2")].status == "skipped"
    assert by_target[("stop", "vm fail-web2")].status == "skipped"
    for key, outcome in by_target.items():
        if "fail-web2" not in key[1] and key[1] != "disk data2" or key[0] == "create_disk":
            assert outcome.status == "done", outcome.as_dict()

    fixed_plan, fixed = apply(client, MANIFEST)
    assert fixed.exit_code == 0, [o.as_dict() for o in fixed.outcomes]
    vms, disks = account(*plain)
    assert vms["web2"]["state"] == "halted"
    assert names_on(vms["web2"], disks)[1:] == ["data2"]
    assert plan_for(client, MANIFEST).up_to_date


def test_not_enough_shares_is_reported_with_the_missing_count_and_nothing_sent(client, calls):
    big = MANIFEST.replace("shares = 1\n", "shares = 14\n")
    plan = plan_for(client, big)
    problem = next(p for p in plan.problems if p.kind == "shares")
    assert problem.missing == 2 and "2 missing" in problem.message
    calls.clear()
    try:
        apply_plan(client, plan, passwords=passwords)
    except Exception as error:  # noqa: BLE001
        assert getattr(error, "exit_code", None) == 1
    else:
        raise AssertionError("apply_plan ran a plan the API would refuse")
    assert calls.writes == []


def test_missing_password_is_refused_before_anything_is_sent(client, calls, monkeypatch):
    monkeypatch.delenv("GANDI_VM_PASSWORD_WEB", raising=False)
    text = MANIFEST.replace(
        'hostname = "web1"', 'hostname = "web1"\npassword_env = "GANDI_VM_PASSWORD_WEB"'
    )
    plan = plan_for(client, text)
    calls.clear()
    try:
        apply_plan(client, plan, passwords=lambda host: None)
    except Exception as error:  # noqa: BLE001
        assert error.exit_code == 2 and "GANDI_VM_PASSWORD_WEB" in str(error)
    else:
        raise AssertionError("no password, yet apply_plan ran")
    assert calls.writes == []


def test_dry_run_client_sends_no_write_and_hides_the_password(client, calls):
    dry = DryRunClient(client)
    plan = plan_for(dry, MANIFEST)
    calls.clear()
    assert dry.vm_create("web9", "secret-pass", 111, 1, 1, {}) < 0
    assert dry.multicall([("vm_list", ()), ("vm_start", (5,))])[1] < 0
    assert [c.method for c in dry.recorded] == ["vm_create", "vm_start"]
    assert dry.recorded[0].params[1] == "***"
    assert calls.writes == [] and "vm_list" in calls.methods
    described = planned_calls(plan)
    assert described[0][0] == "disk_create"
    assert all("***" in c[1] for c in described if c[0] == "vm_create")
    assert any(c[0] == "disk_attach" and "<disk data1>" in c[1] for c in described)


def test_reading_the_account_takes_two_requests(client, server):
    apply(client, MANIFEST)
    before = server.request_count
    read_account(client)
    assert server.request_count - before == 2


def test_an_account_of_a_thousand_vms_and_disks_is_read_in_three_requests(client, server):
    from gandi_hosting_cli.sandbox.seed import SEED_LOGIN

    server.sandbox.bulk_create_vms(SEED_LOGIN, 1000, "bulk")  # each with its system disk
    server.sandbox.bulk_create_disks(SEED_LOGIN, 1000, "bulkdata")
    before = server.request_count
    state = read_account(client)  # the lists, then 3,000 infos in two equal batches
    assert server.request_count - before == 3
    assert len(state.vms) >= 1000 and len(state.disks) >= 2000


def test_prune_leaves_a_failed_create_alone_and_says_how_to_release_it(client, plain):
    broken = MANIFEST.replace('hostname = "web2"', 'hostname = "fail-web2"')
    assert apply(client, broken)[1].exit_code == 5
    plan, result = apply(client, MANIFEST, prune=True)
    busy = [p for p in plan.problems if p.kind == "busy"]
    assert busy and not plan.blocking and busy[0].hint == Hint("list_failed")
    assert "op list --state ERROR" in with_hint(busy[0].message, busy[0].hint)
    assert all(a.target != "vm fail-web2" for a in plan.actions)
    assert result.exit_code == 0
    vms, _ = account(*plain)
    assert vms["web2"]["state"] == "halted" and vms["fail-web2"]["state"] == "being_created"
