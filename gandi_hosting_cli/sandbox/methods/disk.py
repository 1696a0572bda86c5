"""Disk methods and their rules.

- ``disk_create(specs)``: ``name`` (required, 1-64 of ``A-Z a-z 0-9 . _ -``, unique per
  account), ``size`` (required, MB, > 0, within the free disk quota), ``fstype`` (ext3,
  reiserfs, xfs, jfs; default ext3). The disk exists at once (``being_created``,
  reserving quota) and is ``created`` at DONE.
- ``disk_attach(disk, vm)``: the disk must be created, free of operations and detached;
  the VM running or halted. At DONE it takes the next position.
- ``disk_detach(disk, vm)``: the disk must be attached to that VM; the boot disk
  (position 0) of a running VM cannot be detached. Positions are renumbered at DONE.
- ``disk_delete``: only a detached, created disk.
"""

from __future__ import annotations

from gandi_hosting_cli import rules
from gandi_hosting_cli.sandbox import accounting, engine, seed
from gandi_hosting_cli.sandbox.faults import data_fault
from gandi_hosting_cli.sandbox.records import insert_disk
from gandi_hosting_cli.sandbox.registry import Ctx, Field, Param, api_method, to_datetime

FSTYPES = rules.FSTYPES
DISK_ID = Param("disk_id", "int")
VM_ID = Param("vm_id", "int")


def _create_syntax(specs: dict) -> None:
    if not rules.is_disk_name(specs["name"]):
        raise data_fault(
            "disk", "syntax", "disk name must be 1-64 of A-Z a-z 0-9 . _ -", "name", specs["name"]
        )
    if not rules.is_size(specs["size"]):
        raise data_fault(
            "disk", "size", "disk size must be a positive number of MB", "size", specs["size"]
        )
    if not rules.is_fstype(specs.get("fstype", rules.DEFAULT_FSTYPE)):
        raise data_fault(
            "disk",
            "value",
            "fstype must be one of ext3, reiserfs, xfs, jfs",
            "fstype",
            specs["fstype"],
        )


@api_method(
    "disk_create",
    "int",
    Param(
        "specs",
        "struct",
        fields={
            "name": Field("string", required=True),
            "size": Field("int", required=True),
            "fstype": Field("string"),
        },
    ),
    write=True,
    syntax=_create_syntax,
)
def disk_create(ctx: Ctx, specs: dict) -> int:
    """Queue a disk_create operation and return the new disk's id."""
    name, size, fstype = specs["name"], specs["size"], specs.get("fstype", "ext3")
    if ctx.conn.execute(
        "SELECT 1 FROM disks WHERE handle = ? AND name = ?", (ctx.handle, name)
    ).fetchone():
        raise data_fault("disk", "exist", "a disk with this name exists", "name", name)
    accounting.require_free(ctx.conn, ctx.handle, disk=size)
    disk_id = insert_disk(ctx, ctx.handle, name, size, fstype)
    param = {"param_type": "disk", "disk_id": disk_id, "name": name, "size": size, "fstype": fstype}
    engine.queue(
        ctx.conn,
        ctx.now,
        ctx.op_delay,
        ctx.handle,
        "disk_create",
        param,
        locks=(("disks", disk_id),),
        fail=name.startswith(seed.FAIL_PREFIX),
    )
    return disk_id


def disk_struct(row) -> dict:
    return {
        "id": row["id"],
        "name": row["name"],
        "size": row["size"],
        "fstype": row["fstype"],
        "state": row["state"],
        "vm_id": row["vm_id"],
        "position": row["position"],
        "is_boot_disk": row["vm_id"] != 0 and row["position"] == 0,
        "date_created": to_datetime(row["date_created"]),
        "date_updated": to_datetime(row["date_updated"]),
    }


@api_method("disk_info", "struct", DISK_ID, write=False)
def disk_info(ctx: Ctx, disk_id: int) -> dict:
    """The disk's description (vm_id 0 and position -1 when not attached)."""
    return disk_struct(ctx.fetch("disks", "disk", "disk_id", disk_id))


