"""HostingClient: the thin ``xmlrpc.client.ServerProxy`` wrapper every command uses.

It adds what the bare proxy lacks: a timeout and User-Agent (transport.py), typed
exceptions for faults and transport failures (errors.py), retries of read-only calls
(``retries`` after a connection error, with backoff; one after a timeout or a broken
answer; writes never), one transparent session renewal on an expired or unknown
session, ``system.multicall`` batching with a fallback to single calls, and ``--debug``
tracing (trace.py). It never prints (except through the tracer) and never exits.
"""

from __future__ import annotations

import re
import threading
import time
import xmlrpc.client
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from typing import Any

from gandi_hosting_cli.api import shapes
from gandi_hosting_cli.api.errors import (
    FAULT_UNKNOWN_METHOD,
    LOGIN_HINT,
    SESSION_FAULTS,
    fault_to_error,
)
from gandi_hosting_cli.api.methods import HostingMethods, is_read_only, to_wire_date
from gandi_hosting_cli.api.trace import Tracer
from gandi_hosting_cli.api.transport import (
    TRANSPORT_ERRORS,
    display_url,
    make_transport,
    network_error,
)
from gandi_hosting_cli.errors import (
    APIFault,
    AuthError,
    HostingError,
    LocalUsageError,
    NetworkError,
)

RETRY_DELAY = 0.3  # seconds before the first retry of a read-only call (doubled each time)
DEFAULT_RETRIES = 2  # retries of a read after a connection error (--retries)
FALLBACK_WORKERS = 8

Renewer = Callable[["HostingClient"], str]


class Capabilities:
    """What the endpoints a client talks to are known to lack (``system.multicall``).

    A client makes its own; clients that should share what one learnt (the CLI's, within
    one command) are given the same. ``on_no_multicall(endpoint)`` is called on a
    refusal, so that the caller can remember it across processes.
    """

    def __init__(
        self,
        no_multicall: Iterable[str] = (),
        on_no_multicall: Callable[[str], None] | None = None,
    ):
        self._no_multicall = set(no_multicall)
        self.on_no_multicall = on_no_multicall

    def has_multicall(self, endpoint: str) -> bool:
        return endpoint not in self._no_multicall

    def lacks_multicall(self, endpoint: str, *, learnt: bool = True) -> None:
        """``endpoint`` lacks ``system.multicall`` (``learnt``: it just said so)."""
        self._no_multicall.add(endpoint)
        if learnt and self.on_no_multicall is not None:
            self.on_no_multicall(endpoint)


