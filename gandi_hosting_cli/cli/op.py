"""``op``: operations, the API's queued jobs: list, inspect, cancel, wait for them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import click

from gandi_hosting_cli.cli import AliasGroup, types
from gandi_hosting_cli.cli.context import AppContext
from gandi_hosting_cli.cli.options import (
    dry_run_option,
    global_options,
    list_command,
    refs_argument,
    yes_option,
)
from gandi_hosting_cli.cli.watching import watch_option
from gandi_hosting_cli.output.columns import Column, field_lines

OP_COLUMNS = [
    Column("id", "ID", "int"),
    Column("type", "TYPE"),
    Column("state", "STATE", "state"),
    Column("date_create", "CREATED", "datetime"),
    Column("date_update", "UPDATED", "datetime"),
    Column("object", "OBJECT"),
    Column("comment", "COMMENT"),
]

# every key `op list --columns/--sort` takes: operation_details', "id" (= uid), "object"
OP_CATALOG = [
    *OP_COLUMNS,
    Column("uid", "UID", "int"),
    Column("param", "PARAM"),
]

OP_FIELDS = field_lines(
    OP_CATALOG, "uid type state object date_create date_update param comment", uid="id"
)


@click.group(cls=AliasGroup)
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


@list_command(OP_CATALOG)
@op.command("list")
@click.option("--type", "op_type", type=types.OPERATION_TYPE, help="Only this operation type.")
@click.option(
    "--state",
    type=types.OPERATION_STATE_OR_OPEN,
    help="Only this state; open: PENDING and RUN (the operations one may wait for).",
)
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
    "--all",
    "every",
    is_flag=True,
    help="Every matching operation, not only the last 300 (pages back through time).",
)
@click.option(
    "--details",
    is_flag=True,
    expose_value=False,
    help="Accepted for compatibility: lists show one row per operation by default.",
)
@watch_option
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
    every: bool,
    watch: float | None,
) -> None:  # fmt: skip
    """List the operations matching the filters, oldest first (the last 300 of them).

    One row per operation (id, type, state, dates, the object it applies to, comment),
    read in one batch. The API gives at most the last 300: when the list is full, a
    note on stderr says so, and --all pages back with created_before windows until every
    matching operation is listed. --json gives an array of operation_details structs
    (each with its "id"), -q only the ids. Dates are sent as dateTime.iso8601 in UTC.

    \b
    Examples:
      gandi-hosting op list
      gandi-hosting op list --type vm_create --state ERROR
      gandi-hosting op list --created-after 2026-01-01 --updated-before 2026-01-31T18:00
      gandi-hosting op list --all -o tsv --columns id,type,state --no-header
      gandi-hosting op list --state open -q | gandi-hosting op wait -
      gandi-hosting op list --state open --watch
    """
    from gandi_hosting_cli.output.result import Result

    app.check_shape(OP_CATALOG)
    filters: dict[str, Any] = {
        "type": op_type,
        "state": state,
        "created_after": created_after,
        "created_before": created_before,
        "updated_after": updated_after,
        "updated_before": updated_before,
    }
    filters = {k: v for k, v in filters.items() if v is not None}
    from gandi_hosting_cli.cli.listing import emit_or_watch, remember, warn_unreadable
    from gandi_hosting_cli.workflows.reads import (
        operation_object,
        operations,
        operations_in_states,
    )

    def read() -> Result:
        if state is not None and state.lower() == "open":
            open_states = ("PENDING", "RUN")
            others = {k: v for k, v in filters.items() if k != "state"}
            listing = operations_in_states(app.client, others, open_states, every=every)
        else:
            listing = operations(app.client, filters, every=every)
        warn_unreadable(app, "operation", listing.unreadable)
        items = [{"id": d.get("uid", d.get("id")), **d} for d in listing.items]
        rows = [{**d, "object": operation_object(d)} for d in items]
        # a filtered list is not the whole list: merge it into what completion knows
        remember("op", rows, app, complete=not filters)
        _warn_if_incomplete(app, listing)
        return Result.records(
            rows, OP_COLUMNS, json=items, catalog=OP_CATALOG, empty="no operations"
        )

    emit_or_watch(app, read, watch, "operation", "type")


def _warn_if_incomplete(app: AppContext, listing: Any) -> None:
    """Say when the API's 300-operation limit may have hidden some."""
    from gandi_hosting_cli.workflows.reads import LIST_LIMIT

    if listing.overflow:
        app.terminal.warn(
            f"more than {LIST_LIMIT} operations of one type and state were created in the "
            "same second: some of them may be missing"
        )
    if listing.full:
        app.terminal.warn(
            f"showing the last {LIST_LIMIT} matching operations only (the API's limit); "
            "--all lists every one, --created-before DATE shows older ones"
        )


