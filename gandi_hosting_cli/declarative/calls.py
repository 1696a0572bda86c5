"""The write calls of a plan's actions: their parameters in the API's order, the root
passwords the creates need (asked before anything is sent), and the listing
``apply --dry-run`` prints. declarative/executor.py sends them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gandi_hosting_cli.declarative.plan import Action, Plan
from gandi_hosting_cli.errors import HostingError
from gandi_hosting_cli.exit_codes import ExitCode

SECRET = "***"  # a password, wherever a call is shown


class PasswordMissing(HostingError):
    """A VM to create has no root password (exit 2, before anything is sent)."""

    exit_code = ExitCode.USAGE


Passwords = Callable[[str], str]  # hostname -> root password


def collect_passwords(plan: Plan, passwords: Passwords | None) -> dict[str, str]:
    """Every password the plan's creates need, asked before anything is sent."""
    needed = [a.vm for a in plan.actions if a.kind == "create_vm" and a.vm]
    found: dict[str, str] = {}
    for host in needed:
        value = passwords(host) if passwords is not None else None
        if not value:
            spec = plan.vm_specs.get(host)
            where = (
                f"the environment variable {spec.password_env} is empty or unset"
                if spec is not None and spec.password_env
                else "give it with --password-stdin or a password_env key"
            )
            raise PasswordMissing(f"vm {host}: no root password: {where}")
        found[host] = value
    return found


def planned_calls(plan: Plan) -> list[tuple[str, tuple]]:
    """The write requests a plan would send, in order (``apply --dry-run``). Ids of
    objects not created yet show as ``<vm NAME>`` / ``<disk NAME>``; passwords as ***."""
    vm_ids: dict[str, Any] = dict(plan.vm_ids)
    disk_ids: dict[str, Any] = dict(plan.disk_ids)
    calls = []
    for action in plan.actions:
        if action.kind == "create_vm":
            vm_ids[action.vm] = f"<vm {action.vm}>"
        if action.kind == "create_disk":
            disk_ids[action.disk] = f"<disk {action.disk}>"
    for action in plan.actions:
        calls.append((action.method, call_params(action, vm_ids, disk_ids, SECRET)))
    return calls


def _ident(action: Action, which: str, vm_ids: dict, disk_ids: dict) -> Any:
    if which == "vm":
        if action.vm_id is not None:
            return action.vm_id
        return vm_ids[action.vm]
    if action.disk_id is not None:
        return action.disk_id
    return disk_ids[action.disk]


# the parameters, in order, of the actions only single commands plan
PARAM_ORDER = {
    "cancel": ("operation",),
    "buy": ("product", "quantity", "duration"),
    "renew": ("product_id", "duration"),
    "update_product": ("product_id", "quantity"),
    "remove_product": ("product_id",),
}


def call_params(action: Action, vm_ids: dict, disk_ids: dict, password: str) -> tuple:
    kind = action.kind
    if kind == "create_disk":
        return (dict(action.params),)
    if kind == "create_vm":
        p = action.params
        specs = {"login": p["login"]} if p.get("login") else {}
        return (action.vm, password, p["os_id"], p["shares"], p["cpu"], specs)
    if kind == "update_vm":
        return (_ident(action, "vm", vm_ids, disk_ids), dict(action.params["specs"]))
    if kind in ("start", "stop", "reboot", "delete_vm"):
        return (_ident(action, "vm", vm_ids, disk_ids),)
    if kind in ("attach", "detach"):
        return (_ident(action, "disk", vm_ids, disk_ids), _ident(action, "vm", vm_ids, disk_ids))
    if kind == "link_boot_disk":
        return (_ident(action, "vm", vm_ids, disk_ids), _ident(action, "disk", vm_ids, disk_ids))
    if kind == "delete_disk":
        return (_ident(action, "disk", vm_ids, disk_ids),)
    if kind in PARAM_ORDER:  # the single commands' own: operations, products
        return tuple(action.params[k] for k in PARAM_ORDER[kind])
    raise ValueError(f"unknown action {kind}")  # pragma: no cover
