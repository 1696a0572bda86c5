"""A copy of an account (``sandbox seed FILE``, ``sandbox serve --seed FILE``): the
rehearsal workflow, export -> seed -> apply on the copy -> plan against the original."""

from __future__ import annotations

import contextlib
import json
import re
import xmlrpc.client

import pytest

from gandi_hosting_cli.sandbox.account_copy import CopyError, load_copy
from gandi_hosting_cli.sandbox.dispatcher import Sandbox
from gandi_hosting_cli.sandbox.in_process import InProcessTransport
from gandi_hosting_cli.sandbox.seed import SEED_LOGIN, SEED_PASSWORD

PASSWORD = "rootpass-123"


def _build_original(server) -> None:
    """5 VMs (one halted) and 8 data disks, 4 of them attached (one as a boot disk)."""
    box = server.sandbox
    vm_ids = box.bulk_create_vms(SEED_LOGIN, 5, "web", shares=2)
    disk_ids = box.bulk_create_disks(SEED_LOGIN, 8, "data", size=2048)
    with server.proxy() as api:
        session = server.login()
        for vm_id, disk_id in zip(vm_ids[:4], disk_ids[:4], strict=True):
            api.disk_attach(session, disk_id, vm_id)
        api.vm_stop(session, vm_ids[4])
        api.operation_list(session, {})  # op_delay 0: this call finishes them
        api.vm_stop(session, vm_ids[0])
        api.operation_list(session, {})
        api.vm_disk_link(session, vm_ids[0], disk_ids[0])
        api.operation_list(session, {})


def _account(proxy, session) -> dict:
    """Names -> the fields a copy keeps (no ids)."""
    disks = {d: proxy.disk_info(session, d) for d in proxy.disk_list(session)}
    vms = {}
    for vm_id in proxy.vm_list(session):
        info = proxy.vm_info(session, vm_id)
        keep = ("state", "os_id", "shares", "cpu", "vm_max_memory", "login")
        vms[info["hostname"]] = {k: info[k] for k in keep} | {
            "disks": [disks[i]["name"] for i in info["disks_id"]]
        }
    return {
        "vms": vms,
        "disks": {d["name"]: (d["size"], d["fstype"], d["state"]) for d in disks.values()},
    }


@contextlib.contextmanager
def _embedded():
    """A bare client of the embedded sandbox (its state file from the environment)."""
    transport = InProcessTransport()
    try:
        with xmlrpc.client.ServerProxy("http://sandbox/hosting/", transport=transport) as api:
            yield api, api.login(SEED_LOGIN, SEED_PASSWORD)
    finally:
        transport.close()


def test_rehearsal_on_a_copy_shows_the_same_actions_as_production(
    cli, logged_in, tmp_path, monkeypatch
):
    production = logged_in
    _build_original(production)
    exported = tmp_path / "prod.toml"
    assert cli("--url", production.url, "export", "--file", str(exported)).exit_code == 0

    seeded = cli("sandbox", "seed", str(exported), "--balance", "123.45", "--yes")
    assert seeded.exit_code == 0, seeded.output
    assert "5 VMs, 8 disks" in seeded.output
    # the copy: the same names and fields, up to date against the manifest
    assert cli("--sandbox", "plan", str(exported)).exit_code == 0
    with production.proxy() as api:
        original = _account(api, production.login())
    with _embedded() as (api, session):
        assert _account(api, session) == original
        assert api.account_balance(session) == 123.45

    changed = tmp_path / "changed.toml"
    text = exported.read_text()
    # web2's shares 2 -> 3 (export writes comment lines between its hostname and its shares)
    text = re.sub(r'(hostname = "web2"\n(?:#.*\n)*os = "Debian 12 64 bits"\n)shares = 2',
                  r"\1shares = 3", text)  # fmt: skip
    text += '\n[[vm]]\nhostname = "web6"\nos = "Debian 12"\nshares = 1\ndisks = ["data8"]\n'
    changed.write_text(text)
    assert text != exported.read_text() and "shares = 3" in text

    # the copy holds products of exactly what it uses, as production here: the change's
    # two more shares are bought on both, as the plan says
    assert (
        cli("--sandbox", "product", "add", "shares", "2", "--duration", "1m", "--yes").exit_code
        == 0
    )
    with production.proxy() as api:
        api.hosting_account_product_add(production.login(), "shares", 2, "1m")
    applied = cli("--sandbox", "--json", "apply", str(changed), "--yes", "--password-stdin",
                  input=PASSWORD + "\n")  # fmt: skip
    assert applied.exit_code == 0, applied.output
    done = sorted((a["action"], a["target"]) for a in json.loads(applied.stdout)["actions"])
    assert len(done) >= 3
    assert cli("--sandbox", "plan", str(changed)).exit_code == 0

    planned = cli("--url", production.url, "--json", "plan", str(changed))
    assert planned.exit_code == 8, planned.output
    shown = sorted((a["action"], a["target"]) for a in json.loads(planned.stdout)["actions"])
    assert shown == done
    with production.proxy() as api:
        assert _account(api, production.login()) == original  # production untouched


