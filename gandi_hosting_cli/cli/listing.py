"""Helpers the list and info commands of every group share: remember what was read for
completion, warn of objects gone before they were read, and emit several info views."""

from __future__ import annotations

from typing import Any

import click

from gandi_hosting_cli.cli.context import AppContext


def remember(resource: str, items: list, app: AppContext, *, complete: bool = True) -> None:
    """Keep what a command saw for shell completion (completers.py); never fails a command."""
    from gandi_hosting_cli.cli.completers import remember as remember_items

    remember_items(resource, items, app, complete=complete)


def warn_unreadable(app: AppContext, noun: str, unreadable: dict) -> None:
    """Objects listed but gone before they could be read: a warning each."""
    for obj_id, error in unreadable.items():
        app.terminal.warn(f"could not read {noun} {obj_id}: {error.message}")


def emit_several(app: AppContext, entries: list, fields: list) -> None:
    """Several objects (``info`` given several refs), each its own outcome, in the order
    given: ``(data, item)`` for one read (one block each; ``item`` its JSON), or the
    ``HostingError`` of one that could not be (said on stderr; in JSON an entry
    ``{"id", "error": {"code", "message", "exit_code"}}``). The worst exit code wins."""
    from gandi_hosting_cli.errors import HostingError
    from gandi_hosting_cli.output.result import Fields, Lines, Result

    human: list = []
    data_json: list = []
    failed: list[HostingError] = []
    for ref, entry in entries:
        if isinstance(entry, HostingError):
            failed.append(entry)
            data_json.append({"id": int(ref) if str(ref).isdigit() else ref, **error_json(entry)})
            continue
        data, item = entry
        human += [Lines([""]), Fields(data, fields)] if human else [Fields(data, fields)]
        data_json.append(item)
    ids = [entry[0].get("id") for _, entry in entries if not isinstance(entry, HostingError)]
    app.output.emit(Result(human, data_json, ids))
    if failed:
        for error in failed:
            app.terminal.error(error.message, code=error.code, exit_code=error.exit_code)
        raise click.exceptions.Exit(max(int(e.exit_code) for e in failed))


def error_json(error: Any) -> dict[str, Any]:
    """A failed object's entry in a JSON array: ``{"error": {code, message, exit_code}}``."""
    return {
        "error": {
            "code": error.code,
            "message": error.message,
            "exit_code": int(error.exit_code),
        }
    }


def emit_or_watch(
    app: AppContext, read: Any, interval: float | None, noun: str, label_key: str
) -> None:
    """A list command's result (``read()``), once; or, with ``--watch``, read again every
    ``interval`` seconds (cli/watching.py)."""
    if interval is None:
        app.output.emit(read())
        return
    from gandi_hosting_cli.cli.watching import watch

    watch(app, read, interval, noun, label_key)