class HostingClient(HostingMethods):
    """``HostingClient(url, timeout=30, transport=None, tracer=None, session=None, renew=None)``.

    ``capabilities`` remembers which endpoints lack ``system.multicall`` (a client makes
    its own when none is given); ``multicall=False`` says this endpoint is already known
    to lack it (so no refused probe is sent); ``on_no_multicall(endpoint)`` is called on
    a refusal when the client makes its own ``Capabilities``. ``transport``: any
    ``xmlrpc.client.Transport`` (the CLI passes the in-process sandbox's for ``--sandbox``).

    ``session`` is the current session id (``None``: not logged in yet). ``renew`` is called
    with the client when a session is needed and missing, or when the server says it
    expired or is unknown; it returns a new session id (or raises ``AuthError``). Each call
    renews at most once.
    """

    def __init__(
        self,
        url: str,
        *,
        timeout: float = 30.0,
        transport: xmlrpc.client.Transport | None = None,
        tracer: Tracer | None = None,
        session: str | None = None,
        renew: Renewer | None = None,
        retry_delay: float = RETRY_DELAY,
        retries: int = DEFAULT_RETRIES,
        sleep: Callable[[float], None] = time.sleep,
        multicall: bool = True,
        on_no_multicall: Callable[[str], None] | None = None,
        capabilities: Capabilities | None = None,
    ):
        self.endpoint = url
        self.capabilities = capabilities or Capabilities(on_no_multicall=on_no_multicall)
        if not multicall:  # the caller knows that this endpoint lacks it (no probe)
            self.capabilities.lacks_multicall(url, learnt=False)
        self.timeout = timeout
        self.tracer = tracer
        self.renew = renew
        self.retry_delay = retry_delay
        self.retries = retries
        self._pause = sleep  # the pause before a retry (tests record it instead)
        self._session: str | None = None
        self.session = session
        # our own transports can be cloned per thread; a given one (in-process) cannot
        self._own_transport = transport is None
        self._proxy = self._make_proxy(transport)
        self._local = threading.local()
        self._renew_lock = threading.Lock()
        self.request_count = 0  # requests sent by this client (tests and --debug use it)
        self._answered = False  # the server answered once (a fault included)

    # -- session ---------------------------------------------------------------------------
    @property
    def session(self) -> str | None:
        return self._session

    @session.setter
    def session(self, value: str | None) -> None:
        self._session = value
        if value and self.tracer:
            self.tracer.add_secret(value)

    def _renew_session(self, stale: str | None) -> None:
        """Get a fresh session unless another thread already replaced ``stale``."""
        with self._renew_lock:
            if self._session is not None and self._session != stale:
                return
            if self.renew is None:
                raise AuthError("not logged in or session expired", hint=LOGIN_HINT)
            if self.tracer:
                self.tracer.note("renewing the session")
            sent = self.request_count
            try:
                self.session = self.renew(self)
            except AuthError:
                if self.request_count == sent and not self._answered:  # nothing heard yet
                    self._check_reachable()
                raise

    def _check_reachable(self) -> None:
        """Before saying "log in" for a session that could not be had without asking the
        server: a server that cannot be reached is the cause to name (exit 6, its URL),
        not the session. Any answer, a fault included, proves that it is there."""
        try:
            self._invoke("system.listMethods", (), retry=False)
        except APIFault:
            pass

    # -- plumbing --------------------------------------------------------------------------
    def _make_proxy(self, transport: xmlrpc.client.Transport | None) -> xmlrpc.client.ServerProxy:
        transport = transport or make_transport(self.endpoint, self.timeout)
        return xmlrpc.client.ServerProxy(self.endpoint, transport=transport, allow_none=False)

    def _thread_proxy(self) -> xmlrpc.client.ServerProxy:
        # http.client connections are not thread-safe: pool threads get their own
        if threading.current_thread() is threading.main_thread() or not self._own_transport:
            return self._proxy
        proxy = getattr(self._local, "proxy", None)
        if proxy is None:
            proxy = self._local.proxy = self._make_proxy(None)
        return proxy

    def close(self) -> None:
        self._proxy("close")()

    def __enter__(self) -> HostingClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _invoke(self, method: str, params: tuple, *, retry: bool, traced: Any = None) -> Any:
        """Send one request; map faults and transport failures; retry reads once."""
        params = tuple(_to_wire(p) for p in params)
        _check_int_range(traced if traced is not None else [(method, params)])
        retries = self.retries if retry else 0
        attempt = 0
        while True:
            if self.tracer:
                if traced is not None:
                    self.tracer.multicall_request(traced)
                else:
                    self.tracer.request(method, params)
            started = time.monotonic()
            self.request_count += 1
            try:
                result = getattr(self._thread_proxy(), method)(*params)
            except xmlrpc.client.Fault as fault:
                self._answered = True
                self._check_shape(shapes.check_fault, fault.faultCode, fault.faultString)
                error = fault_to_error(fault.faultCode, fault.faultString)
                if self.tracer:
                    self.tracer.fault(error.code, error.message, time.monotonic() - started)
                raise error from None
            except OverflowError:
                # the safety net behind _check_int_range (a value it did not foresee)
                raise LocalUsageError(
                    f"{method}: a number is outside the XML-RPC int range "
                    f"({xmlrpc.client.MININT}..{xmlrpc.client.MAXINT}); nothing was sent"
                ) from None
            except TRANSPORT_ERRORS as exc:
                error = network_error(exc, self.endpoint, self.timeout)
                if self.tracer:
                    self.tracer.failure(error.message, time.monotonic() - started)
                # a connection that failed or broke: retried (backoff) up to `retries`;
                # a timeout or a broken answer: once (a slow server is not hammered)
                budget = retries if _connection_error(exc) else min(retries, 1)
                if attempt < budget:
                    self._pause(self.retry_delay * 2**attempt)
                    attempt += 1
                    continue
                raise error from exc
            self._answered = True
            self._check_shape(shapes.check_depth, result)
            result = from_wire(result)
            if self.tracer:
                self.tracer.response(method, result, time.monotonic() - started)
            if traced is not None:
                self._check_shape(shapes.check_multicall, [m for m, _ in traced], result)
            else:
                self._check_shape(shapes.check_result, method, result)
            return result

    def _check_shape(self, check: Callable[..., None], *args: Any) -> None:
        """A wrong-shaped answer is a protocol failure (exit 6), never retried."""
        try:
            check(*args)
        except shapes.ShapeError as exc:
            error = NetworkError(f"{display_url(self.endpoint)} broke the protocol: {exc}")
            if self.tracer:
                self.tracer.failure(error.message, 0.0)
            raise error from None

    def _call(self, method: str, *args: Any, session: bool = True) -> Any:
        if not session:
            return self._invoke(method, args, retry=is_read_only(method))
        renewed = False
        if self._session is None:
            self._renew_session(None)
            renewed = True
        while True:
            used = self._session
            try:
                return self._invoke(method, (used, *args), retry=is_read_only(method))
            except APIFault as error:
                if error.code not in SESSION_FAULTS or renewed or self.renew is None:
                    raise
                renewed = True
                self._renew_session(used)

    def raw_call(self, method: str, *params: Any) -> Any:
        """Send exactly ``params`` (no session injected, no renewal); used by renewal itself."""
        return self._invoke(method, params, retry=is_read_only(method))

    def call(self, method: str, *args: Any) -> Any:
        """Call any session method by name (the typed methods are preferred)."""
        return self._call(method, *args)

    # -- batching --------------------------------------------------------------------------
    def multicall(
        self, calls: list[tuple[str, tuple]], *, ordered: bool = False, _renewed: bool = False
    ) -> list[Any]:
        """Results in order; a failed call's slot holds its ``HostingError`` (not raised).

        One ``system.multicall`` request when the server has it, otherwise single calls over
        a small thread pool, or one after the other with ``ordered`` (when a call must see
        the effect of the one before it, as ``system.multicall`` guarantees). Transport
        failures of the whole batch are raised.
        """
        calls = [(m, tuple(a)) for m, a in calls]
        if not calls:
            return []
        if not self.capabilities.has_multicall(self.endpoint):
            return self._single_calls(calls, ordered=ordered)
        retry = all(is_read_only(m) for m, _ in calls)
        renewed = _renewed  # each batch renews the session once at most
        if self._session is None:
            self._renew_session(None)
            renewed = True
        while True:
            used = self._session
            payload = [{"methodName": m, "params": [used, *a]} for m, a in calls]
            traced = [(m, (used, *a)) for m, a in calls]
            try:
                raw = self._invoke("system.multicall", (payload,), retry=retry, traced=traced)
            except APIFault as error:
                if _is_unknown_method(error):
                    self.capabilities.lacks_multicall(self.endpoint)
                    return self._single_calls(calls, ordered=ordered)
                if error.code in SESSION_FAULTS and not renewed and self.renew is not None:
                    renewed = True
                    self._renew_session(used)
                    continue
                raise
            results = [_multicall_item(item) for item in raw]
            stale = [
                i for i, r in enumerate(results)
                if isinstance(r, APIFault) and r.code in SESSION_FAULTS
            ]  # fmt: skip
            if stale and len(stale) < len(results) and not renewed and self.renew is not None:
                # only the calls the session fault refused go again: a write that went
                # through is never sent twice
                try:
                    self._renew_session(used)
                    again = self.multicall([calls[i] for i in stale], ordered=ordered,
                                           _renewed=True)  # fmt: skip
                except HostingError as error:  # the answers that came stay known
                    again = [error] * len(stale)
                for i, result in zip(stale, again, strict=True):
                    results[i] = result
                return results
            if stale and not renewed and self.renew is not None:
                renewed = True
                self._renew_session(used)
                continue
            return results

    def _single_calls(self, calls: list[tuple[str, tuple]], *, ordered: bool = False) -> list[Any]:
        def one(call: tuple[str, tuple]) -> Any:
            try:
                return self._call(call[0], *call[1])
            except APIFault as error:
                return error

        if ordered or len(calls) == 1 or not self._own_transport:
            return [one(c) for c in calls]
        # make sure one session exists before fanning out, so threads do not all log in
        if self._session is None:
            self._renew_session(None)
        from concurrent.futures import ThreadPoolExecutor  # only this fan-out needs it

        with ThreadPoolExecutor(max_workers=min(FALLBACK_WORKERS, len(calls))) as pool:
            return list(pool.map(one, calls))

    def __repr__(self) -> str:
        return f"HostingClient({display_url(self.endpoint)!r})"


