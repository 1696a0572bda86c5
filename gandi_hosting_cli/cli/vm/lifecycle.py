"""``vm start|stop|reboot|delete VM...``: a VM's lifecycle, several VMs at once, one
result each."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import click

from gandi_hosting_cli.cli import types
from gandi_hosting_cli.cli.context import AppContext
from gandi_hosting_cli.cli.options import (
    dry_run_option,
    global_options,
    refs_argument,
    wait_options,
    yes_option,
)

if TYPE_CHECKING:
    from gandi_hosting_cli.workflows.states import Target

BUSY_HELP = """
    A VM busy with an operation (being created, or another change in progress) is
    waited for with --wait; otherwise it is reported with that operation's id and the
    command to follow it (`gandi-hosting op wait ID`).
"""

SEVERAL_HELP = """
    With several VMs, every one is tried even if another is refused; each gets a line
    (failures on stderr) and the exit code is the worst of them. --json gives
    {"operation": id, "state": "..."} for one VM, and for several an array of
    {"id": vm_id, "operation": id, "state": "..."} or {"id": vm_id, "error": {...}}.
    A single - reads the VMs (ids or hostnames, whitespace-separated) from stdin.
"""


def resolve_targets(
    app: AppContext, vm_refs: tuple[str, ...], *, find_failed_creates: bool = False
) -> tuple[list[Target], Callable[[list[int]], list[Target]], list]:
    """The VMs named (each once), read with the operations that hold them; how to read
    some of them again (after waiting for those operations); and every ref in the order
    given (``Resolved.tokens``: with several VMs, a name that names none, or several,
    is that ref's outcome instead of stopping the others). Names are confirmed unique
    on the server, whatever the name cache says (``fresh``)."""
    from gandi_hosting_cli.workflows.names import resolve
    from gandi_hosting_cli.workflows.states import read_targets

    resolved = resolve(
        app.client, vms=vm_refs, keep_going=len(vm_refs) > 1, fresh=True, cache=app.name_cache
    )
    vm_ids = list(dict.fromkeys(resolved.vms))  # the same VM twice is one request
    known = {i: info for i in vm_ids if (info := resolved.vm_info(i)) is not None}

    def reread(ids: list[int]) -> list[Target]:
        return read_targets(app.client, "vm", ids, find_failed_creates=find_failed_creates)

    targets = (
        read_targets(app.client, "vm", vm_ids, known, find_failed_creates=find_failed_creates)
        if vm_ids
        else []
    )
    return targets, reread, resolved.tokens["vm"]


def act_on_vms(
    app: AppContext,
    method: str,
    vm_refs: tuple[str, ...],
    wait: bool,
    wait_timeout: float | None,
    *,
    action: str = "",
) -> None:
    """Resolve every VM in one batch, read their states and what holds them, queue
    the client's ``method`` (``"vm_start"``...) on those whose goal does not hold yet,
    report each result (an unchanged VM: a note on stderr, exit 0, nothing sent)."""
    from gandi_hosting_cli.cli.reporting import act, in_input_order, report, settle
    from gandi_hosting_cli.workflows.states import decide_power

    targets, reread, tokens = resolve_targets(app, vm_refs)
    decisions = settle(
        app,
        targets,
        lambda t: decide_power(t, action),
        reread,
        wait=wait,
        wait_timeout=wait_timeout,
    )
    outcomes = in_input_order(tokens, act(app, decisions, method))
    report(app, outcomes, wait=wait, wait_timeout=wait_timeout, several=len(vm_refs) > 1)


def _lifecycle_command(
    name: str,
    method: str,
    summary: str,
    example: str,
) -> click.Command:
    help_text = f"""{summary}
{BUSY_HELP}{SEVERAL_HELP}
    \b
    Examples:
      {example}
    """

    @click.command(name, help=help_text)
    @refs_argument("vm_refs", "VM...", types.VM_REF)
    @wait_options
    @dry_run_option
    @global_options
    @click.pass_obj
    def command(
        app: AppContext, vm_refs: tuple[str, ...], wait: bool, wait_timeout: float | None
    ) -> None:
        act_on_vms(app, method, vm_refs, wait, wait_timeout, action=name)

    return command


_LEFT_AS_IS = """
    A VM already {state} is left as it is: exit 0, a note on stderr ("web1 (vm 12) is
    already {state}"), "state": "unchanged" in --json, and no request that changes it."""

vm_start = _lifecycle_command(
    "start",
    "vm_start",
    "Start (boot or unpause) one or more VMs.\n" + _LEFT_AS_IS.format(state="running"),
    "gandi-hosting vm start web1 --wait",
)
vm_stop = _lifecycle_command(
    "stop",
    "vm_stop",
    "Shut down one or more VMs.\n" + _LEFT_AS_IS.format(state="halted"),
    "gandi-hosting vm stop web1 web2 12 --wait",
)
vm_reboot = _lifecycle_command(
    "reboot",
    "vm_reboot",
    "Reboot (soft) one or more VMs.",
    "gandi-hosting vm reboot web1",
)


@click.command("delete")
@refs_argument("vm_refs", "VM...", types.VM_REF)
@click.option(
    "--stop", "stop_first", is_flag=True, help="Stop running VMs first (and wait), then delete."
)
@yes_option
@wait_options
@dry_run_option
@global_options
@click.pass_obj
def vm_delete(
    app: AppContext,
    vm_refs: tuple[str, ...],
    stop_first: bool,
    yes: bool,
    wait: bool,
    wait_timeout: float | None,
) -> None:  # fmt: skip
    """Delete one or more halted VMs.

    Each VM's system disk (its boot disk) is deleted with it; its other disks are
    detached and kept. The states are read before anything is asked: a running VM is
    refused, with the command that stops it, unless --stop is given (it is stopped,
    waited for, then deleted, in one command). A VM whose create ended in ERROR is
    released instead: its create operation is cancelled, which removes the VM and its
    system disk and frees the shares and disk quota they held (`gandi-hosting op list
    --state ERROR` lists the failed operations).

    On a terminal the VMs are listed with their state and disks, and confirmation is
    asked; off a terminal --yes is required and nothing at all is sent without it.
    With several VMs, every one is tried even if another is refused; each gets a line
    (failures on stderr) and the exit code is the worst of them. --json gives
    {"operation": id, "state": "..."} for one VM, and for several an array of
    {"id": vm_id, "operation": id, "state": "..."} or {"id": vm_id, "error": {...}}.

    \b
    Examples:
      gandi-hosting vm stop web1 --wait && gandi-hosting vm delete web1
      gandi-hosting vm delete 12 13 --yes --wait
      gandi-hosting vm delete web2 --stop --yes
    """
    from gandi_hosting_cli.cli.reporting import act, in_input_order, report

    decisions, tokens = _decide_deletions(app, vm_refs, stop_first, yes, wait, wait_timeout)
    said = _confirm_deletions(app, decisions, yes)
    _stop_those_running(app, decisions, wait_timeout)
    outcomes = act(app, decisions, "vm_delete")
    for o, d in zip(outcomes, decisions, strict=True):
        o.said = d.target.obj_id in said and o.error is d.error
    outcomes = in_input_order(tokens, outcomes)
    report(app, outcomes, wait=wait, wait_timeout=wait_timeout, several=len(vm_refs) > 1)


def _decide_deletions(
    app: AppContext,
    vm_refs: tuple[str, ...],
    stop_first: bool,
    yes: bool,
    wait: bool,
    wait_timeout: float | None,
) -> tuple[list, list]:
    """What to do with each VM (read before anything is asked): delete, stop first,
    cancel its failed create, or refuse; and every ref in the order given."""
    from gandi_hosting_cli.cli.reporting import require_yes, settle
    from gandi_hosting_cli.workflows.states import decide_vm_delete

    require_yes(app, yes, "delete VMs")
    targets, reread, tokens = resolve_targets(app, vm_refs, find_failed_creates=True)
    decisions = settle(
        app,
        targets,
        lambda t: decide_vm_delete(t, stop_first),
        reread,
        wait=wait,
        wait_timeout=wait_timeout,
    )
    return decisions, tokens


def _confirm_deletions(app: AppContext, decisions: list, yes: bool) -> set[int]:
    """Without --yes: say the refusals, list what goes, ask. The ids already refused."""
    from gandi_hosting_cli.cli.hints import with_hint
    from gandi_hosting_cli.cli.reporting import confirm_destruction
    from gandi_hosting_cli.workflows.states import Action

    acting = [
        d for d in decisions if d.action in (Action.QUEUE, Action.STOP_FIRST, Action.CANCEL_CREATE)
    ]
    said: set[int] = set()
    if acting and not yes:
        for d in decisions:
            if d.error is not None:  # refused before anything is asked
                said.add(d.target.obj_id)
                error = d.error
                app.terminal.error(
                    with_hint(error.message, error.hint),
                    code=error.code,
                    exit_code=error.exit_code,
                )
        lines = describe_deletions(app, acting)
        noun = "this VM" if len(acting) == 1 else f"these {len(acting)} VMs"
        confirm_destruction(app, yes, f"delete {noun}", lines)
    return said


def _stop_those_running(app: AppContext, decisions: list, wait_timeout: float | None) -> None:
    """``--stop``: stop and wait; each one then is deleted, or refused with why not."""
    from gandi_hosting_cli.workflows.states import Action

    stopped = stop_before_delete(
        app, [d for d in decisions if d.action is Action.STOP_FIRST], wait_timeout
    )
    for d in decisions:
        if d.action is Action.STOP_FIRST:
            error = stopped.get(d.target.obj_id)
            d.action, d.error = (Action.QUEUE, None) if error is None else (Action.REFUSE, error)


def stop_before_delete(
    app: AppContext, decisions: list, wait_timeout: float | None
) -> dict[int, Exception | None]:
    """``--stop``: stop the running VMs, wait; VM id -> None (halted) or why not."""
    from gandi_hosting_cli.cli.reporting import _wait, act
    from gandi_hosting_cli.workflows.operations import apply_wait, error_for

    if not decisions:
        return {}
    outcomes = act(app, decisions, "vm_stop")
    queued = {o.operation: o.label for o in outcomes if o.operation is not None}
    if queued:
        apply_wait(outcomes, _wait(app, list(queued), queued, wait_timeout))
    result: dict[int, Exception | None] = {}
    for o in outcomes:
        if o.exit_code or o.state != "DONE":
            error = error_for(o)
            error.message = f"not deleted, its stop failed: {error.message}"
            result[int(o.obj_id or 0)] = error
        else:
            app.terminal.message(f"{o.label}: stopped (operation {o.operation})")
            result[int(o.obj_id or 0)] = None
    return result


def describe_deletions(app: AppContext, decisions: list) -> list[str]:
    """The prompt's lines: each VM with its state and what goes with it (one read of
    its disks): the system disk is deleted, the other disks detached and kept."""
    from gandi_hosting_cli.output.formatting import format_value
    from gandi_hosting_cli.workflows.batch import multicall_chunked
    from gandi_hosting_cli.workflows.states import Action, shares_text

    disk_ids = [int(i) for d in decisions for i in (d.target.info or {}).get("disks_id") or []]
    calls = [("disk_info", (i,)) for i in disk_ids]
    disks = dict(zip(disk_ids, multicall_chunked(app.client, calls), strict=True)) if calls else {}

    def disk_text(disk_id: int) -> str:
        info = disks.get(disk_id)
        info = info if isinstance(info, dict) else None
        if info is None:
            return f"disk {disk_id}"
        return (
            f"{info.get('name', '')} (disk {disk_id}, {format_value(info.get('size'), 'size_mb')})"
        )

    lines = []
    for d in decisions:
        t = d.target
        info = t.info or {}
        if d.action is Action.CANCEL_CREATE:
            lines.append(f"{t.label}: {t.state}; {d.note}")
            continue
        state = f"{t.state}, stopped first" if d.action is Action.STOP_FIRST else t.state
        ids = [int(i) for i in info.get("disks_id") or []]
        parts = [f"{t.label}: {state}, {shares_text(info.get('shares'))}"]
        if ids:
            parts.append(f"system disk {disk_text(ids[0])} deleted with it")
        if ids[1:]:
            others = ", ".join(disk_text(i) for i in ids[1:])
            parts.append(f"detached and kept: {others}")
        lines.append("; ".join(parts))
    return lines
