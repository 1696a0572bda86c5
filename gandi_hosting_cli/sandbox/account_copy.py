"""A copy of an account: the VMs and disks of an ``export`` manifest as a starting state.

``sandbox serve --seed FILE`` and ``sandbox seed FILE`` read the manifest on the client
side (``declarative.manifest``; the sandbox imports nothing of it) and hand its entries
here as plain dicts (``VmEntry``/``DiskEntry`` keys: the manifest's own). ``load_copy``
then replaces what the account holds (its VMs, disks, products and operations) with
them, in one transaction and at once (no operation to wait for):

- each VM ``running`` or ``halted`` as declared, with a system disk ``sys_<hostname>``
  of its OS image's size, its data disks attached in the declared order, the
  ``boot_disk`` (if any) at position 0;
- every other disk detached, ``created``;
- one ``shares`` product of exactly the shares the VMs use, and one ``disk`` product
  for the quota they need beyond what the shares grant (both a year long);
- the balance, when given (``--balance``).

Ids are the state's own (new ones); names are the manifest's. An entry that cannot be
loaded (an unknown OS, a name twice, a disk that is not declared or on two VMs) raises
``CopyError`` naming it, before anything is written.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from gandi_hosting_cli.sandbox import seed
from gandi_hosting_cli.sandbox.records import insert_disk, insert_year_products
from gandi_hosting_cli.sandbox.registry import Ctx
from gandi_hosting_cli.sandbox.state_db import Store


class CopyError(ValueError):
    """An entry of the manifest cannot be loaded; the message names it."""


def resolve_os(token: object) -> int:
    """An OS image of the sandbox by id, label, ``name version`` or name alone (when only
    one version of it exists); ``CopyError`` otherwise."""
    text = str(token).strip()
    if re.fullmatch(r"[0-9]+", text):
        if int(text) in seed.OS_IMAGES:
            return int(text)
        raise CopyError(f"no OS image with id {text}")
    lowered = text.lower()
    for os_id, image in seed.OS_IMAGES.items():
        if lowered in (image.label.lower(), f"{image.name} {image.version}".lower()):
            return os_id
    by_name = [i for i, image in seed.OS_IMAGES.items() if image.name.lower() == lowered]
    if len(by_name) == 1:
        return by_name[0]
    known = ", ".join(repr(image.label) for image in seed.OS_IMAGES.values())
    raise CopyError(f"unknown OS {text!r} (the sandbox has {known})")


def _check(vms: Sequence[dict], disks: Sequence[dict]) -> dict[str, int]:
    """Every entry loadable: return the OS id of each VM by hostname."""
    names: set[str] = set()
    for disk in disks:
        if disk["name"] in names:
            raise CopyError(f"disk {disk['name']!r}: declared twice")
        names.add(disk["name"])
    os_ids: dict[str, int] = {}
    owners: dict[str, str] = {}
    for vm in vms:
        hostname = vm["hostname"]
        if hostname.lower() in {h.lower() for h in os_ids}:
            raise CopyError(f"VM {hostname!r}: declared twice")
        try:
            os_ids[hostname] = resolve_os(vm["os"])
        except CopyError as exc:
            raise CopyError(f"VM {hostname!r}: {exc}") from None
        for name in vm.get("disks", ()):
            if name not in names or name in owners:
                why = "not a declared disk" if name not in names else f"already on {owners[name]!r}"
                raise CopyError(f"VM {hostname!r}: disk {name!r} is {why}")
            owners[name] = hostname
        boot = vm.get("boot_disk")
        if boot and boot not in vm.get("disks", ()):
            raise CopyError(f"VM {hostname!r}: boot_disk {boot!r} is not one of its disks")
    return os_ids


def _clear(ctx: Ctx, handle: str) -> None:
    for table in ("operations", "disks", "vms", "products"):
        ctx.conn.execute(f"DELETE FROM {table} WHERE handle = ?", (handle,))


def _insert_vm(ctx: Ctx, handle: str, vm: dict, os_id: int, disk_ids: dict[str, int]) -> None:
    shares = int(vm["shares"])
    memory = vm.get("max_memory") or max(2048, shares * seed.SHARE_MEMORY_MB)
    vm_id = ctx.conn.execute(
        "INSERT INTO vms (handle, hostname, state, os_id, shares, cpu, vm_max_memory, login,"
        " date_created, date_updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (handle, vm["hostname"], vm.get("state") or "running", os_id, shares,
         int(vm.get("cpu") or 1), int(memory), vm.get("login") or "", ctx.now, ctx.now),
    ).lastrowid  # fmt: skip
    size = seed.OS_IMAGES[os_id].size
    system = insert_disk(
        ctx, handle, f"sys_{vm['hostname']}", size, "ext3", vm_id=vm_id, state="created"
    )
    order = [disk_ids[name] for name in vm.get("disks", ())]
    boot = vm.get("boot_disk")
    if boot:
        order.remove(disk_ids[boot])
        order = [disk_ids[boot], system, *order]
    else:
        order = [system, *order]
    for position, disk_id in enumerate(order):
        ctx.conn.execute(
            "UPDATE disks SET vm_id = ?, position = ? WHERE id = ?", (vm_id, position, disk_id)
        )


def _products(ctx: Ctx, handle: str, vms: Sequence[dict], disks: Sequence[dict], os_ids) -> None:
    shares = sum(int(vm["shares"]) for vm in vms)
    needed = sum(int(d["size"]) for d in disks)
    needed += sum(seed.OS_IMAGES[os_id].size for os_id in os_ids.values())
    extra_disk = max(0, needed - shares * seed.SHARE_DISK_MB)
    insert_year_products(ctx, handle, {"shares": shares, "disk": extra_disk})


def load_copy(
    store: Store,
    clock: Callable[[], float],
    handle: str,
    vms: Sequence[dict],
    disks: Sequence[dict],
    *,
    balance_cents: int | None = None,
) -> None:
    """Replace what ``handle`` holds with ``vms`` and ``disks`` (see the module's doc)."""
    os_ids = _check(vms, disks)
    with store.write() as conn:
        ctx = Ctx(conn=conn, now=clock(), op_delay=0)
        if not conn.execute("SELECT 1 FROM accounts WHERE handle = ?", (handle,)).fetchone():
            raise CopyError(f"no such account: {handle}")
        _clear(ctx, handle)
        disk_ids = {
            d["name"]: insert_disk(ctx, handle, d["name"], int(d["size"]),
                                   d.get("fstype") or "ext3", state="created")
            for d in disks
        }  # fmt: skip
        for vm in vms:
            _insert_vm(ctx, handle, vm, os_ids[vm["hostname"]], disk_ids)
        _products(ctx, handle, vms, disks, os_ids)
        if balance_cents is not None:
            conn.execute(
                "UPDATE accounts SET balance_cents = ? WHERE handle = ?", (balance_cents, handle)
            )


def set_balance(store: Store, handle: str, balance_cents: int) -> None:
    """Set ``handle``'s prepaid balance (``--balance`` without a copy)."""
    with store.write() as conn:
        conn.execute(
            "UPDATE accounts SET balance_cents = ? WHERE handle = ?", (balance_cents, handle)
        )


def held(store: Store, handle: str) -> tuple[int, int]:
    """How many VMs and disks ``handle`` holds (what a copy would replace)."""
    with store.read() as conn:
        vms = conn.execute("SELECT COUNT(*) FROM vms WHERE handle = ?", (handle,)).fetchone()[0]
        disks = conn.execute("SELECT COUNT(*) FROM disks WHERE handle = ?", (handle,)).fetchone()
    return vms, disks[0]
