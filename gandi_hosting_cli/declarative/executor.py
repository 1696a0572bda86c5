"""Run a plan: independent actions in parallel, dependent ones in order.

The main thread schedules. Each ready action's write request goes to a small thread pool
(the ready ``vm_create``/``disk_create`` calls go together through the one create path
of workflows/operations.py: their names checked free just before, in one request, each
operation found, a lost answer looked up; the other ready writes go together in one
request). The operations being waited for are polled together through
workflows/waiting.py's ``poll_once`` (one ``system.multicall`` of ``operation_details``
per round), with its backoff (first poll at once, then 20% of each operation's age, 0.5 s
to 5 s). When an operation is DONE the actions that waited for it become ready. A
failure (a refused request, an operation in ERROR or CANCEL) skips every action that
depends on it, lets the others finish, and the run's exit code is the worst one.

Nothing prints: ``on_event(Event)`` is the CLI's hook for its progress display.
"""

from __future__ import annotations

import concurrent.futures as futures
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from gandi_hosting_cli.declarative.calls import SECRET, Passwords, call_params, collect_passwords
from gandi_hosting_cli.declarative.plan import Action, Plan
from gandi_hosting_cli.errors import Hint, HostingError, NetworkError
from gandi_hosting_cli.exit_codes import ExitCode
from gandi_hosting_cli.workflows.waiting import FINAL_STATES, next_delay, poll_once

WORKERS = 8


class PlanRefused(HostingError):
    """The plan has blocking problems (quota...): nothing was sent (exit 1)."""

    exit_code = ExitCode.API_FAULT


class ApplyInterrupted(KeyboardInterrupt):
    """Ctrl-C during a run: ``operations`` (queued, not seen to end) go on on the server;
    ``unanswered`` are the actions whose request was sent and not answered (the server
    may carry them out); ``result`` holds every action's outcome so far. A
    KeyboardInterrupt still, for the callers that only know that."""

    def __init__(
        self, result: ApplyResult, operations: list[int], unanswered: list[Action]
    ) -> None:
        super().__init__()
        self.result = result
        self.operations = operations
        self.unanswered = unanswered


@dataclass
class Event:
    """``kind``: queued (request accepted, ``operation`` known), state (a poll saw a new
    state), done, failed, skipped. ``action`` is the planner's Action."""

    kind: str
    action: Action
    operation: int | None = None
    state: str | None = None
    message: str = ""


@dataclass
class ActionOutcome:
    action: Action
    status: str = "pending"  # done | failed | skipped | timed_out | pending
    operation: int | None = None
    state: str | None = None
    message: str = ""
    exit_code: int = 0
    object_id: int | None = None  # the new VM / disk of a create
    hint: Hint | None = None  # what to do next (cli/ renders it)
    error: HostingError | None = None  # the refusal of its write request, as it came
    details: dict | None = None  # a create's operation, as read when it was found

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.action.id,
            "action": self.action.kind,
            "target": self.action.target,
            "status": self.status,
            "operation": self.operation,
            "state": self.state,
            "message": self.message,
            "exit_code": self.exit_code,
            **({"object_id": self.object_id} if self.object_id is not None else {}),
        }


@dataclass
class ApplyResult:
    outcomes: list[ActionOutcome] = field(default_factory=list)
    polls: int = 0
    elapsed: float = 0.0

    @property
    def exit_code(self) -> int:
        return max((o.exit_code for o in self.outcomes), default=0)

    @property
    def ok(self) -> bool:
        return self.exit_code == 0

    def by_status(self, status: str) -> list[ActionOutcome]:
        return [o for o in self.outcomes if o.status == status]

    def as_dict(self) -> dict[str, Any]:
        return {"exit_code": self.exit_code, "actions": [o.as_dict() for o in self.outcomes]}


