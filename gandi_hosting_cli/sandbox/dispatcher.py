"""``Sandbox``: the one dispatcher behind both the HTTP server and the in-process transport.

``Sandbox.handle(body)`` takes an XML-RPC request body and returns the response body;
every refusal is a fault (DESIGN.md codes), never an exception and never an HTTP 500.
A call runs as:

1. parse (``xmlrpc_wire``: size cap, no DOCTYPE/entities, depth cap; ``500020``);
2. look the method up (``501640``) and check the argument count and types;
3. the method's syntax and value checks (before the session, as DESIGN.md orders);
4. advance due operations, then the session (``500240``/``500249``) and the method, all
   in one transaction: a write transaction (process-wide lock + ``BEGIN IMMEDIATE``) for
   methods that change state, a read snapshot for the others (upgraded to a write
   transaction only when an operation is due);
5. any unexpected exception becomes ``150000 ServerError: internal error``, logged with
   its traceback but never with the call's parameters.

Introspection: ``system.listMethods``, ``system.methodHelp``, ``system.methodSignature``
and ``system.multicall`` (each sub-call in its own transaction, a fault in one does not
undo the others; nesting is refused). ``multicall=False`` makes ``system.multicall`` an
unknown method, so clients can test their fallback.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
import traceback
from collections.abc import Callable, Iterable

import gandi_hosting_cli.sandbox.methods  # noqa: F401 (importing it registers every API method)
from gandi_hosting_cli.sandbox import engine
from gandi_hosting_cli.sandbox.faults import SECRET, SandboxFault, data_fault, server_fault
from gandi_hosting_cli.sandbox.registry import REGISTRY, Ctx, MethodDef, Param, check_arguments
from gandi_hosting_cli.sandbox.store import Store, hash_token, upsert_account
from gandi_hosting_cli.sandbox.xmlrpc_wire import (
    MAX_BODY,
    dump_fault,
    dump_response,
    parse_request,
)

log = logging.getLogger("gandi_hosting_cli.sandbox")


def _parse_account(account: str | tuple[str, str]) -> tuple[str, str]:
    if isinstance(account, str):
        login, sep, password = account.partition(":")
        if not sep or not login or not password:
            raise ValueError("an account is LOGIN:PASSWORD")
        return login, password
    login, password = account
    return login, password


class Sandbox:
    """The emulated Gandi Hosting API on one SQLite state file."""

    def __init__(
        self,
        state_path: str | os.PathLike[str],
        *,
        op_delay: float = 2.0,
        session_ttl: float = 43200,
        accounts: Iterable[str | tuple[str, str]] = (),
        multicall: bool = True,
        clock: Callable[[], float] = time.time,
    ):
        self.op_delay = float(op_delay)
        self.session_ttl = float(session_ttl)
        self.multicall_enabled = multicall
        self.clock = clock
        self._sessions: dict[str, tuple[str, str, bool, float]] = {}
        self.store = Store(state_path)
        self.state_path = self.store.path
        parsed = [_parse_account(a) for a in accounts]
        if parsed:
            with self.store.write() as conn:
                for login, password in parsed:
                    upsert_account(conn, login, password)
        self._system: dict[str, MethodDef] = {
            "system.listMethods": MethodDef(
                "system.listMethods",
                "array",
                (),
                self._list_methods,
                False,
                "The names of the methods this server answers.",
                session=False,
            ),
            "system.methodHelp": MethodDef(
                "system.methodHelp",
                "string",
                (Param("method", "string"),),
                self._method_help,
                False,
                "A method's signature and description.",
                session=False,
            ),
            "system.methodSignature": MethodDef(
                "system.methodSignature",
                "array",
                (Param("method", "string"),),
                self._method_signature,
                False,
                "A method's signatures: [return type, argument types...].",
                session=False,
            ),
        }
        if multicall:
            self._system["system.multicall"] = MethodDef(
                "system.multicall",
                "array",
                (Param("calls", "array"),),
                self._multicall,
                False,
                "Run several calls in one request: [{methodName, params}] -> [[value] | fault].",
                session=False,
            )

    # -- entry points -----------------------------------------------------------------

    def handle(self, body: bytes) -> bytes:
        """An XML-RPC request body in, the response body out (a fault for any refusal)."""
        return self.handle_request(body)[0]

    def handle_request(self, body: bytes) -> tuple[bytes, str]:
        """Like ``handle``, also returning the method name for the server's log line."""
        if len(body) > MAX_BODY:
            return dump_fault(
                data_fault("unknown", "size", "request too large", "bytes", len(body))
            ), "-"
        try:
            method, params = parse_request(body)
        except SandboxFault as fault:
            return dump_fault(fault), "-"
        try:
            return dump_response(self.call(method, params)), method
        except SandboxFault as fault:
            return dump_fault(fault), method

    def call(self, method: str, params: tuple) -> object:
        """Run one call; raise ``SandboxFault`` for every refusal or failure."""
        try:
            system = self._system.get(method)
            if system is not None:
                return system.func(*check_arguments(system, params))
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

    # -- internals ----------------------------------------------------------------------

    @staticmethod
    def _log_internal(method: str, exc: BaseException) -> None:
        # the traceback's frames and the exception type, never its message (which may
        # quote a parameter)
        frames = "".join(traceback.format_tb(exc.__traceback__))
        log.error("internal error in %s: %s\n%s", method[:64], type(exc).__name__, frames)

    def _call(self, method: str, params: tuple) -> object:
        mdef = REGISTRY.get(method)
        if mdef is None:
            raise data_fault("method", "dontexist", "unknown method", "method", method)
        params = check_arguments(mdef, params)
        args = params[1:] if mdef.session else params
        if mdef.syntax is not None:
            mdef.syntax(*args)
        now = self.clock()
        token = params[0] if mdef.session else None
        if not mdef.write:
            with self.store.read() as conn:
                if not engine.has_due(conn, now):
                    return mdef.func(self._ctx(conn, now, token), *args)
        with self.store.write() as conn:
            engine.advance(conn, now)
            return mdef.func(self._ctx(conn, now, token), *args)

    def _ctx(self, conn: sqlite3.Connection, now: float, token: str | None) -> Ctx:
        ctx = Ctx(conn=conn, now=now, op_delay=self.op_delay, session_ttl=self.session_ttl)
        if token is None:
            return ctx
        # a session row never changes once written, so this process may remember it
        # (keyed by the id's hash: the cache holds no usable secret either)
        key = hash_token(token)
        row = self._sessions.get(key)
        if row is None:
            row = conn.execute(
                "SELECT login, handle, safe, expires FROM sessions WHERE token_hash = ?", (key,)
            ).fetchone()
            if row is None:
                raise data_fault("session", "dontexist", "unknown session", "session", SECRET)
            if len(self._sessions) >= 10000:
                self._sessions.clear()
            row = self._sessions[key] = (row[0], row[1], bool(row[2]), row[3])
        ctx.login, ctx.handle, ctx.safe, ctx.expires = row
        if ctx.expires <= now:
            raise data_fault("session", "expired", "session expired", "session", SECRET)
        return ctx

    def _definition(self, name: str) -> MethodDef:
        mdef = self._system.get(name) or REGISTRY.get(name)
        if mdef is None:
            raise data_fault("method", "dontexist", "unknown method", "method", name)
        return mdef

    def _list_methods(self) -> list[str]:
        return sorted([*REGISTRY, *self._system])

    def _method_help(self, name: str) -> str:
        mdef = self._definition(name)
        args = ", ".join(
            f"[{p.kind} {p.name}]" if p.optional else f"{p.kind} {p.name}" for p in mdef.params
        )
        return f"{mdef.returns} {mdef.name}({args}): {mdef.help}"

    def _method_signature(self, name: str) -> list[list[str]]:
        return self._definition(name).signatures()

    def _multicall(self, calls: list) -> list:
        results: list = []
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
                results.append([self.call(name, tuple(item.get("params", [])))])
            except SandboxFault as fault:
                results.append({"faultCode": fault.faultCode, "faultString": fault.faultString})
        return results

    # -- fast helpers for tests and benchmarks (see bulk.py) --------------------------

    def bulk_create_vms(self, login: str, n: int, prefix: str = "vm", **kwargs) -> list[int]:
        from gandi_hosting_cli.sandbox.bulk import bulk_create_vms

        return bulk_create_vms(self, login, n, prefix, **kwargs)

    def bulk_create_disks(self, login: str, n: int, prefix: str = "disk", **kwargs) -> list[int]:
        from gandi_hosting_cli.sandbox.bulk import bulk_create_disks

        return bulk_create_disks(self, login, n, prefix, **kwargs)
