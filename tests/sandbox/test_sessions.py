"""Session expiry, su, safe mode, persistence of sessions."""

from __future__ import annotations

from tests.sandbox.helpers import fault_code, with_shares


def test_session_expires_after_its_ttl(make_sandbox_server, clock):
    running = make_sandbox_server(session_ttl=60, clock=clock)
    with running.proxy() as api:
        s = api.login("AA1234-GANDI", "mypassword")
        customer = api.su(s, "AA4321-GANDI")
        clock.tick(59)
        assert api.account_currency(s) == "EUR"
        clock.tick(2)
        assert fault_code(api.account_currency, s) == 500249
        assert fault_code(api.account_currency, customer) == 500249  # su inherits the expiry
        assert api.account_currency(api.login("AA1234-GANDI", "mypassword")) == "EUR"


def test_default_ttl_is_twelve_hours(make_sandbox_server, clock):
    running = make_sandbox_server(clock=clock)
    with running.proxy() as api:
        s = api.login("AA1234-GANDI", "mypassword")
        clock.tick(12 * 3600 - 1)
        assert api.account_currency(s) == "EUR"
        clock.tick(1)
        assert fault_code(api.account_currency, s) == 500249


def test_su_acts_as_the_customer(api, session):
    customer = api.su(session, "AA4321-GANDI")
    with_shares(api, customer, 1)
    vm_id = api.vm_create(customer, "cust", "s3cret-pass", 111, 1, 1, {})
    assert api.vm_list(customer) == [vm_id]
    assert api.vm_list(session) == []
    assert api.account_balance(customer) == 95.0
    assert api.account_balance(session) == 500.0


def test_unsafe_reseller_session_acts_on_customer_objects(api, session):
    customer = api.su(session, "AA4321-GANDI")
    with_shares(api, customer, 1)
    vm_id = api.vm_create(customer, "cust", "s3cret-pass", 111, 1, 1, {})
    assert fault_code(api.vm_stop, session, vm_id) == 530250  # safe: only its own handle
    unsafe = api.login("AA1234-GANDI", "mypassword", False)
    opid = api.vm_stop(unsafe, vm_id)
    assert opid in api.operation_list(customer)  # the operation belongs to the VM's owner
    assert api.vm_info(customer, vm_id)["state"] == "halted"


def test_customer_cannot_su_to_its_reseller(api):
    customer = api.login("AA4321-GANDI", "customerpass")
    assert fault_code(api.su, customer, "AA1234-GANDI") == 500350


def test_added_accounts_log_in(make_sandbox_server):
    running = make_sandbox_server(accounts=["XY1-GANDI:other-pass", ("ZZ2-GANDI", "third-pass")])
    assert running.login("XY1-GANDI", "other-pass")
    with running.proxy() as api:
        s = api.login("ZZ2-GANDI", "third-pass")
        assert api.account_balance(s) == 500.0
        assert fault_code(api.login, "XY1-GANDI", "mypassword") == 500150
