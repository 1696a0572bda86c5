"""Every rule refused with DESIGN.md's fault code and message format, in the documented order."""

from __future__ import annotations

import xmlrpc.client

import pytest

from gandi_hosting_cli.sandbox.in_process import InProcessTransport
from tests.sandbox.helpers import FAULT_FORMAT, fault_code, with_shares

PASSWORD = "s3cret-pass"


@pytest.fixture
def world(sandbox_server):
    """Seeded account with 4 + 1 fixed shares, a running VM (3 shares) and a detached disk."""
    transport = InProcessTransport(sandbox_server.sandbox)
    api = xmlrpc.client.ServerProxy("http://sandbox/hosting/", transport=transport)
    s = api.login("AA1234-GANDI", "mypassword")
    with_shares(api, s, 4)
    vm = api.vm_create(s, "web", PASSWORD, 111, 3, 1, {})
    disk = api.disk_create(s, {"name": "data", "size": 1024})
    api.account_balance(s)  # lets the creations finish
    fixed = api.hosting_account_product_add(s, "shares_fixed", 1, "1m")
    product_ids = {p["product_name"]: p["id"] for p in api.hosting_account_info(s)["products"]}
    customer = api.su(s, "AA4321-GANDI")
    with_shares(api, customer, 1)
    customer_vm = api.vm_create(customer, "cust", PASSWORD, 111, 1, 1, {})
    return {
        "api": api,
        "s": s,
        "vm": vm,
        "disk": disk,
        "fixed_op": fixed,
        "system_disk": api.vm_info(s, vm)["disks_id"][0],
        "customer_vm": customer_vm,
        **product_ids,
    }


