"""Operations queued for one or several objects: queue, find a create's, read or wait.

- ``Outcome``: one object's result (the writes themselves are carried out by
  declarative/executor.py, for single commands and ``apply`` alike).
- ``create_many`` queues ``vm_create``/``disk_create`` calls, a wave in one request,
  and finds their operations (those methods return the new object's id, not the
  operation's); it says what happened when an answer was lost (``NetworkError``, exit 6).
- ``read_states`` / ``apply_wait`` fill in the outcomes' states; ``error_for`` is the
  typed error an unsuccessful outcome stands for; ``worst_exit_code`` decides the exit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from gandi_hosting_cli.errors import (
    Hint,
    HostingError,
    NetworkError,
    NotFound,
    OperationFailed,
    WaitTimeout,
)
from gandi_hosting_cli.exit_codes import ExitCode
from gandi_hosting_cli.workflows.batch import multicall_chunked
from gandi_hosting_cli.workflows.waiting import FAILED_STATES, FINAL_STATES, WaitOutcome

if TYPE_CHECKING:
    from gandi_hosting_cli.api.client import HostingClient

UNCHANGED = "unchanged"  # the state of an object whose goal already held (nothing sent)


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


# creates in one request at most: ``operation_list`` shows the last 300 ids of a type (of
# every type, on a server that ignores the filter), and ours, with any other client's of
# the same moment, must fit in it
CREATE_WAVE = 200

# (new object id, its operation's details: None when it could not be found)
Created = tuple[int, "dict | None"]


def create_many(
    client: HostingClient, creates: list[tuple[str, tuple]]
) -> list[Created | HostingError]:
    """Send ``vm_create``/``disk_create`` calls and find each one's operation: for each
    create, in order, ``(new id, operation details)`` or the error that refused it.

    The one place a create is queued (single commands and ``apply`` alike). The caller
    has checked the new names free on the server just before (a single command's own
    check, or ``apply``'s for its whole wave of creates).

    Those methods return the new object's id, not the operation's, and operation ids
    need not grow with time (the spec promises no order in ``operation_list``). So the
    creates go between two ``operation_list`` calls per type, in one ordered batch (one
    ``system.multicall``, or the calls in turn without it), ``CREATE_WAVE`` a batch: the
    ids that appear in the second lists are new, and one more batch reads their
    details, matched to the creates by their object's id (``param``). A create
    whose operation is not among them (another client's creates pushed it out of the
    list's 300) is looked for among every listed one, once for the whole batch. When
    the answer is lost, no create is sent again: each one's operation is looked for
    (``LostCreateFound`` when the server did queue it, else a ``NetworkError``).
    """
    results: list[Created | HostingError | None] = [None] * len(creates)
    for part in _waves(creates):
        sent = [creates[i] for i in part]
        for i, result in zip(part, _create_wave(client, sent), strict=True):
            results[i] = result
    return results  # type: ignore[return-value]


def _waves(creates: list[tuple[str, tuple]]) -> list[list[int]]:
    """The indexes of ``creates`` in batches of at most ``CREATE_WAVE``."""
    return [
        list(range(start, min(start + CREATE_WAVE, len(creates))))
        for start in range(0, len(creates), CREATE_WAVE)
    ]


def _key(method: str) -> str:
    """The ``param`` key of a create's operation that holds the new object's id."""
    return "vm_id" if method == "vm_create" else "disk_id"


def _create_wave(client: HostingClient, sent: list[tuple[str, tuple]]) -> list[Any]:
    types = sorted({method for method, _ in sent})
    listings = [("operation_list", ({"type": t},)) for t in types]
    try:
        answers = client.multicall([*listings, *sent, *listings], ordered=True)
    except NetworkError as error:
        # never sent again blindly: the server may have created them before the line broke
        return _after_lost_creates(client, error, sent)
    before, created = answers[: len(types)], answers[len(types) : len(types) + len(sent)]
    after = answers[len(types) + len(sent) :]
    fresh: dict[int, str] = {}  # operation id -> the type it was listed for
    for op_type, old, new in zip(types, before, after, strict=True):
        if isinstance(new, HostingError):
            continue
        seen = set() if isinstance(old, HostingError) else {int(i) for i in old}
        fresh.update({int(i): op_type for i in new if int(i) not in seen})
    wanted = {
        (method, int(answer))
        for (method, _), answer in zip(sent, created, strict=True)
        if not isinstance(answer, HostingError)
    }
    try:
        found = _find_created(client, fresh, wanted)
    except HostingError:  # the objects exist: each one's operation is just not known
        found = {}
    return [
        answer if isinstance(answer, HostingError)
        else (int(answer), found.get((method, int(answer))))
        for (method, _), answer in zip(sent, created, strict=True)
    ]  # fmt: skip


def _find_created(
    client: HostingClient, fresh: dict[int, str], wanted: set[tuple[str, int]]
) -> dict[tuple[str, int], dict]:
    """The operations of the creates ``wanted`` among the ``fresh`` ids, then (those not
    there) among every listed one, once for all."""
    found = _operations_of(client, fresh, wanted)
    missing = sorted({method for method, obj_id in wanted - set(found)})
    if missing:
        try:
            lists = client.multicall([("operation_list", ({"type": t},)) for t in missing])
            listed = {
                int(i): op_type
                for op_type, ids in zip(missing, lists, strict=True)
                if not isinstance(ids, HostingError)
                for i in ids
                if int(i) not in fresh
            }
            found.update(_operations_of(client, listed, wanted - set(found)))
        except HostingError:
            pass  # those stay not found; the ones found among the new ids are kept
    return found


def _operations_of(
    client: HostingClient, opids: dict[int, str], wanted: set[tuple[str, int]]
) -> dict[tuple[str, int], dict]:
    """The details of the operations ``opids`` (id -> type) that are a create of
    ``wanted`` ((method, new object id)), read in one batch: (method, id) -> details."""
    if not opids or not wanted:
        return {}
    ids = sorted(opids, reverse=True)
    found: dict[tuple[str, int], dict] = {}
    details = multicall_chunked(client, [("operation_details", (i,)) for i in ids])
    for opid, d in zip(ids, details, strict=True):
        if not isinstance(d, dict):
            continue
        op_type = str(d.get("type") or opids[opid])  # its own word first: a list may not filter
        obj_id = (d.get("param") or {}).get(_key(op_type))
        try:
            key = (op_type, int(obj_id))
        except (TypeError, ValueError):
            continue
        if key in wanted:
            found.setdefault(key, d)
    return found


def _created_name(method: str, args: tuple) -> str:
    """The hostname of a ``vm_create``, the name of a ``disk_create``."""
    return str(args[0] if method == "vm_create" else args[0]["name"])


# how far back (seconds) a lost create's operation may date, allowing for clock skew
LOST_CREATE_WINDOW = 600


def _after_lost_creates(
    client: HostingClient, error: HostingError, sent: list[tuple[str, tuple]]
) -> list[HostingError]:
    """Creates whose answer never came: look their operations up and say what happened.

    Each one's operation is the newest of its type for the same hostname / disk name,
    created in the last few minutes (one lookup per type for the whole batch). Each
    error stays a network error (exit 6); its message says whether the object exists
    (and its operation) or not, so the user knows whether trying again would make a
    second one.
    """
    names: dict[str, set[str]] = {}
    for method, args in sent:
        names.setdefault(method, set()).add(_created_name(method, args))
    found: dict[str, dict[str, dict]] = {}
    unknown: set[str] = set()
    for method, wanted in names.items():
        what = "vm" if method == "vm_create" else "disk"
        name_key = "hostname" if method == "vm_create" else "name"
        try:
            found[method] = _find_lost_creates(client, method, what, name_key, wanted)
        except HostingError:
            unknown.add(method)
    return [_lost_create_error(error, m, a, found.get(m), m in unknown) for m, a in sent]


def _lost_create_error(
    error: HostingError, method: str, args: tuple, found: dict | None, unknown: bool
) -> HostingError:
    what = "vm" if method == "vm_create" else "disk"
    name = _created_name(method, args)
    if unknown:
        return NetworkError(
            f"{error.message}; whether {what} {name} was created is unknown",
            hint=Hint("check_creates", resource=method),
        )
    details = (found or {}).get(name)
    if details is None:
        return NetworkError(
            f"{error.message}; no {method} operation for {name} was found: "
            f"{what} {name} was not created",
            hint=Hint("retry"),
        )
    obj_id = int((details.get("param") or {}).get(f"{what}_id") or 0)
    opid = details.get("uid", details.get("id"))
    return LostCreateFound(
        f"{error.message}; the server did queue it: {name} ({what} {obj_id}), "
        f"operation {opid} {details.get('state', '')}".rstrip(),
        obj_id,
        details,
        hint=Hint("created_anyway", operations=(int(opid),) if opid is not None else ()),
    )


def _find_lost_creates(
    client: HostingClient, op_type: str, what: str, name_key: str, names: set[str]
) -> dict[str, dict]:
    """The newest recent ``op_type`` operation of each object called one of ``names``:
    name -> details.

    Every listed operation is read (ids need not grow with time, so "the highest ids"
    says nothing about age), then the infos of the objects they created (one batch):
    DESIGN only promises ``param_type`` and the object's id in ``param``, so the name
    may only be in the info, and an object deleted since is not the lost one.
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
    candidates = []
    for d in recent:
        param = d.get("param") if isinstance(d.get("param"), dict) else {}
        obj_id, name = param.get(f"{what}_id"), param.get(name_key)
        if isinstance(obj_id, int) and obj_id > 0 and (name is None or _named(name, names, what)):
            candidates.append({**d, "param": param})
    found: dict[str, dict] = {}
    for details in _still_there(client, what, name_key, candidates):
        name = _named(details["param"][name_key], names, what)
        if name is not None and _newer(details, found.get(name)):
            found[name] = details
    return found


def _named(name: object, names: set[str], what: str) -> str | None:
    """Which of ``names`` ``name`` is (hostnames compare without case), else None."""
    if not isinstance(name, str):
        return None
    if what != "vm":
        return name if name in names else None
    return next((n for n in names if n.lower() == name.lower()), None)


def _still_there(
    client: HostingClient, what: str, name_key: str, candidates: list[dict]
) -> list[dict]:
    """The candidates whose object exists, still bears the name, and is not being
    deleted: a create of the same name a moment ago, whose object was then deleted (or
    cancelled), is not the lost one. Their ``param`` gets the name the info says when
    it had none."""
    ids = [int(d["param"][f"{what}_id"]) for d in candidates]
    infos = multicall_chunked(client, [(f"{what}_info", (i,)) for i in ids])
    kept = []
    for details, info in zip(candidates, infos, strict=True):
        if isinstance(info, HostingError) and not isinstance(info, NotFound):
            raise info  # cannot tell whether it exists: the create's fate is unknown
        if isinstance(info, dict) and info.get("state") != "being_deleted":
            param = dict(details["param"])
            param.setdefault(name_key, info.get(name_key))
            if str(param[name_key]).lower() == str(info.get(name_key, "")).lower():
                kept.append({**details, "param": param})
    return kept


def _newer(details: dict, than: dict | None) -> bool:
    """``details`` was created after ``than`` (or there is no ``than``)."""
    if than is None:
        return True
    a, b = details.get("date_create"), than.get("date_create")
    try:
        return bool(a > b)  # type: ignore[operator]
    except TypeError:
        return False


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
