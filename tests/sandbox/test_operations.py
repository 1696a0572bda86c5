"""Operations move PENDING -> RUN -> DONE with the clock; cancel; fail-; filters; the 300 limit."""

from __future__ import annotations

import xmlrpc.client

import pytest

from tests.sandbox.helpers import fault_code

PASSWORD = "s3cret-pass"


@pytest.fixture
def slow(make_sandbox_server, clock):
    """A sandbox whose operations take 10 s of a hand-driven clock."""
    running = make_sandbox_server(op_delay=10, clock=clock)
    with running.proxy() as api:
        yield api, api.login("AA1234-GANDI", "mypassword"), clock


def _state(api, s, opid):
    return api.operation_details(s, opid)["state"]


def _granted(api, s):
    return api.hosting_account_info(s)["resources"]["granted"]["shares"]


def test_lifecycle_pending_run_done_and_effects_at_done(slow):
    api, s, clock = slow
    opid = api.hosting_account_product_add(s, "shares", 4, "1m")
    assert _state(api, s, opid) == "PENDING"
    assert api.account_balance(s) == 480.0  # debited at queue time
    assert _granted(api, s) == 0  # granted at DONE
    clock.tick(5)  # RUN from half the delay on
    assert _state(api, s, opid) == "RUN"
    assert _granted(api, s) == 0
    clock.tick(5)
    details = api.operation_details(s, opid)
    assert details["state"] == "DONE"
    assert details["date_update"].value > details["date_create"].value
    assert _granted(api, s) == 4


def test_vm_create_reserves_at_queue_time_and_locks_the_vm(slow):
    api, s, clock = slow
    api.hosting_account_product_add(s, "shares", 3, "1m")
    clock.tick(10)
    vm_id = api.vm_create(s, "web", PASSWORD, 111, 2, 1, {})
    assert api.vm_info(s, vm_id)["state"] == "being_created"
    assert api.hosting_account_info(s)["resources"]["available"]["shares"] == 1
    assert fault_code(api.vm_create, s, "web2", PASSWORD, 111, 2, 1, {}) == 530935
    assert fault_code(api.vm_stop, s, vm_id) == 530260  # busy with its vm_create
    clock.tick(10)
    assert api.vm_info(s, vm_id)["state"] == "running"
    (create_op,) = api.operation_list(s, {"type": "vm_create"})
    assert api.operation_details(s, create_op)["param"] == {
        "param_type": "vm",
        "vm_id": vm_id,
        "hostname": "web",
        "os_id": 111,
        "shares": 2,
        "cpu": 1,
        "login": "",
        "disk_id": api.vm_info(s, vm_id)["disks_id"][0],
    }


def test_cancel_pending_releases_reservations_and_refunds(slow):
    api, s, clock = slow
    add = api.hosting_account_product_add(s, "shares", 2, "1m")
    assert api.operation_cancel(s, add) is True
    assert api.account_balance(s) == 500.0
    assert _state(api, s, add) == "CANCEL"
    clock.tick(10)
    assert api.hosting_account_info(s)["products"] == []

    api.hosting_account_product_add(s, "shares", 2, "1m")
    clock.tick(10)
    vm_id = api.vm_create(s, "web", PASSWORD, 111, 2, 1, {})
    (create_op,) = api.operation_list(s, {"type": "vm_create", "state": "PENDING"})
    api.operation_cancel(s, create_op)
    assert fault_code(api.vm_info, s, vm_id) == 530240
    assert api.hosting_account_info(s)["resources"]["used"] == {"shares": 0, "disk": 0}


def test_cancel_is_refused_once_running_or_done(slow):
    api, s, clock = slow
    opid = api.hosting_account_product_add(s, "shares", 1, "1m")
    clock.tick(6)
    assert fault_code(api.operation_cancel, s, opid) == 510260
    clock.tick(6)
    assert fault_code(api.operation_cancel, s, opid) == 510260


def test_fail_prefix_ends_in_error_and_cancel_releases(slow):
    api, s, clock = slow
    api.hosting_account_product_add(s, "shares", 2, "1m")
    clock.tick(10)
    vm_id = api.vm_create(s, "fail-web", PASSWORD, 111, 2, 1, {})
    disk_id = api.disk_create(s, {"name": "fail-disk", "size": 1024})
    clock.tick(10)
    ops = api.operation_list(s, {"state": "ERROR"})
    assert len(ops) == 2
    details = api.operation_details(s, ops[0])
    assert details["type"] == "vm_create"
    assert "fail-" in details["comment"]
    # the objects stay being_created, holding their reservation
    assert api.vm_info(s, vm_id)["state"] == "being_created"
    assert api.disk_info(s, disk_id)["state"] == "being_created"
    assert api.hosting_account_info(s)["resources"]["available"]["shares"] == 0
    for opid in ops:
        assert api.operation_cancel(s, opid) is True
    assert api.vm_list(s) == [] and api.disk_list(s) == []
    assert api.hosting_account_info(s)["resources"]["used"] == {"shares": 0, "disk": 0}


def test_list_filters_by_type_state_and_dates(slow):
    api, s, clock = slow
    start = clock.now
    first = api.hosting_account_product_add(s, "shares", 1, "1m")
    clock.tick(100)
    second = api.hosting_account_product_add(s, "disk", 1024, "1m")

    def date(t):
        return xmlrpc.client.DateTime(int(t))  # a Unix time -> dateTime.iso8601

    assert api.operation_list(s) == [first, second]
    assert api.operation_list(s, {"state": "ALL"}) == [first, second]
    assert api.operation_list(s, {"state": "DONE"}) == [first]
    assert api.operation_list(s, {"state": "PENDING"}) == [second]
    assert api.operation_list(s, {"type": "hosting_account_product_add"}) == [first, second]
    assert api.operation_list(s, {"created_after": date(start + 50)}) == [second]
    assert api.operation_list(s, {"created_before": date(start + 50)}) == [first]
    assert api.operation_list(s, {"updated_after": date(start + 5)}) == [first, second]
    assert api.operation_list(s, {"updated_before": date(start + 1)}) == []
    # the spec's own sample sends a bare date
    old = xmlrpc.client.DateTime("2006-01-01")
    assert api.operation_list(s, {"updated_before": old}) == []


def test_list_returns_the_300_newest(sandbox_server):
    sandbox_server.sandbox.bulk_create_vms("AA1234-GANDI", 320)
    with sandbox_server.proxy() as api:
        s = api.login("AA1234-GANDI", "mypassword")
        everything = api.operation_list(s)
        assert len(everything) == 300
        assert everything == sorted(everything)
        newest = api.operation_list(s, {"type": "vm_create"})
        assert newest[-1] == max(newest) and newest[0] == everything[0]
        assert len(api.vm_list(s)) == 320


def test_op_delay_zero_is_done_at_the_next_call(api, session):
    opid = api.hosting_account_product_add(session, "shares", 1, "1m")
    assert api.operation_details(session, opid)["state"] == "DONE"
