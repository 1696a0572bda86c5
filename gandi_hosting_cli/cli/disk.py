"""``disk``: data disks: create, attach to a VM, detach, delete."""

from __future__ import annotations

import click

from gandi_hosting_cli.cli import AliasGroup, types
from gandi_hosting_cli.cli.context import AppContext
from gandi_hosting_cli.cli.options import (
    details_option,
    dry_run_option,
    global_options,
    list_command,
    refs_argument,
    wait_options,
    yes_option,
)
from gandi_hosting_cli.cli.watching import watch_option
from gandi_hosting_cli.output.columns import Column, field_lines

DISK_COLUMNS = [
    Column("id", "ID", "int"),
    Column("name", "NAME"),
    Column("size", "SIZE", "size_mb"),
    Column("fstype", "FSTYPE"),
    Column("state", "STATE", "state"),
    Column("vm", "ATTACHED TO"),
]

# every key `disk list --columns/--sort` takes: disk_info's, and "vm" (where it is attached)
DISK_CATALOG = [
    *DISK_COLUMNS,
    Column("vm_id", "VM ID", "int"),
    Column("position", "POSITION", "int"),
    Column("is_boot_disk", "BOOT", "bool"),
    Column("date_created", "CREATED", "datetime"),
    Column("date_updated", "UPDATED", "datetime"),
]

DISK_FIELDS = field_lines(
    DISK_CATALOG,
    "id name size fstype state vm_id position is_boot_disk date_created date_updated",
    vm_id="vm",
    is_boot_disk="boot disk",
)


@click.group(cls=AliasGroup)
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


@list_command(DISK_CATALOG)
@disk.command("list")
@click.option(
    "--vm", "vm_ref", metavar="VM", type=types.VM_REF, help="Only the disks attached to VM."
)
@click.option("--unattached", is_flag=True, help="Only the disks attached to no VM.")
@watch_option
@details_option
@global_options
@click.pass_obj
def disk_list(app: AppContext, vm_ref: str | None, unattached: bool, watch: float | None) -> None:
    """List the disks, one row each: id, name, size, fstype, state, attached VM.

    Every disk is read in one system.multicall (N+1 single calls on a server without
    it; the attached VMs' hostnames then come from the completion cache); filters apply
    to what was read. --json gives an array of disk_info structs, -q the ids.

    \b
    Examples:
      gandi-hosting disk list
      gandi-hosting disk list --unattached -q
      gandi-hosting disk list --vm web1 --sort position
    """
    from gandi_hosting_cli.cli.completers import known_names
    from gandi_hosting_cli.cli.listing import emit_or_watch, remember, warn_unreadable
    from gandi_hosting_cli.output.render import OutputMode
    from gandi_hosting_cli.output.result import Result
    from gandi_hosting_cli.workflows import reads
    from gandi_hosting_cli.workflows.names import is_id, resolve

    if vm_ref and unattached:
        raise click.UsageError("--vm and --unattached cannot go together")
    app.check_shape(DISK_CATALOG)
    shape = app.shape
    filtered = bool(vm_ref or unattached)
    if app.output.mode is OutputMode.IDS and not (filtered or shape.sort) and watch is None:
        ids = app.client.disk_list()  # ids only: one request
        remember("disk", ids, app)
        app.output.emit(Result.id_list(ids))
        return
    vm_id = None
    if vm_ref:
        named = None if is_id(vm_ref) else resolve(app.client, vms=[vm_ref], cache=app.name_cache)
        vm_id = int(vm_ref) if named is None else named.vms[0]
    wants_vm = app.output.human or "vm" in (shape.columns or ()) or shape.sort in ("vm", "-vm")

    def read() -> Result:
        listing = reads.disk_details(app.client, with_hostnames=wants_vm)
        warn_unreadable(app, "disk", listing.unreadable)
        remember("disk", listing.items, app)  # every object was read: filters come after
        hostnames = listing.labels or (known_names(app, "vm") if wants_vm else {})
        items = listing.items
        if vm_id is not None:
            items = [d for d in items if int(d.get("vm_id") or 0) == vm_id]
        if unattached:
            items = [d for d in items if not d.get("vm_id")]
        rows = [{**d, "vm": _attached(d, hostnames)} for d in items]
        return Result.records(
            rows, DISK_COLUMNS, json=items, catalog=DISK_CATALOG, empty="no disks"
        )

    emit_or_watch(app, read, watch, "disk", "name")


def _attached(info: dict, hostnames: dict[int, str]) -> str:
    vm_id = int(info.get("vm_id") or 0)
    if not vm_id:
        return "-"
    boot = ", boot" if info.get("is_boot_disk") else ""
    return f"{hostnames.get(vm_id, 'vm')} ({vm_id}, position {info.get('position', '?')}{boot})"


