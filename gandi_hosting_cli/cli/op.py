"""``op``: operations, the API's queued jobs: list, inspect, cancel, wait for them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import click

from gandi_hosting_cli.cli import types
from gandi_hosting_cli.cli.context import AppContext
from gandi_hosting_cli.cli.options import dry_run_option, global_options, yes_option
from gandi_hosting_cli.output import Column, Result

OP_COLUMNS = [
    Column("id", "ID", "int"),
    Column("type", "TYPE"),
    Column("state", "STATE", "state"),
    Column("date_create", "CREATED", "date"),
    Column("date_update", "UPDATED", "date"),
    Column("object", "OBJECT"),
    Column("comment", "COMMENT"),
]

OP_FIELDS = [
    Column("uid", "id", "int"),
    Column("type", "type"),
    Column("state", "state", "state"),
    Column("object", "object"),
    Column("date_create", "created", "date"),
    Column("date_update", "updated", "date"),
    Column("param", "param"),
    Column("comment", "comment"),
]


@click.group()
@global_options
def op() -> None:
    """List, inspect, cancel and wait for operations.

    Every change (create, start, attach...) is an operation that goes PENDING, RUN,
    then DONE, or ERROR (with a comment), or CANCEL.

    \b
    Examples:
      gandi-hosting op list --state PENDING
      gandi-hosting op wait 1201 1202 --wait-timeout 300
    """


@op.command("list")
@click.option("--type", "op_type", type=types.OPERATION_TYPE, help="Only this operation type.")
@click.option("--state", type=types.OPERATION_STATE, help="Only this state (ALL: any).")
@click.option(
    "--created-after",
    type=types.ISO_DATE,
    metavar="DATE",
    help="Created after DATE (ISO date or date-time, local time unless an offset).",
)
@click.option("--created-before", type=types.ISO_DATE, metavar="DATE", help="Created before DATE.")
@click.option("--updated-after", type=types.ISO_DATE, metavar="DATE", help="Updated after DATE.")
@click.option("--updated-before", type=types.ISO_DATE, metavar="DATE", help="Updated before DATE.")
@click.option(
    "--details",
    is_flag=True,
    help="With --json: the operation_details structs instead of the ids. "
    "The table shows full rows with or without it.",
)
@global_options
@click.pass_obj
def op_list(
    app: AppContext,
    op_type: str | None,
    state: str | None,
    created_after: dt.datetime | None,
    created_before: dt.datetime | None,
    updated_after: dt.datetime | None,
    updated_before: dt.datetime | None,
    details: bool,
) -> None:  # fmt: skip
    """List the last 300 operations matching the filters, oldest first.

    The table always shows one full row per operation (id, type, state, dates, the
    object it applies to, comment), read in one batch, with or without --details.
    --json gives the array of ids in the table's order, or of operation_details
    structs with --details; -q only the ids. Dates are sent as dateTime.iso8601 in UTC.

    \b
    Examples:
      gandi-hosting op list
      gandi-hosting op list --type vm_create --state ERROR
      gandi-hosting op list --created-after 2026-01-01 --updated-before 2026-01-31T18:00
      gandi-hosting op list --state ERROR --json --details | jq '.[].comment'
    """
    filters: dict[str, Any] = {
        "type": op_type,
        "state": state,
        "created_after": created_after,
        "created_before": created_before,
        "updated_after": updated_after,
        "updated_before": updated_before,
    }
    filters = {k: v for k, v in filters.items() if v is not None}
    from gandi_hosting_cli.cli.vm.show import remember, warn_unreadable
    from gandi_hosting_cli.workflows.reads import operation_object, operations

    listing = operations(app.client, filters)
    warn_unreadable(app, "operation", listing.unreadable)
    rows = [{**d, "id": d.get("uid"), "object": operation_object(d)} for d in listing.items]
    # a filtered list is not the whole list: merge it into what completion knows
    remember("op", rows, app, complete=not filters)
    ids = [d.get("uid") for d in listing.items]
    app.output.emit(Result.records(rows, OP_COLUMNS, json=listing.items if details else ids))


@op.command("info")
@click.argument("opid", type=types.OPID)
@global_options
@click.pass_obj
def op_info(app: AppContext, opid: int) -> None:
    """Show one operation; --json gives the operation_details struct.

    \b
    Examples:
      gandi-hosting op info 1201
    """
    from gandi_hosting_cli.workflows.reads import operation_object

    details = app.client.operation_details(opid)
    param = {k: v for k, v in (details.get("param") or {}).items() if k != "param_type"}
    data = {**details, "object": operation_object(details), "param": param or None}
    app.output.emit(Result.record({**data, "id": details.get("uid")}, OP_FIELDS, json=details))


@op.command("cancel")
@click.argument("opids", metavar="OPID...", nargs=-1, required=True, type=types.OPID)
@yes_option
@dry_run_option
@global_options
@click.pass_obj
def op_cancel(app: AppContext, opids: tuple[int, ...], yes: bool) -> None:
    """Cancel one or more operations (only PENDING or ERROR ones can be).

    Cancelling an ERROR operation releases what it had reserved. On a terminal the
    operations are shown and confirmation is asked; off a terminal --yes is required.
    Every operation is tried; the exit code is the worst of them. --json gives
    {"operation": id, "state": "CANCEL"} for one, an array of those (or of
    {"operation": id, "error": {...}}) for several.

    \b
    Examples:
      gandi-hosting op cancel 1201
      gandi-hosting op cancel 1201 1202 --yes
    """
    from gandi_hosting_cli.cli.reporting import confirm_destruction, report, require_yes
    from gandi_hosting_cli.workflows.operations import cancel_each
    from gandi_hosting_cli.workflows.reads import operation_object, operations_by_id

    require_yes(app, yes, "cancel operations")
    ids = list(dict.fromkeys(opids))
    if not yes:
        lines = [
            f"operation {i}: {r.message}"
            if isinstance(r, Exception)
            else f"operation {i}: {r.get('type')} on {operation_object(r)}, {r.get('state')}"
            for i, r in zip(ids, operations_by_id(app.client, ids), strict=True)
        ]
        confirm_destruction(app, yes, "cancel", lines)
    outcomes = cancel_each(app.client, ids)
    report(app, outcomes, wait=False, wait_timeout=None, several=len(opids) > 1)


@op.command("wait")
@click.argument("opids", metavar="OPID...", nargs=-1, required=True, type=types.OPID)
@click.option(
    "--wait-timeout",
    type=types.WAIT_TIMEOUT,
    metavar="SECONDS",
    help="Give up after SECONDS (exit 7).",
)
@global_options
@click.pass_obj
def op_wait(app: AppContext, opids: tuple[int, ...], wait_timeout: float | None) -> None:
    """Wait until every operation is DONE (one live line each on a terminal).

    All are polled together, backing off from 0.5 s to 5 s between polls. Exit 5 if one
    ends in ERROR or CANCEL (with its comment), 7 at the timeout, 130 on Ctrl-C (the
    operations go on). --json gives {"operation": id, "state": "..."}, an array for
    several.

    \b
    Examples:
      gandi-hosting op wait 1201
      gandi-hosting op wait 1201 1202 1203 --wait-timeout 600
    """
    from gandi_hosting_cli.cli.reporting import report
    from gandi_hosting_cli.workflows.operations import Outcome

    ids = list(dict.fromkeys(opids))
    outcomes = [Outcome("", i, operation=i) for i in ids]
    report(app, outcomes, wait=True, wait_timeout=wait_timeout, several=len(opids) > 1)
