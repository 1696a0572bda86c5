"""Record classes without ``@dataclass``: the ``__repr__``, ``__eq__`` (and, frozen, the
``__hash__`` and read-only fields) a dataclass has, for the classes a warm command creates
at import.

``@dataclass`` builds each class's methods from source with ``exec`` when the class is
created: ~0.5 ms a class on Python 3.11, 8-10 ms of a warm ``vm info ID --json`` that
created 14 of them (benchmarks/README.md, issue 22). A record lists its fields in
``_fields`` (in ``__init__``'s order) and writes its own ``__init__`` (a frozen one calls
``_set``); ``_hidden`` fields
are left out of ``repr`` (a dataclass ``field(repr=False)``). Standard library only:
every layer may import it.
"""

from __future__ import annotations

from typing import Any


class Record:
    """A mutable record: compared field by field with records of its own class, shown as
    ``Name(field=value, ...)``, unhashable (as a dataclass with ``eq=True``)."""

    __slots__ = ()
    _fields: tuple[str, ...] = ()
    _hidden: frozenset[str] = frozenset()

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self._fields)

    def as_dict(self) -> dict[str, Any]:
        """Its fields by name (``dataclasses.asdict`` of one level: nested records stay
        records)."""
        return {name: getattr(self, name) for name in self._fields}

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{name}={getattr(self, name)!r}" for name in self._fields if name not in self._hidden
        )
        return f"{type(self).__qualname__}({shown})"

    def __eq__(self, other: object) -> bool:
        if other.__class__ is self.__class__:
            return self._values() == other._values()  # type: ignore[attr-defined]
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]


class FrozenRecord(Record):
    """A record whose fields are set once, by ``__init__`` (``object.__setattr__``), and
    hashed together (as a dataclass with ``frozen=True``)."""

    __slots__ = ()

    def _set(self, *values: Any) -> None:
        """Set every field, in ``_fields`` order (``__init__`` calls it once)."""
        for name, value in zip(self._fields, values, strict=True):
            object.__setattr__(self, name, value)

    def __hash__(self) -> int:
        return hash(self._values())

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r}")
