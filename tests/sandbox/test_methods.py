"""Every method's happy path, with the struct keys of DESIGN.md."""

from __future__ import annotations

import xmlrpc.client

from tests.sandbox.helpers import FAULT_FORMAT, with_shares

VM_KEYS = {
    "id",
    "hostname",
    "state",
    "os_id",
    "shares",
    "cpu",
    "memory",
    "vm_max_memory",
    "login",
    "disks_id",
    "ips",
    "date_created",
    "date_updated",
}
DISK_KEYS = {
    "id",
    "name",
    "size",
    "fstype",
    "state",
    "vm_id",
    "position",
    "is_boot_disk",
    "date_created",
    "date_updated",
}


def test_a_new_account_has_euros_its_balance_and_no_products(api, session):
    assert api.account_currency(session) == "EUR"
    assert api.account_balance(session) == 500.0
    info = api.hosting_account_info(session)
    assert info["handle"] == "AA1234-GANDI"
    assert info["share_definition"] == {"memory": 256, "disk": 8192, "cpu": 0.25}
    assert info["resources"]["granted"] == {"shares": 0, "disk": 0}
    assert info["products"] == []


def test_os_list_gives_images_with_the_documented_keys(api, session):
    images = api.os_list(session)
    assert {"id", "name", "version", "arch", "label", "size"} == set(images[0])
    assert 111 in [image["id"] for image in images]


def test_products_add_renew_update_remove(api, session):
    with_shares(api, session, 2)
    (product,) = api.hosting_account_info(session)["products"]
    assert set(product) >= {
        "id",
        "product_name",
        "quantity",
        "duration",
        "date_created",
        "date_end",
        "updatable",
        "releasable",
    }
    assert product["updatable"] and product["releasable"]
    end = product["date_end"]

    api.hosting_account_product_renew(session, product["id"], "1y")
    assert api.account_balance(session) == 500.0 - 10 - 2 * 5 * 12
    (renewed,) = api.hosting_account_info(session)["products"]
    assert renewed["date_end"].value > end.value

    api.hosting_account_product_update(session, product["id"], 3)
    api.account_balance(session)  # lets the update finish
    assert api.hosting_account_info(session)["resources"]["granted"]["shares"] == 3

    api.hosting_account_product_remove(session, product["id"])
    api.account_balance(session)
    assert api.hosting_account_info(session)["products"] == []


def test_shares_fixed_and_disk_products(api, session):
    api.hosting_account_product_add(session, "shares_fixed", 2, "1m")
    api.hosting_account_product_add(session, "disk", 2048, "1m")
    # shares_fixed 2 * 4.00, disk 2 blocks of 1024 MB * 0.10
    assert api.account_balance(session) == 500.0 - 8.0 - 0.2
    info = api.hosting_account_info(session)
    fixed = [p for p in info["products"] if p["product_name"] == "shares_fixed"][0]
    assert not fixed["updatable"] and not fixed["releasable"]
    assert info["resources"]["granted"] == {"shares": 2, "disk": 2 * 8192 + 2048}


def test_vm_lifecycle(api, session):
    with_shares(api, session, 8)
    vm_id = api.vm_create(session, "web1", "s3cret-pass", 111, 2, 1, {})
    assert api.vm_list(session) == [vm_id]
    vm = api.vm_info(session, vm_id)
    assert set(vm) == VM_KEYS
    assert (vm["state"], vm["memory"], vm["login"]) == ("running", 512, "")
    assert vm["ips"][0].startswith("192.0.2.") and vm["ips"][1].startswith("2001:db8::")

    api.vm_reboot(session, vm_id)
    assert api.vm_info(session, vm_id)["state"] == "running"
    api.vm_update(session, vm_id, {"shares": 4})
    assert api.vm_info(session, vm_id)["shares"] == 4
    api.vm_stop(session, vm_id)
    assert api.vm_info(session, vm_id)["state"] == "halted"
    api.vm_update(session, vm_id, {"cpu": 2, "vm_max_memory": 4096})
    vm = api.vm_info(session, vm_id)
    assert (vm["cpu"], vm["vm_max_memory"]) == (2, 4096)
    api.vm_start(session, vm_id)
    assert api.vm_info(session, vm_id)["state"] == "running"
    api.vm_stop(session, vm_id)
    system_disk = api.vm_info(session, vm_id)["disks_id"][0]
    api.vm_delete(session, vm_id)
    assert api.vm_list(session) == []
    assert system_disk not in api.disk_list(session)
    assert api.hosting_account_info(session)["resources"]["used"] == {"shares": 0, "disk": 0}


def test_disks_and_boot_disk_link(api, session):
    with_shares(api, session, 2)
    vm_id = api.vm_create(session, "db1", "s3cret-pass", 112, 2, 1, {"login": "admin"})
    disk_id = api.disk_create(session, {"size": 1024, "name": "data", "fstype": "xfs"})
    other = api.disk_create(session, {"size": 512, "name": "spare"})  # fstype defaults to ext3
    assert set(api.disk_info(session, disk_id)) == DISK_KEYS
    assert api.disk_info(session, other)["fstype"] == "ext3"
    assert sorted(api.disk_list(session)) == sorted(
        [*api.vm_disk_list(session, vm_id), disk_id, other]
    )
    api.disk_attach(session, disk_id, vm_id)
    system_disk, data = api.vm_disk_list(session, vm_id)
    assert data == disk_id

    api.vm_stop(session, vm_id)
    api.vm_disk_link(session, vm_id, disk_id)
    assert api.vm_disk_list(session, vm_id) == [disk_id, system_disk]
    assert api.disk_info(session, disk_id)["is_boot_disk"] is True

    api.disk_detach(session, system_disk, vm_id)
    assert api.vm_disk_list(session, vm_id) == [disk_id]
    assert api.disk_info(session, system_disk)["vm_id"] == 0
    api.disk_delete(session, system_disk)
    api.disk_delete(session, other)
    assert sorted(api.disk_list(session)) == [disk_id]


