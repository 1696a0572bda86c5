"""The TOML the CLI writes, read without tomllib (which imports ``re`` and more: several
times what a TAB press costs, and a share of every command's start-up).

``read_simple_toml`` takes tables of ``key = "string"``, ``'string'`` or booleans, and
comments: what ``login`` and the ``config`` commands write (``config/edit.py``). It returns
what ``tomllib.loads`` returns, or raises ``NotSimple`` for anything else (escapes,
numbers, dates, arrays, inline tables, dotted or quoted keys, odd characters): the caller
then asks tomllib, which reads it or says what is wrong. Nothing is imported here.
"""

from __future__ import annotations

TYPE_CHECKING = False  # (typing itself is not imported: it costs a few ms)
if TYPE_CHECKING:
    from typing import Any


class NotSimple(ValueError):
    """Not the TOML the CLI writes: tomllib decides."""


_BARE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


def read_simple_toml(text: str) -> dict[str, Any]:
    """The TOML the CLI writes (``[profile]`` tables of ``key = "string"`` or booleans,
    comments, a top-level ``current``), as tomllib reads it; anything else raises
    ``NotSimple``."""
    data: dict[str, Any] = {}
    table = data
    for raw in text.split("\n"):
        raw = raw[:-1] if raw.endswith("\r") else raw
        line = raw.strip(" \t")
        if not line.replace("\t", " ").isprintable():
            raise NotSimple("TOML for tomllib")
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            name, _, rest = line[1:].partition("]")
            name = name.strip(" \t")
            if not name or not set(name) <= _BARE or name in data or not _comment(rest):
                raise NotSimple("TOML for tomllib")
            table = data[name] = {}
            continue
        key, eq, value = line.partition("=")
        key, value = key.strip(" \t"), value.strip(" \t")
        if not eq or not key or not set(key) <= _BARE or key in table:
            raise NotSimple("TOML for tomllib")
        table[key] = _toml_value(value)
    return data


def _toml_value(text: str) -> str | bool:
    for word, value in (("true", True), ("false", False)):
        if text.startswith(word) and _comment(text[len(word) :]):
            return value
    quote = text[:1]
    if quote in ("'", '"'):
        body, closed, rest = text[1:].partition(quote)
        if closed and "\\" not in body and _comment(rest) and body.isprintable():
            return body
    raise NotSimple("TOML for tomllib")


def _comment(rest: str) -> bool:
    """Nothing, or a comment, after a value or a table header."""
    rest = rest.strip(" \t")
    return not rest or rest.startswith("#")
