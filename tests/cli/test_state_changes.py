"""State changes that are idempotent, recoverable and safe (issue 12), against a real
sandbox server whose requests are counted."""

from __future__ import annotations

import json
import xmlrpc.client

from gandi_hosting_cli.sandbox.seed import SEED_LOGIN, SEED_PASSWORD
from tests.cli.hosting_helpers import PASSWORD


def operations(gh) -> list[int]:
    return gh.ids("op", "list")


def used_shares(gh) -> int:
    """Read through a plain XML-RPC client, not through the CLI under test."""
    proxy = xmlrpc.client.ServerProxy(gh.url)
    session = proxy.login(SEED_LOGIN, SEED_PASSWORD, True)
    return proxy.hosting_account_info(session)["resources"]["used"]["shares"]


# --- idempotent lifecycle ----------------------------------------------------------------


def test_start_of_a_running_vm_by_id_is_one_read_and_no_write(gh):
    [vm_id] = gh.vms(1, "web")
    ops = operations(gh)
    before = gh.server.request_count
    result = gh("vm", "start", str(vm_id))
    assert result.exit_code == 0, result.stderr
    assert f"web1 (vm {vm_id}) is already running" in result.stderr
    assert result.stdout == ""
    # one multicall: vm_info + operation_list (PENDING) + operation_list (RUN)
    assert gh.server.request_count - before == 1
    assert operations(gh) == ops


def test_stop_of_a_halted_vm_by_name_sends_no_write_and_json_says_unchanged(gh):
    [vm_id] = gh.vms(1, "web", state="halted")
    ops = operations(gh)
    before = gh.server.request_count
    result = gh("--json", "vm", "stop", "web1")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == {
        "operation": None,
        "state": "unchanged",
        "note": f"web1 (vm {vm_id}) is already halted",
    }
    # the name: vm_list + multicall(vm_info); then multicall(operation_list x2)
    assert gh.server.request_count - before == 3
    assert operations(gh) == ops


def test_stopping_three_vms_one_already_halted_exits_0_with_each_outcome(gh):
    ids = gh.vms(3, "web")
    gh.json("vm", "stop", "web2", "--wait")
    result = gh("--json", "vm", "stop", "web1", "web2", "web3", "--wait")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert [(d["id"], d["state"]) for d in data] == [
        (ids[0], "DONE"),
        (ids[1], "unchanged"),
        (ids[2], "DONE"),
    ]
    assert "web2 (vm" in result.stderr and "already halted" in result.stderr


def test_attach_where_it_is_and_detach_of_a_free_disk_send_no_write(gh):
    [vm_id] = gh.vms(1, "web")
    [disk_id] = gh.disks(1, "data")
    free = gh("disk", "detach", "data1", "web1")
    assert free.exit_code == 0, free.stderr
    assert "is not attached to any VM" in free.stderr
    gh.json("disk", "attach", "data1", "web1", "--wait")
    ops = operations(gh)
    before = gh.server.request_count
    again = gh("--json", "disk", "attach", str(disk_id), str(vm_id))
    assert again.exit_code == 0, again.stderr
    assert json.loads(again.stdout)["state"] == "unchanged"
    assert f"is already attached to web1 (vm {vm_id})" in again.stderr
    # ids: no lookup; one multicall of disk_info + the two operation lists
    assert gh.server.request_count - before == 1
    by_name = gh("disk", "attach", "data1", "web1")
    assert by_name.exit_code == 0 and "is already attached to web1" in by_name.stderr
    assert operations(gh) == ops


def test_a_busy_vm_is_reported_with_its_operation_and_how_to_follow_it(slow_gh):
    gh = slow_gh(60)  # the create stays PENDING for the whole test
    created = gh.create_vm("web1")
    ops = operations(gh)
    result = gh("vm", "stop", "web1")
    assert result.exit_code == 1
    opid = created["operation"]
    assert f"busy with operation {opid} (vm_create, PENDING)" in result.stderr
    assert f"gandi-hosting op wait {opid}" in result.stderr
    assert operations(gh) == ops  # nothing else was queued


def test_a_busy_vm_is_waited_for_with_wait_then_changed(slow_gh):
    gh = slow_gh(1)
    gh.create_vm("web1")  # being_created for 1 s
    gh.sandbox.op_delay = 0  # the stop itself is quick
    result = gh("--json", "vm", "stop", "web1", "--wait")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["state"] == "DONE"
    assert gh.json("vm", "list", "--details")[0]["state"] == "halted"


def test_a_vm_being_created_is_already_running_once_waited_for(slow_gh):
    gh = slow_gh(1)
    gh.create_vm("web1")
    result = gh("--json", "vm", "start", "web1", "--wait")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["state"] == "unchanged"


# --- failed creates are recoverable --------------------------------------------------------


