"""``vm create``, ``vm update``, ``vm boot-disk``: one VM's existence and settings."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from gandi_hosting_cli.cli import types
from gandi_hosting_cli.cli.context import AppContext
from gandi_hosting_cli.cli.options import (
    dry_run_option,
    global_options,
    password_stdin_option,
    wait_options,
)


def read_root_password(app: AppContext, password_stdin: bool) -> str:
    """The VM's root password: stdin with --password-stdin, else asked twice on a terminal
    (a first answer that breaks the rules is refused and asked again).

    Never an argument (it would land in shell history and ``ps``). Checked against the
    API's rules here, so a bad password costs no request.
    """
    if password_stdin:
        from gandi_hosting_cli.cli.options import read_password_stdin

        password = read_password_stdin()
    elif app.terminal.is_interactive:
        # the rules are checked on the first answer, before the second is asked; a bad one
        # is said and asked again (click.prompt's value_proc)
        return app.terminal.prompt(
            "Root password for the new VM",
            secret=True,
            repeat="Repeat the root password",
            value_proc=_checked_root_password,
        )
    else:
        raise click.UsageError(
            "the VM needs a root password: pass it on standard input with --password-stdin "
            "(it is asked for on a terminal)"
        )
    try:
        return types.check_vm_password(password)
    except click.BadParameter as exc:
        raise click.UsageError(f"root password: {exc.message}") from None


def _checked_root_password(password: str) -> str:
    try:
        return types.check_vm_password(password)
    except click.BadParameter as exc:
        raise click.UsageError(f"root password: {exc.message}; try again") from None


if TYPE_CHECKING:
    pass


@click.command("create")
@click.argument("hostname", type=types.HOSTNAME)
@click.option(
    "--os",
    "os_ref",
    required=True,
    metavar="OS",
    type=types.OS_REF,
    help="OS image: id, label, or 'name version' (see `os list`).",
)
@click.option(
    "--shares", required=True, metavar="N", type=types.SHARES, help="Shares given to the VM."
)
@click.option(
    "--cpu",
    metavar="N",
    default=1,
    show_default=True,
    type=types.CPU,
    help="CPUs (at most the shares, at most 8).",
)
@click.option(
    "--login",
    "user_login",
    metavar="USER",
    type=types.UNIX_USER,
    help="Also create this user account (the password is the same).",
)
@click.option(
    "--allow-duplicate",
    is_flag=True,
    help="Create it even if a VM with this hostname exists (names become ambiguous).",
)
@password_stdin_option
@wait_options
@dry_run_option
@global_options
@click.pass_obj
def vm_create(
    app: AppContext,
    hostname: str,
    os_ref: str,
    shares: int,
    cpu: int,
    user_login: str | None,
    allow_duplicate: bool,
    password_stdin: bool,
    wait: bool,
    wait_timeout: float | None,
) -> None:  # fmt: skip
    """Create a VM called HOSTNAME.

    The root password is asked twice on a terminal, or read from the first line of
    standard input with --password-stdin; it is never an argument. Prints the new VM's
    id and its operation; --json gives {"id": vm_id, "operation": op_id, "state": "..."}
    (with --wait, the final state), -q the VM id.

    A hostname of digits alone is refused (every command would read it as an id), and
    so is a hostname another VM of the account has, unless --allow-duplicate (the API
    allows it, but then every command by that name is ambiguous); nothing is sent.
    A create that ends in ERROR leaves the VM being_created, holding its shares and the
    quota of its system disk: `gandi-hosting vm delete HOSTNAME` releases them.

    \b
    Examples:
      gandi-hosting vm create web1 --os 111 --shares 2 --wait
      printf '%s\\n' "$ROOT_PW" | gandi-hosting vm create web2 --os "Debian 12" \\
          --shares 4 --cpu 2 --login deploy --password-stdin --json
    """
    from gandi_hosting_cli.cli.reporting import create_one, report_create

    types.check_cpu(cpu, shares)
    password = read_root_password(app, password_stdin)
    os_id = _new_vm_os_id(app, hostname, os_ref, shares, allow_duplicate)
    outcome, op = create_one(
        app,
        "create_vm",
        hostname,
        {"os_id": os_id, "shares": shares, "cpu": cpu, "login": user_login},
        f"{hostname} (vm {{id}})",
        password,
    )
    report_create(
        app,
        outcome,
        op,
        noun="vm",
        wait=wait,
        wait_timeout=wait_timeout,
        name=hostname,
        held={"shares": shares},
    )


def _new_vm_os_id(
    app: AppContext, hostname: str, os_ref: str, shares: int, allow_duplicate: bool
) -> int | None:
    """The OS image's id; refuses what the free shares and disk quota cannot hold and,
    unless ``allow_duplicate``, a hostname already taken (before anything is sent)."""
    from gandi_hosting_cli.workflows.checks import check_new_name

    return check_new_name(
        app.client, "vm", hostname, os_ref, shares=shares, check_name=not allow_duplicate
    )


@click.command("update")
@click.argument("vm_ref", metavar="VM", type=types.VM_REF)
@click.option("--shares", metavar="N", type=types.SHARES, help="New number of shares.")
@click.option("--cpu", metavar="N", type=types.CPU, help="New number of CPUs (at most the shares).")
@click.option(
    "--max-memory",
    type=types.SIZE,
    metavar="SIZE",
    help="Memory the VM may grow to without a reboot (MB, or 4G...).",
)
@wait_options
@dry_run_option
@global_options
@click.pass_obj
def vm_update(
    app: AppContext,
    vm_ref: str,
    shares: int | None,
    cpu: int | None,
    max_memory: int | None,
    wait: bool,
    wait_timeout: float | None,
) -> None:  # fmt: skip
    """Change a VM's shares, CPUs or maximum memory.

    \b
    Examples:
      gandi-hosting vm update web1 --shares 4 --cpu 2 --wait
      gandi-hosting vm update 12 --max-memory 4G
    """
    from gandi_hosting_cli.cli.reporting import act, report, settle
    from gandi_hosting_cli.workflows.checks import free_resources
    from gandi_hosting_cli.workflows.names import resolve
    from gandi_hosting_cli.workflows.states import decide_vm_update, read_targets

    specs = {
        key: value
        for key, value in (("shares", shares), ("cpu", cpu), ("vm_max_memory", max_memory))
        if value is not None
    }
    if not specs:
        raise click.UsageError("nothing to change: give --shares, --cpu or --max-memory")
    if cpu is not None:
        types.check_cpu(cpu, shares)
    resolved = resolve(app.client, vms=[vm_ref], fresh=True, cache=app.name_cache)
    vm_id = resolved.vms[0]
    known = {vm_id: info} if (info := resolved.vm_info(vm_id)) is not None else {}
    # the free shares matter only when the VM gets more of them
    available = free_resources(app.client.hosting_account_info()) if shares else None

    def reread(ids: list[int]) -> list:
        return read_targets(app.client, "vm", ids)

    decisions = settle(
        app,
        read_targets(app.client, "vm", [vm_id], known),
        lambda t: decide_vm_update(t, specs, available),
        reread,
        wait=wait,
        wait_timeout=wait_timeout,
    )
    outcomes = act(app, decisions, "vm_update", lambda i: (i, specs))
    report(app, outcomes, wait=wait, wait_timeout=wait_timeout, several=False)


@click.command("boot-disk")
@click.argument("vm_ref", metavar="VM", type=types.VM_REF)
@click.argument("disk_ref", metavar="DISK", type=types.DISK_REF)
@wait_options
@dry_run_option
@global_options
@click.pass_obj
def vm_boot_disk(
    app: AppContext, vm_ref: str, disk_ref: str, wait: bool, wait_timeout: float | None
) -> None:
    """Make DISK (attached to VM) the VM's boot disk; the VM must be halted.

    The current boot disk takes DISK's position (the API's vm_disk_link).

    \b
    Examples:
      gandi-hosting vm stop web1 --wait
      gandi-hosting vm boot-disk web1 rescue --wait
    """
    from gandi_hosting_cli.cli.reporting import act, report, settle
    from gandi_hosting_cli.workflows.names import resolve
    from gandi_hosting_cli.workflows.states import decide_boot_disk, read_targets

    resolved = resolve(
        app.client,
        vms=[vm_ref],
        disks=[disk_ref],
        fresh=True,
        fetch_info=True,
        cache=app.name_cache,
    )
    vm_id, disk_id = resolved.vms[0], resolved.disks[0]
    known = {vm_id: info} if (info := resolved.vm_info(vm_id)) is not None else {}

    def reread(ids: list[int]) -> list:
        return read_targets(app.client, "vm", ids)

    decisions = settle(
        app,
        read_targets(app.client, "vm", [vm_id], known),
        lambda t: decide_boot_disk(t, disk_id, resolved.disk_info(disk_id)),
        reread,
        wait=wait,
        wait_timeout=wait_timeout,
    )
    outcomes = act(app, decisions, "vm_disk_link", lambda i: (i, disk_id))
    report(app, outcomes, wait=wait, wait_timeout=wait_timeout, several=False)
