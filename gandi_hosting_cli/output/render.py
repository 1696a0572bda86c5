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
Nothing a server said reaches a terminal raw: every cell, field and line of the people's
modes (TABLE, PLAIN, TSV) goes through ``errors.escape_controls`` here (``_cell``), and
JSON escapes C0, C1 and bidi controls itself (``formatting.to_json``).
rich is imported only when a terminal table is really drawn.
"""

from __future__ import annotations

import os
from enum import Enum
from typing import Any

import click

from gandi_hosting_cli.errors import escape_controls
from gandi_hosting_cli.output.columns import Column
from gandi_hosting_cli.output.formatting import (
    STATE_STYLES,
    format_value,
    plain_table,
    to_json,
    tsv_value,
)
from gandi_hosting_cli.output.result import NOTHING, Block, Fields, Lines, Result, Table
from gandi_hosting_cli.output.shaping import Shape
from gandi_hosting_cli.output.terminal import Terminal

UNBOUNDED_WIDTH = 100_000  # the table width off a terminal (rows are never wrapped)


class OutputMode(Enum):
    TABLE = "table"
    PLAIN = "plain"
    TSV = "tsv"
    JSON = "json"
    IDS = "ids"


OUTPUT_FORMATS = tuple(m.value for m in OutputMode)


def _single_record(result: Result) -> bool:
    return (
        len(result.human) == 1
        and isinstance(result.human[0], Fields)
        and isinstance(result.json, dict)
    )


def _several_records(result: Result) -> bool:
    """Several objects (``info A B``): Fields blocks (between blank Lines) and a JSON
    array of their structs (and of the error entries of those that could not be read)."""
    fields = [b for b in result.human if isinstance(b, Fields)]
    return (
        bool(fields)
        and all(isinstance(b, (Fields, Lines)) for b in result.human)
        and isinstance(result.json, list)
    )


def _is_error_entry(item: Any) -> bool:
    return isinstance(item, dict) and set(item) <= {"id", "error"} and "error" in item


def _pick(row: dict[str, Any], item: Any, key: str) -> Any:
    return item[key] if isinstance(item, dict) and key in item else row.get(key)


def _cell(value: Any, fmt: str = "text") -> str:
    """A value as people read it, its control and bidi characters escaped (one line)."""
    return escape_controls(format_value(value, fmt))


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
        listing = result.listing
        if listing is not None:
            result = self._shaped(result, listing)
            if not listing.rows and listing.empty and self.terminal.stderr_is_tty:
                self.terminal.message(listing.empty)  # people see why nothing follows
        elif self.shape.columns and _single_record(result):
            result = self._picked(result)
        elif self.shape.columns and _several_records(result):
            result = self._picked_several(result)
        if result.raw is not None:
            self._write(result.raw, newline=False)
        elif self.mode is OutputMode.JSON:
            if result.json is not NOTHING:
                self._write(to_json(result.json))
        elif self.mode is OutputMode.IDS:
            ids = [escape_controls(str(i)) for i in result.ids or () if i is not None]
            if ids:
                self._write("\n".join(ids))
        else:
            for block in result.human:
                self._human(block)

    # -- live views (--watch) ---------------------------------------------------------------
    def redraw(self, result: Result, heading: str) -> None:
        """A refresh of a live view on a terminal: the screen cleared, ``heading``, then
        ``result`` as ``emit`` writes it."""
        self._write("\x1b[H\x1b[2J" + heading, newline=False)
        self.emit(result)
        self.flush()

    def emit_lines(self, lines: list[str]) -> None:
        """Lines that are the data (a live view's changes), as they are, in every mode."""
        self._write("\n".join(lines))

    def flush(self) -> None:
        self.terminal.stdout.flush()

    def shaped_rows(self, result: Result) -> tuple[list[Column], list[dict], list[Any]]:
        """The columns, rows and JSON objects of a list as this output shows them
        (``--columns`` and ``--sort`` applied)."""
        table = result.listing
        if table is None:
            return [], [], []
        shaped = self._shaped(result, table)
        block = shaped.human[0]
        assert isinstance(block, Table)
        items = shaped.json if isinstance(shaped.json, list) else []
        return list(block.columns), list(block.rows), items

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
        shaped = Table(rows, columns, empty=table.empty)
        return Result([shaped], json_part, [r.get("id") for r in rows], result.raw)

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

    def _picked_several(self, result: Result) -> Result:
        """Several objects restricted to the ``--columns`` keys, as one would be; the
        entries of objects that could not be read keep their error."""
        items = iter([i for i in result.json if not _is_error_entry(i)])
        human: list[Block] = []
        by_block: dict[int, Any] = {}
        for block in result.human:
            if isinstance(block, Fields):
                item = next(items, {})
                picked = self._picked(Result([block], item, result.ids))
                by_block[id(item)] = picked.json
                human += picked.human
            else:
                human.append(block)
        json_part = [by_block.get(id(i), i) for i in result.json]
        return Result(human, json_part, result.ids, result.raw)

    def _write(self, text: str, newline: bool = True) -> None:
        click.echo(text, file=self.terminal.stdout, nl=newline)

    def _human(self, block: Block) -> None:
        styled = self.mode is OutputMode.TABLE
        if isinstance(block, Lines):
            if block.lines:
                self._write("\n".join(escape_controls(line) for line in block.lines))
        elif isinstance(block, Fields):
            self._fields(block, styled and self.color)
        elif self.mode is OutputMode.TSV:
            lines = ["\t".join(c.key for c in block.columns)] if self.shape.header else []
            lines += [
                "\t".join(escape_controls(tsv_value(r.get(c.key))) for c in block.columns)
                for r in block.rows
            ]
            if lines:
                self._write("\n".join(lines))
        elif styled:
            self._rich_table(block)
        elif block.rows or self.shape.header:  # an empty list: its header alone
            cells = [[_cell(r.get(c.key), c.format) for c in block.columns] for r in block.rows]
            headers = [c.header for c in block.columns] if self.shape.header else None
            self._write(plain_table(cells, headers))

    @property
    def console(self) -> Any:
        """rich Console on stdout (terminal tables only)."""
        if self._console is None:
            from rich.console import Console

            # off a terminal nothing limits a line: a row is never wrapped (rich would
            # fold "Debian 12 64 bits" at 80 columns in a pipe)
            width = None if self.terminal.stdout_is_tty else UNBOUNDED_WIDTH
            self._console = Console(
                file=self.terminal._stdout,
                no_color=not self.color,
                force_terminal=True if self.color else None,
                highlight=False,
                soft_wrap=False,
                width=width,
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
        """A rich ``Text`` (never a str: rich would read a server's ``[red]`` as markup)."""
        from rich.text import Text

        text = _cell(raw, fmt)
        if fmt != "state" or not self.color or raw not in STATE_STYLES:
            return Text(text)
        return Text(text, style=STATE_STYLES[raw])

    def _fields(self, block: Fields, styled: bool) -> None:
        cols = _fields_columns(block)
        width = max((len(c.header) for c in cols), default=0)
        if not styled:
            lines = [
                f"{c.header.ljust(width)}  {_cell(block.data.get(c.key), c.format)}" for c in cols
            ]
            self._write("\n".join(line.rstrip() for line in lines))
            return
        from rich.text import Text

        for c in cols:
            line = Text(c.header.ljust(width) + "  ", style="bold")
            line.append(self._styled(block.data.get(c.key), c.format))
            self.console.print(line)


class DryRunOutput(Output):
    """The output of a dry run (``--dry-run``): the command's own results would describe
    placeholder ids, so only the recorded calls (``emit_calls``) are written."""

    def emit(self, result: Result) -> None:
        return None

    def emit_calls(self, result: Result) -> None:
        super().emit(result)
