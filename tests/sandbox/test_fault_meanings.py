"""Fault codes keep one meaning each, and checks run in the order faults.py documents:
session, type, syntax and value, existence, rights, quota, state."""

from __future__ import annotations

from tests.sandbox.helpers import fault_code, with_shares

PASSWORD = "root-password-1"


def _fixed_product(api, session) -> int:
    opid = api.hosting_account_product_add(session, "shares_fixed", 2, "1m")
    return api.operation_details(session, opid)["param"]["product_id"]


def test_shares_fixed_cannot_be_updated_or_released_is_a_state_fault(sandbox_server):
    session = sandbox_server.login()
    with sandbox_server.proxy() as api:
        product_id = _fixed_product(api, session)
        assert fault_code(api.hosting_account_product_update, session, product_id, 3) == 535160
        assert fault_code(api.hosting_account_product_remove, session, product_id) == 535160
        # 535150 keeps its one meaning: a product that is not yours
        customer = api.login("AA4321-GANDI", "customerpass")
        assert fault_code(api.hosting_account_product_update, customer, product_id, 3) == 535150


def test_cli_exits_1_not_3_on_updating_a_shares_fixed_product(cli, logged_in):
    session = logged_in.login()
    with logged_in.proxy() as api:
        product_id = _fixed_product(api, session)
    result = cli("--url", logged_in.url, "product", "update", "--yes", str(product_id), "3")
    assert result.exit_code == 1, result.output
    assert "cannot be updated" in result.stderr


def test_vm_update_of_a_running_vm_beyond_the_quota_is_the_quota_fault(sandbox_server):
    session = sandbox_server.login()
    with sandbox_server.proxy() as api:
        with_shares(api, session, 2)
        vm_id = api.vm_create(session, "web1", PASSWORD, 111, 1, 1, {})
        assert api.vm_info(session, vm_id)["state"] == "running"
        # 10 shares: beyond the 2 granted (quota) and beyond vm_max_memory while running
        # (state): the quota fault comes first, the state fault is the last check
        assert fault_code(api.vm_update, session, vm_id, {"shares": 10}) == 530935
        # within the quota, the state rule still speaks
        api.hosting_account_product_add(session, "shares", 20, "1m")
        assert fault_code(api.vm_update, session, vm_id, {"shares": 10}) == 530260


def test_the_session_is_checked_before_the_other_arguments(sandbox_server):
    with sandbox_server.proxy() as api:
        assert fault_code(api.vm_create, "no-such-session", "-bad-", "x", 0, 0, 0, {}) == 500240
        assert fault_code(api.vm_info, "no-such-session", "not-an-int") == 500240
        session = sandbox_server.login()
        # then type, then syntax and value, then existence
        assert fault_code(api.vm_create, session, "-bad-", PASSWORD, "x", 1, 1, {}) == 501010
        assert fault_code(api.vm_create, session, "-bad-", PASSWORD, 999, 1, 1, {}) == 530238
        assert fault_code(api.vm_create, session, "web1", PASSWORD, 999, 1, 1, {}) == 530540
        # existence, then quota (no shares at all)
        assert fault_code(api.vm_create, session, "web1", PASSWORD, 111, 1, 1, {}) == 530935


def test_money_is_checked_before_the_products_state(make_sandbox_server, clock):
    running = make_sandbox_server(op_delay=10, clock=clock)
    session = running.login()
    with running.proxy() as api:
        opid = api.hosting_account_product_add(session, "shares", 1, "1m")
        product_id = api.operation_details(session, opid)["param"]["product_id"]
        # the product is still being created (state), and 100,000 shares cost more than
        # the balance (money): money is said first
        assert fault_code(api.hosting_account_product_update, session, product_id, 100000) == (
            530063
        )
        assert fault_code(api.hosting_account_product_update, session, product_id, 2) == 535160
