"""``disk``: data disks: create, attach to a VM, detach, delete."""

from __future__ import annotations

import click

from gandi_hosting_cli.api.errors import HostingError
from gandi_hosting_cli.cli import types
from gandi_hosting_cli.cli.context import AppContext
from gandi_hosting_cli.cli.options import global_options, yes_option
from gandi_hosting_cli.waiting import wait_options


def disk_label(disk_id: int, info: dict | None) -> str:
    if info and info.get("name"):
        return f"{info['name']} (disk {disk_id})"
    return f"disk {disk_id}"


@click.group()
@global_options
def disk() -> None:
    """Create, attach, detach and delete disks.

    A disk is named by its id or its name; a VM by its id or hostname.

    \b
    Examples:
      gandi-hosting disk create data --size 10G --wait
      gandi-hosting disk attach data web1 --wait
      gandi-hosting disk list --details
    """


@disk.command("list")
@click.option("--details", is_flag=True, help="One row per disk with its main fields.")
@global_options
@click.pass_obj
def disk_list(app: AppContext, details: bool) -> None:
    """List the disks: their ids, or one row each with --details.

    --details reads every disk (and the VMs they are attached to) in batches of
    system.multicall: name, size, fstype, state, attached VM. --json gives an array of
    ids, or of disk_info structs with --details.

    \b
    Examples:
      gandi-hosting disk list
      gandi-hosting disk list --details
    """
    from gandi_hosting_cli.cli.resolve import multicall_chunked
    from gandi_hosting_cli.cli.vm.show import read_infos, remember
    from gandi_hosting_cli.output import Column

    ids = app.client.disk_list()
    remember("disk", ids, app)
    if not details:
        app.output.ids(ids)
        return
    infos = read_infos(app, "disk_info", ids)
    remember("disk", infos, app)
    if app.output.json or app.output.quiet:
        app.output.records(infos, [])
        return
    vm_ids = sorted({int(d["vm_id"]) for d in infos if d.get("vm_id")})
    hostnames: dict[int, str] = {}
    results = multicall_chunked(app.client, [("vm_info", (i,)) for i in vm_ids])
    for vm_id, info in zip(vm_ids, results, strict=True):
        if not isinstance(info, HostingError):
            hostnames[vm_id] = str(info.get("hostname", vm_id))
    rows = [{**d, "vm": _attached(d, hostnames)} for d in infos]
    app.output.records(
        rows,
        [
            Column("id", "ID", "int"),
            Column("name", "NAME"),
            Column("size", "SIZE", "size_mb"),
            Column("fstype", "FSTYPE"),
            Column("state", "STATE", "state"),
            Column("vm", "ATTACHED TO"),
        ],
    )


def _attached(info: dict, hostnames: dict[int, str]) -> str:
    vm_id = int(info.get("vm_id") or 0)
    if not vm_id:
        return "-"
    boot = ", boot" if info.get("is_boot_disk") else ""
    return f"{hostnames.get(vm_id, 'vm')} ({vm_id}, position {info.get('position', '?')}{boot})"


@disk.command("info")
@click.argument("disk_ref", metavar="DISK", type=types.DISK_REF)
@global_options
@click.pass_obj
def disk_info(app: AppContext, disk_ref: str) -> None:
    """Show one disk (by id or name); --json gives the disk_info struct.

    \b
    Examples:
      gandi-hosting disk info data
    """
    from gandi_hosting_cli.cli.resolve import resolve
    from gandi_hosting_cli.output import Column

    resolved = resolve(app.client, disks=[disk_ref])
    disk_id = resolved.disks[0]
    info = resolved.disk_info(disk_id) or app.client.disk_info(disk_id)
    app.output.struct(
        info,
        [
            Column("id", "id", "int"),
            Column("name", "name"),
            Column("size", "size", "size_mb"),
            Column("fstype", "fstype"),
            Column("state", "state", "state"),
            Column("vm_id", "vm", "int"),
            Column("position", "position", "int"),
            Column("is_boot_disk", "boot disk", "bool"),
            Column("date_created", "created", "date"),
            Column("date_updated", "updated", "date"),
        ],
    )


@disk.command("create")
@click.argument("name", type=types.DISK_NAME)
@click.option(
    "--size", required=True, type=types.SIZE, help="Size in MB, or with a unit: 2048, 2048M, 2G."
)
@click.option("--fstype", default="ext3", show_default=True, type=types.FSTYPE, help="Filesystem.")
@wait_options
@global_options
@click.pass_obj
def disk_create(
    app: AppContext, name: str, size: int, fstype: str, wait: bool, wait_timeout: float | None
) -> None:  # fmt: skip
    """Create a disk called NAME (not attached to any VM).

    Prints the new disk's id and its operation; --json gives
    {"id": disk_id, "operation": op_id, "state": "..."} (with --wait, the final state),
    -q the disk id.

    \b
    Examples:
      gandi-hosting disk create data --size 10G
      gandi-hosting disk create logs --size 2048 --fstype xfs --wait
    """
    from gandi_hosting_cli.cli.queued import Outcome, create_with_operation, report

    specs = {"name": name, "size": size, "fstype": fstype}
    disk_id, op = create_with_operation(
        app.client, "disk_create", (specs,), "disk_create", "disk_id"
    )
    outcome = Outcome(f"{name} (disk {disk_id})", disk_id, created=True)
    if op is None:
        app.output.warn(f"disk {disk_id} created but its operation was not found")
        outcome.state = "UNKNOWN"
        app.output.result(outcome.as_json(with_id=True), f"{outcome.label}: created")
        return
    outcome.operation = int(op["uid"])
    known = {outcome.operation: op}
    report(app, [outcome], wait=wait, wait_timeout=wait_timeout, several=False, known=known)


