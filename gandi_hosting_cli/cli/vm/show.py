"""``vm list``, ``vm info``, ``vm disks``: reads, batched so their cost does not grow."""

from __future__ import annotations

import click

from gandi_hosting_cli.cli import types
from gandi_hosting_cli.cli.context import AppContext
from gandi_hosting_cli.cli.listing import (
    emit_or_watch,
    emit_several,
    remember,
    warn_unreadable,
)
from gandi_hosting_cli.cli.options import (
    details_option,
    global_options,
    list_command,
    refs_argument,
)
from gandi_hosting_cli.cli.watching import watch_option
from gandi_hosting_cli.output.columns import Column, field_lines

DETAILS_HELP = "One row per object with its main fields (one batched request)."
VM_STATES = ("being_created", "running", "halted", "paused", "being_deleted")

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

# every key `vm list --columns/--sort` takes: vm_info's, and the OS label ("os")
VM_CATALOG = [
    *VM_COLUMNS,
    Column("os_id", "OS ID", "int"),
    Column("vm_max_memory", "MAX MEMORY", "size_mb"),
    Column("login", "LOGIN"),
    Column("disks_id", "DISKS", "list"),
    Column("date_created", "CREATED", "datetime"),
    Column("date_updated", "UPDATED", "datetime"),
]

VM_FIELDS = field_lines(
    VM_CATALOG,
    "id hostname state os shares cpu memory vm_max_memory login disks_id ips date_created"
    " date_updated",
)

DISK_ROW_COLUMNS = [
    Column("position", "POS", "int"),
    Column("id", "ID", "int"),
    Column("name", "NAME"),
    Column("size", "SIZE", "size_mb"),
    Column("fstype", "FSTYPE"),
    Column("state", "STATE", "state"),
    Column("is_boot_disk", "BOOT", "bool"),
]


@list_command(VM_CATALOG)
@click.command("list")
@click.option(
    "--state",
    type=click.Choice(VM_STATES, case_sensitive=False),
    help="Only the VMs in this state.",
)
@click.option(
    "--os", "os_ref", metavar="OS", help="Only the VMs of this OS (id, label, or name version)."
)
@watch_option
@details_option
@global_options
@click.pass_obj
def vm_list(app: AppContext, state: str | None, os_ref: str | None, watch: float | None) -> None:
    """List the VMs, one row each: id, hostname, state, shares, cpu, memory, OS, IPs.

    Every VM is read in one system.multicall (N+1 single calls on a server without
    it); filters apply to what was read. --json gives an array of vm_info structs,
    -q the ids (one request when there is no filter nor --sort).

    \b
    Examples:
      gandi-hosting vm list
      gandi-hosting vm list --state running --os 'Debian 12'
      gandi-hosting vm list -o tsv --columns id,hostname --no-header
      gandi-hosting vm list -q --state halted | gandi-hosting vm start - --wait
    """
    from gandi_hosting_cli.cli.completers import known_names
    from gandi_hosting_cli.output.render import OutputMode
    from gandi_hosting_cli.output.result import Result
    from gandi_hosting_cli.workflows import reads
    from gandi_hosting_cli.workflows.names import is_id, match_os

    app.check_shape(VM_CATALOG)
    shape = app.shape

    def read() -> Result:
        if app.output.mode is OutputMode.IDS and not (state or os_ref or shape.sort):
            ids = app.client.vm_list()  # ids only: one request
            remember("vm", ids, app)
            return Result.id_list(ids)
        wants_os = app.output.human or "os" in (shape.columns or ()) or shape.sort in ("os", "-os")
        need_os = os_ref is not None and not is_id(os_ref)
        listing = reads.vm_details(app.client, with_os_labels=wants_os, need_os=need_os)
        warn_unreadable(app, "vm", listing.unreadable)
        remember("vm", listing.items, app)  # every object was read: filters come after
        labels = listing.labels or (known_names(app, "os") if wants_os else {})
        items = listing.items
        if state:
            items = [i for i in items if str(i.get("state", "")).lower() == state.lower()]
        if os_ref:
            os_id = int(os_ref) if is_id(os_ref) else match_os(listing.images, os_ref)
            items = [i for i in items if i.get("os_id") == os_id]
        rows = [{**info, "os": labels.get(info.get("os_id"), info.get("os_id"))} for info in items]
        return Result.records(rows, VM_COLUMNS, json=items, catalog=VM_CATALOG, empty="no VMs")

    emit_or_watch(app, read, watch, "vm", "hostname")


