"""HTTP(S) transports with a timeout and our User-Agent, and transport-failure mapping.

``xmlrpc.client.Transport`` already keeps the HTTP/1.1 connection alive between calls; it
only lacks a timeout (a dead server would hang the CLI forever) and a User-Agent naming
the tool.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import urllib.parse
import xmlrpc.client
from xml.parsers.expat import ExpatError

from gandi_hosting_cli import __version__
from gandi_hosting_cli.api.errors import NetworkError

USER_AGENT = f"gandi-hosting/{__version__}"


class _NotSent(Exception):
    """The connection was found closed while sending: the server never read the request."""


class _SingleAttempt:
    """Never resend a request the server may have acted on.

    ``xmlrpc.client.Transport.request`` sends the request again whenever the connection
    drops before the answer (meant for stale keep-alive connections); for ``vm_create`` or
    ``product add`` that would repeat an action the server may already have taken. Here a
    request is resent only when the old connection broke while it was being written (the
    server closed it first, so it never read it). ``HostingClient`` retries read-only
    calls itself, once, after a short pause.
    """

    def send_request(self, host, handler, request_body, debug):  # type: ignore[override]
        try:
            return super().send_request(host, handler, request_body, debug)  # type: ignore[misc]
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError) as exc:
            raise _NotSent() from exc

    def request(self, host, handler, request_body, verbose=False):  # type: ignore[override]
        for attempt in (0, 1):
            try:
                return self.single_request(host, handler, request_body, verbose)  # type: ignore[attr-defined]
            except _NotSent as exc:
                # single_request closed the connection: the next attempt opens a new one
                if attempt:
                    raise exc.__cause__ from None  # type: ignore[misc]
            except xmlrpc.client.ProtocolError:
                self.close()  # type: ignore[attr-defined]  # an error page: a new connection next time
                raise
        raise AssertionError("unreachable")  # pragma: no cover


class TimeoutTransport(_SingleAttempt, xmlrpc.client.Transport):
    """Plain HTTP with a connect/read timeout."""

    def __init__(self, timeout: float = 30.0, user_agent: str = USER_AGENT):
        super().__init__()
        self.timeout = timeout
        self.user_agent = user_agent

    def make_connection(self, host):  # type: ignore[override]
        if self._connection and host == self._connection[0]:
            return self._connection[1]
        chost, self._extra_headers, _x509 = self.get_host_info(host)
        self._connection = host, http.client.HTTPConnection(chost, timeout=self.timeout)
        return self._connection[1]


class SafeTimeoutTransport(_SingleAttempt, xmlrpc.client.SafeTransport):
    """HTTPS (certificates verified by the default context) with a connect/read timeout."""

    def __init__(self, timeout: float = 30.0, user_agent: str = USER_AGENT):
        super().__init__(context=ssl.create_default_context())
        self.timeout = timeout
        self.user_agent = user_agent

    def make_connection(self, host):  # type: ignore[override]
        if self._connection and host == self._connection[0]:
            return self._connection[1]
        chost, self._extra_headers, _x509 = self.get_host_info(host)
        self._connection = (
            host,
            http.client.HTTPSConnection(chost, None, context=self.context, timeout=self.timeout),
        )
        return self._connection[1]


def make_transport(url: str, timeout: float) -> xmlrpc.client.Transport:
    if urllib.parse.urlsplit(url).scheme == "https":
        return SafeTimeoutTransport(timeout)
    return TimeoutTransport(timeout)


def display_url(url: str) -> str:
    """The endpoint without any user:password@ part, for messages."""
    parts = urllib.parse.urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urllib.parse.urlunsplit((parts.scheme, host, parts.path, parts.query, ""))


# everything a broken network, server or proxy can throw at xmlrpc.client
TRANSPORT_ERRORS: tuple[type[BaseException], ...] = (
    OSError,  # refused, reset, unreachable, DNS, timeout, TLS (ssl.SSLError is an OSError)
    http.client.HTTPException,
    xmlrpc.client.ProtocolError,
    xmlrpc.client.ResponseError,
    ExpatError,
)


def network_error(exc: BaseException, endpoint: str, timeout: float) -> NetworkError:
    """One line naming the endpoint and what went wrong; never the request body."""
    where = display_url(endpoint)
    if isinstance(exc, xmlrpc.client.ProtocolError):
        msg = f"{where} answered HTTP {exc.errcode} {exc.errmsg}".rstrip()
    elif isinstance(exc, ssl.SSLCertVerificationError):
        msg = f"TLS certificate of {where} rejected: {exc.verify_message or exc.reason}"
    elif isinstance(exc, ssl.SSLError):
        msg = f"TLS failure talking to {where}: {exc.reason or exc}"
    elif isinstance(exc, (TimeoutError, socket.timeout)):
        msg = f"no answer from {where} within {timeout:g} s"
    elif isinstance(exc, ConnectionRefusedError):
        msg = f"cannot connect to {where}: connection refused"
    elif isinstance(exc, socket.gaierror):
        msg = f"cannot resolve the host of {where}"
    elif isinstance(exc, (ExpatError, xmlrpc.client.ResponseError, ValueError)):
        msg = f"{where} did not answer with XML-RPC"
    elif isinstance(exc, http.client.HTTPException):
        msg = f"broken HTTP answer from {where} ({type(exc).__name__})"
    elif isinstance(exc, OSError):
        msg = f"cannot reach {where}: {exc.strerror or exc}"
    else:
        msg = f"cannot talk to {where}: {exc}"
    return NetworkError(msg)
