"""A client wrapper for ``--dry-run``: reads go to the server, writes are recorded.

``DryRunClient(client)`` behaves like the HostingClient it wraps for every read-only
method (``api.methods.is_read_only``): names resolve, lists and infos are real. A write
method (``vm_create``, ``disk_attach``, ``operation_cancel``...) is not sent: it is
appended to ``recorded`` as ``RecordedCall(method, params)`` with secrets (the
``vm_create`` password) as ``***``, and answers a placeholder (a negative id: -1, -2...,
``True`` for ``operation_cancel``). In a ``multicall``, reads are sent (in one batch)
and writes recorded, results in order.

``DryRunClient(client, stop_after_write=True)`` (what ``--dry-run`` of the single
commands uses): once a write has been recorded, the next read outside that multicall
raises ``DryRunFinished`` -- the command would now read what its writes did (an
operation's state, a wait, a new object), which a dry run cannot know. The CLI then
prints the recorded calls and exits 0.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass
from typing import Any

from gandi_hosting_cli.api.methods import HostingMethods, is_read_only

SECRET = "***"
# method -> indexes (after the session) of secret parameters
SECRET_PARAMS: dict[str, tuple[int, ...]] = {"vm_create": (1,), "login": (1,)}


class DryRunFinished(Exception):
    """A dry run reached a read that depends on a write it did not send (``method``)."""

    def __init__(self, method: str):
        super().__init__(f"dry run: {method} would read the result of a call not sent")
        self.method = method


@dataclass(frozen=True)
class RecordedCall:
    method: str
    params: tuple

    def as_dict(self) -> dict[str, Any]:
        return {"method": self.method, "params": list(self.params)}

    def __str__(self) -> str:
        args = ", ".join(repr(p) for p in self.params)
        return f"{self.method}({args})"


def redact(method: str, params: tuple) -> tuple:
    hidden = SECRET_PARAMS.get(method, ())
    return tuple(SECRET if i in hidden else p for i, p in enumerate(params))


class DryRunClient(HostingMethods):
    """Wraps a client: typed methods, ``call`` and ``multicall`` never send a write."""

    def __init__(self, client: Any, *, stop_after_write: bool = False):
        self._client = client
        self.stop_after_write = stop_after_write
        self.recorded: list[RecordedCall] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        # endpoint, session, request_count, close... of the wrapped client
        return getattr(self._client, name)

    def _record(self, method: str, args: tuple) -> Any:
        with self._lock:
            self.recorded.append(RecordedCall(method, redact(method, tuple(args))))
            if method == "operation_cancel":
                return True
            return -next(self._ids)

    def _check_read(self, method: str) -> None:
        if self.stop_after_write and self.recorded:
            raise DryRunFinished(method)

    def _call(self, method: str, *args: Any, session: bool = True) -> Any:
        if is_read_only(method):
            self._check_read(method)
            return self._client._call(method, *args, session=session)
        return self._record(method, args)

    def call(self, method: str, *args: Any) -> Any:
        return self._call(method, *args)

    def multicall(self, calls: list[tuple[str, tuple]], *, ordered: bool = False) -> list[Any]:
        calls = [(m, tuple(a)) for m, a in calls]
        reads = [(i, c) for i, c in enumerate(calls) if is_read_only(c[0])]
        results: list[Any] = [None] * len(calls)
        if reads:
            self._check_read(reads[0][1][0])
            answers = self._client.multicall([c for _, c in reads], ordered=ordered)
            for (i, _), answer in zip(reads, answers, strict=True):
                results[i] = answer
        for i, (method, args) in enumerate(calls):
            if not is_read_only(method):
                results[i] = self._record(method, args)
        return results
