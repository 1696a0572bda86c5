"""VM methods and their state rules.

- ``vm_create`` checks the hostname (an RFC 1123 label), the password (8 to 128
  printable characters), the optional ``specs.login`` (a Unix user name), shares >= 1,
  1 <= cpu <= min(8, shares), the OS id, then free shares and disk quota for the system
  disk (its size comes from the OS image). The VM and its system disk exist at once
  (``being_created``, reserving shares and quota) and are ``running``/``created`` at DONE.
- A VM's memory is ``shares * 256`` MB; ``vm_max_memory`` defaults to
  ``max(2048, memory)``.
- ``vm_update`` (specs ``shares``, ``cpu``, ``vm_max_memory``): on a running VM only
  ``shares`` may change, and only within ``vm_max_memory``; a halted VM may change
  everything (``vm_max_memory`` follows the memory up when not given). Growth reserves
  shares at queue time.
- ``vm_start``: halted or paused; ``vm_stop``: running or paused; ``vm_reboot``: running;
  ``vm_delete``: halted (it deletes the boot disk, position 0, and detaches the others).
- ``vm_disk_link``: the VM must be halted and the disk attached to it.
- A VM locked by a queued operation refuses another change (530260).
"""

from __future__ import annotations

from gandi_hosting_cli import rules
from gandi_hosting_cli.sandbox import accounting, engine, seed
from gandi_hosting_cli.sandbox.faults import SECRET, data_fault
from gandi_hosting_cli.sandbox.records import insert_disk
from gandi_hosting_cli.sandbox.registry import Ctx, Field, Param, api_method, to_datetime

MAX_CPU = rules.MAX_CPU
VM_ID = Param("vm_id", "int")


def _check_cpu(cpu: int, shares: int) -> None:
    if rules.cpu_problem(cpu, shares):
        raise data_fault("vm", "value", "cpu must be between 1 and min(8, shares)", "cpu", cpu)


def _check_shares(shares: int) -> None:
    if shares < 1:
        raise data_fault("vm_shares", "value", "shares must be at least 1", "shares", shares)


def _create_syntax(hostname, password, os_id, shares, cpu, specs) -> None:
    if not rules.is_hostname(hostname):
        raise data_fault(
            "vm", "hostname", "hostname must be an RFC 1123 label", "hostname", hostname
        )
    if rules.password_problem(password):
        raise data_fault(
            "password",
            "value",
            "password must be 8 to 128 printable characters",
            "password",
            SECRET,
        )
    _check_shares(shares)
    _check_cpu(cpu, shares)
    user = specs.get("login")
    if user in rules.RESERVED_USERS:
        raise data_fault("vm", "value", "this user exists on every VM", "login", user)
    if user is not None and not rules.is_unix_user(user):
        raise data_fault("vm", "syntax", "login must be a Unix user name", "login", user)


@api_method(
    "vm_create",
    "int",
    Param("hostname", "string"),
    Param("password", "string", secret=True),
    Param("os_id", "int"),
    Param("shares", "int"),
    Param("cpu", "int"),
    Param("specs", "struct", fields={"login": Field("string")}),
    write=True,
    syntax=_create_syntax,
)
def vm_create(ctx: Ctx, hostname, password, os_id, shares, cpu, specs) -> int:
    """Queue a vm_create operation and return the new VM's id."""
    image = seed.OS_IMAGES.get(os_id)
    if image is None:
        raise data_fault("os", "dontexist", "OS image does not exist", "os_id", os_id)
    size = image.size
    accounting.require_free(ctx.conn, ctx.handle, shares=shares, disk=size)
    memory = shares * seed.SHARE_MEMORY_MB
    user = specs.get("login", "")
    vm_id = ctx.conn.execute(
        "INSERT INTO vms (handle, hostname, state, os_id, shares, cpu, vm_max_memory, login,"
        " date_created, date_updated) VALUES (?, ?, 'being_created', ?, ?, ?, ?, ?, ?, ?)",
        (ctx.handle, hostname, os_id, shares, cpu, max(2048, memory), user, ctx.now, ctx.now),
    ).lastrowid
    disk_id = insert_disk(ctx, ctx.handle, f"sys_{hostname}", size, "ext3", vm_id=vm_id)
    param = {
        "param_type": "vm",
        "vm_id": vm_id,
        "hostname": hostname,
        "os_id": os_id,
        "shares": shares,
        "cpu": cpu,
        "login": user,
        "disk_id": disk_id,
    }
    engine.queue(
        ctx.conn,
        ctx.now,
        ctx.op_delay,
        ctx.handle,
        "vm_create",
        param,
        locks=(("vms", vm_id), ("disks", disk_id)),
        data={"disk_id": disk_id},
        fail=hostname.startswith(seed.FAIL_PREFIX),
    )
    return vm_id


