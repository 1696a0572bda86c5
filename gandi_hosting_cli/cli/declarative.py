"""``plan``, ``apply`` and ``export``: the declarative engine (gandi_hosting_cli/declarative)
behind today's AppContext and output. Kept thin: the engine decides, this shows.

``apply`` holds a lock per endpoint and login (a file in the user state dir, through
config/files.py) from its read of the account to its last operation, so that two
``apply`` runs on this machine never plan against the same state and create twice; a
second one says so on stderr and waits (at most ``APPLY_LOCK_WAIT`` seconds, then exit 7).
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import click

from gandi_hosting_cli.cli.context import AppContext, Declined
from gandi_hosting_cli.cli.options import (
    dry_run_option,
    global_options,
    password_stdin_option,
    read_password_stdin,
    yes_option,
)
from gandi_hosting_cli.cli.plan_table import PLAN_COLUMNS
from gandi_hosting_cli.cli.plan_table import plan_rows as _plan_rows
from gandi_hosting_cli.output.columns import Column

if TYPE_CHECKING:
    from gandi_hosting_cli.output.render import OutputMode
    from gandi_hosting_cli.output.result import Result

MANIFEST = click.Path(exists=True, dir_okay=False, allow_dash=True)
APPLY_LOCK_WAIT = 600.0  # seconds a second apply on the same account waits for the first


class BadManifest(click.ClickException):
    """A ManifestError shown as one line per problem (no traceback even with --debug), exit 2."""

    exit_code = 2


class Refused(click.ClickException):
    """Refused before anything was sent, with the exit code of the reason."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def _read(path: str) -> tuple[str, str]:
    """(text, name for messages) of a manifest or plan file; a file that is not a
    regular file or is over 10 MB is refused before reading (exit 2)."""
    from gandi_hosting_cli.declarative.manifest import (
        MAX_MANIFEST_BYTES,
        ManifestError,
        decode_manifest,
        read_manifest_text,
    )

    try:
        if path == "-":
            return decode_manifest(sys.stdin.buffer.read(MAX_MANIFEST_BYTES + 1), "<stdin>"), (
                "<stdin>"
            )
        return read_manifest_text(path), path
    except ManifestError as error:
        raise BadManifest(str(error)) from None


def _parse(text: str, file: str, replace: tuple[str, ...] = ()) -> Any:
    """The manifest (every problem at once: exit 2); ``--replace`` names it declares."""
    from gandi_hosting_cli.declarative.manifest import ManifestError, parse_manifest
    from gandi_hosting_cli.declarative.planner import unknown_names

    try:
        manifest = parse_manifest(text, file)
    except ManifestError as error:
        raise BadManifest(str(error)) from None
    unknown = unknown_names(manifest, replace)
    if unknown:
        raise click.BadParameter(
            f"{', '.join(unknown)}: not a VM or disk of {file}", param_hint="--replace"
        )
    return manifest


def _make_plan(
    app: AppContext,
    manifest: Any,
    prune: bool,
    replace: tuple[str, ...],
    settle: bool = False,
) -> Any:
    """(plan, read state) of a manifest against the account: one batched read.
    ``settle`` (apply): first wait for the operations that hold objects of the manifest
    (an apply stopped midway left them running)."""
    from gandi_hosting_cli.declarative.planner import make_plan
    from gandi_hosting_cli.declarative.settle import settled_account
    from gandi_hosting_cli.declarative.state import read_account

    def waiting(opids: list[int]) -> None:
        ids = " ".join(str(i) for i in opids)
        app.terminal.message(f"Waiting for operations {ids}: they hold objects of the manifest")

    state = settled_account(app.client, manifest, on_wait=waiting) if settle else None
    state = state or read_account(app.client)
    return make_plan(manifest, state, prune=prune, replace=replace), state


APPLY_COLUMNS = [
    Column("id", "#", "int"),
    Column("action", "ACTION"),
    Column("status", "STATUS"),
    Column("operation", "OPERATION", "int"),
    Column("message", "MESSAGE"),
]


