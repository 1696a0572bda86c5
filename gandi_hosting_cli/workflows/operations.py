"""Operations queued for one or several objects: queue, find a create's, read or wait.

- ``Outcome``: one object's result (the writes themselves are carried out by
  declarative/executor.py, for single commands and ``apply`` alike).
- ``create_with_operation`` finds the operation of a ``vm_create``/``disk_create``
  (those methods return the new object's id, not the operation's), and says what
  happened when the create's answer was lost (``NetworkError``, exit 6).
- ``read_states`` / ``apply_wait`` fill in the outcomes' states; ``error_for`` is the
  typed error an unsuccessful outcome stands for; ``worst_exit_code`` decides the exit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from gandi_hosting_cli.errors import (
    Hint,
    HostingError,
    NetworkError,
    OperationFailed,
    WaitTimeout,
)
from gandi_hosting_cli.exit_codes import ExitCode
from gandi_hosting_cli.workflows.batch import multicall_chunked
from gandi_hosting_cli.workflows.waiting import FAILED_STATES, FINAL_STATES, WaitOutcome

if TYPE_CHECKING:
    from gandi_hosting_cli.api.client import HostingClient

UNCHANGED = "unchanged"  # the state of an object whose goal already held (nothing sent)

# how many of the newest matching operations one batch reads to find a create's operation
CREATE_LOOKUP_BATCH = 10


@dataclass
class Outcome:
    """One object's result: the operation it queued, or the error that refused it."""

    label: str  # how people know the object: "web1 (vm 12)"
    obj_id: int | None = None
    operation: int | None = None
    state: str | None = None
    comment: str | None = None
    error: HostingError | None = None
    created: bool = False  # a create: JSON carries the new object's id
    timed_out: bool = False
    cancel_expected: bool = False  # `op cancel`: CANCEL is the success state
    note: str | None = None  # said on stderr: "web1 (vm 12) is already running"
    hint: str | None = None  # added to the error of a failed outcome (how to recover)
    said: bool = False  # its error was already said (before a prompt): not repeated

    @property
    def unchanged(self) -> bool:
        """The goal already held: nothing was sent."""
        return self.state == UNCHANGED and self.operation is None

    @property
    def exit_code(self) -> int:
        if self.error is not None:
            return int(self.error.exit_code)
        if self.state in FAILED_STATES and not (self.cancel_expected and self.state == "CANCEL"):
            return int(ExitCode.OPERATION_FAILED)
        if self.timed_out:
            return int(ExitCode.WAIT_TIMEOUT)
        return 0


class LostCreateFound(NetworkError):
    """A create whose answer was lost, but the server did queue it: ``obj_id`` and its
    operation's ``details`` were found. A single command reports it (exit 6, do not
    create it again); ``apply`` takes the object found and goes on."""

    def __init__(self, message: str, obj_id: int, details: dict, *, hint: Hint | None = None):
        super().__init__(message, hint=hint)
        self.obj_id = obj_id
        self.details = details


def create_with_operation(
    client: HostingClient,
    method: str,
    args: tuple,
    op_type: str,
    key: str,
) -> tuple[int, dict | None]:
    """Call ``vm_create``/``disk_create`` and find its operation: ``(new id, details)``.

    The one place a create is queued (single commands and ``apply`` alike).
    The caller has checked the new name free on the server just before (a single
    command's own check, or ``apply``'s for its whole wave of creates).

    Those methods return the new object's id, not the operation's, and operation ids
    need not grow with time (the spec promises no order in ``operation_list``). So the
    create goes between two ``operation_list`` calls filtered by type, in one ordered
    batch (one ``system.multicall``, or three calls in turn without it): the ids that
    appear in the second list are new, almost always just ours, and one batch reads
    their details. Anything unexpected falls back to reading every listed operation.
    When the answer is lost, the create is never sent again: the operation is looked
    for (``LostCreateFound`` when the server did queue it, else a ``NetworkError``).
    """
    listing = ("operation_list", ({"type": op_type},))
    try:
        before, created, after = client.multicall([listing, (method, args), listing], ordered=True)
    except NetworkError as error:
        # never sent again blindly: the server may have created it before the line broke
        raise _after_lost_create(client, error, method, args, op_type) from None
    if isinstance(created, HostingError):
        raise created
    obj_id = int(created)
    ids = [] if isinstance(after, HostingError) else [int(i) for i in after]
    seen = set() if isinstance(before, HostingError) else {int(i) for i in before}
    fresh = [i for i in ids if i not in seen]
    # every new id in one batch: with many creates in flight (apply), ours need not be
    # among the newest few, and reading past them one batch at a time costs a request each
    op = _match_operation(client, fresh, key, obj_id, first_batch_only=True, batch=len(fresh))
    if op is None:
        op = find_create_operation(client, op_type, key, obj_id)
    return obj_id, op


