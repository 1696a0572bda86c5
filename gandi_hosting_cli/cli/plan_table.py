"""The table of a plan's actions, as `plan` prints it and as a single command's
``--dry-run`` prints its writes (cli/dry_run.py): one row per action."""

from __future__ import annotations

from typing import Any

from gandi_hosting_cli.output.columns import Column

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