def test_failed_create_says_what_holds_the_shares_and_vm_delete_frees_them(gh):
    gh.shares(4)
    result = gh(
        "vm", "create", "fail-web", "--os", "111", "--shares", "2", "--password-stdin", "--wait",
        input=PASSWORD + "\n",
    )  # fmt: skip
    assert result.exit_code == 5
    opid = gh.ids("op", "list", "--state", "ERROR")[-1]
    assert "being_created" in result.stderr and "2 shares" in result.stderr
    assert "`gandi-hosting vm delete fail-web`" in result.stderr
    assert f"`gandi-hosting op cancel {opid}`" in result.stderr
    assert "op list --state ERROR" in result.stderr
    assert used_shares(gh) == 2
    deleted = gh("vm", "delete", "fail-web", "--yes")
    assert deleted.exit_code == 0, deleted.stderr
    assert "cancelled" in deleted.stderr and "op list --state ERROR" in deleted.stderr
    assert f"operation {opid} CANCEL" in deleted.stdout
    assert used_shares(gh) == 0
    assert gh.ids("vm", "list") == []


def test_failed_disk_create_is_released_by_disk_delete_after_confirmation(gh):
    gh.json("product", "add", "--yes", "disk", "2048", "--wait")
    failed = gh("disk", "create", "fail-data", "--size", "1G", "--wait")
    assert failed.exit_code == 5
    assert "1024 MB of disk quota" in failed.stderr
    assert "`gandi-hosting disk delete fail-data`" in failed.stderr
    person = gh.on_terminal()
    declined = person("disk", "delete", "fail-data", input="n\n")
    assert declined.exit_code == 1
    assert "ended in ERROR: cancelling that operation removes the disk" in declined.stderr
    assert [d["name"] for d in gh.json("disk", "list", "--details")] == ["fail-data"]
    accepted = person("--json", "disk", "delete", "fail-data", input="y\n")
    assert accepted.exit_code == 0, accepted.stderr
    assert json.loads(accepted.stdout)["state"] == "CANCEL"
    assert gh.ids("disk", "list") == []


# --- deletes say what will happen, then do it -----------------------------------------------


def test_deleting_a_running_vm_is_refused_before_the_prompt_with_the_hint(gh):
    gh.vms(1, "web")
    before = gh.server.request_count
    result = gh.on_terminal()("vm", "delete", "web1", input="y\n")
    assert result.exit_code == 1
    assert "Continue?" not in result.stderr  # refused before asking
    assert "`gandi-hosting vm stop web1 --wait`" in result.stderr and "--stop" in result.stderr
    assert gh.server.request_count - before == 3  # reads only
    assert len(gh.ids("vm", "list")) == 1


def test_deleting_several_says_the_running_one_is_refused_once_before_asking(gh):
    [running] = gh.vms(1, "web")
    [halted] = gh.vms(1, "db", state="halted")
    result = gh.on_terminal()("vm", "delete", "web1", "db1", input="y\n")
    assert result.exit_code == 1  # the worst: web1 refused
    refusal = f"web1 (vm {running}) is running"
    assert result.stderr.count(refusal) == 1
    assert result.stderr.index(refusal) < result.stderr.index("Continue?")
    assert "delete this VM" in result.stderr and f"db1 (vm {halted}): halted" in result.stderr
    assert gh.ids("vm", "list") == [running]


def test_delete_stop_stops_waits_and_deletes_in_one_command(gh):
    [vm_id] = gh.vms(1, "web")
    [disk_id] = gh.disks(1, "data")
    gh.json("disk", "attach", "data1", "web1", "--wait")
    person = gh.on_terminal()
    result = person("vm", "delete", "web1", "--stop", "--wait", input="y\n")
    assert result.exit_code == 0, result.stderr
    assert f"web1 (vm {vm_id}): running, stopped first" in result.stderr
    assert "system disk sys_web1" in result.stderr and "deleted with it" in result.stderr
    assert f"detached and kept: data1 (disk {disk_id}" in result.stderr
    assert "DONE" in result.stdout
    assert gh.ids("vm", "list") == []
    kept = gh.json("disk", "info", str(disk_id))
    assert kept["vm_id"] == 0  # the data disk was detached, not deleted


# --- names that cannot be mistaken for ids --------------------------------------------------


def test_names_of_digits_alone_are_refused_with_nothing_sent(gh):
    before = gh.server.request_count
    vm = gh("vm", "create", "104", "--os", "111", "--shares", "1", "--password-stdin",
            input=PASSWORD + "\n")  # fmt: skip
    disk = gh("disk", "create", "2048", "--size", "1G")
    assert vm.exit_code == 2 and "only digits" in vm.stderr
    assert disk.exit_code == 2 and "only digits" in disk.stderr
    assert gh.server.request_count == before


