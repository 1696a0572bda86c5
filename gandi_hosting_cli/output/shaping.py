"""How a list is shaped whatever the output mode: ``Shape`` (``--columns``,
``--no-header``, ``--sort``) checks the keys a user named and orders the rows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from gandi_hosting_cli.errors import LocalUsageError
from gandi_hosting_cli.records import FrozenRecord


class ShapeError(LocalUsageError):
    """A ``--columns`` or ``--sort`` key that the list does not have (exit 2)."""


class Shape(FrozenRecord):
    """How a list is shaped: ``columns`` (key names, in order; None: the defaults),
    ``header`` (False: ``--no-header``), ``sort`` (a key, ``-key`` for descending)."""

    _fields = ("columns", "header", "sort")
    columns: tuple[str, ...] | None
    header: bool
    sort: str | None

    def __init__(
        self, columns: tuple[str, ...] | None = None, header: bool = True, sort: str | None = None
    ) -> None:
        self._set(columns, header, sort)

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


def _sort_value(value: Any) -> Any:
    if isinstance(value, str):
        return value.casefold()
    if isinstance(value, (list, tuple)):
        return len(value)
    if type(value).__name__ == "DateTime" and hasattr(value, "value"):
        return str(value.value)
    return value