def _created_name(method: str, args: tuple) -> str:
    """The hostname of a ``vm_create``, the name of a ``disk_create``."""
    return str(args[0] if method == "vm_create" else args[0]["name"])


# how far back (seconds) a lost create's operation may date, allowing for clock skew
LOST_CREATE_WINDOW = 600


def _after_lost_create(
    client: HostingClient, error: HostingError, method: str, args: tuple, op_type: str
) -> HostingError:
    """A create whose answer never came: look its operation up and say what happened.

    The operation is the newest ``op_type`` one for the same hostname / disk name,
    created in the last few minutes. The error stays a network error (exit 6); its
    message says whether the object exists (and its operation) or not, so the user
    knows whether trying again would make a second one.
    """
    name_key = "hostname" if method == "vm_create" else "name"
    name = _created_name(method, args)
    what = "vm" if method == "vm_create" else "disk"
    try:
        found = _find_lost_create(client, op_type, what, name_key, name)
    except HostingError:
        return NetworkError(
            f"{error.message}; whether {what} {name} was created is unknown",
            hint=Hint("check_creates", resource=op_type),
        )
    if found is None:
        return NetworkError(
            f"{error.message}; no {op_type} operation for {name} was found: "
            f"{what} {name} was not created",
            hint=Hint("retry"),
        )
    obj_id = int((found.get("param") or {}).get(f"{what}_id") or 0)
    opid = found.get("uid", found.get("id"))
    return LostCreateFound(
        f"{error.message}; the server did queue it: {name} ({what} {obj_id}), "
        f"operation {opid} {found.get('state', '')}".rstrip(),
        obj_id,
        found,
        hint=Hint("created_anyway", operations=(int(opid),) if opid is not None else ()),
    )


def _find_lost_create(
    client: HostingClient, op_type: str, what: str, name_key: str, name: str
) -> dict | None:
    """The newest recent ``op_type`` operation whose object is called ``name``.

    Every listed operation is read (ids need not grow with time, so "the highest ids"
    says nothing about age). DESIGN only promises ``param_type`` and the object's id in
    ``param``: when the name is not there too, the object's info says it.
    """
    import time

    ids = [int(i) for i in client.operation_list({"type": op_type})]
    recent = []
    for details in multicall_chunked(client, [("operation_details", (i,)) for i in ids]):
        if not isinstance(details, dict):
            continue
        created = details.get("date_create")
        if not hasattr(created, "timestamp") or (
            created.timestamp() >= time.time() - LOST_CREATE_WINDOW
        ):
            recent.append(details)
    unnamed = [
        d for d in recent
        if name_key not in (d.get("param") or {}) and (d.get("param") or {}).get(f"{what}_id")
    ]  # fmt: skip
    calls = [(f"{what}_info", (int(d["param"][f"{what}_id"]),)) for d in unnamed]
    names = {
        id(d): info.get(name_key)
        for d, info in zip(unnamed, multicall_chunked(client, calls), strict=True)
        if isinstance(info, dict)
    }
    found = None
    for details in recent:
        param = details.get("param") or {}
        if param.get(name_key, names.get(id(details))) == name and _newer(details, found):
            found = details
    return found