class OperationNotFound(NetworkError):
    """A create went through (``obj_id``) but its operation could not be found."""

    def __init__(self, message: str, obj_id: int):
        super().__init__(message)
        self.obj_id = obj_id


def _queued(action: Action, answer: Any) -> tuple[int, None, None]:
    """The operation a write queued; ``operation_cancel`` answers True: its operation
    is the one cancelled."""
    if action.kind == "cancel":
        return int(action.params["operation"]), None, None
    return int(answer), None, None


@dataclass
class _Running:
    action: Action
    operation: int
    started: float
    due: float
    state: str = "PENDING"


def apply_plan(
    client: Any,
    plan: Plan,
    *,
    passwords: Passwords | None = None,
    on_event: Callable[[Event], None] | None = None,
    workers: int = WORKERS,
    timeout: float | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    wait: bool = True,
    check_names: bool = True,
    recover_lost_creates: bool = True,
) -> ApplyResult:
    """Run ``plan``; returns every action's outcome (never raises for one action's failure).

    Raises before anything is sent: ``PlanRefused`` (blocking problems),
    ``PasswordMissing`` (a create without its root password). ``timeout``: seconds after
    which the actions still running are reported ``timed_out`` (exit 7) and no new one
    starts. Ctrl-C raises ``ApplyInterrupted`` (a KeyboardInterrupt naming the operations
    queued so far and not seen to end: they go on).
    ``wait=False`` (the single commands, which wait themselves with ``--wait``): an
    operation is polled only while another action waits for it; the others end
    ``queued`` (PENDING) once their request is accepted. ``check_names=False``: the
    caller has just checked the new names free. ``recover_lost_creates=False``: a create
    whose answer was lost is that action's error (``LostCreateFound``, exit 6), the
    object found named in it, instead of being taken and gone on with.
    """
    if plan.blocking:
        raise PlanRefused("; ".join(p.message for p in plan.blocking))
    secrets = collect_passwords(plan, passwords)
    run = _PlanRun(client, plan, secrets, on_event or (lambda event: None), clock, sleep, timeout)
    run.wait, run.check_names, run.recover = wait, check_names, recover_lost_creates
    pool = futures.ThreadPoolExecutor(max_workers=max(1, workers))
    try:
        timed_out = run.loop(pool)
    except KeyboardInterrupt:
        # not joined: a request in flight must not keep Ctrl-C from being answered
        pool.shutdown(wait=False, cancel_futures=True)
        run.harvest()  # the answers already in: their operations are known
        run.result.elapsed = clock() - run.start_time
        unanswered = [a for actions in run.submitted.values() for a in actions]
        raise ApplyInterrupted(run.result, sorted(run.running), unanswered) from None
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    run.harvest()  # after a timeout: the answers of the writes still in flight then
    if timed_out:
        run.mark_timed_out()
    run.result.elapsed = clock() - run.start_time
    return run.result