def test_served_copy_has_new_ids_the_same_names_and_no_pending_operation(serve_process, tmp_path):
    manifest = tmp_path / "m.toml"
    manifest.write_text(
        '[[vm]]\nhostname = "app"\nos = "Ubuntu 22.04"\nshares = 2\ncpu = 2\n'
        'state = "halted"\ndisks = ["big"]\n\n'
        '[[disk]]\nname = "big"\nsize = 40000\nfstype = "xfs"\n\n'
        '[[disk]]\nname = "spare"\nsize = 1024\n'
    )
    served = serve_process(extra=("--seed", str(manifest), "--balance", "7"))
    with xmlrpc.client.ServerProxy(served.url) as api:
        session = api.login(SEED_LOGIN, SEED_PASSWORD)
        copy = _account(api, session)
        info = api.hosting_account_info(session)
        assert api.operation_list(session, {}) == []
        assert api.account_balance(session) == 7.0
    assert copy["vms"] == {
        "app": {"state": "halted", "os_id": 112, "shares": 2, "cpu": 2, "vm_max_memory": 2048,
                "login": "", "disks": ["sys_app", "big"]}
    }  # fmt: skip
    assert copy["disks"]["big"] == (40000, "xfs", "created")
    assert copy["disks"]["spare"] == (1024, "ext3", "created")
    # products sized to hold it: 2 shares, and the disk quota beyond what they grant
    assert info["resources"]["available"]["shares"] == 0
    assert info["resources"]["available"]["disk"] == 0


@pytest.mark.parametrize(
    "manifest, named",
    [
        ('[[vm]]\nhostname = "a"\nos = "Windows 11"\nshares = 1\n', "'Windows 11'"),
        ('[[disk]]\nname = "d"\nsize = 1\n\n[[disk]]\nname = "d"\nsize = 2\n', "'d'"),
    ],
)
def test_a_manifest_that_cannot_be_loaded_is_exit_2_naming_the_entry(
    cli, tmp_path, manifest, named
):
    path = tmp_path / "bad.toml"
    path.write_text(manifest)
    result = cli("sandbox", "seed", str(path), "--yes")
    assert result.exit_code == 2
    assert named in result.output and "Traceback" not in result.output
    assert cli("--sandbox", "--json", "vm", "list").stdout.strip() == "[]"  # nothing loaded


def test_load_copy_refuses_before_writing_anything(tmp_path):
    box = Sandbox(tmp_path / "s.sqlite3")
    box.bulk_create_vms(SEED_LOGIN, 1, "keep")
    vms = [{"hostname": "x", "os": 111, "shares": 1, "disks": ["nope"]}]
    with pytest.raises(CopyError, match="'x'.*'nope'"):
        load_copy(box.store, box.clock, SEED_LOGIN, vms, [])
    assert box.held(SEED_LOGIN) == (1, 1)
    box.close()


def test_seed_asks_before_replacing_an_account_that_holds_something(cli, tmp_path):
    path = tmp_path / "m.toml"
    path.write_text('[[disk]]\nname = "d"\nsize = 1024\n')
    assert cli("sandbox", "seed", str(path)).exit_code == 0  # empty: nothing to ask
    refused = cli("sandbox", "seed", str(path))
    assert refused.exit_code == 2 and "--yes" in refused.output
