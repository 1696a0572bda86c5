"""``plan``, ``apply`` and ``export``: the declarative engine (gandi_hosting_cli/declarative)
behind today's AppContext and output. Kept thin: the engine decides, this shows.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from gandi_hosting_cli.cli.context import AppContext
from gandi_hosting_cli.cli.options import (
    dry_run_option,
    global_options,
    password_stdin_option,
    read_password_stdin,
    yes_option,
)
from gandi_hosting_cli.output import Lines, OutputMode, Result

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


def _plan(app: AppContext, path: str, prune: bool) -> Any:
    from gandi_hosting_cli.declarative.planner import make_plan
    from gandi_hosting_cli.declarative.state import read_account

    manifest = _load(path)  # a bad manifest: exit 2 before any request
    return manifest, make_plan(manifest, read_account(app.client), prune=prune)


def _plan_lines(plan: Any) -> list[str]:
    lines = []
    for action in plan.actions:
        after = f" (after {', '.join(f'#{d}' for d in action.depends)})" if action.depends else ""
        why = f" [{action.reason}]" if action.reason else ""
        lines.append(f"{action.id:>3}. {action.describe()}{why}{after}")
    for problem in plan.problems:
        lines.append(f"  {'!' if problem.blocking else '~'} {problem.message}")
    return lines


def _json(app: AppContext) -> bool:
    return app.output.mode is OutputMode.JSON


def _show_plan(app: AppContext, plan: Any, *, err: bool = False) -> None:
    if plan.up_to_date:
        if not err:
            app.output.emit(Result(json=plan.as_dict()))
        app.terminal.message("Up to date: nothing to do.")
        return
    if err:
        app.terminal.notice("\n".join(_plan_lines(plan)))
    else:
        app.output.emit(Result([Lines(_plan_lines(plan))], json=plan.as_dict()))


@click.command("plan")
@click.argument("manifest", type=MANIFEST)
@click.option("--prune", is_flag=True, help="Also plan to delete what the manifest omits.")
@global_options
@click.pass_obj
def plan(app: AppContext, manifest: str, prune: bool) -> None:
    """Show what `apply MANIFEST` would change (exit 0: up to date, 8: changes pending).

    \b
    Examples:
      gandi-hosting plan site.toml
      gandi-hosting plan site.toml --prune --json
    """
    _, the_plan = _plan(app, manifest, prune)
    _show_plan(app, the_plan)
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

    New VMs take their root password from the environment variable named by their
    password_env key, else from --password-stdin (never from the file).

    \b
    Examples:
      gandi-hosting apply site.toml
      gandi-hosting apply site.toml --yes --password-stdin < pw.txt
      gandi-hosting apply site.toml --dry-run --json
    """
    from gandi_hosting_cli.declarative.executor import apply_plan, planned_calls

    spec, the_plan = _plan(app, manifest, prune)
    if app.dry_run:
        from gandi_hosting_cli.cli.dry_run import emit_calls

        calls = planned_calls(the_plan)
        emit_calls(app, calls, f"Dry run: {len(calls)} write calls shown, nothing sent.")
        return
    if the_plan.up_to_date:
        app.output.emit(Result(json={"exit_code": 0, "actions": []}))
        app.terminal.message("Up to date: nothing to do.")
        return
    if not the_plan.blocking:
        if not yes and not app.terminal.is_interactive:
            raise click.UsageError(
                "refusing to apply without confirmation: not on a terminal, pass --yes"
            )
        if not yes:
            app.terminal.notice("This plan will:")
            _show_plan(app, the_plan, err=True)
        app.confirm("Apply these changes?", yes)

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

    def on_event(event: Any) -> None:
        if _json(app) or event.kind not in ("done", "failed", "skipped"):
            return
        line = f"{event.action.describe()}: {event.kind}"
        if event.operation is not None:
            line += f" (operation {event.operation})"
        if event.message:
            line += f": {event.message}"
        app.output.emit(Result([Lines([line])]))

    from gandi_hosting_cli.declarative.executor import PasswordMissing, PlanRefused

    try:
        result = apply_plan(app.client, the_plan, passwords=passwords, on_event=on_event)
    except (PlanRefused, PasswordMissing) as error:  # found before anything was sent
        refused = click.ClickException(f"{error.message}; nothing was sent")
        refused.exit_code = int(error.exit_code)
        raise refused from None
    app.output.emit(Result(json=result.as_dict()))
    if result.exit_code:
        raise click.exceptions.Exit(result.exit_code)


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

    text = export_account(app.client)
    if path:
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
        app.terminal.message(f"Wrote {path}.")
    else:
        app.output.emit(Result.verbatim(text))
