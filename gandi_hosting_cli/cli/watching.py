"""``--watch [SECONDS]`` on ``vm list``, ``disk list`` and ``op list``: the list read again
every SECONDS (the same batched read as the list itself) until Ctrl-C.

On a terminal the screen is redrawn in place (a title line, then the list as the command
prints it). Off a terminal the list is printed once, then one line per change: an object
added, removed, or changed (each changed field with its old and new value); with --json
one JSON object per line (``{"event": "changed", "id": 101, "changes": {"state":
["running", "halted"]}}``). Ctrl-C is how a watch ends: exit 0.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from typing import Any

import click

from gandi_hosting_cli.cli.context import AppContext
from gandi_hosting_cli.output.columns import Column

DEFAULT_INTERVAL = 2.0  # seconds between two reads when --watch is given no value
MIN_INTERVAL = 0.1
MAX_INTERVAL = 24 * 3600.0


def watch_option(f: Callable) -> Callable:
    """``--watch [SECONDS]``: the command receives ``watch: float | None``."""
    from gandi_hosting_cli.cli.types import Seconds

    return click.option(
        "--watch",
        "watch",
        type=Seconds(MIN_INTERVAL, MAX_INTERVAL),
        is_flag=False,
        flag_value=DEFAULT_INTERVAL,
        default=None,
        metavar="[SECONDS]",
        help=f"Read the list again every SECONDS (default {DEFAULT_INTERVAL:g}) until "
        "Ctrl-C: redrawn in place on a terminal; elsewhere printed once, then a line per "
        "change (added, removed, changed field; JSON lines with --json).",
    )(f)


def watch(
    app: AppContext,
    read: Callable[[], Any],
    interval: float,
    noun: str,
    label_key: str,
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Run ``read`` (which returns the list's ``Result``) every ``interval`` seconds."""
    live = app.terminal.stdout_is_tty
    title = " ".join(click.get_current_context().command_path.split()[1:])
    previous: dict[Any, dict[str, Any]] | None = None
    try:
        while True:
            result = read()
            if live:
                now = dt.datetime.now().strftime("%H:%M:%S")
                heading = f"Every {interval:g}s: {title}    {now}    (Ctrl-C stops)\n"
                app.output.redraw(result, heading)
            else:
                current = _snapshot(app, result)
                if previous is None:
                    app.output.emit(result)
                else:
                    lines = _changes(app, noun, label_key, previous, current)
                    if lines:
                        app.output.emit_lines(lines)
                app.output.flush()
                previous = current
            sleep(interval)
    except KeyboardInterrupt:
        if live:
            app.terminal.notice()  # off the line where the terminal echoed ^C


def _snapshot(app: AppContext, result: Any) -> dict[Any, dict[str, Any]]:
    """id -> the values compared between two reads: what the mode shows (the chosen
    columns, formatted for people; every key of the JSON objects with --json)."""
    if result.listing is None:  # ids only (-q): what appears and goes
        return {i: {"": {}} for i in result.ids or ()}
    columns, rows, items = app.output.shaped_rows(result)
    if app.json:
        return {i.get("id"): {"": i, **i} for i in items if isinstance(i, dict)}
    return {r.get("id"): {"": r, **{c.key: _shown(r.get(c.key), c) for c in columns}} for r in rows}


def _shown(value: Any, column: Column) -> str:
    from gandi_hosting_cli.output.formatting import format_value

    return format_value(value, column.format)


def _changes(
    app: AppContext,
    noun: str,
    label_key: str,
    before: dict[Any, dict[str, Any]],
    after: dict[Any, dict[str, Any]],
) -> list[str]:
    """One line per object added, removed or changed, in id order within each kind."""
    events: list[tuple[str, Any, dict[str, Any], dict[str, tuple[Any, Any]]]] = []
    for obj_id in sorted(set(before) - set(after), key=str):
        events.append(("removed", obj_id, before[obj_id], {}))
    for obj_id in sorted(set(after) - set(before), key=str):
        events.append(("added", obj_id, after[obj_id], {}))
    for obj_id in sorted(set(before) & set(after), key=str):
        old, new = before[obj_id], after[obj_id]
        changed = {
            k: (old.get(k), new.get(k)) for k in new if k and k != "id" and old.get(k) != new.get(k)
        }
        if changed:
            events.append(("changed", obj_id, new, changed))
    if app.json:
        return [_json_line(event, obj_id, obj, changed) for event, obj_id, obj, changed in events]
    return [
        _human_line(noun, label_key, event, obj_id, obj, changed)
        for event, obj_id, obj, changed in events
    ]


def _json_line(event: str, obj_id: Any, obj: dict[str, Any], changed: dict) -> str:
    from gandi_hosting_cli.output.formatting import json_default

    record: dict[str, Any] = {"event": event, "id": obj_id}
    if event == "added":
        record["object"] = obj[""]
    elif event == "changed":
        record["changes"] = {k: list(v) for k, v in changed.items()}
    return json.dumps(record, default=json_default, ensure_ascii=False)


def _human_line(
    noun: str, label_key: str, event: str, obj_id: Any, obj: dict[str, Any], changed: dict
) -> str:
    from gandi_hosting_cli.errors import for_terminal

    label = obj[""].get(label_key)
    text = f"{event} {noun} {obj_id}" + (f" ({label})" if label else "")
    if changed:
        text += ": " + ", ".join(f"{k} {_word(a)} -> {_word(b)}" for k, (a, b) in changed.items())
    return for_terminal(text, None)


def _word(value: Any) -> str:
    return "-" if value in (None, "") else str(value)