class _PlanRun:
    """The state of one apply: what is started, queued, finished; the ids created so far."""

    def __init__(
        self,
        client: Any,
        plan: Plan,
        secrets: dict,
        emit: Callable[[Event], None],
        clock: Callable[[], float],
        sleep: Callable[[float], None],
        timeout: float | None,
    ) -> None:
        self.client, self.plan, self.secrets, self.emit = client, plan, secrets, emit
        self.clock, self.sleep, self.timeout = clock, sleep, timeout
        self.outcomes = {a.id: ActionOutcome(a) for a in plan.actions}
        self.result = ApplyResult(outcomes=list(self.outcomes.values()))
        self.vm_ids = dict(plan.vm_ids)
        self.disk_ids = dict(plan.disk_ids)
        self.dependents: dict[int, list[int]] = {a.id: [] for a in plan.actions}
        for a in plan.actions:
            for d in a.depends:
                self.dependents.setdefault(d, []).append(a.id)
        self.finished: set[int] = set()
        self.started: set[int] = set()
        self.submitted: dict[futures.Future, list[Action]] = {}
        self.wait, self.check_names, self.recover = True, True, True
        self.running: dict[int, _Running] = {}  # operation id -> what waits for it
        self.operations: set[int] = set()  # every operation a write of this run queued
        self.start_time = clock()

    def send(self, action: Action) -> tuple[int, None, None]:
        """The write request of one action that is not a create (runs in a pool thread):
        (operation id, None, None)."""
        args = call_params(action, self.vm_ids, self.disk_ids, SECRET)
        return _queued(action, self.client.call(action.method, *args))

    def create_together(self, actions: list[Action]) -> list[Any]:
        """A wave of creates through the one create path (workflows/operations.py), in
        one request (runs in a pool thread), their names checked free together just
        before (``names_checked``): each its (operation id, new object id, operation
        details) or the error that refused it. A create whose answer was lost is looked
        up: with ``recover`` the object the server did create is taken (never created
        twice), else ``LostCreateFound`` is that action's error."""
        from gandi_hosting_cli.workflows.operations import LostCreateFound, create_many

        calls = []
        for action in actions:
            secret = self.secrets[action.vm] if action.kind == "create_vm" else SECRET
            calls.append((action.method, call_params(action, self.vm_ids, self.disk_ids, secret)))
        results: list[Any] = []
        for (method, _), created in zip(calls, create_many(self.client, calls), strict=True):
            if isinstance(created, LostCreateFound) and created.obj_id and self.recover:
                created = (created.obj_id, created.details)
            if isinstance(created, HostingError):
                results.append(created)
                continue
            obj_id, details = created
            if details is None or "uid" not in details and "id" not in details:
                results.append(OperationNotFound(
                    f"{method} created {obj_id} but its {method} operation was not found",
                    obj_id,
                ))  # fmt: skip
                continue
            results.append((int(details.get("uid", details.get("id"))), obj_id, details))
        return results

    def send_together(self, actions: list[Action]) -> list[Any]:
        """Several ready writes that are not creates, in one request (runs in a pool
        thread): each its (operation id, None) or the error that refused it."""
        from gandi_hosting_cli.workflows.batch import multicall_chunked

        calls = [(a.method, call_params(a, self.vm_ids, self.disk_ids, SECRET)) for a in actions]
        results = multicall_chunked(self.client, calls)
        return [
            r if isinstance(r, HostingError) else _queued(a, r)
            for a, r in zip(actions, results, strict=True)
        ]

    def submit(self, pool: futures.ThreadPoolExecutor, ready: list[Action]) -> None:
        """The creates together (one request, each finding its own operation), their
        names checked free on the server together just before; the other writes
        together."""
        creates = [a for a in ready if a.kind in ("create_vm", "create_disk")]
        others = [a for a in ready if a not in creates]
        refused = self.names_checked(creates) if self.check_names else {}
        for action in creates:
            if action.id in refused:
                error = refused[action.id]
                self.submitted[pool.submit(lambda e=error: [e])] = [action]
        sent = [a for a in creates if a.id not in refused]
        if sent:
            self.submitted[pool.submit(self.create_together, sent)] = sent
        if len(others) == 1:
            self.submitted[pool.submit(self._one, others[0])] = others
        elif others:
            self.submitted[pool.submit(self.send_together, others)] = others

    def names_checked(self, creates: list[Action]) -> dict[int, HostingError]:
        """Just before a wave of creates: the names already borne on the server (another
        apply, another client, since the plan was read), each create's refusal by id.
        One request of lists and one batch of infos, whatever the wave's size."""
        from gandi_hosting_cli.workflows.checks import DuplicateName, names_taken_together

        name_of: dict[str, dict[int, str]] = {}
        for action in creates:
            resource = "vm" if action.kind == "create_vm" else "disk"
            name = action.vm if resource == "vm" else action.params.get("name", action.disk)
            name_of.setdefault(resource, {})[action.id] = str(name)
        if not name_of:
            return {}
        wanted = {r: sorted(set(names.values())) for r, names in name_of.items()}
        try:
            taken = names_taken_together(self.client, wanted)
        except HostingError as error:  # the check itself failed: no create is sent
            return {a.id: error for a in creates}
        refused: dict[int, HostingError] = {}
        for resource, names in name_of.items():
            for action_id, name in names.items():
                found = taken[resource].get(name)
                if found:
                    refused[action_id] = DuplicateName(resource, name, found)
        return refused

    def _one(self, action: Action) -> list[Any]:
        try:
            return [self.send(action)]
        except HostingError as error:
            return [error]

    def finish(self, action: Action, status: str, *, code: int = 0, message: str = "") -> None:
        out = self.outcomes[action.id]
        out.status, out.exit_code, out.message = status, code, message
        self.finished.add(action.id)
        self.emit(Event(status, action, out.operation, out.state, message))
        if status != "done":
            self.skip_dependents(action)

    def skip_dependents(self, action: Action) -> None:
        for child_id in self.dependents.get(action.id, []):
            child = self.outcomes[child_id]
            if child_id in self.finished or child_id in self.started:
                continue
            child.status = "skipped"
            child.message = f"skipped: {action.target} ({action.kind.replace('_', ' ')}) failed"
            self.finished.add(child_id)
            self.started.add(child_id)
            self.emit(Event("skipped", child.action, message=child.message))
            self.skip_dependents(child.action)

    def ready(self) -> list[Action]:
        outcomes, finished = self.outcomes, self.finished
        return [
            a
            for a in self.plan.actions
            if a.id not in self.started and all(d in finished for d in a.depends)
            and all(outcomes[d].status == "done" for d in a.depends)
        ]  # fmt: skip

    def _left(self) -> float:
        assert self.timeout is not None
        return self.timeout - (self.clock() - self.start_time)

    def loop(self, pool: futures.ThreadPoolExecutor) -> bool:
        """Send what is ready, collect answers, poll operations; True when timed out."""
        while len(self.finished) < len(self.plan.actions):
            now = self.clock()
            if self.timeout is not None and now - self.start_time >= self.timeout:
                return True
            ready = self.ready()
            self.started.update(a.id for a in ready)
            self.submit(pool, ready)
            # wait for a request to come back, or for the next poll to be due
            due = min((r.due for r in self.running.values()), default=None)
            if self.submitted:
                if self._collect(due):
                    continue
            elif due is not None:
                if self._pause_until(due):
                    continue
            elif not self.running:
                break  # nothing running, nothing ready: all the rest was skipped
            if self.running and min(r.due for r in self.running.values()) <= self.clock():
                _poll(self.client, self.running, self.outcomes, self.finish, self.emit, self.clock)
                self.result.polls += 1
        return False

    def _collect(self, due: float | None) -> bool:
        """Wait for sent requests (until ``due`` at most); True when some came back."""
        wait_for = None if due is None else max(0.0, due - self.clock())
        if self.timeout is not None:
            left = max(0.0, self._left())
            wait_for = left if wait_for is None else min(wait_for, left)
        done, _ = futures.wait(
            list(self.submitted), timeout=wait_for, return_when=futures.FIRST_COMPLETED
        )
        for future in done:
            self._take(future)
        return bool(done)

    def harvest(self) -> None:
        """After Ctrl-C or a timeout: take the answers that came back and were not
        collected yet (a request cancelled before it was sent is not one)."""
        for future in [f for f in self.submitted if f.done() and not f.cancelled()]:
            self._take(future)
        for future in [f for f in self.submitted if f.cancelled()]:
            del self.submitted[future]  # never sent

    def _take(self, future: futures.Future) -> None:
        """The answer of one request that came back, for each of its actions."""
        actions = self.submitted.pop(future)
        try:
            results = future.result()
        except HostingError as error:  # the whole request (the network): each one
            results = [error] * len(actions)
        for action, result in zip(actions, results, strict=True):
            self._accept(action, result)

    def _accept(self, action: Action, result: Any) -> None:
        out = self.outcomes[action.id]
        if isinstance(result, HostingError):
            out.error = result
            self.finish(action, "failed", code=int(result.exit_code), message=result.message)
            return
        opid, obj_id, out.details = result
        if opid in self.operations:  # a server that gave one operation to two writes
            out.error = NetworkError(f"the server answered operation {opid} for two requests")
            self.finish(action, "failed", code=int(out.error.exit_code), message=out.error.message)
            return
        self.operations.add(opid)
        out.operation = opid
        out.state = "PENDING"
        if obj_id is not None:
            out.object_id = obj_id
            if action.kind == "create_vm":
                self.vm_ids[action.vm] = obj_id
            else:
                self.disk_ids[action.disk] = obj_id
        if not self.wait and not self.dependents.get(action.id):
            self.finish(action, "queued")  # nothing waits for it: it goes on, unpolled
            return
        self.emit(Event("queued", action, opid, "PENDING"))
        queued_at = self.clock()
        run = self.running[opid] = _Running(action, opid, queued_at, queued_at)
        if out.details is not None:  # a create's lookup read it just now: a first poll
            _observe(run, out.details, self.running, self.outcomes, self.finish, self.emit,
                     queued_at)  # fmt: skip

    def _pause_until(self, due: float) -> bool:
        pause = due - self.clock()
        if self.timeout is not None:
            pause = min(pause, self._left())
        if pause > 0:
            self.sleep(pause)
            return True
        return False

    def mark_timed_out(self) -> None:
        for out in self.outcomes.values():
            if out.action.id not in self.finished:
                out.status = "timed_out" if out.operation is not None else "not_run"
                out.message = (
                    f"operation {out.operation} still {out.state} at the timeout"
                    if out.operation is not None
                    else "not started before the timeout"
                )
                out.exit_code = int(ExitCode.WAIT_TIMEOUT) if out.operation is not None else 0


