"""``vm start|stop|reboot|delete VM...``: a VM's lifecycle, several VMs at once, one
result each."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import click

from gandi_hosting_cli.cli import types
from gandi_hosting_cli.cli.context import AppContext
from gandi_hosting_cli.cli.options import global_options, wait_options, yes_option

if TYPE_CHECKING:
    from gandi_hosting_cli.api.client import HostingClient

SEVERAL_HELP = """
    With several VMs, every one is tried even if another is refused; each gets a line
    (failures on stderr) and the exit code is the worst of them. --json gives
    {"operation": id, "state": "..."} for one VM, and for several an array of
    {"id": vm_id, "operation": id, "state": "..."} or {"id": vm_id, "error": {...}}.
    A single - reads the VMs (ids or hostnames, whitespace-separated) from stdin.
"""


def act_on_vms(
    app: AppContext,
    method: Callable[[HostingClient], Callable[[int], int]],
    vm_refs: tuple[str, ...],
    wait: bool,
    wait_timeout: float | None,
    *,
    confirm: Callable[[list[tuple[int, dict | None]]], None] | None = None,
) -> None:
    """Resolve every VM in one batch, queue ``method(client)`` (one of the client's typed
    methods: ``client.vm_start``...) on each, report each result."""
    from gandi_hosting_cli.cli.reporting import report
    from gandi_hosting_cli.workflows.names import resolve, vm_label
    from gandi_hosting_cli.workflows.operations import queue_each

    resolved = resolve(app.client, vms=vm_refs, fetch_info=confirm is not None)
    vm_ids = list(dict.fromkeys(resolved.vms))  # the same VM twice is one request
    if confirm is not None:
        confirm([(i, resolved.vm_info(i)) for i in vm_ids])
    targets = [(vm_label(i, resolved.vm_info(i)), i, (i,)) for i in vm_ids]
    outcomes = queue_each(method(app.client), targets)
    report(app, outcomes, wait=wait, wait_timeout=wait_timeout, several=len(vm_refs) > 1)


def _lifecycle_command(
    name: str,
    method: Callable[[HostingClient], Callable[[int], int]],
    summary: str,
    example: str,
) -> click.Command:
    help_text = f"""{summary}
{SEVERAL_HELP}
    \b
    Examples:
      {example}
    """

    @click.command(name, help=help_text)
    @click.argument(
        "vm_refs", metavar="VM...", nargs=-1, required=True, type=types.VM_REF,
        callback=types.from_stdin,
    )  # fmt: skip
    @wait_options
    @global_options
    @click.pass_obj
    def command(
        app: AppContext, vm_refs: tuple[str, ...], wait: bool, wait_timeout: float | None
    ) -> None:
        act_on_vms(app, method, vm_refs, wait, wait_timeout)

    return command


vm_start = _lifecycle_command(
    "start",
    lambda client: client.vm_start,
    "Start (boot or unpause) one or more VMs.",
    "gandi-hosting vm start web1 --wait",
)
vm_stop = _lifecycle_command(
    "stop",
    lambda client: client.vm_stop,
    "Shut down one or more VMs.",
    "gandi-hosting vm stop web1 web2 12 --wait",
)
vm_reboot = _lifecycle_command(
    "reboot",
    lambda client: client.vm_reboot,
    "Reboot (soft) one or more VMs.",
    "gandi-hosting vm reboot web1",
)


@click.command("delete")
@click.argument(
    "vm_refs", metavar="VM...", nargs=-1, required=True, type=types.VM_REF,
    callback=types.from_stdin,
)  # fmt: skip
@yes_option
@wait_options
@global_options
@click.pass_obj
def vm_delete(
    app: AppContext, vm_refs: tuple[str, ...], yes: bool, wait: bool, wait_timeout: float | None
) -> None:
    """Delete one or more halted VMs (their system disks go with them).

    On a terminal the VMs are listed and confirmation is asked; off a terminal --yes
    is required and nothing at all is sent without it.
    With several VMs, every one is tried even if another is refused; each gets a line
    (failures on stderr) and the exit code is the worst of them. --json gives
    {"operation": id, "state": "..."} for one VM, and for several an array of
    {"id": vm_id, "operation": id, "state": "..."} or {"id": vm_id, "error": {...}}.

    \b
    Examples:
      gandi-hosting vm stop web1 --wait && gandi-hosting vm delete web1
      gandi-hosting vm delete 12 13 --yes --wait
    """
    from gandi_hosting_cli.cli.reporting import confirm_destruction, require_yes

    require_yes(app, yes, "delete VMs")

    def confirm(vms: list[tuple[int, dict | None]]) -> None:
        lines = []
        for vm_id, info in vms:
            if info is None:
                lines.append(f"vm {vm_id} (could not be read)")
            else:
                lines.append(
                    f"vm {vm_id} {info.get('hostname', '')}: {info.get('state', '?')}, "
                    f"{info.get('shares', '?')} shares, disks {info.get('disks_id', [])}"
                )
        noun = "this VM" if len(vms) == 1 else f"these {len(vms)} VMs"
        confirm_destruction(app, yes, f"delete {noun}", lines)

    act_on_vms(
        app,
        lambda client: client.vm_delete,
        vm_refs,
        wait,
        wait_timeout,
        confirm=None if yes else confirm,
    )
