"""The one place that renders data: rich table | plain text | JSON | ids.

- stdout carries only results; messages and warnings go to stderr.
- A terminal gets rich tables (colour unless NO_COLOR); a pipe gets plain aligned text
  (no box drawing, no colour); ``--json`` gets JSON and nothing else; ``-q`` gets ids.
- JSON keeps the API's values and key order; dates become ISO 8601. Human output shows
  dates in local time and sizes in human units.
- rich is imported only when a terminal table or the stderr console is really needed.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import click

KINDS = ("text", "state", "size_mb", "date", "int", "list", "bool", "money")

# state -> rich style; anything unknown stays unstyled
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
}


@dataclass(frozen=True)
class Column:
    """A column of a table: the record key, its header and how humans see its values."""

    key: str
    header: str
    kind: str = "text"


def json_default(value: Any) -> Any:
    """JSON for what the API returns beyond JSON's types (dates, xmlrpc values, bytes)."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if type(value).__name__ == "DateTime" and hasattr(value, "value"):  # xmlrpc.client.DateTime
        from gandi_hosting_cli.api.client import _from_wire

        return _from_wire(value).isoformat()
    if isinstance(value, (bytes, bytearray)):
        return value.decode("utf-8", "replace")
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def to_json(value: Any) -> str:
    """Deterministic JSON: the API's key order kept, dates ISO 8601, non-ASCII as is."""
    return json.dumps(value, default=json_default, ensure_ascii=False, indent=2)


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


def human_date(value: Any) -> str:
    if isinstance(value, datetime):
        local = value.astimezone() if value.tzinfo else value
        return local.strftime("%Y-%m-%d %H:%M")
    return "" if value is None else str(value)


def format_value(value: Any, kind: str = "text") -> str:
    """A value as people read it (no colour)."""
    if value is None or value == "" and kind != "text":
        return "-" if kind != "text" else ""
    if kind == "size_mb":
        return human_size(value)
    if kind == "date":
        return human_date(value)
    if kind == "bool":
        return "yes" if value else "no"
    if kind == "money":
        return f"{value:.2f}" if isinstance(value, (int, float)) else str(value)
    if kind == "list" or isinstance(value, (list, tuple)):
        return ", ".join(format_value(v) for v in value) if value else "-"
    if isinstance(value, dict):
        return ", ".join(f"{k}={format_value(v)}" for k, v in value.items())
    if isinstance(value, datetime):
        return human_date(value)
    return str(value)


def plain_table(rows: Sequence[Sequence[str]], headers: Sequence[str]) -> str:
    """Aligned columns separated by two spaces; no trailing blanks (diff- and grep-friendly)."""
    table = [list(headers), *[list(r) for r in rows]]
    widths = [max(len(r[i]) for r in table) for i in range(len(headers))]
    lines = []
    for row in table:
        cells = [c.ljust(w) for c, w in zip(row, widths, strict=True)]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def _is_tty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