def _poll(
    client: Any,
    running: dict[int, _Running],
    outcomes: dict[int, ActionOutcome],
    finish: Callable[..., None],
    emit: Callable[[Event], None],
    clock: Callable[[], float],
) -> None:
    opids = list(running)
    polled = poll_once(client, opids, batch_errors=True)
    answers = [polled[o] for o in opids]
    now = clock()
    for opid, details in zip(opids, answers, strict=True):
        run = running[opid]
        if isinstance(details, HostingError):
            del running[opid]
            outcomes[run.action.id].hint = Hint("follow", operations=(opid,))
            finish(run.action, "failed", code=int(details.exit_code),
                   message=f"operation {opid} could not be read: {details.message}; it goes"
                   " on")  # fmt: skip
            continue
        _observe(run, details, running, outcomes, finish, emit, now)


def _observe(
    run: _Running,
    details: dict,
    running: dict[int, _Running],
    outcomes: dict[int, ActionOutcome],
    finish: Callable[..., None],
    emit: Callable[[Event], None],
    now: float,
) -> None:
    """What one read of ``run``'s operation says: a new state, its end, or the next poll."""
    opid, out = run.operation, outcomes[run.action.id]
    state = str(details.get("state", "UNKNOWN"))
    if state != run.state:
        run.state = out.state = state
        if state not in FINAL_STATES:
            emit(Event("state", run.action, opid, state))
    if state == "DONE":
        del running[opid]
        finish(run.action, "done")
    elif state in FINAL_STATES:
        del running[opid]
        comment = details.get("comment")
        reason = f": {comment}" if comment else ""
        finish(run.action, "failed", code=int(ExitCode.OPERATION_FAILED),
               message=f"operation {opid} ended in {state}{reason}")  # fmt: skip
    else:
        run.due = now + next_delay(now - run.started)
