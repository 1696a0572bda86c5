"""The live display of operations being waited for: one line each on stderr (rich)."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from gandi_hosting_cli.errors import escape_controls
from gandi_hosting_cli.output.formatting import STATE_STYLES
from gandi_hosting_cli.workflows.waiting import FAILED_STATES, FINAL_STATES, WaitOutcome


class Progress:
    """One live line per operation on stderr: spinner, id, type, object, state, elapsed.

    Built only when stderr is a terminal; rich is imported here, not at module load.
    """

    def __init__(self, console: Any, opids: Iterable[int], labels: dict[int, str] | None = None):
        from rich.live import Live

        self._opids = list(opids)
        self._labels = dict(labels or {})
        self._states: dict[int, str] = dict.fromkeys(self._opids, "…")
        self._types: dict[int, str] = {}
        self._finished_at: dict[int, float] = {}
        self._start = time.monotonic()
        self._live = Live(self, console=console, refresh_per_second=8, transient=False)

    def __enter__(self) -> Progress:
        self._live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._live.__exit__(*exc)

    def update(self, outcome: WaitOutcome) -> None:
        now = time.monotonic()
        for opid in self._opids:
            details = outcome.details.get(opid) or {}
            self._states[opid] = outcome.state(opid)
            if details.get("type"):
                self._types[opid] = str(details["type"])
            if self._states[opid] in FINAL_STATES or opid in outcome.errors:
                self._finished_at.setdefault(opid, now)
        self._live.refresh()

    def __rich__(self) -> Any:
        from rich.spinner import Spinner
        from rich.table import Table
        from rich.text import Text

        grid = Table.grid(padding=(0, 1))
        now = time.monotonic()
        for opid in self._opids:
            state = self._states[opid]
            elapsed = int(self._finished_at.get(opid, now) - self._start)
            mark: Any
            if state == "DONE":
                mark = Text("✓", style="green")
            elif state in FAILED_STATES or state == "UNKNOWN":
                mark = Text("✗", style="red")
            else:
                mark = Spinner("dots", style="cyan")
            grid.add_row(
                mark,
                Text(f"operation {opid}", style="bold"),
                Text(escape_controls(self._types.get(opid, ""))),
                Text(escape_controls(self._labels.get(opid, "")), style="dim"),
                Text(escape_controls(state), style=STATE_STYLES.get(state, "")),
                Text(f"{elapsed // 60}:{elapsed % 60:02d}", style="dim"),
            )
        return grid


class ApplyProgress:
    """The live display of ``apply``: one line per action of the plan, on stderr (rich).

    Fed by the executor's events (``event``): waiting for what it depends on, its
    operation's state while it runs, then done, failed or skipped.
    """

    def __init__(self, console: Any, actions: Iterable[Any]):
        from rich.live import Live

        self._actions = list(actions)
        self._status: dict[int, str] = {a.id: "waiting" for a in self._actions}
        self._operation: dict[int, int] = {}
        self._started: dict[int, float] = {}
        self._finished: dict[int, float] = {}
        self._live = Live(self, console=console, refresh_per_second=8, transient=False)

    def __enter__(self) -> ApplyProgress:
        self._live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._live.__exit__(*exc)

    def event(self, event: Any) -> None:
        """An executor ``Event``: queued, state, done, failed or skipped."""
        now = time.monotonic()
        action_id = event.action.id
        if event.operation is not None:
            self._operation[action_id] = event.operation
        self._started.setdefault(action_id, now)
        if event.kind in ("done", "failed", "skipped"):
            self._status[action_id] = event.kind
            self._finished.setdefault(action_id, now)
        else:
            self._status[action_id] = event.state or "PENDING"
        self._live.refresh()

    def __rich__(self) -> Any:
        from rich.spinner import Spinner
        from rich.table import Table
        from rich.text import Text

        grid = Table.grid(padding=(0, 1))
        now = time.monotonic()
        for action in self._actions:
            status = self._status[action.id]
            mark: Any
            if status == "done":
                mark, style = Text("✓", style="green"), STATE_STYLES.get("DONE", "")
            elif status == "failed":
                mark, style = Text("✗", style="red"), STATE_STYLES.get("ERROR", "")
            elif status in ("skipped", "waiting"):
                mark, style = Text("·", style="dim"), "dim"
            else:
                mark, style = Spinner("dots", style="cyan"), STATE_STYLES.get(status, "")
            started = self._started.get(action.id)
            elapsed = int(self._finished.get(action.id, now) - started) if started else 0
            opid = self._operation.get(action.id)
            grid.add_row(
                mark,
                Text(f"#{action.id}", style="dim"),
                Text(
                    escape_controls(action.describe()),
                    style="bold" if status not in ("waiting",) else "",
                ),
                Text(f"operation {opid}" if opid is not None else "", style="dim"),
                Text(escape_controls(status), style=style),
                Text(f"{elapsed // 60}:{elapsed % 60:02d}" if started else "", style="dim"),
            )
        return grid
