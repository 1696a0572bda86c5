"""Carrying out a reviewed plan for ``apply``: the lock per account, the dry run, the
root passwords, the confirmation, the run with its live progress, what Ctrl-C leaves
going on, and the table of outcomes. cli/declarative.py reads, plans and shows.

``apply`` holds a lock per endpoint and login (a file in the user state dir, through
config/files.py) from its read of the account to its last operation, so that two
``apply`` runs on this machine never plan against the same state and create twice; a
second one says so on stderr and waits (at most ``APPLY_LOCK_WAIT`` seconds, then exit 7).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from typing import Any

import click

from gandi_hosting_cli.cli.context import AppContext, Declined
from gandi_hosting_cli.cli.options import read_password_stdin
from gandi_hosting_cli.cli.plan_table import changes_text, problem_text, show_plan_on_stderr
from gandi_hosting_cli.output.columns import Column

APPLY_LOCK_WAIT = 600.0  # seconds a second apply on the same account waits for the first


class Refused(click.ClickException):
    """Refused before anything was sent, with the exit code of the reason."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


APPLY_COLUMNS = [
    Column("id", "#", "int"),
    Column("action", "ACTION"),
    Column("status", "STATUS"),
    Column("operation", "OPERATION", "int"),
    Column("message", "MESSAGE"),
]


def account_of(app: AppContext) -> tuple[str, str]:
    """The endpoint (as shown) and login a plan and the apply lock belong to."""
    from gandi_hosting_cli.config.settings import display_url

    return display_url(app.endpoint), app.login or ""


def apply_lock_path(endpoint: str, login: str) -> Any:
    """The path ``files.locked`` locks for applies to ``login`` on ``endpoint`` (the lock
    file is this path + ``.lock``, in the user state dir)."""
    import hashlib

    from gandi_hosting_cli.config.settings import state_dir

    digest = hashlib.sha256(f"{endpoint}|{login}".encode()).hexdigest()[:24]
    return state_dir() / "apply-locks" / digest


@contextlib.contextmanager
def apply_lock(app: AppContext) -> Iterator[None]:
    """One apply at a time per endpoint and login on this machine (see the module doc)."""
    from gandi_hosting_cli.config import files

    endpoint, login = account_of(app)
    path = apply_lock_path(endpoint, login)
    stack = contextlib.ExitStack()
    try:
        files.private_dir(path.parent)
        try:
            stack.enter_context(files.locked(path, wait=0))
        except TimeoutError:
            app.terminal.message(
                f"Another apply on {endpoint} as {login or '?'} is running on this machine:"
                f" waiting for it to finish (at most {APPLY_LOCK_WAIT:.0f} s)..."
            )
            stack.enter_context(files.locked(path, wait=APPLY_LOCK_WAIT))
    except TimeoutError:
        raise Refused(
            f"another apply on {endpoint} as {login or '?'} still runs after"
            f" {APPLY_LOCK_WAIT:.0f} s; nothing was sent",
            7,
        ) from None
    except OSError as error:
        raise Refused(f"cannot take the apply lock in {path.parent}: {error}", 2) from None
    with stack:
        yield


def apply_dry_run(app: AppContext, the_plan: Any) -> None:
    from gandi_hosting_cli.cli.dry_run import emit_calls
    from gandi_hosting_cli.declarative.calls import planned_calls

    calls = planned_calls(the_plan)
    for problem in the_plan.blocking:
        app.terminal.warn(f"{problem_text(problem)} (apply would send nothing)")
    emit_calls(app, calls, f"Dry run: {len(calls)} write calls shown, nothing sent.")


def password_source(lookup: Any, password_stdin: bool) -> Callable[[str], str | None]:
    """hostname -> root password: its password_env variable (``lookup(hostname)`` gives
    its VmSpec), else --password-stdin (read once, for every new VM), else None."""
    stdin_password: list[str] = []

    def passwords(hostname: str) -> str | None:
        vm = lookup(hostname)
        if vm is not None and vm.password_env:
            return os.environ.get(vm.password_env) or None
        if password_stdin:
            if not stdin_password:
                stdin_password.append(read_password_stdin())
            return stdin_password[0]
        return None

    return passwords