def vm_struct(ctx: Ctx, row) -> dict:
    disks = ctx.conn.execute(
        "SELECT id FROM disks WHERE vm_id = ? ORDER BY position", (row["id"],)
    ).fetchall()
    vm_id = row["id"]
    return {
        "id": vm_id,
        "hostname": row["hostname"],
        "state": row["state"],
        "os_id": row["os_id"],
        "shares": row["shares"],
        "cpu": row["cpu"],
        "memory": row["shares"] * seed.SHARE_MEMORY_MB,
        "vm_max_memory": row["vm_max_memory"],
        "login": row["login"],
        "disks_id": [d[0] for d in disks],
        # documentation ranges (RFC 5737 / RFC 3849); IPv4 repeats after 254 VMs
        "ips": [f"192.0.2.{(vm_id - 1) % 254 + 1}", f"2001:db8::{vm_id:x}"],
        "date_created": to_datetime(row["date_created"]),
        "date_updated": to_datetime(row["date_updated"]),
    }


@api_method("vm_info", "struct", VM_ID, write=False)
def vm_info(ctx: Ctx, vm_id: int) -> dict:
    """The VM's description (disks_id in position order: the boot disk first)."""
    return vm_struct(ctx, ctx.fetch("vms", "vm", "vm_id", vm_id))


@api_method("vm_list", "array", write=False)
def vm_list(ctx: Ctx) -> list[int]:
    """The ids of the hosting account's VMs (and its customers' from an unsafe session)."""
    where, args = ctx.owner_clause()
    rows = ctx.conn.execute(f"SELECT id FROM vms WHERE {where} ORDER BY id", args)
    return [r[0] for r in rows]


def _vm_for_change(ctx: Ctx, vm_id: int, states: tuple[str, ...], action: str):
    row = ctx.fetch("vms", "vm", "vm_id", vm_id)
    if row["lock_op"] is not None:
        raise data_fault(
            "vm", "state", f"VM is busy with operation {row['lock_op']}", "vm_id", vm_id
        )
    if row["state"] not in states:
        raise data_fault(
            "vm", "state", f"VM must be {' or '.join(states)} to {action}", "state", row["state"]
        )
    return row


def _vm_op(
    ctx: Ctx,
    row,
    op_type: str,
    extra: dict | None = None,
    data: dict | None = None,
    locks: tuple = (),
) -> int:
    param = {"param_type": "vm", "vm_id": row["id"], **(extra or {})}
    return engine.queue(
        ctx.conn,
        ctx.now,
        ctx.op_delay,
        row["handle"],
        op_type,
        param,
        locks=(("vms", row["id"]), *locks),
        data=data,
    )


def _update_syntax(vm_id: int, specs: dict) -> None:
    if not specs:
        raise data_fault("vm", "expected", "nothing to update", "specs", "{}")
    if "shares" in specs:
        _check_shares(specs["shares"])
    if "cpu" in specs and not 1 <= specs["cpu"] <= MAX_CPU:
        _check_cpu(specs["cpu"], MAX_CPU)
    if specs.get("vm_max_memory", seed.SHARE_MEMORY_MB) < seed.SHARE_MEMORY_MB:
        raise data_fault(
            "vm",
            "value",
            "vm_max_memory must be at least 256",
            "vm_max_memory",
            specs["vm_max_memory"],
        )


