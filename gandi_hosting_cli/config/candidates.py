"""Completion candidates as ``(value, help)`` pairs, without click: the live names of the
name cache (``name_cache.py``) and the keys of a list. ``cli/completers.py`` (click's
completion) and ``fast/complete.py`` (the fast path) both build their answers here, so
both say the same.

Nothing is imported here: a TAB press must stay at the interpreter's start-up cost.
"""

from __future__ import annotations

TYPE_CHECKING = False  # (typing itself is not imported: it costs a few ms)
if TYPE_CHECKING:
    from typing import Any

STALE_AFTER = 300.0  # seconds: older entries are refreshed by a live request
RETRY_AFTER = 30.0  # seconds: after a failed live request, do not try again at every TAB
# states of an operation that may still change (completion offers only these to wait on)
OPEN_STATES = ("PENDING", "RUN")
_SAFE_PUNCTUATION = "_@%+=:,./-"
LABELS = {"vm": "VM", "disk": "disk", "os": "OS", "op": "operation"}


def for_shell(value: str, bash: bool) -> str:
    """A candidate as the shell must receive it.

    zsh and fish quote what they insert; bash inserts COMPREPLY as is, so a label with
    spaces ("Debian 12 64 bits") needs backslashes, doubled because click's bash script
    reads each answer line with ``read`` (without -r), which eats one level.
    """
    if not bash or value.isalnum():
        return value
    if all(c.isalnum() or c in _SAFE_PUNCTUATION for c in value):
        return value  # (isalnum or _: what \\w matches)
    escaped = "".join(c if c.isalnum() or c in _SAFE_PUNCTUATION else "\\" + c for c in value)
    return escaped.replace("\\", "\\\\")


def op_state(entry: dict[str, Any]) -> str:
    """The state of a cached operation (its entry says "TYPE STATE")."""
    return str(entry.get("state", "")).rpartition(" ")[2]


def _escaped(text: object) -> str:
    """A cached name or state as safe help text: what errors.escape_controls does (control
    and bidi characters as ``\\xNN``), without importing it at every TAB press."""
    text = str(text)
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)


def describe(resource: str, entry: dict[str, Any], *, with_name: bool) -> str:
    """The help shown next to a candidate: ``VM 7 (halted)`` for a name, ``db (halted)``
    for an id (``PENDING`` for an operation id, which has no name). No commas: click
    8.5's fish script splits its answer lines on them. Names come from a server: escaped."""
    state = _escaped(entry.get("state") or "")
    if with_name and entry.get("name"):
        name = _escaped(entry["name"])
        return f"{name} ({state})" if state else name
    if with_name and state:
        return state
    label = LABELS[resource]
    return f"{label} {entry['id']} ({state})" if state else f"{label} {entry['id']}"


def names(
    resource: str, items: list[dict[str, Any]], incomplete: str, bash: bool
) -> list[tuple[str, str]]:
    """Names first (with their id), then ids (with their name); each value once."""
    by_name: dict[str, list[dict[str, Any]]] = {}
    for e in items:
        # a name with control or bidi characters is never typed into the command line
        # (its id is offered, the name escaped beside it)
        if e.get("name") and str(e["name"]).isprintable():
            by_name.setdefault(str(e["name"]), []).append(e)
    out: list[tuple[str, str]] = []
    if not incomplete.isdigit():
        for name in sorted(by_name):
            if not name.startswith(incomplete):
                continue
            entries = by_name[name]
            if len(entries) == 1:
                help_ = describe(resource, entries[0], with_name=False)
            else:
                help_ = "ambiguous: ids " + " / ".join(str(e["id"]) for e in entries)
            out.append((for_shell(name, bash), help_))
    for e in items:
        value = str(e["id"])
        if value.startswith(incomplete):
            out.append((value, describe(resource, e, with_name=True)))
    return out


def open_operations(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The cached operations not in a final state: what ``op wait`` and ``op cancel`` are for."""
    return [e for e in items if op_state(e) in OPEN_STATES]


def columns(keys: list[tuple[str, str]], incomplete: str) -> list[tuple[str, str]]:
    """``--columns``: the keys of this list, after those already typed (``id,ho`` ->
    ``id,hostname``)."""
    done, _, last = incomplete.rpartition(",")
    chosen = set(done.split(",")) if done else set()
    prefix = f"{done}," if done else ""
    return [
        (prefix + key, header) for key, header in keys if key.startswith(last) and key not in chosen
    ]


def sort_keys(keys: list[tuple[str, str]], incomplete: str) -> list[tuple[str, str]]:
    """``--sort``: the keys of this list (``-key`` for descending)."""
    sign = "-" if incomplete.startswith("-") else ""
    word = incomplete[len(sign) :]
    return [
        (sign + key, "descending" if sign else header)
        for key, header in keys
        if key.startswith(word)
    ]