@disk.command("info")
@refs_argument("disk_refs", "DISK...", types.DISK_REF)
@global_options
@click.pass_obj
def disk_info(app: AppContext, disk_refs: tuple[str, ...]) -> None:
    """Show disks (by id or name; - reads them from stdin); --json gives the disk_info
    struct, an array of them for several.

    \b
    Examples:
      gandi-hosting disk info data
      gandi-hosting disk list -q --unattached | gandi-hosting disk info -
    """
    from gandi_hosting_cli.cli.listing import emit_several
    from gandi_hosting_cli.output.result import Result
    from gandi_hosting_cli.workflows import reads

    if len(disk_refs) == 1:
        info = reads.disk_info(app.client, disk_refs[0], cache=app.name_cache)
        app.output.emit(Result.record(info, DISK_FIELDS))
        return
    entries = reads.disk_infos_by_ref(app.client, disk_refs, cache=app.name_cache)
    records = [(ref, (i, i) if isinstance(i, dict) else i) for ref, i in entries]
    emit_several(app, records, DISK_FIELDS)


@disk.command("create")
@click.argument("name", type=types.DISK_NAME)
@click.option(
    "--size", required=True, type=types.SIZE, help="Size in MB, or with a unit: 2048, 2048M, 2G."
)
@click.option("--fstype", default="ext3", show_default=True, type=types.FSTYPE, help="Filesystem.")
@click.option(
    "--allow-duplicate",
    is_flag=True,
    help="Send it even if a disk with this name exists (the sandbox refuses it).",
)
@wait_options
@dry_run_option
@global_options
@click.pass_obj
def disk_create(
    app: AppContext,
    name: str,
    size: int,
    fstype: str,
    allow_duplicate: bool,
    wait: bool,
    wait_timeout: float | None,
) -> None:  # fmt: skip
    """Create a disk called NAME (not attached to any VM).

    Prints the new disk's id and its operation; --json gives
    {"id": disk_id, "operation": op_id, "state": "..."} (with --wait, the final state),
    -q the disk id.

    A name of digits alone is refused (every command would read it as an id), and so
    is a name another disk of the account has, unless --allow-duplicate; nothing is
    sent. A create that ends in ERROR leaves the disk being_created, holding its disk
    quota: `gandi-hosting disk delete NAME` releases it.

    \b
    Examples:
      gandi-hosting disk create data --size 10G
      gandi-hosting disk create logs --size 2048 --fstype xfs --wait
    """
    from gandi_hosting_cli.cli.reporting import create_one, report_create
    from gandi_hosting_cli.workflows.checks import check_new_name

    check_new_name(app.client, "disk", name, size=size, check_name=not allow_duplicate)
    specs = {"name": name, "size": size, "fstype": fstype}
    outcome, op = create_one(app, "create_disk", name, specs, f"{name} (disk {{id}})")
    report_create(
        app,
        outcome,
        op,
        noun="disk",
        wait=wait,
        wait_timeout=wait_timeout,
        name=name,
        held={"size": size},
    )


