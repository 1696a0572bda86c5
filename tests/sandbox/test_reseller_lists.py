"""An unsafe session of a reseller lists its customers' objects too (DESIGN: it may act on
them); a safe session, and the customer's own, list only their own."""

from __future__ import annotations

import pytest

RESELLER, CUSTOMER = ("AA1234-GANDI", "mypassword"), ("AA4321-GANDI", "customerpass")


@pytest.fixture
def objects(sandbox_server):
    box = sandbox_server.sandbox
    own_vm = box.bulk_create_vms(RESELLER[0], 1, "mine")[0]
    own_disk = box.bulk_create_disks(RESELLER[0], 1, "mydisk")[0]
    customer_vm = box.bulk_create_vms(CUSTOMER[0], 1, "theirs")[0]
    customer_disk = box.bulk_create_disks(CUSTOMER[0], 1, "theirdisk")[0]
    return own_vm, own_disk, customer_vm, customer_disk


def _lists(sandbox_server, login, password, safe):
    session = sandbox_server.login(login, password, safe)
    with sandbox_server.proxy() as api:
        vms, disks = api.vm_list(session), api.disk_list(session)
        ops = [api.operation_details(session, o)["param"] for o in api.operation_list(session)]
    return set(vms), set(disks), ops


def test_unsafe_reseller_lists_customers_vms_disks_and_operations(sandbox_server, objects):
    own_vm, own_disk, customer_vm, customer_disk = objects
    vms, disks, ops = _lists(sandbox_server, *RESELLER, False)
    assert {own_vm, customer_vm} <= vms
    assert {own_disk, customer_disk} <= disks
    assert {p.get("vm_id") for p in ops} >= {own_vm, customer_vm}
    assert {p.get("disk_id") for p in ops} >= {own_disk, customer_disk}


def test_safe_reseller_lists_only_its_own(sandbox_server, objects):
    own_vm, own_disk, customer_vm, customer_disk = objects
    vms, disks, ops = _lists(sandbox_server, *RESELLER, True)
    assert own_vm in vms and customer_vm not in vms
    assert own_disk in disks and customer_disk not in disks
    assert customer_vm not in {p.get("vm_id") for p in ops}


def test_a_customer_never_lists_its_resellers_objects(sandbox_server, objects):
    own_vm, own_disk, customer_vm, customer_disk = objects
    vms, disks, _ = _lists(sandbox_server, *CUSTOMER, False)
    assert vms == {customer_vm}
    assert own_disk not in disks and customer_disk in disks