CASES = {
    # type checks (objects 010/011/012/013/015, method 016)
    "int expected": (lambda a, w: a.vm_info(w["s"], "vm101"), 501010),
    "boolean expected": (lambda a, w: a.login("AA1234-GANDI", "mypassword", "yes"), 501110),
    "string expected": (lambda a, w: a.login(["AA1234-GANDI"], "mypassword"), 501210),
    "date expected": (lambda a, w: a.operation_list(w["s"], {"created_after": "2020"}), 501310),
    "struct expected": (lambda a, w: a.vm_update(w["s"], w["vm"], 4), 501510),
    "missing argument": (lambda a, w: a.vm_info(w["s"]), 501632),
    "too many arguments": (lambda a, w: a.vm_list(w["s"], 1), 501633),
    "unknown struct member": (
        lambda a, w: a.disk_create(w["s"], {"name": "x", "size": 1, "color": "red"}),
        501533,
    ),
    "missing struct member": (lambda a, w: a.disk_create(w["s"], {"name": "x"}), 501532),
    "unknown method": (lambda a, w: a.vm_explode(w["s"]), 501640),
    # sessions and rights
    "wrong password": (lambda a, w: a.login("AA1234-GANDI", "nope"), 500150),
    "unknown login": (lambda a, w: a.login("ZZ9-GANDI", "mypassword"), 500150),
    "unknown session": (lambda a, w: a.vm_list("not-a-session"), 500240),
    "su unknown handle": (lambda a, w: a.su(w["s"], "NOBODY-GANDI"), 500340),
    "safe session on a customer's VM": (lambda a, w: a.vm_info(w["s"], w["customer_vm"]), 530250),
    # products and money
    "unknown product": (lambda a, w: a.hosting_account_product_add(w["s"], "gpu", 1, "1m"), 535130),
    "quantity 0": (lambda a, w: a.hosting_account_product_add(w["s"], "shares", 0, "1m"), 535130),
    "bad duration": (lambda a, w: a.hosting_account_product_add(w["s"], "disk", 1, "1w"), 501920),
    "duration over 120 months": (
        lambda a, w: a.hosting_account_product_add(w["s"], "disk", 1, "11y"),
        501930,
    ),
    "not enough money": (
        lambda a, w: a.hosting_account_product_add(w["s"], "shares", 100000, "1y"),
        530063,
    ),
    "no such product": (lambda a, w: a.hosting_account_product_renew(w["s"], 999, "1m"), 535140),
    "shares_fixed cannot be updated": (
        lambda a, w: a.hosting_account_product_update(w["s"], w["shares_fixed"], 2),
        535160,
    ),
    "shares_fixed cannot be released": (
        lambda a, w: a.hosting_account_product_remove(w["s"], w["shares_fixed"]),
        535160,
    ),
    "product in use": (lambda a, w: a.hosting_account_product_remove(w["s"], w["shares"]), 535160),
    "shrink below use": (
        lambda a, w: a.hosting_account_product_update(w["s"], w["shares"], 1),
        535160,
    ),
    # VMs
    "bad hostname": (lambda a, w: a.vm_create(w["s"], "-web", PASSWORD, 111, 1, 1, {}), 530238),
    "short password": (lambda a, w: a.vm_create(w["s"], "web2", "short", 111, 1, 1, {}), 500130),
    "empty password": (lambda a, w: a.vm_create(w["s"], "web2", "", 111, 1, 1, {}), 500130),
    "bad user login": (
        lambda a, w: a.vm_create(w["s"], "web2", PASSWORD, 111, 1, 1, {"login": "Bad U"}),
        530220,
    ),
    "unknown OS": (lambda a, w: a.vm_create(w["s"], "web2", PASSWORD, 999, 1, 1, {}), 530540),
    "no shares": (lambda a, w: a.vm_create(w["s"], "web2", PASSWORD, 111, 0, 1, {}), 530930),
    "cpu 0": (lambda a, w: a.vm_create(w["s"], "web2", PASSWORD, 111, 1, 0, {}), 530230),
    "cpu over shares": (lambda a, w: a.vm_create(w["s"], "web2", PASSWORD, 111, 2, 3, {}), 530230),
    "cpu over 8": (lambda a, w: a.vm_create(w["s"], "web2", PASSWORD, 111, 16, 9, {}), 530230),
    "not enough shares": (
        lambda a, w: a.vm_create(w["s"], "web2", PASSWORD, 111, 4, 1, {}),
        530935,
    ),
    "no such VM": (lambda a, w: a.vm_info(w["s"], 999), 530240),
    "delete a running VM": (lambda a, w: a.vm_delete(w["s"], w["vm"]), 530260),
    "start a running VM": (lambda a, w: a.vm_start(w["s"], w["vm"]), 530260),
    "cpu change while running": (lambda a, w: a.vm_update(w["s"], w["vm"], {"cpu": 2}), 530260),
    "nothing to update": (lambda a, w: a.vm_update(w["s"], w["vm"], {}), 530232),
    "boot disk link on a running VM": (
        lambda a, w: a.vm_disk_link(w["s"], w["vm"], w["system_disk"]),
        530260,
    ),
    # disks
    "bad fstype": (
        lambda a, w: a.disk_create(w["s"], {"name": "d2", "size": 1, "fstype": "ntfs"}),
        530430,
    ),
    "size 0": (lambda a, w: a.disk_create(w["s"], {"name": "d2", "size": 0}), 530431),
    "empty name": (lambda a, w: a.disk_create(w["s"], {"name": "", "size": 1}), 530420),
    "name taken": (lambda a, w: a.disk_create(w["s"], {"name": "data", "size": 1}), 530441),
    "over the disk quota": (
        lambda a, w: a.disk_create(w["s"], {"name": "big", "size": 10**6}),
        530435,
    ),
    "no such disk": (lambda a, w: a.disk_info(w["s"], 99), 530440),
    "delete an attached disk": (lambda a, w: a.disk_delete(w["s"], w["system_disk"]), 530439),
    "attach an attached disk": (
        lambda a, w: a.disk_attach(w["s"], w["system_disk"], w["vm"]),
        530439,
    ),
    "detach a disk not attached there": (
        lambda a, w: a.disk_detach(w["s"], w["disk"], w["vm"]),
        530498,
    ),
    "detach the boot disk of a running VM": (
        lambda a, w: a.disk_detach(w["s"], w["system_disk"], w["vm"]),
        530260,
    ),
    # operations
    "no such operation": (lambda a, w: a.operation_details(w["s"], 1), 510240),
    "cancel a DONE operation": (lambda a, w: a.operation_cancel(w["s"], w["fixed_op"]), 510260),
    "unknown state filter": (lambda a, w: a.operation_list(w["s"], {"state": "LATE"}), 525030),
    "unknown type filter": (lambda a, w: a.operation_list(w["s"], {"type": "vm_paint"}), 525130),
    # the order (faults.py): session, then type, syntax and value, existence, ..., state
    "session before type": (lambda a, w: a.vm_info("not-a-session", "x"), 500240),
    "type before syntax": (lambda a, w: a.vm_create(w["s"], "-x", PASSWORD, "x", 1, 1, {}), 501010),
    "session before syntax": (
        lambda a, w: a.vm_create("not-a-session", "-x", PASSWORD, 111, 1, 1, {}),
        500240,
    ),
    "existence before state": (lambda a, w: a.vm_delete(w["s"], 999), 530240),
}


@pytest.mark.parametrize("case", list(CASES))
def test_each_refusal_has_the_design_fault_code_and_message_format(world, case):
    call, code = CASES[case]
    with pytest.raises(xmlrpc.client.Fault) as info:
        call(world["api"], world)
    assert info.value.faultCode == code
    assert FAULT_FORMAT.match(info.value.faultString), info.value.faultString


