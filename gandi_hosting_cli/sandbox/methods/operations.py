"""Operation methods: list (filtered, newest 300), details, cancel.

``operation_list`` filters on ``type``, ``state`` (``ALL`` or one state) and four date
bounds, inclusive (``created_after`` keeps operations created at or after the date). It
returns the ids of the 300 newest matching operations, oldest first. Dates are accepted
as ``dateTime.iso8601`` values in the compact form (``20260101T12:00:00``), the
dashed form (``2026-01-01T12:00:00``), without colons (``20260101T120000``) or a bare date
(``2026-01-01``, as the spec's own sample sends); fractions of a second are dropped, and a
``Z`` or an offset (``+02:00``, ``-0500``, ``+02``) is honoured; without one, UTC.

``operation_details`` returns ``uid`` (and ``id``, the same), ``type``, ``state``,
``date_create``, ``date_update``, ``param`` (``param_type`` and the object's id, never a
password) and ``comment`` when the operation is in ERROR.
"""

from __future__ import annotations

import datetime
import json
import re
import xmlrpc.client

from gandi_hosting_cli.sandbox import engine
from gandi_hosting_cli.sandbox.faults import data_fault
from gandi_hosting_cli.sandbox.registry import Ctx, Field, Param, api_method, to_datetime

LIST_LIMIT = 300
_DATE = re.compile(
    r"(\d{4})(-?)(\d\d)\2(\d\d)"  # date, dashes in both places or neither
    r"(?:[T ](\d\d)(:?)(\d\d)\6(\d\d)(?:[.,]\d+)?)?"  # time, fraction dropped
    r"(Z|[+-]\d\d(?::?\d\d)?)?",  # zone
    re.IGNORECASE,
)
_BOUNDS = {
    "created_after": "date_create >= ?",
    "created_before": "date_create <= ?",
    "updated_after": "date_update >= ?",
    "updated_before": "date_update <= ?",
}


def parse_date(element: str, value: xmlrpc.client.DateTime) -> float:
    text = str(value.value).strip()
    match = _DATE.fullmatch(text)
    try:
        if match is None:
            raise ValueError(text)
        year, _, month, day, hour, _, minute, second, zone = match.groups()
        offset = 0
        if zone and zone.upper() != "Z":
            digits = zone[1:].replace(":", "")
            offset = (int(digits[:2]) * 60 + int(digits[2:] or 0)) * (-60 if zone[0] == "-" else 60)
        moment = datetime.datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            tzinfo=datetime.timezone(datetime.timedelta(seconds=offset)),
        )
    except ValueError:  # no match, or no such day or time (Feb 30, 25:00, offset over a day)
        raise data_fault("date", "syntax", "unreadable date", element, text) from None
    return moment.timestamp()


def _list_syntax(filter: dict | None = None) -> None:
    filter = filter or {}
    if "type" in filter and filter["type"] not in engine.OPERATION_TYPES:
        raise data_fault(
            "operation_type", "value", "unknown operation type", "type", filter["type"]
        )
    if "state" in filter and filter["state"] not in (*engine.OPERATION_STATES, "ALL"):
        raise data_fault(
            "operation_state", "value", "unknown operation state", "state", filter["state"]
        )
    for key in _BOUNDS:
        if key in filter:
            parse_date(key, filter[key])


@api_method(
    "operation_list",
    "array",
    Param(
        "filter",
        "struct",
        optional=True,
        fields={
            "type": Field("string"),
            "state": Field("string"),
            **{key: Field("dateTime.iso8601") for key in _BOUNDS},
        },
    ),
    write=False,
    syntax=_list_syntax,
)
def operation_list(ctx: Ctx, filter: dict | None = None) -> list[int]:
    """The ids of the 300 newest operations matching the filter (oldest first)."""
    filter = filter or {}
    owner, handles = ctx.owner_clause()
    where, args = [owner], list(handles)
    if "type" in filter:
        where.append("type = ?")
        args.append(filter["type"])
    if filter.get("state", "ALL") != "ALL":
        where.append("state = ?")
        args.append(filter["state"])
    for key, clause in _BOUNDS.items():
        if key in filter:
            where.append(clause)
            args.append(parse_date(key, filter[key]))
    rows = ctx.conn.execute(
        f"SELECT id FROM (SELECT id FROM operations WHERE {' AND '.join(where)}"
        f" ORDER BY id DESC LIMIT {LIST_LIMIT}) ORDER BY id",
        args,
    )
    return [r[0] for r in rows]


OPID = Param("opid", "int")


@api_method("operation_details", "struct", OPID, write=False)
def operation_details(ctx: Ctx, opid: int) -> dict:
    """The operation's type, state, dates, parameters, and comment when in ERROR."""
    op = ctx.fetch("operations", "operation", "opid", opid)
    details = {
        "uid": op["id"],
        "id": op["id"],
        "type": op["type"],
        "state": op["state"],
        "date_create": to_datetime(op["date_create"]),
        "date_update": to_datetime(op["date_update"]),
        "param": json.loads(op["param"]),
    }
    if op["state"] == "ERROR":
        details["comment"] = op["comment"]
    return details


@api_method("operation_cancel", "boolean", OPID, write=True)
def operation_cancel(ctx: Ctx, opid: int) -> bool:
    """Cancel a PENDING or ERROR operation, releasing what it reserved."""
    op = ctx.fetch("operations", "operation", "opid", opid)
    if op["state"] not in ("PENDING", "ERROR"):
        raise data_fault(
            "operation",
            "state",
            "only a PENDING or ERROR operation can be cancelled",
            "state",
            op["state"],
        )
    engine.cancel(ctx.conn, op, ctx.now)
    return True