@api_method("disk_list", "array", write=False)
def disk_list(ctx: Ctx) -> list[int]:
    """The ids of the hosting account's disks (and its customers' from an unsafe session)."""
    where, args = ctx.owner_clause()
    rows = ctx.conn.execute(f"SELECT id FROM disks WHERE {where} ORDER BY id", args)
    return [r[0] for r in rows]


def _disk_for_change(ctx: Ctx, disk_id: int):
    row = ctx.fetch("disks", "disk", "disk_id", disk_id)
    if row["lock_op"] is not None:
        raise data_fault(
            "disk", "state", f"disk is busy with operation {row['lock_op']}", "disk_id", disk_id
        )
    if row["state"] != "created":
        raise data_fault("disk", "state", "disk must be created", "state", row["state"])
    return row


def _require_vm_ready(vm) -> None:
    """Disks move only on a running or halted VM that no operation holds."""
    if vm["lock_op"] is not None or vm["state"] not in ("running", "halted"):
        raise data_fault(
            "vm", "state", "VM must be running or halted and not busy", "state", vm["state"]
        )


def _disk_op(ctx: Ctx, row, op_type: str, extra: dict | None = None) -> int:
    param = {"param_type": "disk", "disk_id": row["id"], **(extra or {})}
    return engine.queue(
        ctx.conn,
        ctx.now,
        ctx.op_delay,
        row["handle"],
        op_type,
        param,
        locks=(("disks", row["id"]),),
    )


@api_method("disk_delete", "int", DISK_ID, write=True)
def disk_delete(ctx: Ctx, disk_id: int) -> int:
    """Queue the deletion of a detached disk."""
    row = ctx.fetch("disks", "disk", "disk_id", disk_id)
    if row["vm_id"]:
        raise data_fault("disk", "attached", "disk is attached to a VM", "vm_id", row["vm_id"])
    row = _disk_for_change(ctx, disk_id)
    ctx.conn.execute("UPDATE disks SET state = 'being_deleted' WHERE id = ?", (disk_id,))
    return _disk_op(ctx, row, "disk_delete")


@api_method("disk_attach", "int", DISK_ID, VM_ID, write=True)
def disk_attach(ctx: Ctx, disk_id: int, vm_id: int) -> int:
    """Queue a disk_attach operation (the disk takes the VM's next position)."""
    disk = ctx.fetch("disks", "disk", "disk_id", disk_id)
    vm = ctx.fetch("vms", "vm", "vm_id", vm_id)
    if disk["handle"] != vm["handle"]:
        raise data_fault(
            "disk", "noright", "disk and VM belong to different accounts", "disk_id", disk_id
        )
    if disk["vm_id"]:
        raise data_fault("disk", "attached", "disk is attached to a VM", "vm_id", disk["vm_id"])
    _disk_for_change(ctx, disk_id)
    _require_vm_ready(vm)
    ctx.conn.execute("UPDATE disks SET pending_vm_id = ? WHERE id = ?", (vm_id, disk_id))
    return _disk_op(ctx, disk, "disk_attach", {"vm_id": vm_id})


@api_method("disk_detach", "int", DISK_ID, VM_ID, write=True)
def disk_detach(ctx: Ctx, disk_id: int, vm_id: int) -> int:
    """Queue a disk_detach operation (not the boot disk of a running VM)."""
    disk = ctx.fetch("disks", "disk", "disk_id", disk_id)
    vm = ctx.fetch("vms", "vm", "vm_id", vm_id)
    if disk["vm_id"] != vm_id:
        raise data_fault(
            "disk", "not_attached", "disk is not attached to this VM", "disk_id", disk_id
        )
    _disk_for_change(ctx, disk_id)
    _require_vm_ready(vm)
    if disk["position"] == 0 and vm["state"] == "running":
        raise data_fault(
            "vm", "state", "VM must be halted to detach its boot disk", "state", vm["state"]
        )
    return _disk_op(ctx, disk, "disk_detach", {"vm_id": vm_id})
