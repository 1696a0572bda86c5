"""The spec's five-step user case, end to end, over HTTP and through the in-process transport."""

from __future__ import annotations


def test_spec_user_case_creates_a_server_with_a_data_disk(api, session):
    # step 1: add resources
    opid = api.hosting_account_product_add(session, "shares", 4, "1m")
    assert isinstance(opid, int)
    assert api.account_balance(session) == 500.0 - 4 * 5.00

    # step 2: the shares are available
    info = api.hosting_account_info(session)
    assert info["resources"]["granted"]["shares"] == 4
    assert info["resources"]["available"]["shares"] == 4
    assert [p["product_name"] for p in info["products"]] == ["shares"]

    # step 3: choose an OS and create the server
    images = {image["id"]: image for image in api.os_list(session)}
    assert images[111]["label"] == "Debian 12 64 bits"
    vm_id = api.vm_create(session, "vmtest1", "my_password", 111, 4, 1, {"login": "gandi"})
    assert api.vm_info(session, vm_id)["state"] == "running"

    # step 4: a data disk
    disk_id = api.disk_create(session, {"size": 2048, "name": "disk2GB", "fstype": "ext3"})
    assert api.disk_info(session, disk_id)["state"] == "created"

    # step 5: attach it
    attach = api.disk_attach(session, disk_id, vm_id)
    vm = api.vm_info(session, vm_id)
    assert vm["disks_id"][1] == disk_id
    assert api.vm_disk_list(session, vm_id) == vm["disks_id"]
    disk = api.disk_info(session, disk_id)
    assert (disk["vm_id"], disk["position"], disk["is_boot_disk"]) == (vm_id, 1, False)
    assert api.operation_details(session, attach)["state"] == "DONE"

    used = api.hosting_account_info(session)["resources"]["used"]
    assert used == {"shares": 4, "disk": 3072 + 2048}