def _problem_lines(plan: Any) -> list[str]:
    """``! blocking problem`` (apply would send nothing), ``~ left as is``."""
    return [f"{'!' if p.blocking else '~'} {_problem_text(p)}" for p in plan.problems]


def _problem_text(problem: Any) -> str:
    """A problem's message with what to do about it, as commands."""
    from gandi_hosting_cli.cli.hints import with_hint

    return with_hint(problem.message, problem.hint)


def _plan_result(plan: Any, mode: OutputMode) -> Result:
    from gandi_hosting_cli.output.render import OutputMode
    from gandi_hosting_cli.output.result import Lines, Result, Table

    arrow = "\u2192" if mode is OutputMode.TABLE else "->"
    blocks: list[Any] = []
    if plan.actions:
        blocks.append(Table(_plan_rows(plan, arrow), PLAN_COLUMNS))
    if plan.problems:
        blocks.append(Lines(_problem_lines(plan)))
    return Result(blocks, json=plan.as_dict(), ids=[a.id for a in plan.actions])


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count != 1 else ''}"


def _changes(plan: Any, pending: str = "") -> str:
    """``3 changes (1 deletion, 1 replacement)``; ``pending``: a word after "changes"."""
    deletes = sum(1 for a in plan.actions if a.kind.startswith("delete"))
    extras = [_plural(deletes, "deletion")] if deletes else []
    if plan.replaced:
        extras.append(_plural(len(plan.replaced), "replacement"))
    text = _plural(len(plan.actions), "change") + pending
    return text + (f" ({', '.join(extras)})" if extras else "")


def _summary(plan: Any) -> str:
    """One line: what apply would do, what would stop it, what only a replacement fixes."""
    if plan.up_to_date:
        return "Up to date: nothing to do."
    if plan.duplicates:
        return (
            f"{_plural(len(plan.duplicates), 'name')} held by several objects on the account:"
            " apply would refuse."
        )
    parts = []
    if plan.actions:
        parts.append(_changes(plan, " pending"))
    else:
        parts.append("No change apply would make")
    blocking = len(plan.blocking)
    if blocking:
        parts.append(f"{_plural(blocking, 'problem')} would stop apply")
    needed = len(plan.replacements_needed)
    if needed:
        parts.append(
            f"{_plural(needed, 'object')} need{'s' if needed == 1 else ''} replacement,"
            " left as is (apply --replace NAME)"
        )
    busy = [p for p in plan.problems if p.kind == "busy"]
    if busy:
        parts.append(f"{_plural(len(busy), 'object')} busy, left alone")
    return "; ".join(parts) + "."


def _show_plan_on_stderr(app: AppContext, plan: Any) -> None:
    """The plan as a table on stderr (before apply asks): stdout stays for the result."""
    from gandi_hosting_cli.output.render import Output
    from gandi_hosting_cli.output.terminal import Terminal

    terminal = app.terminal
    on_stderr = Terminal(stdout=terminal.stderr, stdout_tty=terminal.stderr_is_tty)
    mode = Output.human_mode(on_stderr)
    Output(mode, on_stderr).emit(_plan_result(plan, mode))


def _notes(app: AppContext, plan: Any) -> None:
    """What the plan says besides its actions (a --replace with nothing to replace), and
    the root passwords the VMs it creates would lack (the plan cannot be applied as is)."""
    for note in plan.notes:
        app.terminal.message(note)
    for action in plan.actions:
        if action.kind != "create_vm":
            continue
        spec = plan.vm_specs.get(action.vm)
        env = spec.password_env if spec is not None else None
        if env is None:
            app.terminal.message(
                f"vm {action.vm}: its root password: none in the manifest: set password_env"
                f' = "GANDI_VM_PASSWORD_..." (then that variable) or give apply'
                " --password-stdin"
            )
        elif not os.environ.get(env):
            app.terminal.message(f"vm {action.vm}: its root password: {env} is not set")


def _replace_option(help_text: str) -> Callable[[Any], Any]:
    return click.option("--replace", "replace", multiple=True, metavar="NAME", help=help_text)


