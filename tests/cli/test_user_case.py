"""The spec's five-step user case, through the CLI alone, then undone step by step.

step 1: add resources (hosting_account_product_add)
step 2: verify that the shares are available (hosting_account_info)
step 3: choose an OS (os_list) and create the server (vm_create), waiting for it
step 4: create a data disk (disk_create)
step 5: attach the disk to the server (disk_attach)
then: stop, detach, delete, remove the product; the account is back where it started.
"""

from __future__ import annotations

from tests.cli.hosting_helpers import PASSWORD, Gh


def account_state(g: Gh) -> dict:
    info = g.json("account", "info")
    return {
        "resources": info["resources"],
        "products": info["products"],
        "vms": g.json("vm", "list"),
        "disks": g.json("disk", "list"),
    }


def test_the_spec_user_case_and_back(cli, make_sandbox_server):
    g = Gh(cli, make_sandbox_server(op_delay=0))  # done at the first poll
    g.login()
    start = account_state(g)
    balance_before = g.json("account", "balance")["balance"]

    # step 1: add resources
    added = g.json("product", "add", "--yes", "shares", "4", "--duration", "1m", "--wait")
    assert added["state"] == "DONE"

    # step 2: the shares are available
    info = g.json("account", "info")
    assert info["resources"]["available"]["shares"] == start["resources"]["available"]["shares"] + 4
    [product] = [p for p in info["products"] if p["product_name"] == "shares"]

    # step 3: pick an OS by its label, create the VM and wait for it
    images = g.json("os", "list")
    debian = next(i for i in images if i["id"] == 111)
    vm = g.json(
        "vm", "create", "uc-web", "--os", debian["label"], "--shares", "2", "--cpu", "1",
        "--password-stdin", "--wait", input=PASSWORD + "\n",
    )  # fmt: skip
    assert vm["state"] == "DONE"
    assert g.json("vm", "info", "uc-web")["state"] == "running"

    # step 4: a data disk
    disk = g.json("disk", "create", "uc-data", "--size", "2G", "--wait")
    assert disk["state"] == "DONE"

    # step 5: attach it (by names)
    assert g.json("disk", "attach", "uc-data", "uc-web", "--wait")["state"] == "DONE"
    assert g.json("vm", "info", "uc-web")["disks_id"][1] == disk["id"]

    # and back: stop, detach, delete, remove the product
    assert g.json("vm", "stop", "uc-web", "--wait")["state"] == "DONE"
    assert g.json("disk", "detach", "uc-data", "uc-web", "--wait")["state"] == "DONE"
    assert g.json("disk", "delete", "uc-data", "--yes", "--wait")["state"] == "DONE"
    assert g.json("vm", "delete", "uc-web", "--yes", "--wait")["state"] == "DONE"
    assert g.json("product", "remove", str(product["id"]), "--yes", "--wait")["state"] == "DONE"

    assert account_state(g) == start
    # removing a product refunds nothing (seed.py price rules): only the month was spent
    assert g.json("account", "balance")["balance"] < balance_before
