"""The one place that renders data on stdout: ``Output.emit(result)``.

A command builds a ``Result`` (what people see, what ``--json`` prints, what ``-q``
prints) and hands it to ``Output.emit``; the ``OutputMode`` decides which part is written:

- ``TABLE``: rich tables and coloured states (stdout is a terminal, or FORCE_COLOR);
- ``PLAIN``: aligned text, no box drawing, no colour (a pipe);
- ``TSV``: tab-separated values, a header line of key names first (raw values: MB,
  ISO 8601 dates), for ``cut``/``awk``/``sort``;
- ``JSON``: the API's values and key order, dates ISO 8601, never coloured;
- ``IDS``: ids one per line (``-q``).

Lists (``Result.records``) are shaped by ``Shape`` (``--columns``, ``--no-header``,
``--sort``) whatever the mode: the same rows in the same order, restricted to the same
keys, as a table, TSV, JSON objects or ids.
A new mode is a member of ``OutputMode`` plus its branch in ``Output.emit``.
Messages, warnings and prompts are not data: they go through ``terminal.Terminal``.
rich is imported only when a terminal table is really drawn.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from typing import Any

import click

from gandi_hosting_cli.api.errors import LocalUsageError
from gandi_hosting_cli.columns import Column, field_lines  # noqa: F401 (re-exported)
from gandi_hosting_cli.terminal import Terminal

FORMATS = ("text", "state", "size_mb", "date", "int", "list", "bool", "money")

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


class OutputMode(Enum):
    TABLE = "table"
    PLAIN = "plain"
    TSV = "tsv"
    JSON = "json"
    IDS = "ids"


OUTPUT_FORMATS = tuple(m.value for m in OutputMode)


class ShapeError(LocalUsageError):
    """A ``--columns`` or ``--sort`` key that the list does not have (exit 2)."""


@dataclass(frozen=True)
class Shape:
    """How a list is shaped: ``columns`` (key names, in order; None: the defaults),
    ``header`` (False: ``--no-header``), ``sort`` (a key, ``-key`` for descending)."""

    columns: tuple[str, ...] | None = None
    header: bool = True
    sort: str | None = None

    def check(self, keys: Sequence[str]) -> None:
        """Raise ``ShapeError`` for a column or sort key not in ``keys``."""
        valid = ", ".join(keys)
        for key in self.columns or ():
            if key not in keys:
                raise ShapeError(f"unknown column {key!r}; valid columns: {valid}")
        if self.sort is not None and self.sort.lstrip("-") not in keys:
            raise ShapeError(f"cannot sort by {self.sort.lstrip('-')!r}; valid keys: {valid}")

    def order(self, rows: Sequence[dict[str, Any]]) -> list[int]:
        """The indexes of ``rows`` in sort order (missing values last, either way; stable)."""
        if not self.sort:
            return list(range(len(rows)))
        key = self.sort.lstrip("-")
        reverse = self.sort.startswith("-")
        present = [i for i, r in enumerate(rows) if r.get(key) is not None]
        missing = [i for i, r in enumerate(rows) if r.get(key) is None]
        try:
            present.sort(key=lambda i: _sort_value(rows[i][key]), reverse=reverse)
        except TypeError:  # mixed types: compare as text
            present.sort(key=lambda i: str(rows[i][key]), reverse=reverse)
        return present + missing


def _single_record(result: Result) -> bool:
    return (
        len(result.human) == 1
        and isinstance(result.human[0], Fields)
        and isinstance(result.json, dict)
    )


def _pick(row: dict[str, Any], item: Any, key: str) -> Any:
    return item[key] if isinstance(item, dict) and key in item else row.get(key)


def _sort_value(value: Any) -> Any:
    if isinstance(value, str):
        return value.casefold()
    if isinstance(value, (list, tuple)):
        return len(value)
    if type(value).__name__ == "DateTime" and hasattr(value, "value"):
        return str(value.value)
    return value


# -- what a command hands to the output layer ----------------------------------------------
@dataclass(frozen=True)
class Table:
    """Records under columns (a table for people). ``catalog``: every column a user may
    pick with ``--columns`` or ``--sort`` (the defaults are ``columns``); a table with a
    catalog is a list that ``Shape`` applies to."""

    rows: Sequence[dict[str, Any]]
    columns: Sequence[Column]
    catalog: Sequence[Column] = ()


@dataclass(frozen=True)
class Fields:
    """One object as ``key  value`` lines (all its keys when ``columns`` is None)."""

    data: dict[str, Any]
    columns: Sequence[Column] | None = None


@dataclass(frozen=True)
class Lines:
    """Lines of text for people (an empty tuple: nothing; ``("",)``: a blank line)."""

    lines: Sequence[str]


Block = Table | Fields | Lines
_NOTHING: Any = object()


@dataclass
class Result:
    """What one command prints: ``human`` blocks, the ``json`` value, the ``ids`` lines.

    ``json`` left unset prints nothing under --json; ``ids`` None prints nothing with -q.
    """

    human: list[Block] = field(default_factory=list)
    json: Any = _NOTHING
    ids: Sequence[Any] | None = None
    raw: str | None = None  # written as is in every mode

    @classmethod
    def records(
        cls,
        rows: Iterable[dict[str, Any]],
        columns: Sequence[Column],
        *,
        json: Any = _NOTHING,
        catalog: Sequence[Column] = (),
    ) -> Result:
        """A list of records: a table; a JSON array (``json``, else the rows); -q their ids.

        With a ``catalog`` (the list commands), the list is shaped by the output's
        ``Shape`` (sorted, columns picked) and ``json`` is one object per row, in order.
        """
        rows = list(rows)
        return cls(
            [Table(rows, columns, catalog)],
            rows if json is _NOTHING else json,
            [r.get("id") for r in rows],
        )

    @property
    def listing(self) -> Table | None:
        """The list this result is (a table with a catalog), if it is one."""
        if len(self.human) == 1 and isinstance(self.human[0], Table) and self.human[0].catalog:
            return self.human[0]
        return None

    @classmethod
    def record(
        cls, data: dict[str, Any], columns: Sequence[Column] | None = None, *, json: Any = _NOTHING
    ) -> Result:
        """One object: ``key  value`` lines; a JSON object; -q its ``id``."""
        return cls([Fields(data, columns)], data if json is _NOTHING else json, [data.get("id")])

    @classmethod
    def id_list(cls, ids: Iterable[Any]) -> Result:
        """Ids, one per line (a JSON array with --json)."""
        ids = [i for i in ids if i is not None]
        return cls([Lines([str(i) for i in ids])], ids, ids)

    @classmethod
    def value(cls, obj: Any, text: str | None = None) -> Result:
        """A command's answer: ``obj`` as JSON; ``text`` for people; with -q the ``id`` (or
        ``operation``) of ``obj`` when it has one, else ``text``."""
        ids: list[Any] | None = [text] if text is not None else None
        if isinstance(obj, dict):
            for key in ("id", "operation"):
                if obj.get(key) is not None:
                    ids = [obj[key]]
                    break
        return cls([Lines([text])] if text is not None else [], obj, ids)

    @classmethod
    def verbatim(cls, text: str) -> Result:
        """Text that is the result whatever the mode, written as is (a completion script)."""
        return cls(raw=text)


# -- values for people ---------------------------------------------------------------------
def json_default(value: Any) -> Any:
    """JSON for what the API returns beyond JSON's types (dates, xmlrpc values, bytes)."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if type(value).__name__ == "DateTime" and hasattr(value, "value"):  # xmlrpc.client.DateTime
        from gandi_hosting_cli.api.client import from_wire

        return from_wire(value).isoformat()
    if isinstance(value, (bytes, bytearray)):
        return value.decode("utf-8", "replace")
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def to_json(value: Any) -> str:
    """Deterministic JSON: the API's key order kept, dates ISO 8601, non-ASCII as is."""
    import json

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


