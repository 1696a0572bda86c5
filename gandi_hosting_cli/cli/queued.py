"""What every command that queues operations shares: queue, report, wait, exit code.

- ``queue_each`` sends one request per object (one multicall for several objects) and
  never stops at the first refusal: each object gets its own outcome.
- ``find_create_operation`` finds the operation of a ``vm_create``/``disk_create``
  (those methods return the new object's id, not the operation's).
- ``report`` reads the operations' states (or waits for them with ``--wait``), prints
  one result per object and exits with the worst exit code among them.
- ``confirm_destruction`` is the terminal prompt / ``--yes`` rule of destructive commands.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import click

from gandi_hosting_cli.api.errors import HostingError, NetworkError, OperationFailed, WaitTimeout
from gandi_hosting_cli.exit_codes import ExitCode
from gandi_hosting_cli.waiting import (
    FAILED_STATES,
    FINAL_STATES,
    WaitInterrupted,
    wait_operations,
)

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

    @property
    def exit_code(self) -> int:
        if self.error is not None:
            return int(self.error.exit_code)
        if self.state in FAILED_STATES and not (self.cancel_expected and self.state == "CANCEL"):
            return int(ExitCode.OPERATION_FAILED)
        if self.timed_out:
            return int(ExitCode.WAIT_TIMEOUT)
        return 0

    def as_json(self, with_id: bool) -> dict[str, Any]:
        data: dict[str, Any] = {}
        if with_id or self.created:
            data["id"] = self.obj_id
        if self.error is not None:
            data["error"] = {
                "code": self.error.code,
                "message": self.error.message,
                "exit_code": int(self.error.exit_code),
            }
            return data
        data["operation"] = self.operation
        data["state"] = self.state
        if self.comment:
            data["comment"] = self.comment
        return data

    def as_text(self) -> str:
        prefix = f"{self.label}: " if self.label else ""
        if self.error is not None:
            return f"{prefix}{self.error.message}"
        text = f"{prefix}operation {self.operation} {self.state}"
        return f"{text} ({self.comment})" if self.comment else text


def queue_each(
    client: Any, method: str, targets: Sequence[tuple[str, int, tuple]]
) -> list[Outcome]:
    """Call ``method(*args)`` for every ``(label, obj_id, args)``; refusals become outcomes.

    A single object goes out as a plain call whose refusal raises (exit code and message
    from main()); several go in one multicall, so one refusal does not stop the others.
    """
    if len(targets) == 1:
        label, obj_id, args = targets[0]
        return [Outcome(label, obj_id, operation=getattr(client, method)(*args))]
    from gandi_hosting_cli.cli.resolve import multicall_chunked

    results = multicall_chunked(client, [(method, args) for _, _, args in targets])
    outcomes = []
    for (label, obj_id, _), result in zip(targets, results, strict=True):
        if isinstance(result, HostingError):
            outcomes.append(Outcome(label, obj_id, error=result))
        else:
            outcomes.append(Outcome(label, obj_id, operation=int(result)))
    return outcomes


def create_with_operation(
    client: Any, method: str, args: tuple, op_type: str, key: str
) -> tuple[int, dict | None]:
    """Call ``vm_create``/``disk_create`` and find its operation: ``(new id, details)``.

    Those methods return the new object's id, not the operation's, and operation ids
    need not grow with time (the spec promises no order in ``operation_list``). So the
    create goes between two ``operation_list`` calls filtered by type, in one ordered
    batch (one ``system.multicall``, or three calls in turn without it): the ids that
    appear in the second list are new, almost always just ours, and one batch reads
    their details. Anything unexpected falls back to reading every listed operation.
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
    op = _match_operation(client, fresh, key, obj_id, first_batch_only=True)
    if op is None:
        op = find_create_operation(client, op_type, key, obj_id)
    return obj_id, op


# how far back (seconds) a lost create's operation may date, allowing for clock skew
LOST_CREATE_WINDOW = 600