@click.command("plan")
@click.argument("manifest", type=MANIFEST)
@click.option("--prune", is_flag=True, help="Also plan to delete what the manifest omits.")
@_replace_option("Plan to replace this VM or disk (delete then create; data lost).")
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False),
    metavar="PLANFILE",
    help="Save the plan (JSON, 0600) for `apply PLANFILE`.",
)
@global_options
@click.pass_obj
def plan(
    app: AppContext, manifest: str, prune: bool, replace: tuple[str, ...], out: str | None
) -> None:
    """Show what `apply MANIFEST` would change (exit 0: up to date, 8: apply would act,
    9: only a replacement would converge, 2: a declared name several objects hold).

    One batched read of the account, nothing sent. A table of the actions in order
    (action, target, before -> after, the actions each waits for), then the problems
    (! stops apply, ~ is left as is); --json gives {"up_to_date", "exit_code",
    "actions": [...], "problems": [...], "replaced": [...]}. What the API cannot change
    in place (a disk's size or fstype, a VM's OS) needs replacement: shown, left as is,
    unless --replace NAME (a delete then a create: its data is lost). --out PLANFILE
    saves the plan with a fingerprint of the account it was computed from; `apply
    PLANFILE` carries out exactly that plan, or refuses (exit 2) if the account changed.
    A bad manifest exits 2 with every problem listed.

    \b
    Examples:
      gandi-hosting export --file site.toml && gandi-hosting plan site.toml
      gandi-hosting plan site.toml --prune --json
      gandi-hosting plan site.toml --out site.plan && gandi-hosting apply site.plan
    """
    from gandi_hosting_cli.output.render import OutputMode
    from gandi_hosting_cli.output.result import Result

    text, file = _read(manifest)
    spec = _parse(text, file, replace)  # a bad manifest: exit 2 before any request
    the_plan, state = _make_plan(app, spec, prune, replace)
    if not the_plan.up_to_date:
        app.output.emit(_plan_result(the_plan, app.output.mode))
    elif app.output.mode is OutputMode.JSON:
        app.output.emit(Result(json=the_plan.as_dict()))
    _notes(app, the_plan)
    app.terminal.message(_summary(the_plan))
    if out and the_plan.duplicates:
        app.terminal.warn(f"{out} not written: apply would refuse this plan")
    elif out:
        _save_plan(app, out, the_plan, state, file, prune, replace)
    if the_plan.exit_code:
        raise click.exceptions.Exit(the_plan.exit_code)


def _account(app: AppContext) -> tuple[str, str]:
    from gandi_hosting_cli.config.settings import display_url

    return display_url(app.endpoint), app.login or ""


def _save_plan(
    app: AppContext, out: str, the_plan: Any, state: Any, file: str, prune: bool, replace: Any
) -> None:
    from gandi_hosting_cli.declarative import planfile
    from gandi_hosting_cli.declarative.state import fingerprint, snapshot

    endpoint, login = _account(app)
    snap = snapshot(state)
    saved = planfile.SavedPlan(
        plan=the_plan, fingerprint=fingerprint(snap), state=snap, endpoint=endpoint,
        login=login, manifest=file, options={"prune": prune, "replace": list(replace)},
    )  # fmt: skip
    try:
        planfile.write(out, saved)
    except OSError as error:
        raise Refused(f"cannot write the plan to {out}: {error.strerror or error}", 2) from None
    app.terminal.message(f"Plan saved to {out}: apply it with `gandi-hosting apply {out}`.")