def test_a_hostname_in_use_is_refused_unless_allow_duplicate(gh):
    gh.shares(2)
    [vm_id] = gh.vms(1, "web")
    before = gh.server.request_count
    taken = gh("vm", "create", "WEB1", "--os", "Debian 12", "--shares", "1",
               "--password-stdin", input=PASSWORD + "\n")  # fmt: skip
    assert taken.exit_code == 2
    assert f"already exists (vm {vm_id})" in taken.stderr and "--allow-duplicate" in taken.stderr
    # one batch of lists (vm_list + os_list) and one multicall of infos; no create
    assert gh.server.request_count - before == 2
    assert gh.ids("vm", "list") == [vm_id]
    second = gh.create_vm("web1", "--allow-duplicate")
    assert second["id"] != vm_id


def test_a_disk_name_in_use_is_refused_before_sending(gh):
    gh.disks(1, "data")
    ops = operations(gh)
    result = gh("disk", "create", "data1", "--size", "1G")
    assert result.exit_code == 2 and "already exists" in result.stderr
    assert operations(gh) == ops


# --- purchases are shown before they happen ---------------------------------------------------


def test_product_add_on_a_terminal_shows_the_purchase_and_balance_and_asks(gh):
    person = gh.on_terminal()
    ops = operations(gh)
    declined = person("product", "add", "disk", "10G", "--duration", "1y", input="n\n")
    assert declined.exit_code == 1
    assert "This will buy:" in declined.stderr
    assert "disk: 10240 MB of disk quota, for 1 year (12 months)" in declined.stderr
    assert "balance now: 500.00 EUR" in declined.stderr
    assert operations(gh) == ops  # nothing bought
    bought = person("--json", "product", "add", "shares", "2", input="y\n")
    assert bought.exit_code == 0, bought.stderr
    assert "shares: 2 shares, for 1 month" in bought.stderr
    assert len(operations(gh)) == len(ops) + 1


def test_product_add_with_yes_asks_nothing_and_off_a_terminal_needs_it(gh):
    before = gh.server.request_count
    assert gh("product", "add", "shares", "1").exit_code == 2  # off a terminal: --yes needed
    assert gh.server.request_count == before  # nothing sent
    assert gh("product", "add", "--yes", "shares", "1").exit_code == 0
    assert gh.server.request_count - before == 2  # the add, then its state
    yes = gh.on_terminal()("product", "add", "disk", "2048M", "--yes")
    assert yes.exit_code == 0 and "Continue?" not in yes.stderr
    quotas = [p["quantity"] for p in gh.json("product", "list") if p["product_name"] == "disk"]
    assert quotas == [2048]


def test_product_renew_on_a_terminal_names_the_product(gh):
    gh.shares(2)
    [product_id] = gh.ids("product", "list")
    renewed = gh.on_terminal()("product", "renew", str(product_id), input="y\n")
    assert renewed.exit_code == 0, renewed.stderr
    assert "This will renew:" in renewed.stderr
    assert f"product {product_id}: shares x2" in renewed.stderr
    assert "for another 1 month" in renewed.stderr


def test_product_add_disk_sizes_follow_disk_create_units(gh):
    before = gh.server.request_count
    assert gh("product", "add", "--yes", "disk", "200G").exit_code == 2  # 204800 MB > 100000
    assert gh("product", "add", "--yes", "shares", "2G").exit_code == 2  # shares are a count
    assert gh.server.request_count == before


def test_a_disk_being_created_is_reported_busy_or_waited_for_then_deleted(slow_gh):
    gh = slow_gh(0)
    gh.json("product", "add", "--yes", "disk", "2048", "--wait")
    gh.sandbox.op_delay = 1.5  # the create takes 1.5 s
    created = gh.json("disk", "create", "data", "--size", "1G")
    busy = gh("disk", "delete", "data", "--yes")
    assert busy.exit_code == 1
    assert f"gandi-hosting op wait {created['operation']}" in busy.stderr
    gh.sandbox.op_delay = 0  # the delete itself is quick
    waited = gh("--json", "disk", "delete", "data", "--yes", "--wait")
    assert waited.exit_code == 0, waited.stderr
    assert json.loads(waited.stdout)["state"] == "DONE"
    assert gh.ids("disk", "list") == []


def test_several_vms_one_busy_each_gets_its_outcome_and_the_worst_exit_code(slow_gh):
    gh = slow_gh(60)
    created = gh.create_vm("web1")  # PENDING for the whole test
    [db] = gh.vms(1, "db")
    result = gh("--json", "vm", "stop", "web1", "db1")
    assert result.exit_code == 1
    busy, stopped = json.loads(result.stdout)
    assert busy["id"] == created["id"] and "busy with operation" in busy["error"]["message"]
    assert stopped == {"id": db, "operation": stopped["operation"], "state": "PENDING"}