class Output:
    """Renders results for the mode the user chose (``json`` > ``quiet`` > human)."""

    def __init__(self, *, json: bool = False, quiet: bool = False, color: bool | None = None):
        self.json = json
        self.quiet = quiet
        self._color = color
        self._console = None
        self._err_console = None

    # -- modes -----------------------------------------------------------------------------
    @property
    def is_terminal(self) -> bool:
        """stdout is a terminal: rich tables; otherwise plain text."""
        return _is_tty(sys.stdout)

    @property
    def rich(self) -> bool:
        """Render with rich: on a terminal, or when FORCE_COLOR asks for it in a pipe."""
        forced = bool(os.environ.get("FORCE_COLOR")) and not os.environ.get("NO_COLOR")
        return self.is_terminal or forced

    @property
    def color(self) -> bool:
        if self._color is not None:
            return self._color
        if os.environ.get("NO_COLOR"):
            return False
        return bool(os.environ.get("FORCE_COLOR")) or self.is_terminal

    def _out(self, text: str) -> None:
        click.echo(text)

    @property
    def console(self):
        """rich Console on stdout (terminal tables only)."""
        if self._console is None:
            from rich.console import Console

            self._console = Console(
                no_color=not self.color,
                force_terminal=True if self.rich and self.color else None,
                highlight=False,
                soft_wrap=False,
            )
        return self._console

    @property
    def err_console(self):
        """rich Console on stderr for progress displays and styled messages."""
        if self._err_console is None:
            from rich.console import Console

            color = self._color if self._color is not None else not os.environ.get("NO_COLOR")
            self._err_console = Console(stderr=True, no_color=not color, highlight=False)
        return self._err_console

    # -- results ---------------------------------------------------------------------------
    def records(self, rows: Iterable[dict[str, Any]], columns: Sequence[Column]) -> None:
        """A list of records: table / plain text / JSON array / ids (``id`` key) with -q."""
        rows = list(rows)
        if self.json:
            self._out(to_json(rows))
            return
        if self.quiet:
            self.ids(r.get("id") for r in rows)
            return
        cells = [[format_value(r.get(c.key), c.kind) for c in columns] for r in rows]
        headers = [c.header for c in columns]
        if not self.rich:
            if rows:
                self._out(plain_table(cells, headers))
            return
        from rich.table import Table

        table = Table(
            box=None, header_style="bold" if self.color else "", pad_edge=False, show_edge=False
        )
        for col in columns:
            table.add_column(col.header, justify="right" if col.kind == "int" else "left")
        for row, texts in zip(rows, cells, strict=True):
            table.add_row(
                *(
                    self._styled(row.get(c.key), t, c.kind)
                    for c, t in zip(columns, texts, strict=True)
                )
            )
        self.console.print(table)

    def _styled(self, raw: Any, text: str, kind: str) -> Any:
        if kind != "state" or not self.color or raw not in STATE_STYLES:
            return text
        from rich.text import Text

        return Text(text, style=STATE_STYLES[raw])

    def struct(self, data: dict[str, Any], fields: Sequence[Column | str] | None = None) -> None:
        """One object: JSON object / its ``id`` with -q / ``key: value`` lines for people."""
        if self.json:
            self._out(to_json(data))
            return
        if self.quiet:
            if data.get("id") is not None:
                self._out(str(data["id"]))
            return
        cols = [
            f if isinstance(f, Column) else Column(f, f)
            for f in (fields if fields is not None else list(data))
        ]
        width = max((len(c.header) for c in cols), default=0)
        lines = [f"{c.header.ljust(width)}  {format_value(data.get(c.key), c.kind)}" for c in cols]
        if not self.rich or not self.color:
            self._out("\n".join(line.rstrip() for line in lines))
            return
        from rich.text import Text

        for c in cols:
            text = format_value(data.get(c.key), c.kind)
            line = Text(c.header.ljust(width) + "  ", style="bold")
            line.append(self._styled(data.get(c.key), text, c.kind))
            self.console.print(line)

    def ids(self, ids: Iterable[Any]) -> None:
        """Ids one per line (JSON array with --json)."""
        ids = [i for i in ids if i is not None]
        if self.json:
            self._out(to_json(ids))
        elif ids:
            self._out("\n".join(str(i) for i in ids))

    def result(self, obj: Any, text: str | None = None) -> None:
        """A command's result: ``obj`` as JSON with --json; with -q its ``id`` (or
        ``operation``) when it has one; else ``text`` for people."""
        if self.json:
            self._out(to_json(obj))
            return
        if self.quiet and isinstance(obj, dict):
            for key in ("id", "operation"):
                if obj.get(key) is not None:
                    self._out(str(obj[key]))
                    return
        if text is not None:
            self._out(text)

    def text(self, line: str = "") -> None:
        """A line of human output on stdout (a blank line between sections); nothing
        with --json or -q."""
        if not self.json and not self.quiet:
            self._out(line)

    # -- stderr ----------------------------------------------------------------------------
    def message(self, text: str) -> None:
        """Information for people, on stderr; silent with -q."""
        if not self.quiet:
            click.echo(text, err=True)

    def warn(self, text: str) -> None:
        """A warning on stderr, even with -q."""
        click.echo(f"warning: {text}", err=True)

    def error(self, text: str) -> None:
        click.echo(f"Error: {text}", err=True)