@click.command("apply")
@click.argument("manifest", type=MANIFEST, metavar="FILE|PLANFILE")
@click.option("--prune", is_flag=True, help="Delete the VMs and disks the manifest omits.")
@_replace_option("Replace this VM or disk (delete then create; data lost); repeatable.")
@dry_run_option
@yes_option
@password_stdin_option
@global_options
@click.pass_obj
def apply(
    app: AppContext,
    manifest: str,
    prune: bool,
    replace: tuple[str, ...],
    yes: bool,
    password_stdin: bool,
) -> None:
    """Make the account match FILE (a manifest), or carry out PLANFILE (`plan --out`).

    Independent operations run in parallel. Shows the plan and asks on a terminal
    (--yes off a terminal); with --prune, what the manifest omits is deleted. Drift the
    API cannot change in place is left as is unless --replace NAME: that VM or disk is
    deleted and created again (its data is lost), confirmed on a terminal by typing its
    name. A PLANFILE is carried out exactly, unless the account changed since the plan
    was made (exit 2, saying what changed). New VMs take their root password from the
    variable their password_env names (GANDI_VM_PASSWORD...), else from
    --password-stdin (never from the file). One apply at a time per account on this
    machine: a second one waits for the first. One live line per action on a
    terminal, one line per finished action on stderr otherwise; the result is a table
    of the actions (--json: {"exit_code", "actions": [...]}); the exit code is the
    worst one (5: an operation ended in ERROR).

    \b
    Examples:
      gandi-hosting apply site.toml --dry-run --json
      gandi-hosting apply site.toml --yes --password-stdin < pw.txt
      gandi-hosting plan site.toml --out site.plan && gandi-hosting apply site.plan
    """
    from gandi_hosting_cli.declarative import planfile
    from gandi_hosting_cli.output.result import Result

    text, file = _read(manifest)
    if planfile.is_plan_text(text):
        if prune or replace:
            raise click.UsageError(
                "--prune and --replace are part of a plan file: make a new plan to change them"
            )
        saved = _load_plan_file(app, text, file)
        lookup = saved.plan.vm_specs.get

        def compute() -> Any:
            return _check_plan_file(app, saved, file)
    else:
        spec = _parse(text, file, replace)
        lookup = spec.vm

        def compute() -> Any:
            return _make_plan(app, spec, prune, replace, settle=not app.dry_run)[0]

    if app.dry_run:
        _apply_dry_run(app, compute())
        return
    with _apply_lock(app):
        the_plan = compute()
        if the_plan.duplicates:
            _show_plan_on_stderr(app, the_plan)
            raise Refused(
                "; ".join(p.message for p in the_plan.duplicates) + "; nothing was sent", 2
            )
        for note in the_plan.notes:
            app.terminal.message(note)
        if not the_plan.actions and not the_plan.blocking:
            for problem in the_plan.problems:
                app.terminal.message(f"~ {_problem_text(problem)}")
            app.output.emit(Result(json={"exit_code": 0, "actions": []}))
            app.terminal.message(_summary(the_plan) if the_plan.problems else
                                 "Up to date: nothing to do.")  # fmt: skip
            return
        result = _confirm_and_apply(app, the_plan, _password_source(lookup, password_stdin), yes)
    _emit_apply_result(app, result)
    if result.exit_code:
        raise click.exceptions.Exit(result.exit_code)


def _load_plan_file(app: AppContext, text: str, file: str) -> Any:
    """The saved plan, made for this endpoint and login (else exit 2)."""
    from gandi_hosting_cli.declarative import planfile

    saved = planfile.load(text, file)
    endpoint, login = _account(app)
    if (saved.endpoint, saved.login) != (endpoint, login):
        raise Refused(
            f"{file} was made for {saved.login or '?'} on {saved.endpoint}, not for"
            f" {login or '?'} on {endpoint}; nothing was sent",
            2,
        )
    return saved


def _check_plan_file(app: AppContext, saved: Any, file: str) -> Any:
    """The saved plan when the account is as it was when the plan was made (one batched
    read); else exit 2 saying what changed."""
    from gandi_hosting_cli.declarative.state import (
        changes_between,
        fingerprint,
        read_account,
        snapshot,
    )

    snap = snapshot(read_account(app.client))
    if fingerprint(snap) == saved.fingerprint:
        return saved.plan
    changed = changes_between(saved.state, snap) or ["the plan file's state was edited"]
    shown = "; ".join(changed[:10]) + (
        f"; and {len(changed) - 10} more" if len(changed) > 10 else ""
    )
    raise Refused(
        f"the account changed since {file} was made: {shown}. Nothing was sent: make a new"
        " plan (`gandi-hosting plan MANIFEST --out PLANFILE`)",
        2,
    )