def test_fault_strings_follow_the_format_and_hide_secrets(world):
    api, s = world["api"], world["s"]
    with pytest.raises(xmlrpc.client.Fault) as info:
        api.vm_create(s, "web2", "short", 111, 1, 1, {})
    assert info.value.faultString == (
        "DataError: password must be 8 to 128 printable characters [password: ***]"
    )
    with pytest.raises(xmlrpc.client.Fault) as info:
        api.vm_info("my-secret-session-id", 1)
    assert "my-secret-session-id" not in info.value.faultString
    assert info.value.faultString == "DataError: unknown session [session: ***]"
    with pytest.raises(xmlrpc.client.Fault) as info:
        api.login("AA1234-GANDI", "wrong-password-123")
    assert "wrong-password-123" not in info.value.faultString
    with pytest.raises(xmlrpc.client.Fault) as info:
        api.vm_info(s, 999)
    assert info.value.faultString == "DataError: VM does not exist [vm_id: 999]"


def test_wrong_login_or_password_names_the_login_never_the_password(sandbox_server):
    with pytest.raises(xmlrpc.client.Fault) as info:
        sandbox_server.proxy().login("AA1234-GANDI", "wrong-password-123")
    assert (info.value.faultCode, info.value.faultString) == (
        500150,
        "DataError: wrong login or password [login: 'AA1234-GANDI']",
    )
    assert "wrong-password-123" not in info.value.faultString


def test_su_to_a_handle_not_resold_is_refused(make_sandbox_server):
    running = make_sandbox_server(accounts=["XY1-GANDI:other-pass"])
    with running.proxy() as api:
        s = api.login("AA1234-GANDI", "mypassword")
        assert fault_code(api.su, s, "XY1-GANDI") == 500350
        assert api.su(s, "AA1234-GANDI")  # anyone may su to itself


def test_a_bug_is_an_internal_error_fault_logged_without_params(sandbox_server, caplog):
    from gandi_hosting_cli.sandbox.registry import REGISTRY, Param, api_method

    @api_method("test_explode", "int", Param("value", "string"), write=False, session=False)
    def explode(ctx, value):
        raise ValueError(f"a bug that quotes its input {value}")

    try:
        with sandbox_server.proxy() as api:
            with pytest.raises(xmlrpc.client.Fault) as info:
                api.test_explode("top-secret-value")
            # the server survives it
            assert api.system.listMethods()
    finally:
        del REGISTRY["test_explode"]
    assert (info.value.faultCode, info.value.faultString) == (150000, "ServerError: internal error")
    assert "internal error in test_explode: ValueError" in caplog.text
    assert "top-secret-value" not in caplog.text


def test_digit_strings_and_0_1_are_taken_as_the_php_and_perl_samples_send_them(sandbox_server):
    """phpxmlrpc sends ``new xmlrpcval(4)`` as <string>4</string> (the spec's PHP samples do
    that for every id and quantity); some Perl/Ruby clients send booleans as <int>."""
    proxy = sandbox_server.proxy()
    session = proxy.login("AA1234-GANDI", "mypassword", 1)
    opid = proxy.hosting_account_product_add(session, "shares", "4", "1m")
    assert isinstance(opid, int)
    disk_id = proxy.disk_create(session, {"size": "2048", "name": "phpdisk", "fstype": "ext3"})
    assert proxy.disk_info(session, str(disk_id))["size"] == 2048
    for bad in ("4.5", "four", "", "99999999999"):
        try:
            proxy.disk_info(session, bad)
        except xmlrpc.client.Fault as fault:
            assert fault.faultCode in (501010, 501030), (bad, fault)
        else:
            raise AssertionError(f"{bad!r} was taken for an int")


def test_an_all_digit_password_sent_as_an_int_is_taken_as_perl_clients_send_it(sandbox_server):
    """XMLRPC::Lite types "12345678" as <int>: the sandbox reads it as the string it was."""
    proxy = sandbox_server.proxy()
    session = proxy.login("AA1234-GANDI", "mypassword")
    proxy.hosting_account_product_add(session, "shares", 2, "1m")
    vm_id = proxy.vm_create(session, "digits", 12345678, 111, 1, 1, {})
    assert proxy.vm_info(session, vm_id)["hostname"] == "digits"
    with pytest.raises(xmlrpc.client.Fault) as refused:
        proxy.login("AA1234-GANDI", True)  # a boolean is still not a string
    assert refused.value.faultCode == 501210


@pytest.mark.parametrize(
    ("duration", "code"),
    [("120m", None), ("10y", None), ("121m", 501930), ("11y", 501930), ("1000m", 501920)],
)
def test_durations_up_to_120_months(sandbox_server, duration, code):
    proxy = sandbox_server.proxy()
    session = proxy.login("AA1234-GANDI", "mypassword")
    try:
        proxy.hosting_account_product_add(session, "shares_fixed", 1, duration)
    except xmlrpc.client.Fault as fault:
        assert fault.faultCode == code, fault
    else:
        assert code is None
