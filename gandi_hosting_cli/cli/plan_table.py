"""How a plan is shown: the table of its actions (as `plan` prints it, and as a single
command's ``--dry-run`` prints its writes, cli/dry_run.py: one row per action), its
problems with what to do about them, and the summary line."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from gandi_hosting_cli.output.columns import Column

if TYPE_CHECKING:
    from gandi_hosting_cli.cli.context import AppContext
    from gandi_hosting_cli.output.render import OutputMode
    from gandi_hosting_cli.output.result import Result

_KIND_WORDS = {
    "create_disk": "create",
    "create_vm": "create",
    "update_vm": "update",
    "link_boot_disk": "link boot disk",
    "delete_vm": "delete",
    "delete_disk": "delete",
}

PLAN_COLUMNS = [
    Column("id", "#", "int"),
    Column("action", "ACTION"),
    Column("target", "TARGET"),
    Column("change", "CHANGE"),
    Column("after", "AFTER"),
]


def plan_rows(plan: Any, arrow: str) -> list[dict[str, Any]]:
    """One row per action: what, on what, ``before -> after``, and the actions it waits for."""
    rows = []
    for a in plan.actions:
        if a.kind in ("attach", "detach"):
            target = f"disk {a.disk} {'to' if a.kind == 'attach' else 'from'} vm {a.vm}"
            change = ""
        elif a.kind in ("create_vm", "create_disk"):
            target = a.target
            change = ", ".join(f"{k} {v}" for k, v in a.after.items())
        else:
            target = a.target
            change = ", ".join(
                f"{k} {a.before.get(k, '-')} {arrow} {v}" for k, v in a.after.items()
            )
        if a.reason:
            change = f"{change} [{a.reason}]".strip()
        rows.append(
            {
                "id": a.id,
                "action": _KIND_WORDS.get(a.kind, a.kind),
                "target": target,
                "change": change,
                "after": ", ".join(f"#{d}" for d in a.depends),
            }
        )
    return rows


def problem_lines(plan: Any) -> list[str]:
    """``! blocking problem`` (apply would send nothing), ``~ left as is``."""
    return [f"{'!' if p.blocking else '~'} {problem_text(p)}" for p in plan.problems]


def problem_text(problem: Any) -> str:
    """A problem's message with what to do about it, as commands."""
    from gandi_hosting_cli.cli.hints import with_hint

    return with_hint(problem.message, problem.hint)


def plan_result(plan: Any, mode: OutputMode) -> Result:
    from gandi_hosting_cli.output.render import OutputMode
    from gandi_hosting_cli.output.result import Lines, Result, Table

    arrow = "\u2192" if mode is OutputMode.TABLE else "->"
    blocks: list[Any] = []
    if plan.actions:
        blocks.append(Table(plan_rows(plan, arrow), PLAN_COLUMNS))
    if plan.problems:
        blocks.append(Lines(problem_lines(plan)))
    return Result(blocks, json=plan.as_dict(), ids=[a.id for a in plan.actions])


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count != 1 else ''}"


def changes_text(plan: Any, pending: str = "") -> str:
    """``3 changes (1 deletion, 1 replacement)``; ``pending``: a word after "changes"."""
    deletes = sum(1 for a in plan.actions if a.kind.startswith("delete"))
    extras = [_plural(deletes, "deletion")] if deletes else []
    if plan.replaced:
        extras.append(_plural(len(plan.replaced), "replacement"))
    text = _plural(len(plan.actions), "change") + pending
    return text + (f" ({', '.join(extras)})" if extras else "")


def plan_summary(plan: Any) -> str:
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
        parts.append(changes_text(plan, " pending"))
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


def show_plan_on_stderr(app: AppContext, plan: Any) -> None:
    """The plan as a table on stderr (before apply asks): stdout stays for the result."""
    from gandi_hosting_cli.output.render import Output
    from gandi_hosting_cli.output.terminal import Terminal

    terminal = app.terminal
    on_stderr = Terminal(stdout=terminal.stderr, stdout_tty=terminal.stderr_is_tty)
    mode = Output.human_mode(on_stderr)
    Output(mode, on_stderr).emit(plan_result(plan, mode))


def plan_notes(app: AppContext, plan: Any) -> None:
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
