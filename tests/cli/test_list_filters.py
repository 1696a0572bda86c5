"""Filters on lists, applied after one batched read: `vm list --state --os`,
`disk list --vm | --unattached`, `product list --type`; and what lists cost."""

from __future__ import annotations

from tests.cli.hosting_helpers import Gh
from tests.test_performance_guards import cost


def test_vm_list_by_state_and_os(gh):
    running = gh.vms(2, "web")
    halted = gh.vms(2, "old", state="halted", os_id=110)
    assert gh.ids("vm", "list", "--state", "halted") == halted
    assert gh.ids("vm", "list", "--state", "RUNNING") == running  # any case
    assert gh.ids("vm", "list", "--os", "Debian 12") == running
    assert gh.ids("vm", "list", "--os", "Debian 11 64 bits", "--state", "halted") == halted
    assert gh.ids("vm", "list", "--os", "110", "--state", "running") == []
    # filters and shaping together
    text = gh(
        "vm", "list", "--state", "halted", "-o", "tsv", "--columns", "hostname", "--no-header"
    )
    assert text.stdout == "old1\nold2\n"


def test_vm_list_filter_errors(gh):
    gh.vms(1, "web")
    assert gh("vm", "list", "--os", "Plan 9").exit_code == 4
    bad = gh("vm", "list", "--state", "sleeping")
    assert bad.exit_code == 2 and "running" in bad.stderr


def test_disk_list_by_vm_or_unattached(gh):
    [web] = gh.vms(1, "web")
    gh.vms(1, "db")
    spare = gh.disks(2, "spare")
    attached = gh.json("disk", "attach", "spare1", "web1", "--wait")
    assert attached["state"] == "DONE"
    on_web = gh.json("disk", "list", "--vm", "web1")
    assert [d["name"] for d in on_web] == ["sys_web1", "spare1"]
    assert gh.json("disk", "list", "--vm", str(web)) == on_web
    assert gh.ids("disk", "list", "--unattached") == [spare[1]]
    assert gh("disk", "list", "--vm", "nosuch").exit_code == 4
    both = gh("disk", "list", "--vm", "web1", "--unattached")
    assert both.exit_code == 2 and "cannot go together" in both.stderr


def test_product_list_by_type(gh):
    gh.shares(2)
    assert gh("product", "add", "--yes", "disk", "1024", "--wait").exit_code == 0
    shares = gh.json("product", "list", "--type", "shares")
    assert [p["product_name"] for p in shares] == ["shares"]
    assert [p["product_name"] for p in gh.json("product", "list", "--type", "disk")] == ["disk"]
    assert gh.json("product", "list", "--type", "shares_fixed") == []


def test_lists_cost_a_constant_number_of_requests_with_multicall(gh):
    gh.vms(3, "web")
    few = {args: cost(gh, *args) for args in LIST_COMMANDS}
    gh.vms(40, "more")
    gh.disks(40, "data")
    many = {args: cost(gh, *args) for args in LIST_COMMANDS}
    assert many == few
    assert max(many.values()) <= 3


LIST_COMMANDS = [
    ("vm", "list"),
    ("--json", "vm", "list"),
    ("vm", "list", "--state", "running", "--os", "Debian 12"),
    ("disk", "list"),
    ("--json", "disk", "list"),
    ("disk", "list", "--unattached"),
    ("op", "list"),
    ("-q", "vm", "list"),
]


def test_lists_cost_n_plus_one_without_multicall_tables_included(cli, make_sandbox_server):
    g = Gh(cli, make_sandbox_server(multicall=False))
    g.login()
    g.vms(12, "web")  # 12 VMs, 12 system disks
    g("--json", "vm", "list")  # the refused probe is paid once, here
    for args in (
        ("vm", "list"),
        ("--json", "vm", "list"),
        ("-o", "tsv", "vm", "list"),
        ("disk", "list"),
        ("--json", "disk", "list"),
        ("-o", "tsv", "disk", "list"),
    ):
        assert cost(g, *args) == 12 + 1, args
    # the hostnames of a disk table come from what the CLI already saw
    assert "web1 (" in g("disk", "list").stdout
    assert cost(g, "-q", "vm", "list") == 1