@click.command("info")
@refs_argument("vm_refs", "VM...", types.VM_REF)
@global_options
@click.pass_obj
def vm_info(app: AppContext, vm_refs: tuple[str, ...]) -> None:
    """Show VMs (by id or hostname; - reads them from stdin); --json gives the vm_info
    struct, an array of them for several.

    \b
    Examples:
      gandi-hosting vm info web1
      gandi-hosting vm info 12 --json
      gandi-hosting vm list -q --state halted | gandi-hosting vm info -
    """
    from gandi_hosting_cli.output.result import Result
    from gandi_hosting_cli.workflows import reads

    if len(vm_refs) == 1:
        with_label = app.output.human or "os" in (app.shape.columns or ())
        info, os_label = reads.vm_info(
            app.client, vm_refs[0], with_os_label=with_label, cache=app.name_cache
        )
        names = _disk_names(app, [info])
        data = {**info, "os": os_label, "disks_id": _named_disks(info, names)}
        app.output.emit(Result.record(data, VM_FIELDS, json=info))
        return
    entries, labels = reads.vm_infos(
        app.client, vm_refs, with_os_labels=app.output.human, cache=app.name_cache
    )
    names = _disk_names(app, [i for _, i in entries if isinstance(i, dict)])
    records = [
        (
            ref,
            i
            if not isinstance(i, dict)
            else (
                {
                    **i,
                    "os": labels.get(i.get("os_id"), i.get("os_id")),
                    "disks_id": _named_disks(i, names),
                },
                i,
            ),
        )
        for ref, i in entries
    ]
    emit_several(app, records, VM_FIELDS)


def _disk_names(app: AppContext, infos: list[dict]) -> dict[int, str]:
    """For people: the names of the VMs' disks, shown beside their ids. The name cache
    knows them once a list or completion saw them (no request); on a terminal the others
    are read (one request) and remembered; in a pipe they are left out (a read by id
    stays one request: tests/test_performance_guards.py). Scripts (--json, -q) import
    neither the name cache's completers nor click's shell completion."""
    if not app.output.human:
        return {}
    from gandi_hosting_cli.cli.completers import known_names
    from gandi_hosting_cli.output.render import OutputMode
    from gandi_hosting_cli.workflows import reads

    ids = [int(d) for i in infos for d in i.get("disks_id") or () if isinstance(d, int)]
    names = known_names(app, "disk") if ids else {}
    unknown = [d for d in dict.fromkeys(ids) if not names.get(d)]
    if unknown and app.output.mode is OutputMode.TABLE:
        listing = reads.disk_infos(app.client, unknown)
        remember("disk", listing.items, app, complete=False)
        names = {**names, **{int(d["id"]): str(d.get("name", "")) for d in listing.items}}
    return names


def _named_disks(info: dict, names: dict[int, str]) -> list:
    return [f"{names[d]} ({d})" if names.get(d) else d for d in info.get("disks_id") or ()]


@click.command("disks")
@click.argument("vm_ref", metavar="VM", type=types.VM_REF)
@click.option("--details", is_flag=True, help=DETAILS_HELP)
@global_options
@click.pass_obj
def vm_disks(app: AppContext, vm_ref: str, details: bool) -> None:
    """List the disks attached to VM, in position order (0 is the boot disk): position,
    id, name, size, fstype, state (one batched read).

    --json gives an array of disk ids, or of disk_info structs with --details; -q the
    ids.

    \b
    Examples:
      gandi-hosting vm disks web1
      gandi-hosting vm disks web1 --details
    """
    from gandi_hosting_cli.output.result import Result
    from gandi_hosting_cli.workflows import reads

    ids = reads.vm_disk_ids(app.client, vm_ref, cache=app.name_cache)
    if not details and not app.output.human:
        app.output.emit(Result.id_list(ids))
        return
    listing = reads.disk_infos(app.client, ids)
    warn_unreadable(app, "disk", listing.unreadable)
    json = listing.items if details else ids
    app.output.emit(Result.records(listing.items, DISK_ROW_COLUMNS, json=json))
