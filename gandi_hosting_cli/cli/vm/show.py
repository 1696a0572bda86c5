"""``vm list``, ``vm info``, ``vm disks``: reads, batched so their cost does not grow."""

from __future__ import annotations

from typing import Any

import click

from gandi_hosting_cli.api.errors import HostingError
from gandi_hosting_cli.cli import types
from gandi_hosting_cli.cli.context import AppContext
from gandi_hosting_cli.cli.options import global_options

DETAILS_HELP = "One row per object with its main fields (one batched request)."


def remember(kind: str, items: list, app: AppContext, *, complete: bool = True) -> None:
    """Keep what a command saw for shell completion (completers.py); never fails a command."""
    from gandi_hosting_cli.completers import remember as remember_items

    remember_items(kind, items, app, complete=complete)


def vm_label(vm_id: int, info: dict | None) -> str:
    """How a VM is named in messages: ``web1 (vm 12)``, or ``vm 12`` when unread."""
    if info and info.get("hostname"):
        return f"{info['hostname']} (vm {vm_id})"
    return f"vm {vm_id}"


def vm_columns() -> list:
    from gandi_hosting_cli.output import Column

    return [
        Column("id", "ID", "int"),
        Column("hostname", "HOSTNAME"),
        Column("state", "STATE", "state"),
        Column("shares", "SHARES", "int"),
        Column("cpu", "CPU", "int"),
        Column("memory", "MEMORY", "size_mb"),
        Column("os", "OS"),
        Column("ips", "IPS", "list"),
    ]


def os_names(images: list[dict]) -> dict[int, str]:
    from gandi_hosting_cli.cli.resolve import os_label

    return {int(img["id"]): os_label(img) for img in images if "id" in img}


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
    client = app.client
    if not details:
        ids = client.vm_list()
        remember("vm", ids, app)
        app.output.ids(ids)
        return
    for_people = not (app.output.json or app.output.quiet)
    if for_people:  # the OS labels, in the same request as the list
        ids, images = client.multicall([("vm_list", ()), ("os_list", ())])
        if isinstance(ids, HostingError):
            raise ids
    else:  # one request less without system.multicall (single calls)
        ids, images = client.vm_list(), []
    infos = read_infos(app, "vm_info", ids)
    remember("vm", infos, app)
    if app.output.json:
        app.output.records(infos, [])
        return
    names = os_names(images if isinstance(images, list) else [])
    rows = [{**info, "os": names.get(info.get("os_id"), info.get("os_id"))} for info in infos]
    app.output.records(rows, vm_columns())


def read_infos(app: AppContext, method: str, ids: list[int]) -> list[dict]:
    """``method(id)`` for every id in one multicall; objects gone meanwhile are skipped."""
    from gandi_hosting_cli.cli.resolve import multicall_chunked

    results = multicall_chunked(app.client, [(method, (i,)) for i in ids])
    infos = []
    for obj_id, result in zip(ids, results, strict=True):
        if isinstance(result, HostingError):
            app.output.warn(f"could not read {method.split('_')[0]} {obj_id}: {result.message}")
        else:
            infos.append(result)
    return infos


VM_FIELDS = (
    ("id", "id", "int"),
    ("hostname", "hostname", "text"),
    ("state", "state", "state"),
    ("os", "os", "text"),
    ("shares", "shares", "int"),
    ("cpu", "cpu", "int"),
    ("memory", "memory", "size_mb"),
    ("vm_max_memory", "max memory", "size_mb"),
    ("login", "login", "text"),
    ("disks_id", "disks", "list"),
    ("ips", "ips", "list"),
    ("date_created", "created", "date"),
    ("date_updated", "updated", "date"),
)


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
    from gandi_hosting_cli.cli.resolve import resolve
    from gandi_hosting_cli.output import Column

    for_people = not (app.output.json or app.output.quiet)
    # a hostname's lookup reads os_list in its first request: no extra one for the label
    resolved = resolve(app.client, vms=[vm_ref], with_os_list=for_people)
    vm_id = resolved.vms[0]
    info = resolved.vm_info(vm_id)
    images: Any = resolved.os_images
    if info is None and for_people:
        # the OS label is for people only: read it in the same request as the VM
        info, images = app.client.multicall([("vm_info", (vm_id,)), ("os_list", ())])
        if isinstance(info, HostingError):
            raise info
    elif info is None:
        info = app.client.vm_info(vm_id)
    if not for_people:
        app.output.struct(info)
        return
    data = dict(info)
    data["os"] = os_label_for(app, info.get("os_id"), images if isinstance(images, list) else [])
    app.output.struct(data, [Column(k, h, kind) for k, h, kind in VM_FIELDS])


def os_label_for(app: AppContext, os_id: Any, images: list[dict]) -> str:
    """The OS image's label, reading os_list only for people (never for --json)."""
    try:
        names = os_names(images or app.client.os_list())
    except HostingError:
        names = {}
    return names.get(os_id, str(os_id))


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
    from gandi_hosting_cli.cli.resolve import resolve

    vm_id = resolve(app.client, vms=[vm_ref]).vms[0]
    ids = app.client.vm_disk_list(vm_id)
    if not details:
        app.output.ids(ids)
        return
    from gandi_hosting_cli.output import Column

    infos = read_infos(app, "disk_info", ids)
    app.output.records(
        infos,
        [
            Column("position", "POS", "int"),
            Column("id", "ID", "int"),
            Column("name", "NAME"),
            Column("size", "SIZE", "size_mb"),
            Column("fstype", "FSTYPE"),
            Column("state", "STATE", "state"),
            Column("is_boot_disk", "BOOT", "bool"),
        ],
    )