def test_operation_methods(api, session):
    opid = with_shares(api, session, 1)
    details = api.operation_details(session, opid)
    assert {"uid", "type", "state", "date_create", "date_update", "param"} <= set(details)
    assert details["param"]["param_type"] == "product"
    assert "comment" not in details
    assert api.operation_list(session) == [opid]
    assert api.operation_list(session, {"type": "vm_create"}) == []
    assert api.operation_list(session, {"state": "DONE", "type": details["type"]}) == [opid]
    # cancel: see test_operations.py (with op_delay 0 an operation is DONE at the next call)


def test_introspection_lists_every_method_with_signatures_and_help(api):
    names = api.system.listMethods()
    assert len([n for n in names if not n.startswith("system.")]) == 29  # 28 + su
    assert {"system.multicall", "system.methodHelp", "system.methodSignature"} <= set(names)
    assert api.system.methodSignature("login") == [
        ["string", "string", "string"],
        ["string", "string", "string", "boolean"],
    ]
    assert api.system.methodHelp("vm_create").startswith("int vm_create(string session")


def test_multicall_batches_reads_and_keeps_faults_apart(api, session):
    batch = xmlrpc.client.MultiCall(api)
    batch.account_currency(session)
    batch.vm_info(session, 424242)
    results = batch()
    assert results[0] == "EUR"
    try:
        results[1]
    except xmlrpc.client.Fault as fault:
        assert fault.faultCode == 530240
    else:
        raise AssertionError("the second call should be a fault")


def test_multicall_item_refusals_name_the_call_index(sandbox_server):
    api = sandbox_server.proxy()
    session = api.login("AA1234-GANDI", "mypassword")
    results = api.system.multicall(
        [
            {"methodName": "account_currency", "params": [session]},
            {"params": []},
            {"methodName": "system.multicall", "params": [[]]},
        ]
    )
    assert results[0] == ["EUR"]
    assert results[1] == {
        "faultCode": 501530,
        "faultString": "DataError: each call is {methodName, params} [call: 1]",
    }
    assert results[2]["faultString"] == "DataError: system.multicall cannot be nested [call: 2]"
    for item in results[1:]:
        assert FAULT_FORMAT.match(item["faultString"])


def test_unsafe_reseller_reads_customer_objects_and_su(api, session):
    customer = api.su(session, "AA4321-GANDI")
    assert api.hosting_account_info(customer)["handle"] == "AA4321-GANDI"
    assert api.account_balance(customer) == 100.0
    with_shares(api, customer, 1)
    vm_id = api.vm_create(customer, "cust1", "s3cret-pass", 111, 1, 1, {})
    # a safe reseller session acts only as itself; an unsafe one may read its customers
    assert api.vm_list(session) == []
    unsafe = api.login("AA1234-GANDI", "mypassword", False)
    assert api.vm_info(unsafe, vm_id)["hostname"] == "cust1"
    # the customer logs in with its own password
    own = api.login("AA4321-GANDI", "customerpass")
    assert api.vm_list(own) == [vm_id]


def test_deleting_a_vm_detaches_its_data_disks(api, session):
    with_shares(api, session, 1)
    vm_id = api.vm_create(session, "tmp", "s3cret-pass", 111, 1, 1, {})
    data = api.disk_create(session, {"name": "keep", "size": 1024})
    api.disk_attach(session, data, vm_id)
    api.vm_stop(session, vm_id)
    api.vm_delete(session, vm_id)
    assert api.disk_list(session) == [data]  # the system disk went with the VM
    disk = api.disk_info(session, data)
    assert (disk["vm_id"], disk["position"], disk["state"]) == (0, -1, "created")


def test_bulk_helpers_write_consistent_objects(sandbox_server):
    box = sandbox_server.sandbox
    vms = box.bulk_create_vms("AA1234-GANDI", 3, "web", shares=2)
    disks = box.bulk_create_disks("AA1234-GANDI", 2, "data", size=2048)
    with sandbox_server.proxy() as api:
        s = api.login("AA1234-GANDI", "mypassword")
        assert api.vm_list(s) == vms
        assert [api.vm_info(s, v)["hostname"] for v in vms] == ["web1", "web2", "web3"]
        assert [api.disk_info(s, d)["name"] for d in disks] == ["data1", "data2"]
        resources = api.hosting_account_info(s)["resources"]
        assert resources["used"] == {"shares": 6, "disk": 3 * 3072 + 2 * 2048}
        assert resources["available"]["shares"] == 0  # covered exactly, nothing overbooked
        assert len(api.operation_list(s, {"state": "DONE"})) == 5
        assert api.account_balance(s) == 500.0  # the covering products are free
