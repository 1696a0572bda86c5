"""How commands that queue operations report: one result per object, the worst exit code.

The workflow (``workflows.operations``) queues and reads states; this module waits with a
live display on a terminal, hands the results to the output layer, and turns failures
into the exit code. ``require_yes`` / ``confirm_destruction`` are the terminal prompt /
``--yes`` rule of destructive commands.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import click

from gandi_hosting_cli.cli.context import AppContext
from gandi_hosting_cli.cli.hints import with_hint
from gandi_hosting_cli.output.result import Lines, Result
from gandi_hosting_cli.workflows import operations
from gandi_hosting_cli.workflows.operations import Outcome
from gandi_hosting_cli.workflows.waiting import WaitInterrupted, WaitOutcome, wait_operations

if TYPE_CHECKING:
    from gandi_hosting_cli.workflows.states import Decision, Target


def outcome_json(o: Outcome, with_id: bool) -> dict[str, Any]:
    from gandi_hosting_cli.cli.listing import error_json

    data: dict[str, Any] = {}
    if with_id or o.created:
        # a name that named no object (or several): the name given stands for the id
        data["id"] = o.obj_id if o.obj_id is not None or o.error is None else o.label
    if o.error is not None:
        data.update(error_json(o.error))
        return data
    data["operation"] = o.operation
    data["state"] = o.state
    if o.comment:
        data["comment"] = o.comment
    if o.note:
        data["note"] = o.note
    return data


def outcome_text(o: Outcome) -> str:
    prefix = f"{o.label}: " if o.label else ""
    if o.error is not None:
        return f"{prefix}{o.error.message}"
    if o.unchanged:
        return f"{prefix}unchanged"
    text = f"{prefix}operation {o.operation} {o.state}"
    return f"{text} ({o.comment})" if o.comment else text


def outcomes_result(outcomes: list[Outcome], several: bool) -> Result:
    """JSON: one object, or an array with ids for several; -q: new ids (creates) or
    operation ids; people: one line per object that queued (failures go to stderr)."""
    data: Any = (
        [outcome_json(o, with_id=True) for o in outcomes]
        if several
        else outcome_json(outcomes[0], with_id=False)
    )
    ids = [o.obj_id if o.created else o.operation for o in outcomes if o.error is None]
    ids = [i for i in ids if i is not None]
    # an unchanged object's note is on stderr: stdout lists what was done
    lines = [outcome_text(o) for o in outcomes if o.error is None and not o.unchanged]
    return Result(human=[Lines(lines)], json=data, ids=ids)


def report(
    app: AppContext,
    outcomes: list[Outcome],
    *,
    wait: bool,
    wait_timeout: float | None,
    several: bool,
    known: dict[int, dict] | None = None,
    recover: Callable[[Outcome], str] | None = None,
) -> None:
    """Fill in states (reading them, or waiting), print the results, exit with the worst code.

    ``several``: the command was given several objects, so JSON is an array (one object
    per argument, with ``id``) and failures are reported one by one instead of raised.
    ``known``: operation details already read (a create's lookup), to save a request.
    ``recover(outcome)``: the hint of an operation that ended in ERROR (how to release
    what a failed create holds).
    """
    queued = [o for o in outcomes if o.operation is not None]
    if queued and wait:
        labels = {o.operation: o.label for o in queued}
        operations.apply_wait(outcomes, _wait(app, list(labels), labels, wait_timeout))
    elif queued:
        operations.read_states(app.client, outcomes, known)
    for o in outcomes:
        if o.note and not o.exit_code:
            app.terminal.message(o.note)
    app.output.emit(outcomes_result(outcomes, several))
    worst = operations.worst_exit_code(outcomes)
    if worst == 0:
        return
    for o in outcomes:
        if recover is not None and o.state == "ERROR" and o.error is None:
            o.hint = recover(o)
    if not several:
        raise operations.error_for(outcomes[0])
    for o in outcomes:
        if o.exit_code and not o.said:
            error = operations.error_for(o)
            app.terminal.error(
                with_hint(error.message, error.hint),
                code=error.code,
                exit_code=error.exit_code,
            )
    raise click.exceptions.Exit(worst)


def in_input_order(
    tokens: Sequence[tuple[str, int | None, Any]], outcomes: list[Outcome]
) -> list[Outcome]:
    """Each object's outcome in the order the user gave them (``Resolved.tokens``): the
    outcomes of the objects found (each object once), and for a name that named none
    (or several) its error."""
    by_id = {o.obj_id: o for o in outcomes}
    ordered: list[Outcome] = []
    seen: set[int] = set()
    for token, obj_id, error in tokens:
        if obj_id is None:
            ordered.append(Outcome(token, error=error))
        elif obj_id not in seen and obj_id in by_id:
            seen.add(obj_id)
            ordered.append(by_id[obj_id])
    return ordered


# how many times the objects held by operations are waited for and read again
MAX_BUSY_ROUNDS = 5


def settle(
    app: AppContext,
    targets: list[Target],
    decide: Callable[[Target], Decision],
    reread: Callable[[list[int]], list[Target]],
    *,
    wait: bool,
    wait_timeout: float | None,
) -> list[Decision]:
    """Decide for every object; with ``wait``, the busy ones are waited for, read again
    and decided again (their goal may hold by then), a few rounds at most."""
    from gandi_hosting_cli.errors import Hint, WaitTimeout
    from gandi_hosting_cli.workflows.states import Action

    decisions = [decide(t) for t in targets]
    for _ in range(MAX_BUSY_ROUNDS):
        busy = [d for d in decisions if d.action is Action.BUSY]
        if not wait or not busy:
            break
        labels = {i: d.target.label for d in busy for i in d.busy_ids}
        waited = _wait(app, list(labels), labels, wait_timeout)
        if waited.timed_out:
            for d in busy:
                ids = " ".join(str(i) for i in d.busy_ids)
                d.error = WaitTimeout(
                    f"{d.target.label} is still busy with operation {ids} at the wait timeout",
                    hint=Hint("follow", operations=tuple(d.busy_ids)),
                )
            break
        fresh = {t.obj_id: t for t in reread([d.target.obj_id for d in busy])}
        decisions = [
            decide(fresh[d.target.obj_id]) if d.action is Action.BUSY else d for d in decisions
        ]
    return decisions


def act(
    app: AppContext,
    decisions: list[Decision],
    method: str,
    args: Callable[[int], tuple] = lambda obj_id: (obj_id,),
) -> list[Outcome]:
    """Queue ``method`` (the client's method by name: ``"vm_stop"``) on the objects to
    change, cancel the failed creates, and give every object its outcome (in order):
    unchanged, refused, busy, queued or cancelled.

    Nothing is sent for an object whose goal holds; with several outcomes, a refusal of
    the write is that object's outcome instead of stopping the others."""
    outcomes, to_queue, to_cancel = _outcomes_to_fill(decisions)
    alone = len(outcomes) == 1
    if to_queue:
        _queue_writes(app, method, args, to_queue, alone)
    if to_cancel:
        _cancel_failed_creates(app, to_cancel, alone)
    return outcomes


def _outcomes_to_fill(
    decisions: list[Decision],
) -> tuple[list[Outcome], list[Outcome], list[tuple[Outcome, int]]]:
    """Every object's outcome; those still to queue; those whose failed create to cancel."""
    from gandi_hosting_cli.cli.hints import render
    from gandi_hosting_cli.errors import Hint
    from gandi_hosting_cli.workflows.operations import UNCHANGED
    from gandi_hosting_cli.workflows.states import Action

    outcomes: list[Outcome] = []
    to_queue: list[Outcome] = []
    to_cancel: list[tuple[Outcome, int]] = []
    for d in decisions:
        t = d.target
        o = Outcome(t.label, t.obj_id)
        if d.action is Action.UNCHANGED:
            o.state, o.note = UNCHANGED, d.note
        elif d.action in (Action.BUSY, Action.REFUSE):
            o.error = d.error
        elif d.action is Action.CANCEL_CREATE:
            opid = int((t.failed_create or {}).get("uid", 0))
            o.cancel_expected = True
            o.note = (
                f"{t.label}: its create (operation {opid}) had ended in ERROR; cancelled it, "
                f"which removes the {'VM and its system disk' if t.resource == 'vm' else 'disk'} "
                f"and frees what it held; {render(Hint('list_failed'))}"
            )
            to_cancel.append((o, opid))
        else:
            to_queue.append(o)
        outcomes.append(o)
    return outcomes, to_queue, to_cancel


# the plan's action (declarative/plan.py) of each write a single command queues
ACTION_KINDS = {
    "vm_start": "start",
    "vm_stop": "stop",
    "vm_reboot": "reboot",
    "vm_delete": "delete_vm",
    "vm_update": "update_vm",
    "vm_disk_link": "link_boot_disk",
    "disk_attach": "attach",
    "disk_detach": "detach",
    "disk_delete": "delete_disk",
}


def _action_fields(kind: str, args: tuple) -> dict[str, Any]:
    """The Action fields of a write's arguments (its objects, its specs)."""
    if kind in ("attach", "detach"):
        return {"disk_id": args[0], "vm_id": args[1]}
    if kind == "delete_disk":
        return {"disk_id": args[0]}
    if kind == "link_boot_disk":
        return {"vm_id": args[0], "disk_id": args[1]}
    if kind == "update_vm":
        return {"vm_id": args[0], "params": {"specs": dict(args[1])}, "after": dict(args[1])}
    return {"vm_id": args[0]}


def _queue_writes(
    app: AppContext,
    method: str,
    args: Callable[[int], tuple],
    to_queue: list[Outcome],
    alone: bool,
) -> None:
    kind = ACTION_KINDS[method]
    items = [(o, _action_fields(kind, args(int(o.obj_id or 0)))) for o in to_queue]
    carry_out(app, kind, items, alone)


def carry_out(
    app: AppContext, kind: str, items: list[tuple[Outcome, dict[str, Any]]], alone: bool
) -> None:
    """The writes as a plan of ``kind`` actions (declarative/plan.py; ``items``: each
    object's outcome and its Action fields), carried out by the executor that runs
    ``apply`` (declarative/executor.py), which waits for nothing here: several go in one
    request, each refusal is that object's outcome (one object alone: its refusal is
    raised as the API gave it)."""
    from gandi_hosting_cli.declarative.executor import apply_plan
    from gandi_hosting_cli.declarative.plan import Plan, PlanBuilder
    from gandi_hosting_cli.errors import HostingError

    builder = PlanBuilder()
    for o, fields in items:
        builder.add(kind, o.label, **fields)
    result = apply_plan(app.client, Plan(actions=builder.actions), wait=False)
    for (o, _), done in zip(items, result.outcomes, strict=True):
        error = done.error
        if error is None and done.exit_code:
            error = HostingError(done.message)
            error.exit_code = done.exit_code  # type: ignore[misc]
        if error is not None and alone:
            raise error
        o.operation, o.error = done.operation, error


def create_one(
    app: AppContext,
    kind: str,
    name: str,
    params: dict[str, Any],
    label: str,
    password: str | None = None,
) -> tuple[Outcome, dict | None]:
    """``vm create`` / ``disk create`` as a plan of one create action, carried out by the
    executor that runs ``apply`` (its one create path; the name was just checked free,
    so not again). ``label`` names the new object, ``{id}`` its id. A lost answer stays
    an error (exit 6) saying whether the server created it. ``(outcome, operation
    details)``; the details are None when the operation could not be found."""
    from gandi_hosting_cli.declarative.executor import OperationNotFound, apply_plan
    from gandi_hosting_cli.declarative.plan import Plan, PlanBuilder

    builder = PlanBuilder()
    if kind == "create_vm":
        builder.add(kind, f"vm {name}", vm=name, params=params)
    else:
        builder.add(kind, f"disk {name}", disk=name, params=params)
    result = apply_plan(
        app.client,
        Plan(actions=builder.actions),
        passwords=(lambda hostname: password or "") if kind == "create_vm" else None,
        wait=False,
        check_names=False,
        recover_lost_creates=False,
    )
    done = result.outcomes[0]
    if isinstance(done.error, OperationNotFound):  # the object exists all the same
        obj_id = done.error.obj_id
        return Outcome(label.format(id=obj_id), obj_id, created=True, state="UNKNOWN"), None
    if done.error is not None:
        raise done.error
    obj_id = done.object_id
    outcome = Outcome(label.format(id=obj_id), obj_id, operation=done.operation, created=True)
    return outcome, done.details


def _cancel_failed_creates(
    app: AppContext, to_cancel: list[tuple[Outcome, int]], alone: bool
) -> None:
    items = [(o, {"params": {"operation": opid}}) for o, opid in to_cancel]
    carry_out(app, "cancel", items, alone)
    for o, _ in to_cancel:
        if o.error is not None:
            o.operation, o.note = None, None


def report_create(
    app: AppContext,
    outcome: Outcome,
    op: dict | None,
    *,
    noun: str,
    wait: bool,
    wait_timeout: float | None,
    name: str = "",
    held: dict | None = None,
) -> None:
    """The result of a create: its operation's state (or wait), or just "created" when the
    operation could not be found (over 300 newer ones?).

    A create that ends in ERROR leaves its object ``being_created``, holding what it
    reserved (``held``: {"shares": n} or {"size": mb}): the error says so and how to
    release it (``vm delete NAME`` / ``op cancel N``)."""
    from gandi_hosting_cli.workflows.states import failed_create_hint

    def recover(o: Outcome) -> str:
        return failed_create_hint(noun, name or str(o.obj_id), o.operation, held)

    if op is None:
        app.terminal.warn(f"{noun} {outcome.obj_id} created but its operation was not found")
        text = f"{outcome.label}: created"
        app.output.emit(Result.value(outcome_json(outcome, with_id=True), text))
        return
    known = {outcome.operation: op} if outcome.operation else None
    report(
        app,
        [outcome],
        wait=wait,
        wait_timeout=wait_timeout,
        several=False,
        known=known,
        recover=recover,
    )


def _wait(
    app: AppContext, opids: list[int], labels: dict[int, str], timeout: float | None
) -> WaitOutcome:
    """Wait with a live display on a terminal (stderr) and silently otherwise.

    Ctrl-C raises WaitInterrupted (exit 130): the operations go on, and the message says
    how to follow them."""
    from gandi_hosting_cli.cli.progress import Progress

    console = app.terminal.err_console
    # stderr on a terminal: someone is watching (even with --json, whose result is on stdout)
    show = console.is_terminal and not app.terminal.quiet
    try:
        pace = {"clock": app.wait_clock, "sleep": app.sleep}
        if not show:
            return wait_operations(app.client, opids, timeout=timeout, **pace)
        with Progress(console, opids, labels) as progress:
            return wait_operations(app.client, opids, timeout=timeout, progress=progress, **pace)
    except KeyboardInterrupt:
        ids = " ".join(str(i) for i in opids)
        noun = "operation" if len(opids) == 1 else "operations"
        verb = "goes" if len(opids) == 1 else "go"
        if console.is_terminal:
            app.terminal.notice()  # off the line where the terminal echoed ^C
        # main() prints it on one line, and as the JSON error object with --json
        raise WaitInterrupted(
            f"stopped waiting: {noun} {ids} {verb} on; "
            f"follow {'it' if len(opids) == 1 else 'them'} with `gandi-hosting op wait {ids}`"
        ) from None


# The one confirmation rule (DESIGN.md section 2), for every command that deletes or
# spends money (vm|disk delete, product add|renew|update|remove, op cancel): first
# ``require_yes`` (off a terminal without --yes: exit 2 before any request), then, once
# what will happen is known, ``confirm_destruction`` (on a terminal: show it, ask).
# --dry-run never asks and needs no --yes. ``apply`` (cli/declarative.py) follows it.


def confirm_destruction(app: AppContext, yes: bool, action: str, lines: Sequence[str]) -> None:
    """Show what ``action`` deletes or spends and ask, on a terminal; ``--yes`` (or
    ``--dry-run``) skips the question.

    Off a terminal without ``--yes`` the caller must already have refused (see
    ``require_yes``): this only runs once the objects are known.
    """
    if yes or app.dry_run:
        return
    app.terminal.notice(f"This will {action}:")
    for line in lines:
        app.terminal.notice(f"  {line}")
    app.confirm("Continue?", yes)


def require_yes(app: AppContext, yes: bool, action: str) -> None:
    """Off a terminal, a command that deletes or spends needs ``--yes``: exit 2 before
    any request (not with ``--dry-run``: nothing will happen)."""
    if not yes and not app.dry_run and not app.terminal.is_interactive:
        raise click.UsageError(
            f"refusing to {action} without confirmation: not on a terminal, pass --yes"
        )
