"""``Sandbox``: the one dispatcher behind both the HTTP server and the in-process transport.

``Sandbox.handle(body)`` takes an XML-RPC request body and returns the response body:
every refusal is a fault, never an exception or an HTTP 500, in the order of checks
``faults.py`` documents. Due operations advance first; a method runs in one transaction
(a write transaction for methods that change state, else a read snapshot); an answer
over ``max_response_bytes`` is the fault ``501631``; an unexpected exception is
``150000``, logged without the call's parameters. ``system.multicall`` runs each
sub-call in its own transaction (at most ``max_multicall_calls``; ``multicall=False``
makes it unknown, so clients can test their fallback).
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
import traceback
from collections.abc import Callable, Iterable

import gandi_hosting_cli.sandbox.methods  # noqa: F401 (importing it registers every API method)
from gandi_hosting_cli.sandbox import bulk, engine
from gandi_hosting_cli.sandbox.chaos import Chaos
from gandi_hosting_cli.sandbox.faults import (
    SECRET,
    SandboxFault,
    data_fault,
    response_too_large,
    server_fault,
)
from gandi_hosting_cli.sandbox.registry import (
    REGISTRY,
    Ctx,
    MethodDef,
    check_arguments,
    check_count,
)
from gandi_hosting_cli.sandbox.state_db import Store, hash_token, upsert_account
from gandi_hosting_cli.sandbox.xmlrpc_wire import (
    MAX_BODY,
    Marshalled,
    dump_fault,
    dump_response,
    marshal_value,
    parse_request,
)

log = logging.getLogger("gandi_hosting_cli.sandbox")

# A system.multicall runs at most this many sub-calls (the CLI sends at most 2,000 per
# request, workflows/batch.py's MULTICALL_CHUNK: the infos of 1,000 VMs, their system
# disks and 1,000 data disks in two requests), and no response is larger than this: a
# 200 KB request of 1,000 disk_list calls on an account of 20,000 disks would otherwise
# answer 600 MB. 2,000 calls are ~620 KB, under the 1 MB body limit.
MAX_MULTICALL_CALLS = 2000
MAX_RESPONSE_BYTES = 16 * 1024 * 1024


def _parse_account(account: str | tuple[str, str]) -> tuple[str, str]:
    if isinstance(account, str):
        login, sep, password = account.partition(":")
        if not sep or not login or not password:
            raise ValueError("an account is LOGIN:PASSWORD")
        return login, password
    login, password = account
    return login, password


class Sandbox:
    """The emulated Gandi Hosting API on one SQLite state file.

    ``strict=True`` refuses what the default mode tolerates for the spec's PHP and Perl
    samples (digit strings for ints, ints for strings, 0/1 for booleans, base64 for
    strings): each is the type fault of its argument.
    """

    def __init__(
        self,
        state_path: str | os.PathLike[str],
        *,
        op_delay: float = 2.0,
        session_ttl: float = 43200,
        accounts: Iterable[str | tuple[str, str]] = (),
        multicall: bool = True,
        strict: bool = False,
        clock: Callable[[], float] = time.time,
        max_multicall_calls: int = MAX_MULTICALL_CALLS,
        max_response_bytes: int = MAX_RESPONSE_BYTES,
        chaos: Chaos | None = None,
    ):
        self.op_delay = float(op_delay)
        self.session_ttl = float(session_ttl)
        self.multicall = multicall
        self.strict = strict
        self.clock = clock
        self.max_multicall_calls = max_multicall_calls
        self.max_response_bytes = max_response_bytes
        self.chaos = chaos
        self._sessions: dict[str, tuple[str, str, bool, float]] = {}
        self.store = Store(state_path)
        self.state_path = self.store.path
        parsed = [_parse_account(a) for a in accounts]
        if parsed:
            with self.store.write() as conn:
                for login, password in parsed:
                    upsert_account(conn, login, password)

    # -- entry points -----------------------------------------------------------------

    def handle(self, body: bytes) -> bytes:
        """An XML-RPC request body in, the response body out (a fault for any refusal)."""
        return self.handle_request(body)[0]

    def handle_request(self, body: bytes) -> tuple[bytes, str]:
        """Like ``handle``, also returning the method name for the server's log line.

        With ``chaos`` (``sandbox serve --drop-rate``), ``DropAnswer`` is raised once the
        work is done when the answer is to be lost: the caller sends nothing.
        """
        if self.chaos is None:
            return self._handle_request(body)
        self.chaos.begin_request()
        answer = self._handle_request(body)
        self.chaos.end_request()
        return answer

    def _handle_request(self, body: bytes) -> tuple[bytes, str]:
        if len(body) > MAX_BODY:
            return dump_fault(
                data_fault("unknown", "size", "request too large", "bytes", len(body))
            ), "-"
        try:
            method, params = parse_request(body)
        except SandboxFault as fault:
            return dump_fault(fault), "-"
        try:
            return dump_response(self.call(method, params), self.max_response_bytes), method
        except SandboxFault as fault:
            return dump_fault(fault), method

    def call(self, method: str, params: tuple) -> object:
        """Run one call; raise ``SandboxFault`` for every refusal or failure."""
        try:
            return self._call(method, params)
        except SandboxFault:
            raise
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise server_fault("database", "query_failed", "database busy") from None
            self._log_internal(method, exc)
            raise server_fault() from None
        except Exception as exc:  # a bug: never a traceback on the wire
            self._log_internal(method, exc)
            raise server_fault() from None

    def close(self) -> None:
        self.store.close()

    def definition(self, name: str) -> MethodDef:
        """The method ``name`` as this server offers it (``501640`` when it does not)."""
        mdef = REGISTRY.get(name)
        if mdef is None or (name == "system.multicall" and not self.multicall):
            raise data_fault("method", "dontexist", "unknown method", "method", name)
        return mdef

    def method_names(self) -> list[str]:
        return sorted(n for n in REGISTRY if n != "system.multicall" or self.multicall)

    # -- internals ----------------------------------------------------------------------

    @staticmethod
    def _log_internal(method: str, exc: BaseException) -> None:
        # the traceback's frames and the exception type, never its message (which may
        # quote a parameter)
        frames = "".join(traceback.format_tb(exc.__traceback__))
        log.error("internal error in %s: %s\n%s", method[:64], type(exc).__name__, frames)

    def _call(self, method: str, params: tuple) -> object:
        mdef = self.definition(method)
        check_count(mdef, params)
        chaos = self.chaos
        if chaos is not None:
            chaos.draw(method)
        now = self.clock()
        identity = self._session(params[0], now) if mdef.session else None
        params = check_arguments(mdef, params, strict=self.strict)
        args = params[1:] if mdef.session else params
        if mdef.syntax is not None:
            mdef.syntax(*args)
        if mdef.system:
            return mdef.func(self, *args)
        prepared = None
        if mdef.prepare is not None:
            with self.store.read() as conn:
                prepared = mdef.prepare(conn, *args)
        failing = chaos is not None and chaos.has_rule(method)
        if not mdef.write and not failing:
            with self.store.read() as conn:
                if not engine.has_due(conn, now):
                    return mdef.func(self._ctx(conn, now, identity, prepared), *args)
        with self.store.write() as conn:
            engine.advance(conn, now)
            ctx = self._ctx(conn, now, identity, prepared)
            if failing:
                declared = mdef.params[1:] if mdef.session else mdef.params
                named = {p.name: a for p, a in zip(declared, args, strict=False)}
                return chaos.run(conn, method, named, lambda: mdef.func(ctx, *args))
            return mdef.func(ctx, *args)

    def _session(self, token: object, now: float) -> tuple[str, str, bool, float]:
        """The session's (login, handle, safe, expires): checked before any other argument."""
        if not isinstance(token, str):
            raise data_fault("string", "type", "string expected", "session", SECRET)
        # a session row never changes once written, so this process may remember it
        # (keyed by the id's hash: the cache holds no usable secret either)
        key = hash_token(token)
        row = self._sessions.get(key)
        if row is None:
            with self.store.read() as conn:
                found = conn.execute(
                    "SELECT login, handle, safe, expires FROM sessions WHERE token_hash = ?",
                    (key,),
                ).fetchone()
            if found is None:
                raise data_fault("session", "dontexist", "unknown session", "session", SECRET)
            if len(self._sessions) >= 10000:
                self._sessions.clear()
            row = self._sessions[key] = (found[0], found[1], bool(found[2]), found[3])
        if row[3] <= now:
            raise data_fault("session", "expired", "session expired", "session", SECRET)
        return row

    def _ctx(
        self,
        conn: sqlite3.Connection,
        now: float,
        identity: tuple[str, str, bool, float] | None,
        prepared: object = None,
    ) -> Ctx:
        ctx = Ctx(conn=conn, now=now, op_delay=self.op_delay, session_ttl=self.session_ttl)
        ctx.prepared = prepared
        if identity is not None:
            ctx.login, ctx.handle, ctx.safe, ctx.expires = identity
        return ctx

    def run_multicall(self, calls: list) -> Marshalled:
        """``system.multicall``: each answer is marshalled as it comes, the total bounded."""
        if len(calls) > self.max_multicall_calls:
            raise data_fault(
                "struct",
                "size",
                f"at most {self.max_multicall_calls} calls per system.multicall",
                "calls",
                len(calls),
            )
        answer = Marshalled()
        for index, item in enumerate(calls):
            try:
                if (
                    not isinstance(item, dict)
                    or not isinstance(item.get("methodName"), str)
                    or not isinstance(item.get("params", []), list)
                ):
                    raise data_fault(
                        "struct", "value", "each call is {methodName, params}", "call", index
                    )
                name = item["methodName"]
                if name == "system.multicall":
                    raise data_fault(
                        "method", "value", "system.multicall cannot be nested", "call", index
                    )
                value: object = [self.call(name, tuple(item.get("params", [])))]
            except SandboxFault as fault:
                value = {"faultCode": fault.faultCode, "faultString": fault.faultString}
            answer.append(marshal_value(value))
            if answer.size > self.max_response_bytes:
                raise response_too_large(self.max_response_bytes)
        return answer

    # -- fast helpers for tests and benchmarks (see bulk.py) --------------------------

    def bulk_create_vms(self, login: str, n: int, prefix: str = "vm", **kwargs) -> list[int]:
        return bulk.bulk_create_vms(self.store, self.clock, login, n, prefix, **kwargs)

    def load_copy(self, handle: str, vms, disks, *, balance_cents: int | None = None) -> None:
        """Replace what ``handle`` holds with a manifest's entries (``account_copy.py``)."""
        from gandi_hosting_cli.sandbox.account_copy import load_copy

        load_copy(self.store, self.clock, handle, vms, disks, balance_cents=balance_cents)

    def set_balance(self, handle: str, balance_cents: int) -> None:
        from gandi_hosting_cli.sandbox.account_copy import set_balance

        set_balance(self.store, handle, balance_cents)

    def held(self, handle: str) -> tuple[int, int]:
        """How many VMs and disks ``handle`` holds."""
        from gandi_hosting_cli.sandbox.account_copy import held

        return held(self.store, handle)

    def bulk_create_disks(self, login: str, n: int, prefix: str = "disk", **kwargs) -> list[int]:
        return bulk.bulk_create_disks(self.store, self.clock, login, n, prefix, **kwargs)
