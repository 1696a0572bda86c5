"""HTTP(S) transports with one deadline per request, a size cap and our User-Agent.

- ``timeout`` bounds connect, send and every read of the answer together, so a server
  that dribbles, sends headers slowly or ``100 Continue`` forever is given up at
  ~``timeout`` (a read retried once: twice that);
- the answer is capped raw and inflated (64 MB, ``GANDI_HOSTING_MAX_RESPONSE_MB``), gzip
  inflated as a stream, so a decompression bomb costs at most the cap;
- proxies from ``HTTPS_PROXY`` / ``HTTP_PROXY`` / ``ALL_PROXY`` / ``NO_PROXY`` (loopback
  always direct; https through a ``CONNECT`` tunnel, certificates checked end to end;
  the proxy's password never shown); every failure becomes a ``NetworkError``.
"""

from __future__ import annotations

import http.client
import io
import os
import socket
import ssl
import time
import urllib.parse
import xmlrpc.client
import zlib
from typing import Any
from xml.parsers.expat import ExpatError

from gandi_hosting_cli import __version__
from gandi_hosting_cli.config.settings import (
    display_url,  # re-exported: the one URL shown to people
)
from gandi_hosting_cli.errors import LocalUsageError, NetworkError

USER_AGENT = f"gandi-hosting/{__version__}"
MAX_RESPONSE_MB = 64  # default cap of an answer, raw and decompressed
MAX_RESPONSE_ENV = "GANDI_HOSTING_MAX_RESPONSE_MB"
HEADER_ALLOWANCE = 1 << 20  # status line, headers and chunk framing on top of the body
READ_CHUNK = 64 * 1024


def max_response_bytes() -> int:
    """The cap from ``GANDI_HOSTING_MAX_RESPONSE_MB`` (a positive number), else 64 MB."""
    raw = os.environ.get(MAX_RESPONSE_ENV, "").strip()
    if not raw:
        return MAX_RESPONSE_MB << 20
    try:
        value = float(raw)
    except ValueError:
        value = 0.0
    if not 0 < value <= 1 << 20:  # NaN fails this test too
        raise LocalUsageError(
            f"{MAX_RESPONSE_ENV} must be a positive number of megabytes, not {raw[:40]!r}"
        )
    return max(1, int(value * (1 << 20)))


class Proxy:
    """An http proxy from the environment: where to connect, and its auth header."""

    def __init__(self, url: str):
        parts = urllib.parse.urlsplit(url if "://" in url else f"http://{url}")
        if parts.scheme != "http" or not parts.hostname:
            raise LocalUsageError(
                f"unusable proxy {display_url(url)!r} in the environment: "
                "only http://host:port proxies are supported"
            )
        self.host = parts.hostname
        try:
            self.port = parts.port or 80
        except ValueError:
            raise LocalUsageError(
                f"unusable proxy {display_url(url)!r} in the environment: bad port"
            ) from None
        self.shown = f"http://{self.host}:{self.port}"
        self.headers: dict[str, str] = {}
        if parts.username is not None:
            import base64

            user = urllib.parse.unquote(parts.username)
            password = urllib.parse.unquote(parts.password or "")
            token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
            self.headers["Proxy-Authorization"] = f"Basic {token}"


_LOOPBACK_NAMES = ("localhost", "localhost.", "ip6-localhost")


def _is_loopback(host: str) -> bool:
    if host.lower() in _LOOPBACK_NAMES or host.lower().endswith(".localhost"):
        return True
    import ipaddress

    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def proxy_for(url: str) -> Proxy | None:
    """The proxy the environment names for ``url``, or None (direct connection)."""
    if not any(key.lower().endswith("_proxy") for key in os.environ):
        return None  # the common case, without importing urllib.request
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname
    if not host or _is_loopback(host):
        return None
    import urllib.request as request_lib

    proxies = request_lib.getproxies_environment()
    chosen = proxies.get(parts.scheme) or proxies.get("all")
    if not chosen:
        return None
    netloc = host if parts.port is None else f"{host}:{parts.port}"
    if request_lib.proxy_bypass_environment(netloc, proxies):
        return None
    return Proxy(chosen)


class ResponseTooLarge(Exception):
    """The answer (raw or decompressed) is larger than the cap."""

    def __init__(self, limit: int):
        super().__init__(limit)
        self.limit = limit


class _DeadlineReader(io.RawIOBase):
    """The socket's reading side, under the connection's deadline and raw-size cap.

    It wraps the socket file ``HTTPResponse`` made (``SocketIO``, which keeps the socket
    open while the response is read even after the connection lets go of it)."""

    def __init__(self, raw: io.RawIOBase, sock: socket.socket, conn: _DeadlineMixin):
        self._raw = raw
        self._sock = sock
        self._conn = conn
        self._count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        left = self._conn.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("timed out")
        self._sock.settimeout(left)
        n = self._raw.readinto(buffer) or 0
        self._count += n
        if self._count > self._conn.max_bytes + HEADER_ALLOWANCE:
            raise ResponseTooLarge(self._conn.max_bytes)
        return n

    def close(self) -> None:
        if not self.closed:
            self._raw.close()
        super().close()


