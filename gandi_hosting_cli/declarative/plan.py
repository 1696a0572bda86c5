"""The plan's data: the actions (one write request each), the problems the API would
refuse, the plan that holds both, and the builder that numbers actions and chains the
ones on the same object (``depends``). ``planner`` fills a plan; ``executor`` runs it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gandi_hosting_cli.declarative.manifest import VmSpec
from gandi_hosting_cli.errors import Hint
from gandi_hosting_cli.exit_codes import ExitCode

KINDS = (
    "create_disk",
    "create_vm",
    "stop",
    "update_vm",
    "detach",
    "attach",
    "link_boot_disk",
    "start",
    "reboot",
    "delete_vm",
    "delete_disk",
    # single commands only (no manifest plans them)
    "cancel",
    "buy",
    "renew",
    "update_product",
    "remove_product",
)
_VERBS = {
    "create_disk": "create",
    "create_vm": "create",
    "stop": "stop",
    "update_vm": "update",
    "detach": "detach",
    "attach": "attach",
    "link_boot_disk": "set the boot disk of",
    "start": "start",
    "reboot": "reboot",
    "delete_vm": "delete",
    "delete_disk": "delete",
    "cancel": "cancel",
    "buy": "buy",
    "renew": "renew",
    "update_product": "update",
    "remove_product": "remove",
}


@dataclass
class Action:
    """One write request (and the operation it queues)."""

    id: int
    kind: str
    target: str  # "vm web1", "disk data"
    vm: str | None = None  # hostname (manifest name) the action is about
    disk: str | None = None  # disk name
    vm_id: int | None = None  # known at plan time (existing objects)
    disk_id: int | None = None
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)  # create specs, update specs
    depends: list[int] = field(default_factory=list)
    reason: str = ""  # why (e.g. "needed to change cpu")

    @property
    def method(self) -> str:
        return {
            "create_disk": "disk_create",
            "create_vm": "vm_create",
            "stop": "vm_stop",
            "start": "vm_start",
            "reboot": "vm_reboot",
            "update_vm": "vm_update",
            "attach": "disk_attach",
            "detach": "disk_detach",
            "link_boot_disk": "vm_disk_link",
            "delete_vm": "vm_delete",
            "delete_disk": "disk_delete",
            "cancel": "operation_cancel",
            "buy": "hosting_account_product_add",
            "renew": "hosting_account_product_renew",
            "update_product": "hosting_account_product_update",
            "remove_product": "hosting_account_product_remove",
        }[self.kind]

    def describe(self) -> str:
        """``create vm web1 (shares 2, cpu 1)``, ``update vm web1: shares 1 -> 2``..."""
        verb = _VERBS[self.kind]
        changes = ", ".join(f"{k} {self.before.get(k, '-')} -> {v}" for k, v in self.after.items())
        if self.kind in ("attach", "detach"):
            where = "to" if self.kind == "attach" else "from"
            text = f"{verb} disk {self.disk} {where} vm {self.vm}"
        else:
            text = f"{verb} {self.target}"
        if self.kind in ("create_vm", "create_disk") and self.after:
            text += " (" + ", ".join(f"{k} {v}" for k, v in self.after.items()) + ")"
        elif changes and self.kind not in ("attach", "detach"):
            text += f": {changes}"
        return text

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "action": self.kind,
            "method": self.method,
            "target": self.target,
            "vm": self.vm,
            "disk": self.disk,
            "before": dict(self.before),
            "after": dict(self.after),
            "depends": list(self.depends),
            "reason": self.reason,
        }


# problem kinds: what each means for `plan`'s exit code
DUPLICATE = "duplicate"  # a declared name held by several objects: exit 2, apply refuses
REPLACE = "replace"  # drift the API cannot change in place: exit 9 (apply --replace NAME)
BUSY = "busy"  # an object in transition, left alone this time


@dataclass
class Problem:
    """Something the API would refuse. ``blocking``: apply refuses to start at all.

    ``kind``: "shares", "disk_quota", "os" (blocking, exit 8 as the plan cannot be applied
    as it is), "duplicate" (blocking, exit 2), "replace" (left as is unless
    ``apply --replace NAME``: exit 9 when nothing else is pending), "busy".
    ``name``: the VM hostname or disk name a "replace" problem is about."""

    kind: str
    target: str
    message: str
    blocking: bool = True
    missing: int | None = None  # how many shares / MB are missing
    name: str | None = None
    hint: Hint | None = None  # what to do about it (cli/ writes it as a command)

    def as_dict(self) -> dict[str, Any]:
        return {
            "problem": self.kind,
            "target": self.target,
            "message": self.message,
            "blocking": self.blocking,
            "missing": self.missing,
        }


@dataclass
class Plan:
    actions: list[Action] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # names -> ids of what exists now (the executor adds what it creates)
    vm_ids: dict[str, int] = field(default_factory=dict)
    disk_ids: dict[str, int] = field(default_factory=dict)
    os_ids: dict[str, int] = field(default_factory=dict)  # hostname -> os id (creates)
    vm_specs: dict[str, VmSpec] = field(default_factory=dict)  # hostname -> spec (creates)
    replaced: list[str] = field(default_factory=list)  # "vm web1", "disk data": data lost
    notes: list[str] = field(default_factory=list)  # e.g. a --replace NAME with no drift

    @property
    def up_to_date(self) -> bool:
        return not self.actions and not self.problems

    @property
    def blocking(self) -> list[Problem]:
        return [p for p in self.problems if p.blocking]

    @property
    def duplicates(self) -> list[Problem]:
        return [p for p in self.problems if p.kind == DUPLICATE]

    @property
    def replacements_needed(self) -> list[Problem]:
        """Drift left as is: only ``apply --replace NAME`` would converge it."""
        return [p for p in self.problems if p.kind == REPLACE]

    @property
    def exit_code(self) -> int:
        """What `plan` exits with: 2 a declared name is ambiguous on the account; 8 apply
        would act (or a problem would stop it, or an object is busy); 9 only a replacement
        would converge; 0 up to date."""
        if self.duplicates:
            return int(ExitCode.USAGE)
        if self.actions or any(p.kind != REPLACE for p in self.problems):
            return int(ExitCode.PLAN_CHANGES)
        if self.replacements_needed:
            return int(ExitCode.PLAN_REPLACE)
        return int(ExitCode.OK)

    def as_dict(self) -> dict[str, Any]:
        return {
            "up_to_date": self.up_to_date,
            "exit_code": self.exit_code,
            "actions": [a.as_dict() for a in self.actions],
            "problems": [p.as_dict() for p in self.problems],
            "replaced": list(self.replaced),
        }


class PlanBuilder:
    def __init__(self) -> None:
        self.actions: list[Action] = []
        self._last: dict[tuple[str, str], int] = {}  # object -> last action touching it

    def add(
        self, kind: str, target: str, *, touches: tuple[str, ...] = (), **kwargs: Any
    ) -> Action:
        """Add an action after the last one on each object it is about; ``touches``: the
        names of disks it also changes (a vm_delete detaches its data disks)."""
        action = Action(id=len(self.actions) + 1, kind=kind, target=target, **kwargs)
        touched = [("disk", name) for name in touches]
        if action.vm is not None or action.vm_id is not None:
            touched.append(("vm", action.vm or f"#{action.vm_id}"))
        if action.disk is not None or action.disk_id is not None:
            touched.append(("disk", action.disk or f"#{action.disk_id}"))
        for key in touched:
            previous = self._last.get(key)
            if previous is not None and previous not in action.depends:
                action.depends.append(previous)
            self._last[key] = action.id
        action.depends.sort()
        self.actions.append(action)
        return action

    def stop(self, host: str, vm_id: int | None, reason: str = "") -> Action:
        """Halt a running VM (``reason``: why, when it is not what the manifest asks)."""
        return self.add("stop", f"vm {host}", vm=host, vm_id=vm_id, before={"state": "running"},
                        after={"state": "halted"}, reason=reason)  # fmt: skip


def summary(plan: Plan) -> dict[str, int]:
    """How many actions of each kind (for a one-line "3 to create, 1 to update...")."""
    counts: dict[str, int] = {}
    for action in plan.actions:
        counts[action.kind] = counts.get(action.kind, 0) + 1
    return counts