def format_value(value: Any, fmt: str = "text") -> str:
    """A value as people read it (no colour); ``fmt`` is one of ``FORMATS``."""
    if value is None or value == "" and fmt != "text":
        return "-" if fmt != "text" else ""
    if fmt == "size_mb":
        return human_size(value)
    if fmt == "date":
        return human_date(value)
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


def _fields_columns(block: Fields) -> list[Column]:
    if block.columns is None:
        return [Column(k, k) for k in block.data]
    return list(block.columns)


# -- the entry point -----------------------------------------------------------------------
class Output:
    """``Output(mode, terminal)``: ``emit(result)`` writes the part of ``result`` for ``mode``."""

    def __init__(
        self,
        mode: OutputMode | None = None,
        terminal: Terminal | None = None,
        shape: Shape | None = None,
    ):
        self.terminal = terminal or Terminal()
        self.mode = mode or self.human_mode(self.terminal)
        self.shape = shape or Shape()
        self._console: Any = None

    @staticmethod
    def human_mode(terminal: Terminal) -> OutputMode:
        """TABLE on a terminal (or when FORCE_COLOR asks for it in a pipe), else PLAIN."""
        forced = bool(os.environ.get("FORCE_COLOR")) and not os.environ.get("NO_COLOR")
        return OutputMode.TABLE if terminal.stdout_is_tty or forced else OutputMode.PLAIN

    @property
    def human(self) -> bool:
        """The mode shows the columns people read (worth a request for labels that JSON and
        ids do not need): TABLE, PLAIN, and TSV (the same columns, tab-separated)."""
        return self.mode in (OutputMode.TABLE, OutputMode.PLAIN, OutputMode.TSV)

    @property
    def color(self) -> bool:
        if os.environ.get("NO_COLOR"):
            return False
        return bool(os.environ.get("FORCE_COLOR")) or self.terminal.stdout_is_tty

    def emit(self, result: Result) -> None:
        """Write ``result`` on stdout as the mode wants it (a list shaped first).

        A ``--columns`` or ``--sort`` key the list lacks raises ``ShapeError``."""
        if result.listing is not None:
            result = self._shaped(result, result.listing)
        elif self.shape.columns and _single_record(result):
            result = self._picked(result)
        if result.raw is not None:
            self._write(result.raw, newline=False)
        elif self.mode is OutputMode.JSON:
            if result.json is not _NOTHING:
                self._write(to_json(result.json))
        elif self.mode is OutputMode.IDS:
            ids = [str(i) for i in result.ids or () if i is not None]
            if ids:
                self._write("\n".join(ids))
        else:
            for block in result.human:
                self._human(block)

    def _shaped(self, result: Result, table: Table) -> Result:
        """The list sorted and restricted to the chosen columns, in every mode's part."""
        shape = self.shape
        keys = [c.key for c in table.catalog]
        shape.check(keys)
        order = shape.order(table.rows)
        rows = [table.rows[i] for i in order]
        json_part = result.json
        aligned = isinstance(json_part, list) and len(json_part) == len(rows)
        if aligned:
            json_part = [json_part[i] for i in order]  # the JSON objects of the rows, in step
        columns = list(table.columns)
        if shape.columns:
            by_key = {c.key: c for c in table.catalog}
            columns = [by_key[k] for k in shape.columns]
            # JSON objects keep only the chosen keys (a key shown to people only, like a
            # VM's OS label, comes from the row)
            items = json_part if aligned else [None] * len(rows)
            json_part = [
                {k: _pick(r, i, k) for k in shape.columns} for r, i in zip(rows, items, strict=True)
            ]
        return Result([Table(rows, columns)], json_part, [r.get("id") for r in rows], result.raw)

    def _picked(self, result: Result) -> Result:
        """One object (``info``) restricted to the ``--columns`` keys, in their order."""
        block = result.human[0]
        assert isinstance(block, Fields)
        keys = list(dict.fromkeys([*block.data, *result.json]))
        self.shape.check(keys)
        known = {c.key: c for c in _fields_columns(block)}
        chosen = self.shape.columns or ()
        columns = [known.get(k, Column(k, k)) for k in chosen]
        picked = {k: _pick(block.data, result.json, k) for k in chosen}
        return Result([Fields(block.data, columns)], picked, result.ids, result.raw)

    def _write(self, text: str, newline: bool = True) -> None:
        click.echo(text, file=self.terminal.stdout, nl=newline)

    def _human(self, block: Block) -> None:
        styled = self.mode is OutputMode.TABLE
        if isinstance(block, Lines):
            if block.lines:
                self._write("\n".join(block.lines))
        elif isinstance(block, Fields):
            self._fields(block, styled and self.color)
        elif self.mode is OutputMode.TSV:
            lines = ["\t".join(c.key for c in block.columns)] if self.shape.header else []
            lines += ["\t".join(tsv_value(r.get(c.key)) for c in block.columns) for r in block.rows]
            if lines:
                self._write("\n".join(lines))
        elif styled:
            self._rich_table(block)
        elif block.rows:
            cells = [
                [format_value(r.get(c.key), c.format) for c in block.columns] for r in block.rows
            ]
            headers = [c.header for c in block.columns] if self.shape.header else None
            self._write(plain_table(cells, headers))

    @property
    def console(self) -> Any:
        """rich Console on stdout (terminal tables only)."""
        if self._console is None:
            from rich.console import Console

            self._console = Console(
                file=self.terminal._stdout,
                no_color=not self.color,
                force_terminal=True if self.color else None,
                highlight=False,
                soft_wrap=False,
            )
        return self._console

    def _rich_table(self, block: Table) -> None:
        from rich.table import Table as RichTable

        table = RichTable(
            box=None,
            header_style="bold" if self.color else "",
            pad_edge=False,
            show_edge=False,
            show_header=self.shape.header,
        )
        for col in block.columns:
            table.add_column(col.header, justify="right" if col.format == "int" else "left")
        for row in block.rows:
            table.add_row(*(self._styled(row.get(c.key), c.format) for c in block.columns))
        self.console.print(table)

    def _styled(self, raw: Any, fmt: str) -> Any:
        text = format_value(raw, fmt)
        if fmt != "state" or not self.color or raw not in STATE_STYLES:
            return text
        from rich.text import Text

        return Text(text, style=STATE_STYLES[raw])

    def _fields(self, block: Fields, styled: bool) -> None:
        cols = _fields_columns(block)
        width = max((len(c.header) for c in cols), default=0)
        if not styled:
            lines = [
                f"{c.header.ljust(width)}  {format_value(block.data.get(c.key), c.format)}"
                for c in cols
            ]
            self._write("\n".join(line.rstrip() for line in lines))
            return
        from rich.text import Text

        for c in cols:
            line = Text(c.header.ljust(width) + "  ", style="bold")
            line.append(self._styled(block.data.get(c.key), c.format))
            self.console.print(line)