class _DeadlineResponse(http.client.HTTPResponse):
    def __init__(self, sock, conn, *args, **kwargs):
        super().__init__(sock, *args, **kwargs)
        # the socket file, read under the deadline from now on
        raw = self.fp.detach()
        self.fp = io.BufferedReader(_DeadlineReader(raw, sock, conn), READ_CHUNK)


class _DeadlineMixin:
    """An ``HTTPConnection`` whose answers are read under ``deadline`` and ``max_bytes``."""

    deadline = float("inf")
    max_bytes = MAX_RESPONSE_MB << 20

    def _response(self, sock, *args, **kwargs):
        return _DeadlineResponse(sock, self, *args, **kwargs)

    def start(self, timeout: float, max_bytes: int) -> None:
        """A new request: the deadline is ``timeout`` from now (connect included)."""
        self.deadline = time.monotonic() + timeout
        self.max_bytes = max_bytes
        self.timeout = timeout  # type: ignore[attr-defined]  # connect, TLS handshake, send
        sock = getattr(self, "sock", None)
        if sock is not None:
            sock.settimeout(timeout)


class _HTTPConnection(_DeadlineMixin, http.client.HTTPConnection):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.response_class = self._response  # type: ignore[assignment]


class _HTTPSConnection(_DeadlineMixin, http.client.HTTPSConnection):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.response_class = self._response  # type: ignore[assignment]


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

    It also holds what both transports are given: the whole-request deadline, the
    User-Agent, the size cap and the proxy (the other keywords go to xmlrpc.client's).
    """

    def __init__(
        self,
        timeout: float = 30.0,
        user_agent: str = USER_AGENT,
        max_bytes: int | None = None,
        proxy: Proxy | None = None,
        **transport_options: Any,
    ):
        super().__init__(**transport_options)
        self.timeout = timeout
        self.user_agent = user_agent
        self.max_bytes = max_response_bytes() if max_bytes is None else max_bytes
        self.proxy = proxy

    def send_request(self, host, handler, request_body, debug):  # type: ignore[override]
        try:
            return super().send_request(host, handler, request_body, debug)  # type: ignore[misc]
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError) as exc:
            raise _NotSent() from exc

    timeout: float
    max_bytes: int
    proxy: Proxy | None = None

    def single_request(self, host, handler, request_body, verbose=False):  # type: ignore[override]
        """As ``xmlrpc.client``'s, under one deadline, and an error page is not read whole."""
        conn = self.make_connection(host)  # type: ignore[attr-defined]
        conn.start(self.timeout, self.max_bytes)
        chost = self.get_host_info(host)[0]  # type: ignore[attr-defined]  # no user:password@
        target = handler
        if self.proxy is not None and not isinstance(conn, http.client.HTTPSConnection):
            target = f"http://{chost}{handler}"  # through a proxy: the whole URL
        try:
            http_conn = self.send_request(host, target, request_body, verbose)
            resp = http_conn.getresponse()
            if resp.status == 200:
                self.verbose = verbose
                return self.parse_response(resp)
        except xmlrpc.client.Fault:
            raise
        except Exception:
            self.close()  # type: ignore[attr-defined]  # a connection in an unknown state
            raise
        # an error page: its body is not needed (and may be huge); a new connection next time
        self.close()  # type: ignore[attr-defined]
        # the URL without userinfo: --debug prints this exception in its traceback
        raise xmlrpc.client.ProtocolError(
            chost + handler, resp.status, resp.reason, dict(resp.getheaders())
        )

    def parse_response(self, response):  # type: ignore[override]
        """Feed the parser as the answer arrives: gzip inflated as a stream, both capped."""
        limit = self.max_bytes
        declared = response.getheader("Content-Length", "") or ""
        if declared.strip().isdigit() and int(declared) > limit:
            raise ResponseTooLarge(limit)
        encoding = (response.getheader("Content-Encoding", "") or "").strip().lower()
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS) if encoding == "gzip" else None
        parser, unmarshaller = self.getparser()  # type: ignore[attr-defined]
        raw_total = out_total = 0
        while True:
            data = response.read(READ_CHUNK)
            if not data:
                break
            raw_total += len(data)
            if raw_total > limit:
                raise ResponseTooLarge(limit)
            if inflater is None:
                parser.feed(data)
                continue
            while data and not inflater.eof:
                out = inflater.decompress(data, READ_CHUNK)
                out_total += len(out)
                if out_total > limit:
                    raise ResponseTooLarge(limit)
                parser.feed(out)
                data = inflater.unconsumed_tail
        if inflater is not None:
            if not inflater.eof:
                raise ValueError("truncated gzip answer")
        parser.close()
        try:
            return unmarshaller.close()
        except TypeError:  # a fault that is not a struct of faultCode and faultString
            raise xmlrpc.client.ResponseError("malformed fault") from None

    def request(self, host, handler, request_body, verbose=False):  # type: ignore[override]
        try:
            return self._request(host, handler, request_body, verbose)
        except Exception as exc:
            if self.proxy is not None:  # network_error() says which way the request went
                try:
                    exc.gandi_hosting_proxy = self.proxy.shown  # type: ignore[attr-defined]
                except AttributeError:
                    pass
            raise

    def _request(self, host, handler, request_body, verbose=False):
        for attempt in (0, 1):
            try:
                return self.single_request(host, handler, request_body, verbose)
            except _NotSent as exc:
                # single_request closed the connection: the next attempt opens a new one
                if attempt:
                    raise exc.__cause__ from None  # type: ignore[misc]
            except xmlrpc.client.ProtocolError:
                self.close()  # type: ignore[attr-defined]  # an error page: a new connection next time
                raise
        raise AssertionError("unreachable")  # pragma: no cover


