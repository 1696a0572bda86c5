"""Waiting for operations: polling with backoff, a live progress display, ``wait_options``.

The schedule: the first poll is immediate (a sandbox with no delay, or a quick
operation, is seen DONE at once), then the pause between polls is 20% of the time
waited so far, at least 0.5 s and at most 5 s. An operation taking T seconds is seen
DONE within max(0.5 s, 20% of T), 5 s at most, after at most 2*log2(T) + T/5 + 6 polls
(tests/cli/test_waiting.py checks both over 0-300 s). Meeting "10% of T" as well would
cost 33 polls at T = 50 s instead of 22: this trades a little latency for requests.
Several operations are polled together, one ``system.multicall`` per round.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import click

from gandi_hosting_cli.api.errors import HostingError
from gandi_hosting_cli.cli import types
from gandi_hosting_cli.exit_codes import ExitCode

FINAL_STATES = frozenset({"DONE", "ERROR", "CANCEL"})
FAILED_STATES = frozenset({"ERROR", "CANCEL"})

FIRST_DELAY = 0.5  # seconds: the shortest pause between polls
MAX_DELAY = 5.0  # the longest pause: a long operation is seen done within 5 s
BACKOFF = 0.2  # pause = 20% of the time waited so far


class WaitInterrupted(HostingError):
    """Ctrl-C while waiting: the operations go on; exit 130 (a JSON error with --json)."""

    exit_code = ExitCode.INTERRUPTED


def next_delay(elapsed: float) -> float:
    """Seconds to sleep before the next poll, ``elapsed`` seconds into the wait."""
    return min(MAX_DELAY, max(FIRST_DELAY, BACKOFF * elapsed))


@dataclass
class WaitOutcome:
    """What a wait saw: the last details of every operation, and whether time ran out."""

    details: dict[int, dict] = field(default_factory=dict)
    errors: dict[int, HostingError] = field(default_factory=dict)  # could not be read
    timed_out: bool = False
    polls: int = 0  # rounds of requests (one multicall each)
    elapsed: float = 0.0

    def state(self, opid: int) -> str:
        if opid in self.errors:
            return "UNKNOWN"
        return str(self.details.get(opid, {}).get("state", "UNKNOWN"))

    def unfinished(self) -> list[int]:
        return [
            o for o in self.details if o not in self.errors and self.state(o) not in FINAL_STATES
        ]


def _fetch(client: Any, opids: list[int]) -> dict[int, dict | HostingError]:
    """operation_details for every id, in one request whatever their number."""
    if len(opids) == 1:
        try:
            return {opids[0]: client.operation_details(opids[0])}
        except HostingError as exc:
            return {opids[0]: exc}
    results = client.multicall([("operation_details", (o,)) for o in opids])
    return dict(zip(opids, results, strict=True))


def wait_operations(
    client: Any,
    opids: Iterable[int],
    *,
    timeout: float | None = None,
    progress: Progress | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> WaitOutcome:
    """Poll until every operation is DONE, ERROR or CANCEL, or ``timeout`` seconds pass.

    Never raises for an operation's outcome (the caller decides the exit code from the
    returned WaitOutcome); API errors reading one operation are recorded, not raised.
    KeyboardInterrupt propagates: the caller says the operations go on.
    """
    outcome = WaitOutcome(details={o: {} for o in dict.fromkeys(opids)})
    start = clock()
    pending = list(outcome.details)
    while pending:
        for opid, result in _fetch(client, pending).items():
            if isinstance(result, HostingError):
                outcome.errors[opid] = result
            else:
                outcome.details[opid] = result
        outcome.polls += 1
        pending = outcome.unfinished()
        outcome.elapsed = clock() - start
        if progress is not None:
            progress.update(outcome)
        if not pending:
            break
        delay = next_delay(outcome.elapsed)
        if timeout is not None:
            left = timeout - outcome.elapsed
            if left <= 0:
                outcome.timed_out = True
                break
            # one last poll exactly at the deadline rather than giving up early
            delay = min(delay, left)
        sleep(delay)
    return outcome


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
                Text(self._types.get(opid, "")),
                Text(self._labels.get(opid, ""), style="dim"),
                Text(state, style=STATE_STYLES.get(state, "")),
                Text(f"{elapsed // 60}:{elapsed % 60:02d}", style="dim"),
            )
        return grid


STATE_STYLES = {
    "PENDING": "yellow",
    "RUN": "cyan",
    "DONE": "green",
    "ERROR": "red",
    "CANCEL": "magenta",
    "UNKNOWN": "red",
}


def wait_options(func: Callable) -> Callable:
    """``--wait/--no-wait`` and ``--wait-timeout SECONDS`` for commands that queue operations.

    The command receives ``wait: bool`` and ``wait_timeout: float | None``. Giving
    ``--wait-timeout`` implies ``--wait``; with neither flag, the profile's ``wait``
    setting (config.toml) decides, and waiting is off by default.
    """

    @click.option(
        "--wait/--no-wait",
        "wait",
        default=None,
        help="Wait until the operation is done (live progress on a terminal).",
    )
    @click.option(
        "--wait-timeout",
        "wait_timeout",
        type=types.WAIT_TIMEOUT,
        metavar="SECONDS",
        default=None,
        help="Give up waiting after SECONDS (exit 7); implies --wait.",
    )
    @functools.wraps(func)
    def wrapper(*args: Any, wait: bool | None, wait_timeout: float | None, **kwargs: Any) -> Any:
        if wait is None:
            wait = wait_timeout is not None or _profile_wants_wait()
        return func(*args, wait=wait, wait_timeout=wait_timeout, **kwargs)

    return wrapper


def _profile_wants_wait() -> bool:
    ctx = click.get_current_context(silent=True)
    settings = getattr(ctx.find_root().obj if ctx else None, "profile_settings", None) or {}
    return bool(settings.get("wait", False))
