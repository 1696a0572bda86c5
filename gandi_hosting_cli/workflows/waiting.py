"""Waiting for operations: polling with backoff until every one has ended.

The schedule: the first poll is immediate (a sandbox with no delay, or a quick
operation, is seen DONE at once), then the pause between polls is 20% of the time
waited so far, at least 0.5 s and at most 5 s. An operation taking T seconds is seen
DONE within max(0.5 s, 20% of T), 5 s at most, after at most 2*log2(T) + T/5 + 6 polls
(tests/cli/test_waiting.py checks both over 0-300 s). Meeting "10% of T" as well would
cost 33 polls at T = 50 s instead of 22: this trades a little latency for requests.
Several operations are polled together, one ``system.multicall`` per round.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from gandi_hosting_cli.errors import Hint, HostingError, NetworkError
from gandi_hosting_cli.exit_codes import ExitCode
from gandi_hosting_cli.workflows.batch import multicall_chunked

if TYPE_CHECKING:
    from gandi_hosting_cli.api.client import HostingClient

FINAL_STATES = frozenset({"DONE", "ERROR", "CANCEL"})
FAILED_STATES = frozenset({"ERROR", "CANCEL"})

FIRST_DELAY = 0.5  # seconds: the shortest pause between polls
MAX_DELAY = 5.0  # the longest pause: a long operation is seen done within 5 s
BACKOFF = 0.2  # pause = 20% of the time waited so far


class WaitInterrupted(HostingError):
    """Ctrl-C while waiting: the operations go on; exit 130 (a JSON error with --json)."""

    exit_code = ExitCode.INTERRUPTED


class ProgressDisplay(Protocol):
    """What ``wait_operations`` tells after each poll (the CLI draws it on a terminal)."""

    def update(self, outcome: WaitOutcome) -> None: ...


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


def server_lost(exc: NetworkError, opids: list[int]) -> NetworkError:
    """The server was lost during a wait: the operations still open go on over there;
    say which, and how to follow them (as Ctrl-C does)."""
    ids = " ".join(str(i) for i in opids)
    one = len(opids) == 1
    error = NetworkError(
        f"stopped waiting: {exc.message}; "
        f"{'operation' if one else 'operations'} {ids} {'goes' if one else 'go'} on",
        exc.code,
        hint=Hint("follow", operations=tuple(opids), text="once the server answers again"),
    )
    return error


def poll_once(
    client: HostingClient, opids: list[int], *, batch_errors: bool = False
) -> dict[int, dict | HostingError]:
    """One poll: operation_details for every id, in one request up to 2,000 of them
    (``wait_operations`` and ``apply``'s executor both poll through here).

    ``batch_errors``: a failure of the whole request (the network) is each operation's
    error instead of being raised."""
    if len(opids) == 1:
        try:
            return {opids[0]: client.operation_details(opids[0])}
        except NetworkError:
            raise  # the server, not the operation: wait_operations says what goes on
        except HostingError as exc:
            return {opids[0]: exc}
    try:
        results = multicall_chunked(client, [("operation_details", (o,)) for o in opids])
    except HostingError as exc:
        if not batch_errors:
            raise
        results = [exc] * len(opids)
    return dict(zip(opids, results, strict=True))


def wait_operations(
    client: HostingClient,
    opids: Iterable[int],
    *,
    timeout: float | None = None,
    progress: ProgressDisplay | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> WaitOutcome:
    """Poll until every operation is DONE, ERROR or CANCEL, or ``timeout`` seconds pass.

    Never raises for an operation's outcome (the caller decides the exit code from the
    returned WaitOutcome); API errors reading one operation are recorded, not raised.
    KeyboardInterrupt propagates: the caller says the operations go on. A server lost on
    the way (``NetworkError``) raises a ``NetworkError`` naming the operations still open
    and how to follow them (``server_lost``).
    """
    outcome = WaitOutcome(details={o: {} for o in dict.fromkeys(opids)})
    start = clock()
    deadline = None if timeout is None else start + timeout
    pending = list(outcome.details)
    while pending:
        try:
            fetched = poll_once(client, pending)
        except NetworkError as exc:
            raise server_lost(exc, pending) from exc
        for opid, result in fetched.items():
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
        if deadline is not None:
            left = deadline - clock()  # exact at the deadline, whatever the clock's scale
            if left <= 0:
                outcome.timed_out = True
                break
            # one last poll exactly at the deadline rather than giving up early
            delay = min(delay, left)
        sleep(delay)
    return outcome
