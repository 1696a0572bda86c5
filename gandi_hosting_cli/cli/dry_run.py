"""``--dry-run``: what the write calls of a command would be, printed instead of sent.

``@dry_run_option`` (cli/options.py) sets ``AppContext.dry_run``; ``AppContext.client``
is then a ``DryRunClient`` (api/dry_run.py) that sends reads and records writes, and
``AppContext.output`` a ``DryRunOutput`` (output/render.py) that drops the command's own
results (they would describe placeholder ids). The command ends either normally or at
its first read after a write (``DryRunFinished``, mapped in ``cli.handle_exception``);
both end here, in ``finish``: the recorded calls go through the output layer (one line
each, a JSON array with ``--json``), a note on stderr, exit 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from gandi_hosting_cli.output.render import DryRunOutput
from gandi_hosting_cli.output.result import Lines, Result

if TYPE_CHECKING:
    from gandi_hosting_cli.cli.context import AppContext


def calls_result(calls: Sequence[tuple[str, Sequence[Any]]]) -> Result:
    """``[(method, params)]`` as data: ``method(param, ...)`` lines, or a JSON array of
    ``{"method", "params"}``; ``-q`` gives the lines too (there are no ids to give)."""
    data = [{"method": method, "params": list(params)} for method, params in calls]
    lines = [f"{method}({', '.join(repr(p) for p in params)})" for method, params in calls]
    return Result([Lines(lines)], json=data, ids=lines)


def emit_calls(app: AppContext, calls: Sequence[tuple[str, Sequence[Any]]], note: str) -> None:
    """Print ``calls`` (the dry run's data) and ``note`` on stderr; mark the run finished."""
    app.dry_run_printed = True
    output = app.output
    result = calls_result(calls)
    if isinstance(output, DryRunOutput):
        output.emit_calls(result)
    else:
        output.emit(result)
    app.terminal.message(note)


def finish(app: AppContext, stopped: BaseException | None = None) -> int:
    """End a dry run: print the recorded calls of ``app.client``; exit code 0.

    ``stopped``: the command ended at a read of what its writes did (a state, a wait),
    so calls that would come after it (a delete after a stop and its wait) are not
    shown: they depend on results a dry run does not have."""
    if app.dry_run_printed or "client" not in app.__dict__:
        return 0  # printed already (apply), or no request was ever needed (--help)
    recorded = getattr(app.client, "recorded", [])
    calls = [(c.method, c.params) for c in recorded]
    if not calls:
        note = "Dry run: no write call would be sent."
    else:
        count = f"{len(calls)} write call{'s' if len(calls) != 1 else ''}"
        note = f"Dry run: {count} shown, nothing sent."
    emit_calls(app, calls, note)
    return 0
