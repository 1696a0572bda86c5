"""Where each ``[[vm]]`` / ``[[disk]]`` table and ``key =`` line of a manifest's source
is: tomllib gives no line numbers, so a scan of the text finds the table headers and
the keys (multi-line strings skipped), for the manifest's diagnostics
(declarative/manifest.py) and for placing a TOML syntax error in its table and key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_HEADER_RE = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\"' -]+?)\s*(\]\]?)\s*(#.*)?$")
_KEY_RE = re.compile(r"""^\s*([A-Za-z0-9_-]+|"[^"]*"|'[^']*')\s*(?:\.[^=]*)?=""")


@dataclass
class SourceLines:
    """Where each table and key of the source is: by (table, index) and key."""

    headers: dict[tuple[str, int], int] = field(default_factory=dict)
    keys: dict[tuple[str, int, str], int] = field(default_factory=dict)
    top_keys: dict[str, int] = field(default_factory=dict)
    other_headers: list[tuple[str, int]] = field(default_factory=list)

    @classmethod
    def scan(cls, text: str) -> SourceLines:
        out = cls()
        counts: dict[str, int] = {}
        current: tuple[str, int] | None = None
        in_multiline: str | None = None
        for number, line in enumerate(text.splitlines(), start=1):
            if in_multiline:  # inside a multi-line string: no headers or keys
                if line.count(in_multiline) % 2 == 1:
                    in_multiline = None
                continue
            header = _HEADER_RE.match(line)
            if header and not _KEY_RE.match(line):
                name = header.group(2).strip().strip("\"'")
                if header.group(1) == "[[" and name in ("vm", "disk"):
                    index = counts.get(name, 0)
                    counts[name] = index + 1
                    current = (name, index)
                    out.headers[current] = number
                else:
                    out.other_headers.append((name, number))
                    current = None
                continue
            key = _KEY_RE.match(line)
            if key:
                name = key.group(1).strip("\"'")
                if current is None:
                    out.top_keys.setdefault(name, number)
                else:
                    out.keys.setdefault((*current, name), number)
                for quote in ('"""', "'''"):
                    if line.count(quote) % 2 == 1:
                        in_multiline = quote
        return out

    def of(self, table: str, index: int, key: str | None = None) -> int | None:
        if key is not None and (table, index, key) in self.keys:
            return self.keys[(table, index, key)]
        return self.headers.get((table, index))


def context_of(text: str, line: int) -> tuple[str, str | None]:
    """`` (in [[vm]] #2, key 'shares')`` for the source line ``line``."""
    scanned = SourceLines.scan("\n".join(text.splitlines()[: line - 1]))
    table = None
    if scanned.headers or scanned.other_headers:
        last_array = max(scanned.headers.items(), key=lambda item: item[1], default=None)
        last_other = max(scanned.other_headers, key=lambda item: item[1], default=None)
        if last_array and (last_other is None or last_array[1] > last_other[1]):
            (name, index), _ = last_array
            table = f"[[{name}]] #{index + 1}"
        elif last_other:
            table = f"[{last_other[0]}]"
    source = text.splitlines()[line - 1] if line <= len(text.splitlines()) else ""
    key_match = _KEY_RE.match(source)
    key = key_match.group(1).strip("\"'") if key_match else None
    header = _HEADER_RE.match(source)
    if header and not key_match:
        return f" (in the header [{header.group(2).strip()}])", None
    parts = [f"in {table}" if table else "at the top level"]
    if key:
        parts.append(f"key {key!r}")
    return " (" + ", ".join(parts) + ")", key
