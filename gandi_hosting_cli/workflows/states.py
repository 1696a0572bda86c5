"""What a state change would do before it is sent: already done, busy, or to queue.

A command that changes objects (``vm start|stop|delete``, ``disk attach|detach|delete``)
first reads the objects and the operations in progress (``read_targets``: one multicall
of infos and two ``operation_list`` calls, then one of ``operation_details`` when any
operation is in progress), then decides for each object (``decide_*``): its goal
already holds (``UNCHANGED``, nothing sent), an operation holds it (``BUSY``: wait for
it, or report its id), its create ended in ERROR (``CANCEL_CREATE``: ``vm delete`` /
``disk delete`` cancel that operation, which releases what it reserved), it must be
refused before anything is asked (``REFUSE``), or the write goes out (``QUEUE``).

No click, no printing: the CLI (``cli/reporting.py``) waits, asks and reports.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any

from gandi_hosting_cli.errors import (
    Hint,
    HostingError,
    NotFound,
    StateError,
)
from gandi_hosting_cli.workflows.batch import multicall_chunked
from gandi_hosting_cli.workflows.checks import shortfalls
from gandi_hosting_cli.workflows.names import RESOURCES, disk_label, vm_label

if TYPE_CHECKING:
    from gandi_hosting_cli.api.client import HostingClient

IN_PROGRESS = ("PENDING", "RUN")

# the API's fault codes (DESIGN.md section 1) of the refusals decided here before sending:
# a local refusal carries the code the server would have answered
VM_STATE = 530260
DISK_ATTACHED = 530439
DISK_NOT_ATTACHED = 530498
OPERATION_STATE = 510260  # an operation that can no longer be cancelled
CANCELLABLE = ("PENDING", "ERROR")


class Action(Enum):
    QUEUE = "queue"
    UNCHANGED = "unchanged"
    BUSY = "busy"
    CANCEL_CREATE = "cancel_create"
    STOP_FIRST = "stop_first"
    REFUSE = "refuse"


@dataclass
class Target:
    """One object as read before a change: its info, and the operations that hold it."""

    resource: str  # "vm" | "disk"
    obj_id: int
    info: dict | None = None
    error: HostingError | None = None  # its info could not be read
    busy: list[dict] = field(default_factory=list)  # operations PENDING/RUN on it
    failed_create: dict | None = None  # its create operation, in ERROR

    @property
    def label(self) -> str:
        return (vm_label if self.resource == "vm" else disk_label)(self.obj_id, self.info)

    @property
    def name(self) -> str:
        """How people call it in a command: its name, else its id."""
        key = RESOURCES[self.resource].name_key
        return str((self.info or {}).get(key) or self.obj_id)

    @property
    def state(self) -> str:
        return str((self.info or {}).get("state", "?"))


@dataclass
class Decision:
    target: Target
    action: Action
    note: str = ""  # UNCHANGED: why nothing is sent; CANCEL_CREATE: what the cancel does
    error: HostingError | None = None  # REFUSE / BUSY (without waiting)

    @property
    def busy_ids(self) -> list[int]:
        return [_opid(op) for op in self.target.busy]


def _opid(op: dict) -> int:
    return int(op.get("uid", op.get("id", 0)))


def _holds(op: dict, resource: str, obj_id: int) -> bool:
    """Operation ``op`` holds object (resource, obj_id): it is about it (``param``)."""
    param = op.get("param") or {}
    if resource == "vm":
        return param.get("param_type") == "vm" and param.get("vm_id") == obj_id
    return param.get("disk_id") == obj_id


def read_targets(
    client: HostingClient,
    resource: str,
    ids: list[int],
    infos: dict[int, dict] | None = None,
    *,
    find_failed_creates: bool = False,
    also: dict[tuple[str, tuple], Any] | None = None,
) -> list[Target]:
    """Read the objects (``infos`` already known are not read again) and what holds them.
    ``also``: other reads to send in the same request (e.g. the VM a disk moves to):
    their keys are ``(method, args)`` calls, filled with the results.

    One multicall: the missing infos and ``operation_list`` of PENDING and RUN
    operations; then, only when some are in progress, one multicall of their details.
    ``find_failed_creates`` (deletes): for an object still ``being_created`` that no
    operation holds, the ``{resource}_create`` operations in ERROR are read to find its own.
    """
    infos = dict(infos or {})
    missing = [i for i in dict.fromkeys(ids) if i not in infos]
    info_method = RESOURCES[resource].info_method
    extra = list(also or {})
    calls = [(info_method, (i,)) for i in missing]
    calls += extra
    calls += [("operation_list", ({"state": state},)) for state in IN_PROGRESS]
    results = multicall_chunked(client, calls)
    for call, result in zip(extra, results[len(missing) :], strict=False):
        also[call] = result  # type: ignore[index]
    results = results[: len(missing)] + results[len(missing) + len(extra) :]
    errors: dict[int, HostingError] = {}
    for i, result in zip(missing, results, strict=False):
        if isinstance(result, HostingError):
            errors[i] = result
        else:
            infos[i] = result
    listed: list[int] = []
    for result in results[len(missing) :]:
        # a server that cannot list them: the write goes out and the API itself says
        # whether the object is busy
        if not isinstance(result, HostingError):
            listed += [int(i) for i in result]
    # each once, and only those still PENDING or RUN by their details, whatever the
    # server's filter returned (one that ignores it lists every operation)
    in_progress = [
        op for op in _details(client, list(dict.fromkeys(listed))) if op.get("state") in IN_PROGRESS
    ]
    targets = []
    for i in ids:
        target = Target(resource, i, infos.get(i), errors.get(i))
        target.busy = [op for op in in_progress if _holds(op, resource, i)]
        targets.append(target)
    if find_failed_creates:
        _find_failed_creates(client, resource, targets)
    return targets


def _details(client: HostingClient, opids: list[int]) -> list[dict]:
    if not opids:
        return []
    results = multicall_chunked(client, [("operation_details", (i,)) for i in opids])
    return [r for r in results if isinstance(r, dict)]


def _find_failed_creates(client: HostingClient, resource: str, targets: list[Target]) -> None:
    stuck = [t for t in targets if t.state == "being_created" and not t.busy]
    if not stuck:
        return
    try:
        failed = client.operation_list({"type": f"{resource}_create", "state": "ERROR"})
    except HostingError:
        return  # not found: the delete goes out and the API says why it is refused
    ops = _details(client, [int(i) for i in failed])
    for target in stuck:
        mine = [op for op in ops if (op.get("param") or {}).get(f"{resource}_id") == target.obj_id]
        target.failed_create = mine[-1] if mine else None


# --- decisions (no request) ------------------------------------------------------------


def _busy(target: Target) -> Decision:
    ops = ", ".join(
        f"operation {_opid(op)} ({op.get('type', '?')}, {op.get('state', '?')})"
        for op in target.busy
    )
    error = StateError(
        f"{target.label} is busy with {ops}",
        hint=Hint("busy", operations=tuple(_opid(op) for op in target.busy)),
    )
    return Decision(target, Action.BUSY, error=error)


def _unreadable(target: Target) -> Decision | None:
    if target.info is None:
        error = target.error or NotFound(f"{target.label} could not be read")
        return Decision(target, Action.REFUSE, error=error)
    if target.busy:
        return _busy(target)
    return None


def decide_power(target: Target, action: str) -> Decision:
    """``vm start`` / ``vm stop`` / ``vm reboot``: already in the goal state, busy, or queue."""
    early = _unreadable(target)
    if early is not None:
        return early
    goal = {"start": "running", "stop": "halted"}.get(action)
    if goal is not None and target.state == goal:
        return Decision(target, Action.UNCHANGED, f"{target.label} is already {goal}")
    # the states the API accepts for each (it refuses the others)
    allowed = {"start": ("halted", "paused"), "stop": ("running", "paused")}.get(
        action, ("running",)
    )
    if target.state not in allowed and target.state != "?":
        error = StateError(
            f"{target.label} is {target.state}: it cannot {action} now "
            f"(it must be {' or '.join(allowed)})",
            VM_STATE,
        )
        return Decision(target, Action.REFUSE, error=error)
    return Decision(target, Action.QUEUE)


def decide_vm_delete(target: Target, stop: bool) -> Decision:
    """``vm delete``: a failed create is cancelled; a running VM refused (or stopped first)."""
    if target.info is not None and target.failed_create is not None:
        return Decision(target, Action.CANCEL_CREATE, cancel_note(target))
    early = _unreadable(target)
    if early is not None:
        return early
    if target.state in ("running", "paused"):
        if stop:
            return Decision(target, Action.STOP_FIRST)
        error = StateError(
            f"{target.label} is {target.state}: a VM must be halted to be deleted",
            hint=Hint("stop_to_delete", name=target.name),
        )
        return Decision(target, Action.REFUSE, error=error)
    return Decision(target, Action.QUEUE)


def decide_disk_delete(target: Target) -> Decision:
    """``disk delete``: a failed create is cancelled; an attached disk refused (as the
    API would: a disk must be detached to be deleted)."""
    if target.info is not None and target.failed_create is not None:
        return Decision(target, Action.CANCEL_CREATE, cancel_note(target))
    early = _unreadable(target)
    if early is not None:
        return early
    on = int((target.info or {}).get("vm_id") or 0)
    if on:
        error = StateError(
            f"{target.label} is attached to vm {on}: a disk must be detached to be deleted",
            DISK_ATTACHED,
            hint=Hint("detach_first", name=target.name, other=str(on)),
        )
        return Decision(target, Action.REFUSE, error=error)
    return Decision(target, Action.QUEUE)


def decide_link(
    target: Target, action: str, vm_id: int, vm_text: str, vm_info: dict | None = None
) -> Decision:
    """``disk attach D V`` when D is on V, ``disk detach D V`` when D is on no VM: nothing
    to send. Refused before anything is sent, as the API would refuse them: attaching a
    disk attached to another VM, detaching it from a VM it is not on, detaching the
    boot disk of a running VM, moving a disk on a VM neither running nor halted."""
    early = _unreadable(target)
    if early is not None:
        return early
    info = target.info or {}
    on = int(info.get("vm_id") or 0)
    if action == "attach" and on == vm_id:
        return Decision(
            target, Action.UNCHANGED, f"{target.label} is already attached to {vm_text}"
        )
    if action == "detach" and on == 0:
        return Decision(target, Action.UNCHANGED, f"{target.label} is not attached to any VM")
    error = None
    vm_state = (vm_info or {}).get("state")
    if action == "attach" and on:
        error = StateError(
            f"{target.label} is attached to vm {on}: a disk is attached to one VM at a time",
            DISK_ATTACHED,
            hint=Hint("detach_first", name=target.name, other=str(on)),
        )
    elif action == "detach" and on != vm_id:
        error = StateError(
            f"{target.label} is not attached to {vm_text} (it is on vm {on})", DISK_NOT_ATTACHED
        )
    elif vm_state is not None and vm_state not in ("running", "halted"):
        error = StateError(
            f"{vm_text} is {vm_state}: disks move only on a running or halted VM", VM_STATE
        )
    elif action == "detach" and info.get("position") == 0 and vm_state == "running":
        error = StateError(
            f"{target.label} is the boot disk of {vm_text}, which is running: "
            "a VM must be halted to detach its boot disk",
            VM_STATE,
            hint=Hint("stop_first", name=str((vm_info or {}).get("hostname") or vm_id)),
        )
    if error is not None:
        return Decision(target, Action.REFUSE, error=error)
    return Decision(target, Action.QUEUE)


def decide_boot_disk(target: Target, disk_id: int, disk_info: dict | None) -> Decision:
    """``vm boot-disk VM DISK``: DISK must be attached to VM, and VM halted (as the API
    requires); already its boot disk: nothing to send."""
    early = _unreadable(target)
    if early is not None:
        return early
    disk = disk_info or {}
    label = disk_label(disk_id, disk_info)
    if disk_info is not None and int(disk.get("vm_id") or 0) != target.obj_id:
        error = StateError(f"{label} is not attached to {target.label}", DISK_NOT_ATTACHED)
        return Decision(target, Action.REFUSE, error=error)
    if disk.get("position") == 0:
        return Decision(target, Action.UNCHANGED, f"{label} is already the boot disk")
    if target.state != "halted":
        error = StateError(
            f"{target.label} is {target.state}: a VM must be halted to change its boot disk",
            VM_STATE,
            hint=Hint("stop_first", name=target.name),
        )
        return Decision(target, Action.REFUSE, error=error)
    return Decision(target, Action.QUEUE)


def _spec_words(specs: dict[str, int]) -> str:
    """``cpu=2 vm_max_memory=2048``: an update's specs as a hint carries them (the CLI
    writes them back as the options they came from)."""
    return " ".join(f"{key}={value}" for key, value in specs.items())


def decide_vm_update(
    target: Target, specs: dict[str, int], available: dict[str, int] | None
) -> Decision:
    """``vm update``: refused before anything is sent as the API would refuse it (more
    shares than are free; cpu or vm_max_memory of a running VM; memory beyond
    vm_max_memory while running), unchanged when every value already holds."""
    early = _unreadable(target)
    if early is not None:
        return early
    info = target.info or {}
    if all(info.get(k) == v for k, v in specs.items()):
        return Decision(target, Action.UNCHANGED, f"{target.label} already has those settings")
    grow = int(specs.get("shares", info.get("shares", 0))) - int(info.get("shares", 0))
    for refused in shortfalls(available, shares=grow):  # the one quota rule
        return Decision(target, Action.REFUSE, error=refused)
    error = None
    if target.state == "running":
        changed = [k for k in ("cpu", "vm_max_memory") if k in specs and specs[k] != info.get(k)]
        memory = int(specs.get("shares", info.get("shares", 0))) * SHARE_MEMORY_MB
        max_memory = int(specs.get("vm_max_memory", info.get("vm_max_memory") or memory))
        if changed:
            error = StateError(
                f"{target.label} is running: a VM must be halted to change " + " or ".join(changed),
                VM_STATE,
                hint=Hint("halt_update", name=target.name, other=_spec_words(specs)),
            )
        elif memory > max_memory:
            error = StateError(
                f"{target.label} is running: {memory} MB of memory is beyond its "
                f"vm_max_memory ({max_memory} MB); a VM must be halted to grow beyond it",
                VM_STATE,
                hint=Hint("halt_update", name=target.name, other=_spec_words(specs)),
            )
    elif target.state not in ("halted", "?"):
        error = StateError(f"{target.label} is {target.state}: it cannot be updated now", VM_STATE)
    if error is not None:
        return Decision(target, Action.REFUSE, error=error)
    return Decision(target, Action.QUEUE)


SHARE_MEMORY_MB = 256  # a VM's memory is its shares * 256 MB (DESIGN, the sandbox)


# --- what a failed create holds, and how to release it ----------------------------------


def shares_text(shares: object) -> str:
    """ "1 share", "2 shares" ("? shares" when unknown)."""
    return f"{shares} share" if shares == 1 else f"{'?' if shares is None else shares} shares"


def holdings(resource: str, info: dict | None) -> str:
    """What a VM or disk left ``being_created`` holds: "2 shares and the disk quota of its
    system disk", "10240 MB of disk quota"."""
    info = info or {}
    if resource == "vm":
        return f"{shares_text(info.get('shares'))} and the disk quota of its system disk"
    return f"{info.get('size', '?')} MB of disk quota"


def cancel_note(target: Target) -> str:
    opid = _opid(target.failed_create or {})
    what = "the VM and its system disk" if target.resource == "vm" else "the disk"
    return (
        f"its create (operation {opid}) ended in ERROR: cancelling that operation removes "
        f"{what} and frees {holdings(target.resource, target.info)}"
    )


def failed_create_hint(resource: str, name: str, opid: int | None, info: dict | None) -> Hint:
    """The hint after a create ended in ERROR: what holds the resources, how to free them."""
    noun = "VM" if resource == "vm" else "disk"
    return Hint(
        "release",
        operations=(opid,) if opid is not None else (),
        name=name,
        resource=resource,
        text=f"the {noun} stays being_created and holds {holdings(resource, info)} until it "
        "is released",
    )