@api_method(
    "vm_update",
    "int",
    VM_ID,
    Param("specs", "struct", fields={k: Field("int") for k in ("shares", "cpu", "vm_max_memory")}),
    write=True,
    syntax=_update_syntax,
)
def vm_update(ctx: Ctx, vm_id: int, specs: dict) -> int:
    """Queue a change of shares, cpu or vm_max_memory."""
    row = ctx.fetch("vms", "vm", "vm_id", vm_id)  # existence, rights
    shares = specs.get("shares", row["shares"])
    cpu = specs.get("cpu", row["cpu"])
    max_memory = specs.get("vm_max_memory", row["vm_max_memory"])
    _check_cpu(cpu, shares)  # value
    if shares > row["shares"]:  # quota
        accounting.require_free(ctx.conn, row["handle"], shares=shares - row["shares"])
    _vm_for_change(ctx, vm_id, ("running", "halted"), "be updated")  # state, last
    memory = shares * seed.SHARE_MEMORY_MB
    if row["state"] == "running":
        if cpu != row["cpu"] or max_memory != row["vm_max_memory"]:
            raise data_fault(
                "vm",
                "state",
                "VM must be halted to change cpu or vm_max_memory",
                "state",
                row["state"],
            )
        if memory > max_memory:
            raise data_fault(
                "vm",
                "state",
                "VM must be halted to grow beyond vm_max_memory",
                "vm_max_memory",
                max_memory,
            )
    elif memory > max_memory:
        if "vm_max_memory" in specs:
            raise data_fault(
                "vm",
                "value",
                "vm_max_memory is below the memory of the shares",
                "vm_max_memory",
                max_memory,
            )
        max_memory = memory
    ctx.conn.execute("UPDATE vms SET pending_shares = ? WHERE id = ?", (shares, vm_id))
    new = {"shares": shares, "cpu": cpu, "vm_max_memory": max_memory}
    return _vm_op(ctx, row, "vm_update", dict(specs), {"new": new})


@api_method("vm_delete", "int", VM_ID, write=True)
def vm_delete(ctx: Ctx, vm_id: int) -> int:
    """Queue the deletion of a halted VM (its boot disk goes with it; others are detached)."""
    row = _vm_for_change(ctx, vm_id, ("halted",), "be deleted")
    busy = ctx.conn.execute(
        "SELECT id FROM disks WHERE pending_vm_id = ? OR (vm_id = ? AND lock_op IS NOT NULL)",
        (vm_id, vm_id),
    ).fetchone()
    if busy:
        raise data_fault(
            "vm", "state", "a disk operation on this VM is in progress", "disk_id", busy[0]
        )
    ctx.conn.execute(
        "UPDATE vms SET prev_state = state, state = 'being_deleted' WHERE id = ?", (vm_id,)
    )
    return _vm_op(ctx, row, "vm_delete")


@api_method("vm_start", "int", VM_ID, write=True)
def vm_start(ctx: Ctx, vm_id: int) -> int:
    """Queue a vm_start operation (boot or unpause)."""
    row = _vm_for_change(ctx, vm_id, ("halted", "paused"), "start")
    if not ctx.conn.execute("SELECT 1 FROM disks WHERE vm_id = ?", (vm_id,)).fetchone():
        raise data_fault("vm", "state", "VM has no disk to boot from", "vm_id", vm_id)
    return _vm_op(ctx, row, "vm_start")


@api_method("vm_stop", "int", VM_ID, write=True)
def vm_stop(ctx: Ctx, vm_id: int) -> int:
    """Queue a vm_stop operation (shutdown)."""
    return _vm_op(ctx, _vm_for_change(ctx, vm_id, ("running", "paused"), "stop"), "vm_stop")


@api_method("vm_reboot", "int", VM_ID, write=True)
def vm_reboot(ctx: Ctx, vm_id: int) -> int:
    """Queue a vm_reboot operation (soft reboot)."""
    return _vm_op(ctx, _vm_for_change(ctx, vm_id, ("running",), "reboot"), "vm_reboot")


@api_method("vm_disk_list", "array", VM_ID, write=False)
def vm_disk_list(ctx: Ctx, vm_id: int) -> list[int]:
    """The ids of the disks attached to the VM, in position order."""
    return vm_info(ctx, vm_id)["disks_id"]


@api_method("vm_disk_link", "int", VM_ID, Param("disk_id", "int"), write=True)
def vm_disk_link(ctx: Ctx, vm_id: int, disk_id: int) -> int:
    """Queue a vm_disk_link operation making an attached disk the boot disk (VM halted)."""
    vm = ctx.fetch("vms", "vm", "vm_id", vm_id)
    disk = ctx.fetch("disks", "disk", "disk_id", disk_id)
    if disk["vm_id"] != vm_id:
        raise data_fault(
            "disk", "not_attached", "disk is not attached to this VM", "disk_id", disk_id
        )
    _vm_for_change(ctx, vm_id, ("halted",), "change its boot disk")
    if disk["lock_op"] is not None:
        raise data_fault(
            "disk", "state", f"disk is busy with operation {disk['lock_op']}", "disk_id", disk_id
        )
    return _vm_op(ctx, vm, "vm_disk_link", {"disk_id": disk_id}, locks=(("disks", disk_id),))