def _connection_error(exc: BaseException) -> bool:
    """The connection could not be made or broke before an answer (refused, reset, closed,
    a DNS lookup that may work next time), not a timeout nor an answer of the wrong kind."""
    import socket

    if isinstance(exc, socket.gaierror):
        return exc.errno == socket.EAI_AGAIN
    return isinstance(exc, ConnectionError)


def _is_unknown_method(error: HostingError) -> bool:
    if error.code in (FAULT_UNKNOWN_METHOD, -32601):
        return True
    text = error.message.lower()
    return "method" in text and any(
        w in text for w in ("not found", "not supported", "unknown", "does not exist")
    )


def _multicall_item(item: Any) -> Any:
    if isinstance(item, list) and len(item) == 1:
        return item[0]
    if isinstance(item, dict) and "faultCode" in item:
        return fault_to_error(item.get("faultCode"), str(item.get("faultString", "")))
    return APIFault(f"malformed system.multicall answer: {type(item).__name__}")


def _out_of_range_int(value: Any) -> int | None:
    """The first int (nested lists and structs included) xmlrpc.client cannot marshal."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if not xmlrpc.client.MININT <= value <= xmlrpc.client.MAXINT else None
    if isinstance(value, (list, tuple)):
        items: Any = value
    elif isinstance(value, dict):
        items = value.values()
    else:
        return None
    for item in items:
        found = _out_of_range_int(item)
        if found is not None:
            return found
    return None


def _check_int_range(calls: list[tuple[str, tuple]]) -> None:
    """XML-RPC ints are 32-bit: a bigger one (an id like 99999999999) can never be sent, so
    it is a usage error (exit 2) raised before anything is sent or traced."""
    for method, params in calls:
        found = _out_of_range_int(params)
        if found is not None:
            raise LocalUsageError(
                f"{method}: {found} is outside the XML-RPC int range "
                f"({xmlrpc.client.MININT}..{xmlrpc.client.MAXINT}); nothing was sent"
            )


def _to_wire(value: Any) -> Any:
    if isinstance(value, datetime):
        return to_wire_date(value)
    if isinstance(value, dict):
        return {k: _to_wire(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_to_wire(v) for v in value]
    return value


_ISO_RE = re.compile(r"(\d{4})-?(\d{2})-?(\d{2})T(\d{2}):?(\d{2}):?(\d{2})")


def from_wire(value: Any) -> Any:
    """DateTime -> aware UTC datetime, recursively; structs keep their key order."""
    if isinstance(value, xmlrpc.client.DateTime):
        match = _ISO_RE.match(value.value.strip())
        if not match:
            return value.value
        return datetime(*map(int, match.groups()), tzinfo=timezone.utc)
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, dict):
        return {k: from_wire(v) for k, v in value.items()}
    if isinstance(value, list):
        return [from_wire(v) for v in value]
    if isinstance(value, xmlrpc.client.Binary):
        return value.data
    return value
