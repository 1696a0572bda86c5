"""``system.*`` methods are registered like the API's own, and the bulk helpers need only a
store and a clock (no dispatcher)."""

from __future__ import annotations

import xmlrpc.client

from gandi_hosting_cli.sandbox import bulk, seed
from gandi_hosting_cli.sandbox.registry import REGISTRY
from gandi_hosting_cli.sandbox.state_db import Store
from tests.sandbox.helpers import fault_code

SYSTEM = ("system.listMethods", "system.methodHelp", "system.methodSignature", "system.multicall")


def test_system_methods_are_in_the_registry_and_introspect_themselves(sandbox_server):
    assert all(name in REGISTRY for name in SYSTEM)
    with sandbox_server.proxy() as api:
        names = api.system.listMethods()
        assert set(SYSTEM) <= set(names) and "vm_create" in names
        assert api.system.methodSignature("system.multicall") == [["array", "array"]]
        assert api.system.methodHelp("system.listMethods").startswith("array system.listMethods()")
        assert fault_code(api.system.methodHelp, "system.nothing") == 501640


def test_without_multicall_it_is_neither_listed_nor_answered(make_sandbox_server):
    running = make_sandbox_server(multicall=False)
    with running.proxy() as api:
        assert "system.multicall" not in api.system.listMethods()
        assert fault_code(api.system.methodHelp, "system.multicall") == 501640
        batch = xmlrpc.client.MultiCall(api)
        batch.system.listMethods()
        try:
            batch()
        except xmlrpc.client.Fault as fault:
            assert fault.faultCode == 501640
        else:
            raise AssertionError("system.multicall answered while disabled")


def test_bulk_creation_takes_a_store_and_a_clock(tmp_path):
    store = Store(tmp_path / "s.sqlite3")
    try:
        vms = bulk.bulk_create_vms(store, lambda: 1_800_000_000.0, seed.SEED_LOGIN, 2, os_id=112)
        disks = bulk.bulk_create_disks(store, lambda: 1_800_000_000.0, seed.SEED_LOGIN, 3)
        with store.read() as conn:
            sizes = [r[0] for r in conn.execute("SELECT size FROM disks WHERE vm_id != 0")]
        assert vms == [101, 102] and len(disks) == 3
        assert sizes == [seed.OS_IMAGES[112].size] * 2  # the image's system disk size
    finally:
        store.close()


def test_os_list_has_every_os_image_field(sandbox_server):
    session = sandbox_server.login()
    with sandbox_server.proxy() as api:
        images = {image["id"]: image for image in api.os_list(session)}
    for os_id, image in seed.OS_IMAGES.items():
        assert images[os_id] == {"id": os_id, **image._asdict()}
