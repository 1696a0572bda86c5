"""Values for people and for pipes: ``format_value`` (a table cell, no colour),
``human_size``/``human_date``, ``to_json`` (deterministic, dates ISO 8601), ``tsv_value``,
``plain_table`` (aligned columns) and the state colours (``STATE_STYLES``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timezone
from typing import Any

FORMATS = (
    "text",
    "state",
    "size_mb",
    "date",
    "datetime",
    "int",
    "list",
    "bool",
    "money",
    "quantity",
)
TZ_ENV = "GANDI_HOSTING_TZ"  # "local": dates for people in local time (default: UTC)

# the one table of state colours (objects' and operations' states), for tables and progress
STATE_STYLES = {
    "running": "green",
    "created": "green",
    "DONE": "green",
    "halted": "yellow",
    "paused": "yellow",
    "PENDING": "cyan",
    "RUN": "cyan",
    "being_created": "cyan",
    "being_deleted": "magenta",
    "ERROR": "red",
    "CANCEL": "magenta",
    "UNKNOWN": "red",
}


def json_default(value: Any) -> Any:
    """JSON for what the API returns beyond JSON's types (dates, xmlrpc values, bytes)."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if type(value).__name__ == "DateTime" and hasattr(value, "value"):  # xmlrpc.client.DateTime
        return _wire_date(value)
    if isinstance(value, (bytes, bytearray)):
        return value.decode("utf-8", "replace")
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def _wire_date(value: Any) -> str:
    """An XML-RPC dateTime (UTC by DESIGN.md) in ISO 8601 with its offset; one that does not
    parse is shown as sent. Duck-typed: the output layer knows no XML-RPC module."""
    try:
        return datetime(*value.timetuple()[:6], tzinfo=timezone.utc).isoformat()
    except (TypeError, ValueError, AttributeError):
        return str(value.value)


# what json.dumps(ensure_ascii=False) leaves raw but a terminal obeys: C1 controls (CSI
# U+009B, OSC U+009D...), DEL, bidi overrides and isolates, line and paragraph separators
_JSON_UNSAFE = None


def json_escape_controls(text: str) -> str:
    """JSON text with the characters above written as ``\\uNNNN`` (the same JSON value:
    they can only occur inside strings)."""
    global _JSON_UNSAFE
    if text.isascii() and "\x7f" not in text:
        return text
    if _JSON_UNSAFE is None:
        import re

        _JSON_UNSAFE = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def to_json(value: Any, *, indent: int | None = 2) -> str:
    """Deterministic JSON: the API's key order kept, dates ISO 8601, non-ASCII as is but
    for the controls a terminal would obey (``json_escape_controls``)."""
    import json

    text = json.dumps(value, default=json_default, ensure_ascii=False, indent=indent)
    return json_escape_controls(text)


def human_size(mb: Any) -> str:
    try:
        mb = float(mb)
    except (TypeError, ValueError):
        return str(mb)
    for unit in ("MB", "GB", "TB"):
        if abs(mb) < 1024 or unit == "TB":
            return f"{mb:.0f} {unit}" if mb == int(mb) else f"{mb:.1f} {unit}"
        mb /= 1024
    return f"{mb:.1f} TB"  # pragma: no cover


def human_date(value: Any, *, seconds: bool = False) -> str:
    """``2026-12-07 12:38 UTC`` (``seconds``: ``12:38:05``); in local time with its zone
    when ``GANDI_HOSTING_TZ=local`` (the API's dates are UTC; a naive one is taken as UTC)."""
    if isinstance(value, datetime):
        import os
        from datetime import timezone

        aware = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        if os.environ.get(TZ_ENV, "").strip().lower() == "local":
            shown = aware.astimezone()
            zone = shown.strftime("%Z") or shown.strftime("%z")
        else:
            shown, zone = aware.astimezone(timezone.utc), "UTC"
        return shown.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M") + f" {zone}"
    return "" if value is None else str(value)


class Quantity(int):
    """A product's quantity with its unit for people (``1024 MB``, ``4 shares``); an int
    everywhere else (TSV, JSON, sorting)."""

    unit: str = ""

    def __new__(cls, value: int, unit: str) -> Quantity:
        made = super().__new__(cls, value)
        made.unit = unit
        return made

    def __str__(self) -> str:
        return str(int(self))

    def __repr__(self) -> str:
        return str(int(self))

    def shown(self) -> str:
        if self.unit == "share":
            return f"{int(self)} share{'s' if int(self) != 1 else ''}"
        return f"{int(self)} {self.unit}".rstrip()


def format_value(value: Any, fmt: str = "text") -> str:
    """A value as people read it (no colour); ``fmt`` is one of ``FORMATS``."""
    if value is None or value == "" and fmt != "text":
        return "-" if fmt != "text" else ""
    if fmt == "size_mb":
        return human_size(value)
    if fmt == "date":
        return human_date(value)
    if fmt == "datetime":
        return human_date(value, seconds=True)
    if fmt == "quantity":
        return value.shown() if isinstance(value, Quantity) else str(value)
    if fmt == "bool":
        return "yes" if value else "no"
    if fmt == "money":
        return f"{value:.2f}" if isinstance(value, (int, float)) else str(value)
    if fmt == "list" or isinstance(value, (list, tuple)):
        return ", ".join(format_value(v) for v in value) if value else "-"
    if isinstance(value, dict):
        return ", ".join(f"{k}={format_value(v)}" for k, v in value.items())
    if isinstance(value, datetime):
        return human_date(value)
    return str(value)


def plain_table(rows: Sequence[Sequence[str]], headers: Sequence[str] | None) -> str:
    """Aligned columns separated by two spaces; no trailing blanks (diff- and grep-friendly).
    ``headers`` None: no header line (the columns as wide as their values)."""
    table = ([list(headers)] if headers is not None else []) + [list(r) for r in rows]
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))] if table else []
    lines = []
    for row in table:
        cells = [c.ljust(w) for c, w in zip(row, widths, strict=True)]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def tsv_value(value: Any) -> str:
    """A value in a TSV cell: raw (MB, ISO 8601 dates), lists comma-separated, nothing for
    None; tabs and line breaks become spaces so that a row stays one line."""
    if value is None:
        text = ""
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, (list, tuple)):
        text = ",".join(tsv_value(v) for v in value)
    elif isinstance(value, dict):
        import json

        text = json.dumps(value, default=json_default, ensure_ascii=False, sort_keys=False)
    elif isinstance(value, (str, int, float)):
        text = str(value)
    else:
        text = str(json_default(value))
    return text.replace("\t", " ").replace("\r", " ").replace("\n", " ")
