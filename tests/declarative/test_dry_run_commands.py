"""``--dry-run`` on every command that changes something: names resolve (reads are sent),
the write calls are printed, none reaches the server (counted server-side), exit 0."""

from __future__ import annotations

import json

import pytest

from tests.declarative.conftest import PASSWORD


@pytest.fixture
def account(logged_in):
    """A running VM web1 (id in .vm), a halted VM idle (.idle), a detached disk data, a
    disk mounted on web1, a product, an operation."""
    with logged_in.proxy() as proxy:
        session = logged_in.login()
        vm = proxy.vm_create(session, "web1", PASSWORD, 111, 1, 1, {})
        idle = proxy.vm_create(session, "idle", PASSWORD, 111, 1, 1, {})
        proxy.vm_info(session, idle)  # created (operations finish at the next call)
        proxy.vm_stop(session, idle)
        disk = proxy.disk_create(session, {"name": "data", "size": 1024})
        attached = proxy.disk_create(session, {"name": "mounted", "size": 1024})
        proxy.disk_info(session, attached)  # created (operations finish at the next call)
        proxy.disk_attach(session, attached, vm)
        extra = proxy.disk_create(session, {"name": "extra", "size": 1024})
        proxy.disk_info(session, extra)
        proxy.disk_attach(session, extra, idle)  # on the halted VM: can become its boot disk
        proxy.vm_create(session, "fail-x", PASSWORD, 111, 1, 1, {})  # its create: ERROR
        products = proxy.hosting_account_info(session)["products"]
        ops = proxy.operation_list(session, {"state": "ERROR"})  # cancellable
    logged_in.ids = {
        "vm": vm,
        "idle": idle,
        "disk": disk,
        "product": products[0]["id"],
        "op": max(ops),
    }
    return logged_in


# (arguments, the method each would send): names, not ids, where the command takes them;
# a command whose goal already holds sends nothing, so each acts on a VM where it would
COMMANDS = [
    (["vm", "create", "web2", "--os", "Debian 12", "--shares", "1", "--password-stdin"],
     "vm_create"),
    (["vm", "update", "web1", "--shares", "2"], "vm_update"),
    (["vm", "start", "idle"], "vm_start"),
    (["vm", "stop", "web1", "--wait"], "vm_stop"),
    (["vm", "reboot", "web1"], "vm_reboot"),
    (["vm", "delete", "idle"], "vm_delete"),
    (["vm", "boot-disk", "idle", "extra"], "vm_disk_link"),
    (["disk", "create", "logs", "--size", "2G"], "disk_create"),
    (["disk", "delete", "data"], "disk_delete"),
    (["disk", "attach", "data", "web1", "--wait"], "disk_attach"),
    (["disk", "detach", "mounted", "web1"], "disk_detach"),
    (["product", "add", "--yes", "shares", "2"], "hosting_account_product_add"),
    (["product", "renew", "--yes", "{product}"], "hosting_account_product_renew"),
    (["product", "update", "--yes", "{product}", "4"], "hosting_account_product_update"),
    (["product", "remove", "{product}"], "hosting_account_product_remove"),
    (["op", "cancel", "{op}"], "operation_cancel"),
]  # fmt: skip


@pytest.mark.parametrize(("args", "method"), COMMANDS, ids=[" ".join(a[:2]) for a, _ in COMMANDS])
def test_dry_run_prints_the_write_call_and_sends_none(cli, account, calls, args, method):
    args = [a.format(**account.ids) for a in args]
    calls.clear()
    result = cli("--url", account.url, *args, "--dry-run", "--json", input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert calls.writes == []
    printed = json.loads(result.stdout)
    assert [c["method"] for c in printed] == [method]
    assert "nothing sent" in result.stderr


def test_dry_run_of_vm_create_shows_the_password_as_stars(cli, account, calls):
    calls.clear()
    result = cli("--url", account.url, "vm", "create", "web2", "--os", "Debian 12",
                 "--shares", "1", "--login", "deploy", "--password-stdin", "--dry-run",
                 input=PASSWORD + "\n")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output
    # for people, the table `plan` prints; --json and -q give the calls
    assert result.stdout.split("\n")[0].split() == ["#", "ACTION", "TARGET", "CHANGE", "AFTER"]
    assert "create  vm web2  os 111, shares 1, cpu 1, login deploy" in result.stdout
    ids = cli("--url", account.url, "-q", "vm", "create", "web2", "--os", "Debian 12",
              "--shares", "1", "--login", "deploy", "--password-stdin", "--dry-run",
              input=PASSWORD + "\n")  # fmt: skip
    assert ids.stdout.strip() == "vm_create('web2', '***', 111, 1, 1, {'login': 'deploy'})"
    assert calls.writes == []


def test_dry_run_of_a_destructive_command_needs_no_yes_off_a_terminal(cli, account, calls):
    calls.clear()
    result = cli("--url", account.url, "vm", "delete", "idle", "idle", "--dry-run")
    assert result.exit_code == 0, result.output
    assert f"1  delete  vm idle ({account.ids['idle']})" in result.stdout
    assert calls.writes == []


def test_dry_run_of_several_vms_shows_one_call_each(cli, account, calls):
    with account.proxy() as proxy:
        other = proxy.vm_create(account.login(), "web3", PASSWORD, 111, 1, 1, {})
    calls.clear()
    result = cli("--url", account.url, "vm", "stop", "web1", "web3", "--dry-run", "--json")
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert printed == [
        {"method": "vm_stop", "params": [account.ids["vm"]]},
        {"method": "vm_stop", "params": [other]},
    ]
    assert calls.writes == []


def test_dry_run_still_refuses_an_unknown_name(cli, account, calls):
    calls.clear()
    result = cli("--url", account.url, "vm", "start", "nosuchvm", "--dry-run")
    assert result.exit_code == 4
    assert calls.writes == []