def _after_lost_create(
    client: Any, error: HostingError, method: str, args: tuple, op_type: str
) -> HostingError:
    """A create whose answer never came: look its operation up and say what happened.

    The operation is the newest ``op_type`` one for the same hostname / disk name,
    created in the last few minutes. The error stays a network error (exit 6); its
    message says whether the object exists (and its operation) or not, so the user
    knows whether trying again would make a second one.
    """
    name_key, name = ("hostname", args[0]) if method == "vm_create" else ("name", args[0]["name"])
    what = "vm" if method == "vm_create" else "disk"
    try:
        found = _find_lost_create(client, op_type, what, name_key, name)
    except HostingError:
        return NetworkError(
            f"{error.message}; whether {what} {name} was created is unknown",
            hint=f"check `gandi-hosting op list --type {op_type}` before trying again",
        )
    if found is None:
        return NetworkError(
            f"{error.message}; no {op_type} operation for {name} was found: "
            f"{what} {name} was not created",
            hint="it is safe to try again",
        )
    obj_id = (found.get("param") or {}).get(f"{what}_id")
    opid = found.get("uid", found.get("id"))
    return NetworkError(
        f"{error.message}; the server did queue it: {name} ({what} {obj_id}), "
        f"operation {opid} {found.get('state', '')}".rstrip(),
        hint=f"follow it with `gandi-hosting op wait {opid}`; do not create it again",
    )


def _find_lost_create(
    client: Any, op_type: str, what: str, name_key: str, name: str
) -> dict | None:
    """The newest recent ``op_type`` operation whose object is called ``name``.

    Every listed operation is read (ids need not grow with time, so "the highest ids"
    says nothing about age). DESIGN only promises ``param_type`` and the object's id in
    ``param``: when the name is not there too, the object's info says it.
    """
    import time

    from gandi_hosting_cli.cli.resolve import multicall_chunked

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


def find_create_operation(client: Any, op_type: str, key: str, obj_id: int) -> dict | None:
    """The ``op_type`` operation whose ``param[key]`` is ``obj_id``, with its details.

    One ``operation_list`` filtered by type, then the details of the newest few ids in
    one multicall: ours was queued a moment ago, so it is almost always among them.
    """
    ids = [int(i) for i in client.operation_list({"type": op_type})]
    return _match_operation(client, ids, key, obj_id)


def _match_operation(
    client: Any, ids: list[int], key: str, obj_id: int, *, first_batch_only: bool = False
) -> dict | None:
    ids = sorted(ids, reverse=True)
    for start in range(0, len(ids), CREATE_LOOKUP_BATCH):
        batch = ids[start : start + CREATE_LOOKUP_BATCH]
        for details in client.multicall([("operation_details", (i,)) for i in batch]):
            if isinstance(details, dict) and (details.get("param") or {}).get(key) == obj_id:
                return details
        if first_batch_only:
            break
    return None


def report(
    app: Any,
    outcomes: list[Outcome],
    *,
    wait: bool,
    wait_timeout: float | None,
    several: bool,
    known: dict[int, dict] | None = None,
) -> None:
    """Fill in states (reading them, or waiting), print the results, exit with the worst code.

    ``several``: the command was given several objects, so JSON is an array (one object
    per argument, with ``id``) and failures are reported one by one instead of raised.
    ``known``: operation details already read (a create's lookup), to save a request.
    """
    queued = [o for o in outcomes if o.operation is not None]
    opids = [o.operation for o in queued]
    details: dict[int, dict] = dict(known or {})
    if opids and wait:
        outcome = _wait(app, opids, {o.operation: o.label for o in queued}, wait_timeout)
        details.update(outcome.details)
        for o in queued:
            if o.operation in outcome.errors:
                o.error = outcome.errors[o.operation]
            elif outcome.timed_out and outcome.state(o.operation) not in FINAL_STATES:
                o.timed_out = True
    elif opids:
        missing = [i for i in opids if i not in details]
        if missing:
            from gandi_hosting_cli.cli.resolve import multicall_chunked

            calls = [("operation_details", (i,)) for i in missing]
            results = multicall_chunked(app.client, calls)
            details.update(
                {i: r for i, r in zip(missing, results, strict=True) if isinstance(r, dict)}
            )
    for o in queued:
        d = details.get(o.operation) or {}
        o.state = str(d.get("state", "PENDING"))
        if o.state in FAILED_STATES and d.get("comment"):
            o.comment = str(d["comment"])
    _print(app, outcomes, several)
    worst = max((o.exit_code for o in outcomes), default=0)
    if worst == 0:
        return
    if not several:
        raise _error_for(outcomes[0])
    for o in outcomes:
        if o.exit_code:
            app.output.error(_error_for(o).message)
    raise click.exceptions.Exit(worst)


