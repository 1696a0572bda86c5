"""What a command hands to the output layer: a ``Result`` made of blocks (``Table``,
``Fields``, ``Lines``), its ``--json`` value and its ``-q`` ids. ``output.Output.emit``
writes it; nothing here prints."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from gandi_hosting_cli.output.columns import Column
from gandi_hosting_cli.records import FrozenRecord, Record


class Table(FrozenRecord):
    """Records under columns (a table for people). ``catalog``: every column a user may
    pick with ``--columns`` or ``--sort`` (the defaults are ``columns``); a table with a
    catalog is a list that ``Shape`` applies to."""

    _fields = ("rows", "columns", "catalog", "empty")
    rows: Sequence[dict[str, Any]]
    columns: Sequence[Column]
    catalog: Sequence[Column]
    empty: str  # what an empty list is said as on a terminal ("no VMs")

    def __init__(
        self,
        rows: Sequence[dict[str, Any]],
        columns: Sequence[Column],
        catalog: Sequence[Column] = (),
        empty: str = "",
    ) -> None:
        self._set(rows, columns, catalog, empty)


class Fields(FrozenRecord):
    """One object as ``key  value`` lines (all its keys when ``columns`` is None)."""

    _fields = ("data", "columns")
    data: dict[str, Any]
    columns: Sequence[Column] | None

    def __init__(self, data: dict[str, Any], columns: Sequence[Column] | None = None) -> None:
        self._set(data, columns)


class Lines(FrozenRecord):
    """Lines of text for people (an empty tuple: nothing; ``("",)``: a blank line)."""

    _fields = ("lines",)
    lines: Sequence[str]

    def __init__(self, lines: Sequence[str]) -> None:
        self._set(lines)


Block = Table | Fields | Lines
NOTHING: Any = object()  # "json left unset" (None is a value)


class Result(Record):
    """What one command prints: ``human`` blocks, the ``json`` value, the ``ids`` lines.

    ``json`` left unset prints nothing under --json; ``ids`` None prints nothing with -q.
    ``raw`` is written as is in every mode.
    """

    _fields = ("human", "json", "ids", "raw")

    def __init__(
        self,
        human: list[Block] | None = None,
        json: Any = NOTHING,
        ids: Sequence[Any] | None = None,
        raw: str | None = None,
    ) -> None:
        self.human: list[Block] = [] if human is None else human
        self.json = json
        self.ids = ids
        self.raw = raw

    @classmethod
    def records(
        cls,
        rows: Iterable[dict[str, Any]],
        columns: Sequence[Column],
        *,
        json: Any = NOTHING,
        catalog: Sequence[Column] = (),
        empty: str = "",
    ) -> Result:
        """A list of records: a table; a JSON array (``json``, else the rows); -q their ids.

        With a ``catalog`` (the list commands), the list is shaped by the output's
        ``Shape`` (sorted, columns picked) and ``json`` is one object per row, in order.
        An empty list is a header (``[]`` in JSON), and ``empty`` ("no VMs") is said on
        stderr when it is a terminal.
        """
        rows = list(rows)
        return cls(
            [Table(rows, columns, catalog, empty)],
            rows if json is NOTHING else json,
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
        cls, data: dict[str, Any], columns: Sequence[Column] | None = None, *, json: Any = NOTHING
    ) -> Result:
        """One object: ``key  value`` lines; a JSON object; -q its ``id``."""
        return cls([Fields(data, columns)], data if json is NOTHING else json, [data.get("id")])

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