def confirm_and_apply(app: AppContext, the_plan: Any, passwords: Any, yes: bool) -> Any:
    """Refuse (blocking problems, no terminal without --yes, a missing password), ask
    (and have each replaced object's name typed), then run the plan."""
    from gandi_hosting_cli.declarative.calls import PasswordMissing, collect_passwords
    from gandi_hosting_cli.declarative.executor import PlanRefused, apply_plan

    try:
        if the_plan.blocking:
            show_plan_on_stderr(app, the_plan)
            raise PlanRefused("; ".join(problem_text(p) for p in the_plan.blocking))
        if not yes and not app.terminal.is_interactive:
            raise click.UsageError(
                "refusing to apply without confirmation: not on a terminal, pass --yes"
            )
        collect_passwords(the_plan, passwords)  # a missing one: exit 2 before asking
        if not yes:
            show_plan_on_stderr(app, the_plan)
            app.confirm(f"Apply: {changes_text(the_plan)}?", yes)
            _confirm_replacements(app, the_plan)
        return _run(app, the_plan, passwords, apply_plan)
    except (PlanRefused, PasswordMissing) as error:  # found before anything was sent
        raise Refused(f"{error.message}; nothing was sent", int(error.exit_code)) from None


def _confirm_replacements(app: AppContext, the_plan: Any) -> None:
    """On a terminal: each replaced object's name typed back (its data is lost)."""
    for target in the_plan.replaced:
        name = target.split(" ", 1)[1]
        typed = app.terminal.prompt(
            f"{target} will be deleted and created again: its data is lost. Type {name} to confirm"
        )
        if typed.strip() != name:
            raise Declined(f"{typed.strip()!r} is not {name!r}: cancelled; nothing was sent.")


def emit_apply_result(app: AppContext, result: Any) -> None:
    from gandi_hosting_cli.cli.hints import with_hint
    from gandi_hosting_cli.output.result import Result, Table

    rows = [
        {
            "id": o.action.id,
            "action": o.action.describe(),
            "status": o.status,
            "operation": o.operation,
            "message": with_hint(o.message, o.hint),
        }
        for o in result.outcomes
    ]
    ids = [o.object_id or o.operation for o in result.outcomes if o.status == "done"]
    app.output.emit(Result([Table(rows, APPLY_COLUMNS)], json=result.as_dict(), ids=ids))


def _run(app: AppContext, the_plan: Any, passwords: Any, apply_plan: Any) -> Any:
    """Run the plan (``_run_plan``); Ctrl-C says what goes on without us (exit 130)."""
    from gandi_hosting_cli.declarative.executor import ApplyInterrupted

    try:
        return _run_plan(app, the_plan, passwords, apply_plan)
    except ApplyInterrupted as stopped:
        raise _interrupted(app, stopped) from None


def _interrupted(app: AppContext, stopped: Any) -> Exception:
    """The one-line error of an apply stopped by Ctrl-C: the operations that go on on the
    server (and how to follow them), the requests sent but not answered, and that
    ``apply`` again finishes the job once they end."""
    from gandi_hosting_cli.cli.hints import render
    from gandi_hosting_cli.errors import Hint
    from gandi_hosting_cli.workflows.waiting import WaitInterrupted

    if app.terminal.err_console.is_terminal:
        app.terminal.notice()  # off the line where the terminal echoed ^C
    parts = ["apply stopped"]
    ops = stopped.operations
    if ops:
        noun, verb = ("operation", "goes") if len(ops) == 1 else ("operations", "go")
        listed = " ".join(str(i) for i in ops)
        parts.append(f"{noun} {listed} {verb} on ({render(Hint('follow', operations=tuple(ops)))})")
    if stopped.unanswered:
        what = ", ".join(a.describe() for a in stopped.unanswered[:5])
        more = f" and {len(stopped.unanswered) - 5} more" if len(stopped.unanswered) > 5 else ""
        parts.append(f"sent, not answered (the server may carry them out): {what}{more}")
    parts.append("run apply again to finish once they end")
    return WaitInterrupted("; ".join(parts))


def _run_plan(app: AppContext, the_plan: Any, passwords: Any, apply_plan: Any) -> Any:
    """Run the plan: a live display on a terminal (stderr), else one line per finished
    action on stderr (silent with -q)."""
    console = app.terminal.err_console
    if console.is_terminal and not app.terminal.quiet:
        from gandi_hosting_cli.cli.progress import ApplyProgress

        with ApplyProgress(console, the_plan.actions) as progress:
            return apply_plan(
                app.client,
                the_plan,
                passwords=passwords,
                on_event=progress.event,
                clock=app.wait_clock,
                sleep=app.sleep,
            )

    def on_event(event: Any) -> None:
        if event.kind not in ("done", "failed", "skipped"):
            return
        line = f"{event.kind}: #{event.action.id} {event.action.describe()}"
        if event.operation is not None:
            line += f" (operation {event.operation})"
        if event.message and event.kind != "skipped":
            line += f": {event.message}"
        elif event.message:
            line += f" ({event.message.removeprefix('skipped: ')})"
        app.terminal.message(line)

    return apply_plan(
        app.client,
        the_plan,
        passwords=passwords,
        on_event=on_event,
        clock=app.wait_clock,
        sleep=app.sleep,
    )
