"""``plan``, ``apply`` and ``export``: the declarative engine (gandi_hosting_cli/declarative)
behind today's AppContext and output. Kept thin: the engine decides, this reads the
manifest, plans and shows (cli/plan_table.py); cli/applying.py carries a plan out.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from gandi_hosting_cli.cli.applying import (
    Refused,
    account_of,
    apply_dry_run,
    apply_lock,
    confirm_and_apply,
    emit_apply_result,
    password_source,
)
from gandi_hosting_cli.cli.context import AppContext
from gandi_hosting_cli.cli.options import (
    dry_run_option,
    global_options,
    password_stdin_option,
    yes_option,
)
from gandi_hosting_cli.cli.plan_table import (
    plan_notes,
    plan_result,
    plan_summary,
    problem_text,
    show_plan_on_stderr,
)

if TYPE_CHECKING:
    pass

MANIFEST = click.Path(exists=True, dir_okay=False, allow_dash=True)


class BadManifest(click.ClickException):
    """A ManifestError shown as one line per problem (no traceback even with --debug), exit 2."""

    exit_code = 2


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
        app.output.emit(plan_result(the_plan, app.output.mode))
    elif app.output.mode is OutputMode.JSON:
        app.output.emit(Result(json=the_plan.as_dict()))
    plan_notes(app, the_plan)
    app.terminal.message(plan_summary(the_plan))
    if out and the_plan.duplicates:
        app.terminal.warn(f"{out} not written: apply would refuse this plan")
    elif out:
        _save_plan(app, out, the_plan, state, file, prune, replace)
    if the_plan.exit_code:
        raise click.exceptions.Exit(the_plan.exit_code)


def _save_plan(
    app: AppContext, out: str, the_plan: Any, state: Any, file: str, prune: bool, replace: Any
) -> None:
    from gandi_hosting_cli.declarative import planfile
    from gandi_hosting_cli.declarative.state import fingerprint, snapshot

    endpoint, login = account_of(app)
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
        apply_dry_run(app, compute())
        return
    with apply_lock(app):
        the_plan = compute()
        if the_plan.duplicates:
            show_plan_on_stderr(app, the_plan)
            raise Refused(
                "; ".join(p.message for p in the_plan.duplicates) + "; nothing was sent", 2
            )
        for note in the_plan.notes:
            app.terminal.message(note)
        if not the_plan.actions and not the_plan.blocking:
            for problem in the_plan.problems:
                app.terminal.message(f"~ {problem_text(problem)}")
            app.output.emit(Result(json={"exit_code": 0, "actions": []}))
            app.terminal.message(plan_summary(the_plan) if the_plan.problems else
                                 "Up to date: nothing to do.")  # fmt: skip
            return
        result = confirm_and_apply(app, the_plan, password_source(lookup, password_stdin), yes)
    emit_apply_result(app, result)
    if result.exit_code:
        raise click.exceptions.Exit(result.exit_code)


def _load_plan_file(app: AppContext, text: str, file: str) -> Any:
    """The saved plan, made for this endpoint and login (else exit 2)."""
    from gandi_hosting_cli.declarative import planfile

    saved = planfile.load(text, file)
    endpoint, login = account_of(app)
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
