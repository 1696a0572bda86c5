"""Columns of the tables and field lists commands declare at import time.

Kept apart from ``output`` (which renders them) so that a command module can declare its
columns without importing the output layer: ``--help`` and completion never render.
``output`` re-exports both names.
"""

from __future__ import annotations

from collections.abc import Sequence


class Column:
    """A column of a table: the record key, its header and how humans see its values
    (``format``: one of ``output.FORMATS``). Immutable and compared by value."""

    __slots__ = ("key", "header", "format")

    key: str
    header: str
    format: str

    def __init__(self, key: str, header: str, format: str = "text") -> None:  # noqa: A002
        object.__setattr__(self, "key", key)
        object.__setattr__(self, "header", header)
        object.__setattr__(self, "format", format)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"cannot assign to field {name!r}")

    def _key(self) -> tuple[str, str, str]:
        return (self.key, self.header, self.format)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._key() == other._key()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return f"Column(key={self.key!r}, header={self.header!r}, format={self.format!r})"


def field_lines(catalog: Sequence[Column], keys: str, **headers: str) -> list[Column]:
    """The columns of ``catalog`` named by ``keys`` (space-separated), in that order, as
    the fields of one object: headed in lower case, or by ``headers`` (key -> header)."""
    by_key = {column.key: column for column in catalog}
    return [
        Column(key, headers.get(key, by_key[key].header.lower()), by_key[key].format)
        for key in keys.split()
    ]