class TimeoutTransport(_SingleAttempt, xmlrpc.client.Transport):
    """Plain HTTP under a whole-request deadline and a size cap."""

    def make_connection(self, host):  # type: ignore[override]
        if self._connection and host == self._connection[0]:
            return self._connection[1]
        chost, self._extra_headers, _x509 = self.get_host_info(host)
        if self.proxy is None:
            conn = _HTTPConnection(chost, timeout=self.timeout)
        else:
            conn = _HTTPConnection(self.proxy.host, self.proxy.port, timeout=self.timeout)
            self._extra_headers = [*(self._extra_headers or []), *self.proxy.headers.items()]
        self._connection = host, conn
        return self._connection[1]


class SafeTimeoutTransport(_SingleAttempt, xmlrpc.client.SafeTransport):
    """HTTPS (certificates verified by the default context), deadline and size cap."""

    def __init__(self, *args: Any, **kwargs: Any):  # as _SingleAttempt's
        super().__init__(*args, context=ssl.create_default_context(), **kwargs)

    def make_connection(self, host):  # type: ignore[override]
        if self._connection and host == self._connection[0]:
            return self._connection[1]
        chost, self._extra_headers, _x509 = self.get_host_info(host)
        if self.proxy is None:
            conn = _HTTPSConnection(chost, None, context=self.context, timeout=self.timeout)
        else:
            # a CONNECT tunnel: TLS runs end to end, checked against the endpoint's name
            conn = _HTTPSConnection(
                self.proxy.host, self.proxy.port, context=self.context, timeout=self.timeout
            )
            where = urllib.parse.urlsplit(f"//{chost}")
            conn.set_tunnel(
                where.hostname or chost, where.port or 443, headers=dict(self.proxy.headers)
            )
        self._connection = host, conn
        return self._connection[1]


def make_transport(url: str, timeout: float) -> xmlrpc.client.Transport:
    proxy = proxy_for(url)
    if urllib.parse.urlsplit(url).scheme == "https":
        return SafeTimeoutTransport(timeout, proxy=proxy)
    return TimeoutTransport(timeout, proxy=proxy)


# everything a broken network, server or proxy can throw at xmlrpc.client
TRANSPORT_ERRORS: tuple[type[BaseException], ...] = (
    OSError,  # refused, reset, unreachable, DNS, timeout, TLS (ssl.SSLError is an OSError)
    http.client.HTTPException,
    xmlrpc.client.ProtocolError,
    xmlrpc.client.ResponseError,
    ExpatError,
    ResponseTooLarge,
    zlib.error,
    ValueError,  # a truncated gzip answer; xmlrpc.client's own for some bad values
)


def network_error(exc: BaseException, endpoint: str, timeout: float) -> NetworkError:
    """One line naming the endpoint and what went wrong; never the request body."""
    where = display_url(endpoint)
    if isinstance(exc, xmlrpc.client.ProtocolError):
        msg = f"{where} answered HTTP {exc.errcode} {exc.errmsg}".rstrip()
    elif isinstance(exc, ResponseTooLarge):
        msg = (
            f"the answer of {where} is larger than {exc.limit / (1 << 20):g} MB "
            f"(raise the limit with {MAX_RESPONSE_ENV})"
        )
    elif isinstance(exc, zlib.error):
        msg = f"{where} sent a broken gzip answer"
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
    proxy = getattr(exc, "gandi_hosting_proxy", None)
    if proxy:
        msg += f" (through the proxy {proxy})"
    return NetworkError(msg)
