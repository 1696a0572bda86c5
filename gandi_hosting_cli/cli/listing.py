"""Helpers the list and info commands of every group share: remember what was read for
completion, warn of objects gone before they were read, and emit several info views."""

from __future__ import annotations

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


def emit_several(app: AppContext, records: list, fields: list, missing: dict) -> None:
    """Several objects (``info`` given several refs): one block each, a JSON array, their
    ids; those that could not be read are said on stderr, and decide the exit code."""
    from gandi_hosting_cli.output.result import Fields, Lines, Result

    human: list = []
    for data, _ in records:
        human += [Lines([""]), Fields(data, fields)] if human else [Fields(data, fields)]
    ids = [data.get("id") for data, _ in records]
    app.output.emit(Result(human, [item for _, item in records], ids))
    if missing:
        for error in missing.values():
            app.terminal.error(error.message)
        raise click.exceptions.Exit(max(int(e.exit_code) for e in missing.values()))
