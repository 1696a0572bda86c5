"""``plan``, ``apply`` and ``export``: the declarative engine (gandi_hosting_cli/declarative)
behind today's AppContext and output. Kept thin: the engine decides, this shows.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from gandi_hosting_cli.cli.context import AppContext
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


class BadManifest(click.ClickException):
    """A ManifestError shown as one line (no traceback even with --debug), exit 2."""

    exit_code = 2


def _load(path: str) -> Any:
    from gandi_hosting_cli.declarative.manifest import (
        ManifestError,
        load_manifest,
        parse_manifest,
    )

    try:
        if path == "-":
            return parse_manifest(sys.stdin.read(), "<stdin>")
        return load_manifest(path)
    except ManifestError as error:
        raise BadManifest(str(error)) from None


def _plan(app: AppContext, path: str, prune: bool, settle: bool = False) -> Any:
    """The manifest and its plan. ``settle`` (apply): first wait for the operations that
    hold objects of the manifest (an apply stopped midway left them running)."""
    from gandi_hosting_cli.declarative.planner import make_plan
    from gandi_hosting_cli.declarative.settle import settled_account
    from gandi_hosting_cli.declarative.state import read_account

    manifest = _load(path)  # a bad manifest: exit 2 before any request

    def waiting(opids: list[int]) -> None:
        ids = " ".join(str(i) for i in opids)
        app.terminal.message(f"Waiting for operations {ids}: they hold objects of the manifest")

    state = settled_account(app.client, manifest, on_wait=waiting) if settle else None
    return manifest, make_plan(manifest, state or read_account(app.client), prune=prune)


APPLY_COLUMNS = [
    Column("id", "#", "int"),
    Column("action", "ACTION"),
    Column("status", "STATUS"),
    Column("operation", "OPERATION", "int"),
    Column("message", "MESSAGE"),
]


def _problem_lines(plan: Any) -> list[str]:
    """``! blocking problem`` (apply would send nothing), ``~ left as is``."""
    return [f"{'!' if p.blocking else '~'} {p.message}" for p in plan.problems]


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


def _summary(plan: Any) -> str:
    if plan.up_to_date:
        return "Up to date: nothing to do."
    count = len(plan.actions)
    deletes = sum(1 for a in plan.actions if a.kind.startswith("delete"))
    text = f"{count} change{'s' if count != 1 else ''} pending"
    if deletes:
        text += f" ({deletes} deletion{'s' if deletes != 1 else ''})"
    blocking = len(plan.blocking)
    if blocking:
        text += f"; {blocking} problem{'s' if blocking != 1 else ''} would stop apply"
    return text + "."


def _show_plan_on_stderr(app: AppContext, plan: Any) -> None:
    """The plan as a table on stderr (before apply asks): stdout stays for the result."""
    from gandi_hosting_cli.output.render import Output
    from gandi_hosting_cli.output.terminal import Terminal

    terminal = app.terminal
    on_stderr = Terminal(stdout=terminal.stderr, stdout_tty=terminal.stderr_is_tty)
    mode = Output.human_mode(on_stderr)
    Output(mode, on_stderr).emit(_plan_result(plan, mode))


@click.command("plan")
@click.argument("manifest", type=MANIFEST)
@click.option("--prune", is_flag=True, help="Also plan to delete what the manifest omits.")
@global_options
@click.pass_obj
def plan(app: AppContext, manifest: str, prune: bool) -> None:
    """Show what `apply MANIFEST` would change (exit 0: up to date, 8: changes pending).

    One batched read of the account, nothing sent. A table of the actions in order
    (action, target, before -> after, the actions each waits for), then the problems
    the API would refuse (! stops apply, ~ is left as is); --json gives
    {"up_to_date", "actions": [...], "problems": [...]}. A bad manifest exits 2.

    \b
    Examples:
      gandi-hosting export --file site.toml && gandi-hosting plan site.toml
      gandi-hosting plan site.toml --prune --json
    """
    from gandi_hosting_cli.output.render import OutputMode
    from gandi_hosting_cli.output.result import Result

    _, the_plan = _plan(app, manifest, prune)
    if not the_plan.up_to_date:
        app.output.emit(_plan_result(the_plan, app.output.mode))
    elif app.output.mode is OutputMode.JSON:
        app.output.emit(Result(json=the_plan.as_dict()))
    app.terminal.message(_summary(the_plan))
    if the_plan.exit_code:
        raise click.exceptions.Exit(the_plan.exit_code)


@click.command("apply")
@click.argument("manifest", type=MANIFEST)
@click.option("--prune", is_flag=True, help="Delete the VMs and disks the manifest omits.")
@dry_run_option
@yes_option
@password_stdin_option
@global_options
@click.pass_obj
def apply(app: AppContext, manifest: str, prune: bool, yes: bool, password_stdin: bool) -> None:
    """Make the account match MANIFEST: independent operations in parallel.

    Shows the plan and asks for confirmation on a terminal (--yes off a terminal);
    with --prune, what the manifest omits is deleted (shown in the plan). New VMs take
    their root password from the environment variable named by their password_env
    key, else from --password-stdin (never from the file). One live line per action on
    a terminal, one line per finished action on stderr otherwise; the result is a
    table of the actions (--json: {"exit_code", "actions": [...]}); the exit code is
    the worst one (5: an operation ended in ERROR).

    \b
    Examples:
      gandi-hosting apply site.toml --dry-run --json
      gandi-hosting apply site.toml --yes --password-stdin < pw.txt
      gandi-hosting apply site.toml --yes   # again: nothing to do, nothing sent
    """
    from gandi_hosting_cli.output.result import Result

    spec, the_plan = _plan(app, manifest, prune, settle=not app.dry_run)
    if app.dry_run:
        _apply_dry_run(app, the_plan)
        return
    if the_plan.up_to_date:
        app.output.emit(Result(json={"exit_code": 0, "actions": []}))
        app.terminal.message("Up to date: nothing to do.")
        return
    result = _confirm_and_apply(app, the_plan, _password_source(spec, password_stdin), yes)
    _emit_apply_result(app, result)
    if result.exit_code:
        raise click.exceptions.Exit(result.exit_code)


def _apply_dry_run(app: AppContext, the_plan: Any) -> None:
    from gandi_hosting_cli.cli.dry_run import emit_calls
    from gandi_hosting_cli.declarative.executor import planned_calls

    calls = planned_calls(the_plan)
    for problem in the_plan.blocking:
        app.terminal.warn(f"{problem.message} (apply would send nothing)")
    emit_calls(app, calls, f"Dry run: {len(calls)} write calls shown, nothing sent.")


def _password_source(spec: Any, password_stdin: bool) -> Callable[[str], str | None]:
    """hostname -> root password: its password_env variable, else --password-stdin (read
    once, for every new VM), else None."""
    stdin_password: list[str] = []

    def passwords(hostname: str) -> str | None:
        vm = spec.vm(hostname)
        if vm is not None and vm.password_env:
            return os.environ.get(vm.password_env) or None
        if password_stdin:
            if not stdin_password:
                stdin_password.append(read_password_stdin())
            return stdin_password[0]
        return None

    return passwords


def _confirm_and_apply(app: AppContext, the_plan: Any, passwords: Any, yes: bool) -> Any:
    """Refuse (blocking problems, no terminal without --yes, a missing password), ask,
    then run the plan."""
    from gandi_hosting_cli.declarative.executor import (
        PasswordMissing,
        PlanRefused,
        apply_plan,
        collect_passwords,
    )

    try:
        if the_plan.blocking:
            _show_plan_on_stderr(app, the_plan)
            raise PlanRefused("; ".join(p.message for p in the_plan.blocking))
        if not yes and not app.terminal.is_interactive:
            raise click.UsageError(
                "refusing to apply without confirmation: not on a terminal, pass --yes"
            )
        collect_passwords(the_plan, passwords)  # a missing one: exit 2 before asking
        if not yes:
            _show_plan_on_stderr(app, the_plan)
            app.confirm(f"Apply: {_summary(the_plan)[:-1].replace(' pending', '')}?", yes)
        return _run(app, the_plan, passwords, apply_plan)
    except (PlanRefused, PasswordMissing) as error:  # found before anything was sent
        refused = click.ClickException(f"{error.message}; nothing was sent")
        refused.exit_code = int(error.exit_code)
        raise refused from None


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
    """Run the plan: a live display on a terminal (stderr), else one line per finished
    action on stderr (silent with -q)."""
    console = app.terminal.err_console
    if console.is_terminal and not app.terminal.quiet:
        from gandi_hosting_cli.cli.progress import ApplyProgress

        with ApplyProgress(console, the_plan.actions) as progress:
            return apply_plan(app.client, the_plan, passwords=passwords, on_event=progress.event)

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

    return apply_plan(app.client, the_plan, passwords=passwords, on_event=on_event)


@click.command("export")
@click.option("--file", "path", type=click.Path(dir_okay=False), help="Write to PATH.")
@global_options
@click.pass_obj
def export(app: AppContext, path: str | None) -> None:
    """Write the account's VMs and disks as a manifest (stdout, or --file PATH).

    \b
    Examples:
      gandi-hosting export > site.toml
      gandi-hosting export --file site.toml && gandi-hosting plan site.toml
    """
    from gandi_hosting_cli.declarative.export import export_account
    from gandi_hosting_cli.output.result import Result

    text = export_account(app.client)
    if path:
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
        app.terminal.message(f"Wrote {path}.")
    else:
        app.output.emit(Result.verbatim(text))