@op.command("info")
@refs_argument("opids", "OPID...", types.OPID)
@global_options
@click.pass_obj
def op_info(app: AppContext, opids: tuple[int, ...]) -> None:
    """Show operations (- reads their ids from stdin); --json gives the
    operation_details struct, an array of them for several.

    \b
    Examples:
      gandi-hosting op info 1201
      gandi-hosting op list -q --state ERROR | gandi-hosting op info -
    """
    from gandi_hosting_cli.cli.listing import emit_several
    from gandi_hosting_cli.errors import HostingError
    from gandi_hosting_cli.output.result import Result
    from gandi_hosting_cli.workflows.reads import operations_by_id

    if len(opids) == 1:
        details = app.client.operation_details(opids[0])
        app.output.emit(Result.record(_op_data(details), OP_FIELDS, json=details))
        return
    ids = list(dict.fromkeys(opids))
    records = [
        (opid, found if isinstance(found, HostingError) else (_op_data(found), found))
        for opid, found in zip(ids, operations_by_id(app.client, ids), strict=True)
    ]
    emit_several(app, records, OP_FIELDS)


def _op_data(details: dict) -> dict:
    """An operation as people read it: the object it applies to, its param without the
    param_type."""
    from gandi_hosting_cli.workflows.reads import operation_object

    param = {k: v for k, v in (details.get("param") or {}).items() if k != "param_type"}
    data = {**details, "object": operation_object(details), "param": param or None}
    return {**data, "id": details.get("uid")}


@op.command("cancel")
@refs_argument("opids", "OPID...", types.OPEN_OPID)
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
    {"operation": id, "error": {...}}) for several. A single - reads the ids from stdin.

    \b
    Examples:
      gandi-hosting op cancel 1201
      gandi-hosting op cancel 1201 1202 --yes
    """
    from gandi_hosting_cli.cli.reporting import carry_out, confirm_destruction, report, require_yes
    from gandi_hosting_cli.errors import HostingError, StateError
    from gandi_hosting_cli.workflows.operations import Outcome
    from gandi_hosting_cli.workflows.reads import operation_object, operations_by_id
    from gandi_hosting_cli.workflows.states import CANCELLABLE, OPERATION_STATE

    require_yes(app, yes, "cancel operations")
    ids = list(dict.fromkeys(opids))
    # read first (one request): a missing operation, or one that can no longer be
    # cancelled, is refused before anything is sent, as the API would refuse it
    outcomes: list[Outcome] = []
    lines: list[str] = []
    for i, r in zip(ids, operations_by_id(app.client, ids), strict=True):
        if isinstance(r, HostingError):
            outcomes.append(Outcome("", i, error=r))
        elif r.get("state") not in CANCELLABLE:
            state = r.get("state")
            error = StateError(
                f"operation {i} is {state}: only PENDING or ERROR operations can be cancelled",
                OPERATION_STATE,
            )
            outcomes.append(Outcome("", i, error=error))
        else:
            outcomes.append(Outcome("", i, cancel_expected=True))
            lines.append(
                f"operation {i}: {r.get('type')} on {operation_object(r)}, {r.get('state')}"
            )
    to_cancel = [o for o in outcomes if o.error is None]
    if to_cancel:
        confirm_destruction(app, yes, "cancel", lines)
        items = [(o, {"params": {"operation": int(o.obj_id or 0)}}) for o in to_cancel]
        carry_out(app, "cancel", items, alone=len(outcomes) == 1)
    report(app, outcomes, wait=False, wait_timeout=None, several=len(opids) > 1)


@op.command("wait")
@refs_argument("opids", "OPID...", types.OPEN_OPID)
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
    several. A single - reads the ids from stdin.

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
