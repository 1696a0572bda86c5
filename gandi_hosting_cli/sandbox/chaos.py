"""Failures on demand: ``sandbox serve --fail/--fault-rate/--drop-rate/--latency``.

For testing clients' error paths (users' own scripts, the CLI's ``apply``) against the
failures production may throw:

- ``--fail METHOD[:NAME]`` (``FailRule``): a call of METHOD on the object NAME (a VM
  hostname or a disk name, given in the call or the name of a VM or disk whose id it
  gives; without NAME, any object) does its work, but the operation it queues ends in
  ``ERROR`` at its due time with the comment ``simulated failure: --fail RULE``, as a
  ``fail-`` name does. A call that queues nothing (``vm_info``, ``login``...) is
  answered the fault ``150000 ServerError: simulated failure (--fail RULE)`` instead,
  with nothing done.
- ``--fault-rate P``: a share P of the calls is answered ``150000 ServerError:
  simulated failure (--fault-rate)`` before doing anything.
- ``--drop-rate P``: a share P of the calls does its work, then the connection is
  closed without an answer (``DropAnswer``): the "lost answer" case. The HTTP server
  closes the connection; ``InProcessTransport`` raises
  ``http.client.RemoteDisconnected``. One dropped call in a ``system.multicall`` drops
  the whole answer (the others are done too).
- ``--chaos-method METHOD`` (repeatable) limits both rates to those methods (by
  default every call but ``system.*`` ones; a multicall's sub-calls count one by one).
- ``--random-seed N`` makes the draws repeatable: each call subject to a rate draws
  once per rate, in the order the calls arrive, so one client making the same calls
  meets the same failures.
- ``--latency MS``: every request waits that long before it is handled.
"""

from __future__ import annotations

import random
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from gandi_hosting_cli.sandbox.faults import server_fault


class DropAnswer(Exception):
    """The request's work is done and its answer must not be sent (``--drop-rate``)."""


@dataclass(frozen=True)
class FailRule:
    """``METHOD[:NAME]``: that method fails for the object named, or for any object."""

    method: str
    name: str | None = None

    @classmethod
    def parse(cls, text: str) -> FailRule:
        method, sep, name = text.partition(":")
        if not method or (sep and not name):
            raise ValueError(f"expected METHOD or METHOD:NAME, not {text!r}")
        return cls(method, name if sep else None)

    def __str__(self) -> str:
        return self.method if self.name is None else f"{self.method}:{self.name}"


def _check_rate(value: float, name: str) -> float:
    rate = float(value)
    if not 0.0 <= rate <= 1.0:
        raise ValueError(f"{name} must be between 0 and 1, not {value!r}")
    return rate


class Chaos:
    """The failures a ``Sandbox`` injects (see this module's docstring)."""

    def __init__(
        self,
        fails: Iterable[FailRule] = (),
        *,
        fault_rate: float = 0.0,
        drop_rate: float = 0.0,
        methods: Iterable[str] = (),
        latency_ms: float = 0.0,
        seed: int | None = None,
    ):
        self.fails: dict[str, list[FailRule]] = {}
        for rule in fails:
            self.fails.setdefault(rule.method, []).append(rule)
        self.fault_rate = _check_rate(fault_rate, "--fault-rate")
        self.drop_rate = _check_rate(drop_rate, "--drop-rate")
        self.methods = frozenset(methods)
        self.latency = max(0.0, float(latency_ms)) / 1000
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._request = threading.local()

    # -- a request --------------------------------------------------------------------

    def begin_request(self) -> None:
        """A request arrives: wait ``--latency``, and no answer is dropped yet."""
        self._request.drop = False
        if self.latency:
            time.sleep(self.latency)

    def end_request(self) -> None:
        """The work is done: raise ``DropAnswer`` when a call of it drew a drop."""
        if getattr(self._request, "drop", False):
            self._request.drop = False
            raise DropAnswer()

    # -- a call -----------------------------------------------------------------------

    def draw(self, method: str) -> None:
        """Draw this call's random failures: raise its fault, or mark its answer dropped."""
        if method.startswith("system.") or (self.methods and method not in self.methods):
            return
        with self._lock:
            fault = self.fault_rate > 0 and self._random.random() < self.fault_rate
            drop = self.drop_rate > 0 and self._random.random() < self.drop_rate
        if fault:
            raise server_fault(text="simulated failure (--fault-rate)")
        if drop:
            self._request.drop = True

    def has_rule(self, method: str) -> bool:
        return method in self.fails

    def run(
        self, conn: sqlite3.Connection, method: str, named: dict, call: Callable[[], object]
    ) -> object:
        """Run ``call()`` (a method with ``--fail`` rules) in its write transaction: the
        operations it queues are marked to fail, or the call faults when it queued none
        (the caller's transaction is then rolled back: nothing done)."""
        rule = self._matching(conn, method, named)
        if rule is None:
            return call()
        last = conn.execute("SELECT COALESCE(MAX(id), 0) FROM operations").fetchone()[0]
        result = call()
        queued = conn.execute("SELECT id FROM operations WHERE id > ?", (last,)).fetchall()
        if not queued:
            raise server_fault(text=f"simulated failure (--fail {rule})")
        comment = f"simulated failure: --fail {rule}"
        for (opid,) in queued:
            conn.execute(
                "UPDATE operations SET fail = 1, comment = ? WHERE id = ?", (comment, opid)
            )
        return result

    def _matching(self, conn: sqlite3.Connection, method: str, named: dict) -> FailRule | None:
        rules = self.fails.get(method, ())
        if not any(rule.name is not None for rule in rules):
            return rules[0] if rules else None
        names = object_names(conn, named)
        return next((r for r in rules if r.name is None or r.name in names), None)


def object_names(conn: sqlite3.Connection, named: dict) -> set[str]:
    """The VM hostnames and disk names a call is about, from its arguments by name."""
    names: set[str] = set()
    for key, value in named.items():
        if isinstance(value, dict):
            names.update(v for k, v in value.items() if k in ("name", "hostname"))
        elif key == "hostname" and isinstance(value, str):
            names.add(value)
        elif key in ("vm_id", "disk_id") and type(value) is int:
            table, column = ("vms", "hostname") if key == "vm_id" else ("disks", "name")
            row = conn.execute(f"SELECT {column} FROM {table} WHERE id = ?", (value,)).fetchone()
            if row is not None:
                names.add(row[0])
    return names


__all__ = ["Chaos", "DropAnswer", "FailRule", "object_names"]
