"""A client wrapper for ``--dry-run``: reads go to the server, writes are recorded.

``DryRunClient(client)`` behaves like the HostingClient it wraps for every read-only
method (``api.methods.is_read_only``): names resolve, lists and infos are real. A write
method (``vm_create``, ``disk_attach``, ``operation_cancel``...) is not sent: it is
appended to ``recorded`` as ``RecordedCall(method, params)`` with secrets (the
``vm_create`` password) as ``***``, and answers a placeholder (a negative id: -1, -2...,
``True`` for ``operation_cancel``). In a ``multicall``, reads are sent (in one batch)
and writes recorded, results in order.
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

    def __init__(self, client: Any):
        self._client = client
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

    def _call(self, method: str, *args: Any, session: bool = True) -> Any:
        if is_read_only(method):
            return self._client._call(method, *args, session=session)
        return self._record(method, args)

    def call(self, method: str, *args: Any) -> Any:
        return self._call(method, *args)

    def multicall(self, calls: list[tuple[str, tuple]], *, ordered: bool = False) -> list[Any]:
        calls = [(m, tuple(a)) for m, a in calls]
        reads = [(i, c) for i, c in enumerate(calls) if is_read_only(c[0])]
        results: list[Any] = [None] * len(calls)
        if reads:
            answers = self._client.multicall([c for _, c in reads], ordered=ordered)
            for (i, _), answer in zip(reads, answers, strict=True):
                results[i] = answer
        for i, (method, args) in enumerate(calls):
            if not is_read_only(method):
                results[i] = self._record(method, args)
        return results