def _newer(details: dict, than: dict | None) -> bool:
    """``details`` was created after ``than`` (or there is no ``than``)."""
    if than is None:
        return True
    a, b = details.get("date_create"), than.get("date_create")
    try:
        return bool(a > b)  # type: ignore[operator]
    except TypeError:
        return False


def find_create_operation(
    client: HostingClient, op_type: str, key: str, obj_id: int
) -> dict | None:
    """The ``op_type`` operation whose ``param[key]`` is ``obj_id``, with its details.

    One ``operation_list`` filtered by type, then the details of the newest few ids in
    one multicall: ours was queued a moment ago, so it is almost always among them.
    """
    ids = [int(i) for i in client.operation_list({"type": op_type})]
    return _match_operation(client, ids, key, obj_id)


def _match_operation(
    client: HostingClient,
    ids: list[int],
    key: str,
    obj_id: int,
    *,
    first_batch_only: bool = False,
    batch: int = CREATE_LOOKUP_BATCH,
) -> dict | None:
    ids = sorted(ids, reverse=True)
    size = max(1, batch)
    for start in range(0, len(ids), size):
        chunk = ids[start : start + size]
        for details in client.multicall([("operation_details", (i,)) for i in chunk]):
            if isinstance(details, dict) and (details.get("param") or {}).get(key) == obj_id:
                return details
        if first_batch_only:
            break
    return None


def read_states(
    client: HostingClient, outcomes: list[Outcome], known: dict[int, dict] | None = None
) -> None:
    """Read the state of every queued operation (one batch; ``known`` ones are not read)."""
    details: dict[int, dict] = dict(known or {})
    missing = [o.operation for o in outcomes if o.operation is not None]
    missing = [i for i in missing if i not in details]
    if missing:
        calls = [("operation_details", (i,)) for i in missing]
        results = multicall_chunked(client, calls)
        details.update({i: r for i, r in zip(missing, results, strict=True) if isinstance(r, dict)})
    _fill(outcomes, details)


def apply_wait(outcomes: list[Outcome], waited: WaitOutcome) -> None:
    """Take the states a wait saw; what it could not read, or did not see end, is said."""
    for o in outcomes:
        if o.operation is None:
            continue
        if o.operation in waited.errors:
            o.error = waited.errors[o.operation]
        elif waited.timed_out and waited.state(o.operation) not in FINAL_STATES:
            o.timed_out = True
    _fill(outcomes, waited.details)


def _fill(outcomes: list[Outcome], details: dict[int, dict]) -> None:
    for o in outcomes:
        if o.operation is None:
            continue
        d = details.get(o.operation) or {}
        o.state = str(d.get("state", "PENDING"))
        if o.state in FAILED_STATES and d.get("comment"):
            o.comment = str(d["comment"])


def worst_exit_code(outcomes: list[Outcome]) -> int:
    return max((o.exit_code for o in outcomes), default=0)


def error_for(o: Outcome) -> HostingError:
    """The typed error an unsuccessful outcome stands for, its message naming the object."""
    prefix = f"{o.label}: " if o.label else ""
    if o.error is not None:
        error = o.error
        if not prefix or error.message.startswith((prefix, f"{o.label} ")):
            return error  # it names the object already ("web1 (vm 102) is busy ...")
        return type(error)(f"{prefix}{error.message}", error.code, hint=error.hint)
    if o.timed_out:
        return WaitTimeout(
            f"{prefix}operation {o.operation} is still {o.state} at the wait timeout",
            hint=Hint("follow", operations=(int(o.operation or 0),)),
        )
    reason = f": {o.comment}" if o.comment else ""
    return OperationFailed(
        f"{prefix}operation {o.operation} ended in {o.state}{reason}", hint=o.hint
    )