@disk.command("delete")
@refs_argument("disk_refs", "DISK...", types.DISK_REF)
@yes_option
@wait_options
@dry_run_option
@global_options
@click.pass_obj
def disk_delete(
    app: AppContext, disk_refs: tuple[str, ...], yes: bool, wait: bool, wait_timeout: float | None
) -> None:
    """Delete one or more detached disks and their data.

    A disk whose create ended in ERROR is released instead: its create operation is
    cancelled, which removes the disk and frees its disk quota (`gandi-hosting op list
    --state ERROR` lists the failed operations). A disk busy with an operation is
    waited for with --wait, otherwise reported with the operation's id.

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
    from gandi_hosting_cli.cli.reporting import (
        act,
        confirm_destruction,
        in_input_order,
        report,
        require_yes,
        settle,
    )
    from gandi_hosting_cli.workflows.states import Action, decide_disk_delete

    require_yes(app, yes, "delete disks")
    targets, reread, resolved = _disk_targets(app, disk_refs, find_failed_creates=True)
    decisions = settle(
        app, targets, decide_disk_delete, reread, wait=wait, wait_timeout=wait_timeout
    )
    acting = [d for d in decisions if d.action in (Action.QUEUE, Action.CANCEL_CREATE)]
    if acting and not yes:
        lines = [
            f"{_describe(d.target.obj_id, d.target.info)}"
            + (f"; {d.note}" if d.action is Action.CANCEL_CREATE else "")
            for d in acting
        ]
        noun = "this disk" if len(acting) == 1 else f"these {len(acting)} disks"
        confirm_destruction(app, yes, f"delete {noun} and its data", lines)
    outcomes = in_input_order(resolved.tokens["disk"], act(app, decisions, "disk_delete"))
    report(app, outcomes, wait=wait, wait_timeout=wait_timeout, several=len(disk_refs) > 1)


def _disk_targets(app: AppContext, disk_refs, *, find_failed_creates: bool = False, vms=()):
    """The disks named (each once), read with the operations that hold them; the VMs
    named too (their ids and infos: one given by id is read in the same request as the
    disks); and how to read some disks again after waiting."""
    from gandi_hosting_cli.workflows.names import resolve
    from gandi_hosting_cli.workflows.states import read_targets

    several = len(disk_refs) > 1
    resolved = resolve(
        app.client, disks=disk_refs, vms=vms, keep_going=several, fresh=True, cache=app.name_cache
    )
    ids = list(dict.fromkeys(resolved.disks))
    known = {i: info for i in ids if (info := resolved.disk_info(i)) is not None}

    def reread(some: list[int]):
        return read_targets(app.client, "disk", some, find_failed_creates=find_failed_creates)

    also: dict = {("vm_info", (i,)): None for i in resolved.vms if resolved.vm_info(i) is None}
    targets = (
        read_targets(
            app.client, "disk", ids, known, find_failed_creates=find_failed_creates, also=also
        )
        if ids
        else []
    )
    for (_, (vm_id,)), info in also.items():
        if isinstance(info, dict):
            resolved.infos[("vm", vm_id)] = info
    return targets, reread, resolved


def _describe(disk_id: int, info: dict | None) -> str:
    """A disk as the confirmation prompt shows it."""
    from gandi_hosting_cli.output.formatting import format_value

    if info is None:
        return f"disk {disk_id} (could not be read)"
    where = f", attached to vm {info['vm_id']}" if info.get("vm_id") else ""
    size = format_value(info.get("size"), "size_mb")
    return f"disk {disk_id} {info.get('name', '')}: {size}{where}"


def _link(
    app: AppContext,
    action: str,
    disk_ref: str,
    vm_ref: str,
    wait: bool,
    wait_timeout: float | None,
) -> None:
    """``disk attach|detach``: nothing is sent when the disk is already where it should
    be (a note on stderr); a disk busy with an operation is waited for with --wait."""
    from gandi_hosting_cli.cli.reporting import act, report, settle
    from gandi_hosting_cli.workflows.names import vm_label
    from gandi_hosting_cli.workflows.states import decide_link

    targets, reread, resolved = _disk_targets(app, (disk_ref,), vms=(vm_ref,))
    vm_id = resolved.vms[0]
    vm_text = vm_label(vm_id, resolved.vm_info(vm_id))
    decisions = settle(
        app,
        targets,
        lambda t: decide_link(t, action, vm_id, vm_text, resolved.vm_info(vm_id)),
        reread,
        wait=wait,
        wait_timeout=wait_timeout,
    )
    method = "disk_attach" if action == "attach" else "disk_detach"
    outcomes = act(app, decisions, method, lambda disk_id: (disk_id, vm_id))
    report(app, outcomes, wait=wait, wait_timeout=wait_timeout, several=False)


@disk.command("attach")
@click.argument("disk_ref", metavar="DISK", type=types.DISK_REF)
@click.argument("vm_ref", metavar="VM", type=types.VM_REF)
@wait_options
@dry_run_option
@global_options
@click.pass_obj
def disk_attach(
    app: AppContext, disk_ref: str, vm_ref: str, wait: bool, wait_timeout: float | None
) -> None:
    """Attach DISK to VM (in the API's order: disk first).

    A disk already attached to VM is left as it is: exit 0, a note on stderr, "state":
    "unchanged" in --json, nothing sent. A disk busy with an operation is waited for
    with --wait, otherwise reported with the operation's id.

    \b
    Examples:
      gandi-hosting disk attach data web1 --wait
    """
    _link(app, "attach", disk_ref, vm_ref, wait, wait_timeout)


@disk.command("detach")
@click.argument("disk_ref", metavar="DISK", type=types.DISK_REF)
@click.argument("vm_ref", metavar="VM", type=types.VM_REF)
@wait_options
@dry_run_option
@global_options
@click.pass_obj
def disk_detach(
    app: AppContext, disk_ref: str, vm_ref: str, wait: bool, wait_timeout: float | None
) -> None:
    """Detach DISK from VM (in the API's order: disk first).

    A disk attached to no VM is left as it is: exit 0, a note on stderr, "state":
    "unchanged" in --json, nothing sent. A disk busy with an operation is waited for
    with --wait, otherwise reported with the operation's id.

    \b
    Examples:
      gandi-hosting disk detach data web1 --wait
    """
    _link(app, "detach", disk_ref, vm_ref, wait, wait_timeout)
