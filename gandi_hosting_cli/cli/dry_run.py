"""``--dry-run``: what the write calls of a command would be, printed instead of sent.

``@dry_run_option`` (cli/options.py) sets ``AppContext.dry_run``; ``AppContext.client``
is then a ``DryRunClient`` (api/dry_run.py) that sends reads and records writes, and
``AppContext.output`` a ``DryRunOutput`` (output/render.py) that drops the command's own
results (they would describe placeholder ids). The command ends either normally or at
its first read after a write (``DryRunFinished``, mapped in ``cli.handle_exception``);
both end here, in ``finish``: the recorded calls go through the output layer (one line
each, a JSON array with ``--json``), a note on stderr, exit 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from gandi_hosting_cli.output.render import DryRunOutput
from gandi_hosting_cli.output.result import Lines, Result

if TYPE_CHECKING:
    from gandi_hosting_cli.cli.context import AppContext


def calls_result(calls: Sequence[tuple[str, Sequence[Any]]]) -> Result:
    """``[(method, params)]`` as data: ``method(param, ...)`` lines, or a JSON array of
    ``{"method", "params"}``; ``-q`` gives the lines too (there are no ids to give)."""
    data = [{"method": method, "params": list(params)} for method, params in calls]
    lines = [f"{method}({', '.join(repr(p) for p in params)})" for method, params in calls]
    return Result([Lines(lines)], json=data, ids=lines)


def emit_calls(
    app: AppContext,
    calls: Sequence[tuple[str, Sequence[Any]]],
    note: str,
    human: Result | None = None,
) -> None:
    """Print ``calls`` (the dry run's data) and ``note`` on stderr; mark the run finished.
    ``human``: what people see instead of the call lines (the plan's table)."""
    app.dry_run_printed = True
    output = app.output
    result = calls_result(calls)
    if human is not None and output.human:
        result = human
    if isinstance(output, DryRunOutput):
        output.emit_calls(result)
    else:
        output.emit(result)
    app.terminal.message(note)


def finish(app: AppContext, stopped: BaseException | None = None) -> int:
    """End a dry run: print the recorded calls of ``app.client``; exit code 0.

    ``stopped``: the command ended at a read of what its writes did (a state, a wait),
    so calls that would come after it (a delete after a stop and its wait) are not
    shown: they depend on results a dry run does not have."""
    if app.dry_run_printed or "client" not in app.__dict__:
        return 0  # printed already (apply), or no request was ever needed (--help)
    recorded = getattr(app.client, "recorded", [])
    calls = [(c.method, c.params) for c in recorded]
    if not calls:
        note = "Dry run: no write call would be sent."
    else:
        count = f"{len(calls)} write call{'s' if len(calls) != 1 else ''}"
        note = f"Dry run: {count} shown, nothing sent."
    emit_calls(app, calls, note, _as_plan(app, calls) if calls and app.output.human else None)
    return 0


# a single command's write calls as the plan's actions (declarative/plan.py): the kind,
# and what its first parameter is
ACTIONS = {
    "vm_create": "create_vm",
    "disk_create": "create_disk",
    "vm_start": "start",
    "vm_stop": "stop",
    "vm_reboot": "reboot",
    "vm_update": "update_vm",
    "vm_delete": "delete_vm",
    "vm_disk_link": "link_boot_disk",
    "disk_attach": "attach",
    "disk_detach": "detach",
    "disk_delete": "delete_disk",
    "operation_cancel": "cancel",
    "hosting_account_product_add": "buy",
    "hosting_account_product_renew": "renew",
    "hosting_account_product_update": "update",
    "hosting_account_product_remove": "remove",
}


def _as_plan(app: AppContext, calls: Sequence[tuple[str, Sequence[Any]]]) -> Result:
    """The single command's writes as the table `plan` prints (one row per action, the
    objects by name where the name cache knows them, each action after the previous one
    on the same object)."""
    from gandi_hosting_cli.cli.plan_table import PLAN_COLUMNS, plan_rows
    from gandi_hosting_cli.declarative.plan import Plan, PlanBuilder
    from gandi_hosting_cli.output.render import OutputMode
    from gandi_hosting_cli.output.result import Table

    cache = app.name_cache
    names = {r: dict(cache.entries(r)) if cache is not None else {} for r in ("vm", "disk")}

    def name(resource: str, obj_id: Any) -> str:
        known = names[resource].get(obj_id) if isinstance(obj_id, int) else None
        return f"{known} ({obj_id})" if known else str(obj_id)

    builder = PlanBuilder()
    for method, params in calls:
        kind = ACTIONS.get(method, method)
        p = list(params)
        if method == "vm_create":
            after = {"os": p[2], "shares": p[3], "cpu": p[4], **(p[5] or {})}
            builder.add(kind, f"vm {p[0]}", vm=p[0], after=after)
        elif method == "disk_create":
            spec = dict(p[0])
            builder.add(kind, f"disk {spec.pop('name', '?')}", disk="new", after=spec)
        elif method in ("disk_attach", "disk_detach"):
            builder.add(kind, "", disk=name("disk", p[0]), vm=name("vm", p[1]))
        elif method == "vm_disk_link":
            builder.add(kind, f"vm {name('vm', p[0])}", vm=name("vm", p[0]),
                        after={"boot disk": name("disk", p[1])})  # fmt: skip
        elif method.startswith("vm_"):
            after = dict(p[1]) if method == "vm_update" else {}
            builder.add(kind, f"vm {name('vm', p[0])}", vm=name("vm", p[0]), after=after)
        elif method == "disk_delete":
            builder.add(kind, f"disk {name('disk', p[0])}", disk=name("disk", p[0]))
        elif method == "operation_cancel":
            builder.add(kind, f"operation {p[0]}")
        else:  # the products
            args = dict(zip(("product", "quantity", "duration"), p, strict=False))
            if method != "hosting_account_product_add":
                target = f"product {args.pop('product')}"
                keys = ("duration",) if "renew" in method else ("quantity",)
                args = dict(zip(keys, p[1:], strict=False))
            else:
                target = f"{args.pop('product')}"
            builder.add(kind, target, after=args)
    arrow = "\u2192" if app.output.mode is OutputMode.TABLE else "->"
    rows = plan_rows(Plan(actions=builder.actions), arrow)
    lines = [f"{m}({', '.join(repr(p) for p in params)})" for m, params in calls]
    return Result([Table(rows, PLAN_COLUMNS)], ids=lines)
