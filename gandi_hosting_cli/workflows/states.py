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
from typing import TYPE_CHECKING

from gandi_hosting_cli.errors import HostingError, LocalUsageError, NotFound, StateError
from gandi_hosting_cli.workflows.batch import multicall_chunked
from gandi_hosting_cli.workflows.names import RESOURCES, disk_label, vm_label

if TYPE_CHECKING:
    from gandi_hosting_cli.api.client import HostingClient

IN_PROGRESS = ("PENDING", "RUN")
ERROR_LIST_HINT = "`gandi-hosting op list --state ERROR` lists the operations that failed"


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
) -> list[Target]:
    """Read the objects (``infos`` already known are not read again) and what holds them.

    One multicall: the missing infos and ``operation_list`` of PENDING and RUN
    operations; then, only when some are in progress, one multicall of their details.
    ``find_failed_creates`` (deletes): for an object still ``being_created`` that no
    operation holds, the ``{resource}_create`` operations in ERROR are read to find its own.
    """
    infos = dict(infos or {})
    missing = [i for i in dict.fromkeys(ids) if i not in infos]
    info_method = RESOURCES[resource].info_method
    calls = [(info_method, (i,)) for i in missing]
    calls += [("operation_list", ({"state": state},)) for state in IN_PROGRESS]
    results = multicall_chunked(client, calls)
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
    ids = " ".join(str(_opid(op)) for op in target.busy)
    error = StateError(
        f"{target.label} is busy with {ops}",
        hint=f"follow it with `gandi-hosting op wait {ids}` and run this again, or add --wait",
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
            hint=f"stop it first with `gandi-hosting vm stop {target.name} --wait`, "
            f"or add --stop to stop and delete it in one command",
        )
        return Decision(target, Action.REFUSE, error=error)
    return Decision(target, Action.QUEUE)


def decide_disk_delete(target: Target) -> Decision:
    if target.info is not None and target.failed_create is not None:
        return Decision(target, Action.CANCEL_CREATE, cancel_note(target))
    early = _unreadable(target)
    return early if early is not None else Decision(target, Action.QUEUE)


def decide_link(target: Target, action: str, vm_id: int, vm_text: str) -> Decision:
    """``disk attach D V`` when D is on V, ``disk detach D V`` when D is on no VM."""
    early = _unreadable(target)
    if early is not None:
        return early
    on = int((target.info or {}).get("vm_id") or 0)
    if action == "attach" and on == vm_id:
        return Decision(
            target, Action.UNCHANGED, f"{target.label} is already attached to {vm_text}"
        )
    if action == "detach" and on == 0:
        return Decision(target, Action.UNCHANGED, f"{target.label} is not attached to any VM")
    return Decision(target, Action.QUEUE)


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


def failed_create_hint(resource: str, name: str, opid: int | None, info: dict | None) -> str:
    """The message after a create ended in ERROR: what holds the resources, how to free them."""
    noun = "VM" if resource == "vm" else "disk"
    held = holdings(resource, info)
    cancel = f" or `gandi-hosting op cancel {opid}`" if opid is not None else ""
    return (
        f"the {noun} stays being_created and holds {held} until it is released: "
        f"`gandi-hosting {resource} delete {name}`{cancel} cancels the failed create and frees "
        f"them; {ERROR_LIST_HINT}"
    )


# --- new names --------------------------------------------------------------------------


def check_new_name(
    client: HostingClient, resource: str, name: str, os_ref: str | None = None
) -> int | None:
    """Refuse a VM hostname or disk name that already exists on the account (the API
    allows duplicate hostnames, but then every command by name is ambiguous).

    Two requests: the list (with ``os_list`` when ``os_ref`` is a label) and one
    multicall of infos. Returns the OS id of ``os_ref`` (None without one). Raises
    ``DuplicateName`` (exit 2) when the name is taken.
    """
    from gandi_hosting_cli.workflows.batch import batch
    from gandi_hosting_cli.workflows.names import is_id, match_os

    table = RESOURCES[resource]
    calls = [(table.list_method, ())]
    if os_ref is not None and not is_id(os_ref):
        calls.append(("os_list", ()))
    first = batch(client, calls)
    ids = [int(i) for i in first[0]]
    infos = multicall_chunked(client, [(table.info_method, (i,)) for i in ids])
    wanted = name.lower() if resource == "vm" else name  # hostnames are case-insensitive
    taken = []
    for obj_id, info in zip(ids, infos, strict=True):
        if isinstance(info, dict):
            have = str(info.get(table.name_key, ""))
            if (have.lower() if resource == "vm" else have) == wanted:
                taken.append(obj_id)
    if taken:
        raise DuplicateName(resource, name, taken)
    if os_ref is None:
        return None
    return int(os_ref) if is_id(os_ref) else match_os(first[1], os_ref)


class DuplicateName(LocalUsageError):
    """A new object would take a name that is already used: exit 2, nothing created."""

    def __init__(self, resource: str, name: str, ids: list[int]):
        noun = RESOURCES[resource].noun
        which = ", ".join(f"{resource} {i}" for i in ids)
        super().__init__(
            f"a {noun} named {name!r} already exists ({which}): a second one would make "
            f"every command by name ambiguous",
            hint="choose another name, or pass --allow-duplicate",
        )