@disk.command("delete")
@click.argument("disk_refs", metavar="DISK...", nargs=-1, required=True, type=types.DISK_REF)
@yes_option
@wait_options
@global_options
@click.pass_obj
def disk_delete(
    app: AppContext, disk_refs: tuple[str, ...], yes: bool, wait: bool, wait_timeout: float | None
) -> None:
    """Delete one or more detached disks and their data.

    On a terminal the disks are listed and confirmation is asked; off a terminal --yes
    is required and nothing at all is sent without it. Every disk is tried even if
    another is refused; the exit code is the worst of them. --json gives
    {"operation": id, "state": "..."} for one disk, and for several an array of
    {"id": disk_id, "operation": id, "state": "..."} or {"id": disk_id, "error": {...}}.

    \b
    Examples:
      gandi-hosting disk delete data
      gandi-hosting disk delete 31 32 --yes --wait
    """
    from gandi_hosting_cli.cli.queued import (
        confirm_destruction,
        queue_each,
        report,
        require_yes,
    )
    from gandi_hosting_cli.cli.resolve import resolve
    from gandi_hosting_cli.output import format_value

    require_yes(app, yes, "delete disks")
    resolved = resolve(app.client, disks=disk_refs, fetch_info=not yes)
    disk_ids = list(dict.fromkeys(resolved.disks))
    if not yes:
        lines = []
        for disk_id in disk_ids:
            info = resolved.disk_info(disk_id)
            if info is None:
                lines.append(f"disk {disk_id} (could not be read)")
                continue
            where = f", attached to vm {info['vm_id']}" if info.get("vm_id") else ""
            size = format_value(info.get("size"), "size_mb")
            lines.append(f"disk {disk_id} {info.get('name', '')}: {size}{where}")
        noun = "this disk" if len(disk_ids) == 1 else f"these {len(disk_ids)} disks"
        confirm_destruction(app, yes, f"delete {noun} and its data", lines)
    targets = [(disk_label(i, resolved.disk_info(i)), i, (i,)) for i in disk_ids]
    outcomes = queue_each(app.client, "disk_delete", targets)
    report(app, outcomes, wait=wait, wait_timeout=wait_timeout, several=len(disk_refs) > 1)


def _link(
    app: AppContext,
    method: str,
    disk_ref: str,
    vm_ref: str,
    wait: bool,
    wait_timeout: float | None,
) -> None:
    from gandi_hosting_cli.cli.queued import queue_each, report
    from gandi_hosting_cli.cli.resolve import resolve

    resolved = resolve(app.client, disks=[disk_ref], vms=[vm_ref])
    disk_id, vm_id = resolved.disks[0], resolved.vms[0]
    label = disk_label(disk_id, resolved.disk_info(disk_id))
    outcomes = queue_each(app.client, method, [(label, disk_id, (disk_id, vm_id))])
    report(app, outcomes, wait=wait, wait_timeout=wait_timeout, several=False)


@disk.command("attach")
@click.argument("disk_ref", metavar="DISK", type=types.DISK_REF)
@click.argument("vm_ref", metavar="VM", type=types.VM_REF)
@wait_options
@global_options
@click.pass_obj
def disk_attach(
    app: AppContext, disk_ref: str, vm_ref: str, wait: bool, wait_timeout: float | None
) -> None:
    """Attach DISK to VM (in the API's order: disk first).

    \b
    Examples:
      gandi-hosting disk attach data web1 --wait
    """
    _link(app, "disk_attach", disk_ref, vm_ref, wait, wait_timeout)


@disk.command("detach")
@click.argument("disk_ref", metavar="DISK", type=types.DISK_REF)
@click.argument("vm_ref", metavar="VM", type=types.VM_REF)
@wait_options
@global_options
@click.pass_obj
def disk_detach(
    app: AppContext, disk_ref: str, vm_ref: str, wait: bool, wait_timeout: float | None
) -> None:
    """Detach DISK from VM (in the API's order: disk first).

    \b
    Examples:
      gandi-hosting disk detach data web1 --wait
    """
    _link(app, "disk_detach", disk_ref, vm_ref, wait, wait_timeout)