def _print(app: Any, outcomes: list[Outcome], several: bool) -> None:
    out = app.output
    if out.json:
        if several:
            from gandi_hosting_cli.output import to_json

            click.echo(to_json([o.as_json(with_id=True) for o in outcomes]))
        else:
            out.result(outcomes[0].as_json(with_id=False))
        return
    if out.quiet:
        # creates: the new object's id (what a script wants); otherwise the operation id
        out.ids(o.obj_id if o.created else o.operation for o in outcomes if o.error is None)
        return
    lines = [o.as_text() for o in outcomes if o.error is None]
    if lines:
        click.echo("\n".join(lines))


def _error_for(o: Outcome) -> HostingError:
    prefix = f"{o.label}: " if o.label else ""
    if o.error is not None:
        error = o.error
        if not prefix or error.message.startswith(prefix):
            return error
        return type(error)(f"{prefix}{error.message}", error.code, hint=error.hint)
    follow = f"follow it with `gandi-hosting op wait {o.operation}`"
    if o.timed_out:
        return WaitTimeout(
            f"{prefix}operation {o.operation} is still {o.state} at the wait timeout; {follow}"
        )
    reason = f": {o.comment}" if o.comment else ""
    return OperationFailed(f"{prefix}operation {o.operation} ended in {o.state}{reason}")


def _wait(app: Any, opids: list[int], labels: dict[int, str], timeout: float | None) -> Any:
    """Wait with a live display on a terminal (stderr) and silently otherwise.

    Ctrl-C raises WaitInterrupted (exit 130): the operations go on, and the message says
    how to follow them."""
    from gandi_hosting_cli.waiting import Progress

    console = app.output.err_console
    # stderr on a terminal: someone is watching (even with --json, whose result is on stdout)
    show = console.is_terminal and not app.output.quiet
    try:
        if not show:
            return wait_operations(app.client, opids, timeout=timeout)
        with Progress(console, opids, labels) as progress:
            return wait_operations(app.client, opids, timeout=timeout, progress=progress)
    except KeyboardInterrupt:
        ids = " ".join(str(i) for i in opids)
        noun = "operation" if len(opids) == 1 else "operations"
        verb = "goes" if len(opids) == 1 else "go"
        if console.is_terminal:
            click.echo(err=True)  # off the line where the terminal echoed ^C
        # main() prints it on one line, and as the JSON error object with --json
        raise WaitInterrupted(
            f"stopped waiting: {noun} {ids} {verb} on; "
            f"follow {'it' if len(opids) == 1 else 'them'} with `gandi-hosting op wait {ids}`"
        ) from None


def confirm_destruction(app: Any, yes: bool, action: str, lines: Sequence[str]) -> None:
    """Show what ``action`` destroys and ask, on a terminal; ``--yes`` skips the question.

    Off a terminal without ``--yes`` the caller must already have refused (see
    ``require_yes``): this only runs once the objects are known.
    """
    if yes:
        return
    click.echo(f"This will {action}:", err=True)
    for line in lines:
        click.echo(f"  {line}", err=True)
    app.confirm("Continue?", yes)


def require_yes(app: Any, yes: bool, action: str) -> None:
    """Off a terminal, a destructive command needs ``--yes``: exit 2 before any request."""
    if not yes and not app.is_interactive:
        raise click.UsageError(
            f"refusing to {action} without confirmation: not on a terminal, pass --yes"
        )
