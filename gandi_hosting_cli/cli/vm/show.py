"""``vm list``, ``vm info``, ``vm disks``: reads, batched so their cost does not grow."""

from __future__ import annotations

import click

from gandi_hosting_cli.cli import types
from gandi_hosting_cli.cli.context import AppContext
from gandi_hosting_cli.cli.options import global_options
from gandi_hosting_cli.output import Column, Result

DETAILS_HELP = "One row per object with its main fields (one batched request)."

VM_COLUMNS = [
    Column("id", "ID", "int"),
    Column("hostname", "HOSTNAME"),
    Column("state", "STATE", "state"),
    Column("shares", "SHARES", "int"),
    Column("cpu", "CPU", "int"),
    Column("memory", "MEMORY", "size_mb"),
    Column("os", "OS"),
    Column("ips", "IPS", "list"),
]

VM_FIELDS = [
    Column("id", "id", "int"),
    Column("hostname", "hostname"),
    Column("state", "state", "state"),
    Column("os", "os"),
    Column("shares", "shares", "int"),
    Column("cpu", "cpu", "int"),
    Column("memory", "memory", "size_mb"),
    Column("vm_max_memory", "max memory", "size_mb"),
    Column("login", "login"),
    Column("disks_id", "disks", "list"),
    Column("ips", "ips", "list"),
    Column("date_created", "created", "date"),
    Column("date_updated", "updated", "date"),
]

DISK_ROW_COLUMNS = [
    Column("position", "POS", "int"),
    Column("id", "ID", "int"),
    Column("name", "NAME"),
    Column("size", "SIZE", "size_mb"),
    Column("fstype", "FSTYPE"),
    Column("state", "STATE", "state"),
    Column("is_boot_disk", "BOOT", "bool"),
]


def remember(resource: str, items: list, app: AppContext, *, complete: bool = True) -> None:
    """Keep what a command saw for shell completion (completers.py); never fails a command."""
    from gandi_hosting_cli.completers import remember as remember_items

    remember_items(resource, items, app, complete=complete)


def warn_unreadable(app: AppContext, noun: str, unreadable: dict) -> None:
    """Objects listed but gone before they could be read: a warning each."""
    for obj_id, error in unreadable.items():
        app.terminal.warn(f"could not read {noun} {obj_id}: {error.message}")


@click.command("list")
@click.option("--details", is_flag=True, help=DETAILS_HELP)
@global_options
@click.pass_obj
def vm_list(app: AppContext, details: bool) -> None:
    """List the VMs: their ids, or one row each with --details.

    --details reads every VM in one system.multicall (single calls on a server without
    it): hostname, state, shares, cpu, memory, OS and IPs. --json gives an array of
    ids, or of vm_info structs with --details.

    \b
    Examples:
      gandi-hosting vm list
      gandi-hosting vm list --details
      gandi-hosting vm list --details --json | jq '.[] | select(.state == "halted") | .id'
    """
    from gandi_hosting_cli.workflows import reads

    if not details:
        ids = app.client.vm_list()
        remember("vm", ids, app)
        app.output.emit(Result.id_list(ids))
        return
    listing = reads.vm_details(app.client, with_os_labels=app.output.human)
    warn_unreadable(app, "vm", listing.unreadable)
    remember("vm", listing.items, app)
    rows = [
        {**info, "os": listing.labels.get(info.get("os_id"), info.get("os_id"))}
        for info in listing.items
    ]
    app.output.emit(Result.records(rows, VM_COLUMNS, json=listing.items))


@click.command("info")
@click.argument("vm_ref", metavar="VM", type=types.VM_REF)
@global_options
@click.pass_obj
def vm_info(app: AppContext, vm_ref: str) -> None:
    """Show one VM (by id or hostname); --json gives the vm_info struct.

    \b
    Examples:
      gandi-hosting vm info web1
      gandi-hosting vm info 12 --json
    """
    from gandi_hosting_cli.workflows import reads

    info, os_label = reads.vm_info(app.client, vm_ref, with_os_label=app.output.human)
    app.output.emit(Result.record({**info, "os": os_label}, VM_FIELDS, json=info))


@click.command("disks")
@click.argument("vm_ref", metavar="VM", type=types.VM_REF)
@click.option("--details", is_flag=True, help=DETAILS_HELP)
@global_options
@click.pass_obj
def vm_disks(app: AppContext, vm_ref: str, details: bool) -> None:
    """List the disks attached to VM, in position order (0 is the boot disk).

    --json gives an array of disk ids, or of disk_info structs with --details.

    \b
    Examples:
      gandi-hosting vm disks web1
      gandi-hosting vm disks web1 --details
    """
    from gandi_hosting_cli.workflows import reads

    ids = reads.vm_disk_ids(app.client, vm_ref)
    if not details:
        app.output.emit(Result.id_list(ids))
        return
    listing = reads.disk_infos(app.client, ids)
    warn_unreadable(app, "disk", listing.unreadable)
    app.output.emit(Result.records(listing.items, DISK_ROW_COLUMNS))