def apply_lock_path(endpoint: str, login: str) -> Any:
    """The path ``files.locked`` locks for applies to ``login`` on ``endpoint`` (the lock
    file is this path + ``.lock``, in the user state dir)."""
    import hashlib

    from gandi_hosting_cli.config.settings import state_dir

    digest = hashlib.sha256(f"{endpoint}|{login}".encode()).hexdigest()[:24]
    return state_dir() / "apply-locks" / digest


@contextlib.contextmanager
def _apply_lock(app: AppContext) -> Iterator[None]:
    """One apply at a time per endpoint and login on this machine (see the module doc)."""
    from gandi_hosting_cli.config import files

    endpoint, login = _account(app)
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


def _apply_dry_run(app: AppContext, the_plan: Any) -> None:
    from gandi_hosting_cli.cli.dry_run import emit_calls
    from gandi_hosting_cli.declarative.calls import planned_calls

    calls = planned_calls(the_plan)
    for problem in the_plan.blocking:
        app.terminal.warn(f"{_problem_text(problem)} (apply would send nothing)")
    emit_calls(app, calls, f"Dry run: {len(calls)} write calls shown, nothing sent.")


def _password_source(lookup: Any, password_stdin: bool) -> Callable[[str], str | None]:
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


def _confirm_and_apply(app: AppContext, the_plan: Any, passwords: Any, yes: bool) -> Any:
    """Refuse (blocking problems, no terminal without --yes, a missing password), ask
    (and have each replaced object's name typed), then run the plan."""
    from gandi_hosting_cli.declarative.calls import PasswordMissing, collect_passwords
    from gandi_hosting_cli.declarative.executor import PlanRefused, apply_plan

    try:
        if the_plan.blocking:
            _show_plan_on_stderr(app, the_plan)
            raise PlanRefused("; ".join(_problem_text(p) for p in the_plan.blocking))
        if not yes and not app.terminal.is_interactive:
            raise click.UsageError(
                "refusing to apply without confirmation: not on a terminal, pass --yes"
            )
        collect_passwords(the_plan, passwords)  # a missing one: exit 2 before asking
        if not yes:
            _show_plan_on_stderr(app, the_plan)
            app.confirm(f"Apply: {_changes(the_plan)}?", yes)
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


def _emit_apply_result(app: AppContext, result: Any) -> None:
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


@click.command("export")
@click.option("--file", "path", type=click.Path(dir_okay=False), help="Write to PATH.")
@click.option("--force", is_flag=True, help="Overwrite an existing --file.")
@global_options
@click.pass_obj
def export(app: AppContext, path: str | None, force: bool) -> None:
    """Write the account's VMs and disks as a manifest (stdout, or --file PATH).

    Each VM has a commented password_env line: a VM created again from the manifest
    needs its root password from that variable (or apply --password-stdin). --file
    refuses an existing file unless --force, and never writes through a symbolic link;
    the file is replaced atomically and readable by you only (0600).

    \b
    Examples:
      gandi-hosting export > site.toml
      gandi-hosting export --file site.toml --force && gandi-hosting plan site.toml
    """
    from gandi_hosting_cli.config import files
    from gandi_hosting_cli.declarative.export import export_account
    from gandi_hosting_cli.output.result import Result

    if path:
        _check_export_target(path, force)  # before any request
    text = export_account(app.client)
    if not path:
        app.output.emit(Result.verbatim(text))
        return
    try:
        files.write_atomic(path, text, own_dir=False)
    except OSError as error:
        raise Refused(f"cannot write {path}: {error.strerror or error}", 2) from None
    app.terminal.message(f"Wrote {path}.")


def _check_export_target(path: str, force: bool) -> None:
    from gandi_hosting_cli.config import files

    if files.is_symlink(path):
        raise Refused(f"refusing to write {path}: it is a symbolic link", 2)
    if os.path.lexists(path) and not force:
        raise Refused(f"{path} exists: pass --force to overwrite it", 2)
