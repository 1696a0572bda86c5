"""``SandboxServer``: the sandbox over HTTP (threaded, HTTP/1.1 keep-alive).

- XML-RPC POSTs are answered at ``/hosting/`` (the spec's path), ``/hosting`` and ``/``;
  another path gets 404, another HTTP method 405 (``Allow: POST``), a request line or
  header that is not HTTP 400.
- The body comes with ``Content-Length`` or ``Transfer-Encoding: chunked`` (another transfer
  coding, or neither, gets 411); ``Content-Encoding: gzip``/``deflate`` is decoded (another
  coding gets 415). A body over 1 MiB, before or after decoding, gets 413 (read in chunks
  and dropped, never stored, so the client gets the answer rather than a reset; the
  connection is then closed); a malformed one the fault ``500020`` (HTTP 200).
- HTTP/1.0 and 1.1: keep-alive is the default in 1.1 and on request in 1.0 (answered with
  ``Connection: keep-alive``); ``Connection: close`` (a token among others, as LWP's
  ``TE, close``) closes after the answer; ``Expect: 100-continue`` gets its interim
  ``100 Continue`` (1.1 only, and not when the announced body is refused); pipelined
  requests are answered in order. The request target may be absolute
  (``http://host:port/hosting/``); a query string is ignored.
- Every answer has ``Content-Length``, ``Date`` and ``Content-Type`` (``text/xml`` for
  XML-RPC).
- One log line per request on the ``gandi_hosting_cli.sandbox`` logger (level INFO):
  client address, HTTP method, path, status, XML-RPC method name, duration. Never a
  parameter, a password or a session id.
- ``shutdown()`` stops accepting, closes the listening socket and every open keep-alive
  connection, so a restart can take the same port at once.

The HTTP layer is a small request loop on ``socketserver`` rather than
``http.server.BaseHTTPRequestHandler``: that one parses headers with the ``email``
package, which cost more than the whole API call; throughput matters to the CLI's tests
and benchmarks. Each response leaves in a single ``sendall`` with ``TCP_NODELAY`` (no
Nagle/delayed-ACK stall).
"""

from __future__ import annotations

import logging
import socket
import socketserver
import threading
import time
from email.utils import formatdate

from gandi_hosting_cli.sandbox.dispatcher import Sandbox
from gandi_hosting_cli.sandbox.faults import server_fault
from gandi_hosting_cli.sandbox.http_body import BodyError, decode_content, read_chunked
from gandi_hosting_cli.sandbox.xmlrpc_wire import MAX_BODY, dump_fault

log = logging.getLogger("gandi_hosting_cli.sandbox")

XMLRPC_PATHS = ("/", "/hosting/", "/hosting")
MAX_DRAIN = 16 * 1024 * 1024  # a refused body up to this size is read and dropped
MAX_LINE = 8192
MAX_HEADERS = 100
SERVER_NAME = b"gandi-hosting-sandbox"
_REASONS = {
    200: "OK",
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    411: "Length Required",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    505: "HTTP Version Not Supported",
}


class _Handler(socketserver.StreamRequestHandler):
    disable_nagle_algorithm = True
    timeout = 120  # an idle or stalled connection frees its thread (clients reconnect)
    server: _HTTPServer

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, add=False)

    def handle(self) -> None:
        try:
            while self._one_request():
                pass
        except (ConnectionError, TimeoutError, OSError):
            pass  # the client went away or stalled: nothing to answer

    def _one_request(self) -> bool:
        """Serve one request; False when the connection must close."""
        line = self.rfile.readline(MAX_LINE + 1)
        while line in (b"\r\n", b"\n"):  # tolerated between requests (RFC 9112 2.2)
            line = self.rfile.readline(MAX_LINE + 1)
        if not line:
            return False
        self._started = time.perf_counter()
        self._command, self._path = "-", "-"
        self._keep_alive_header = False
        parts = line.split()
        if len(line) > MAX_LINE or len(parts) != 3 or not parts[2].startswith(b"HTTP/1."):
            return self._reply(400, close=True)
        self._command = parts[0].decode("latin-1")[:16]
        self._path = _target_path(parts[1].decode("latin-1"))[:100]
        headers: dict[bytes, bytes] = {}
        for _ in range(MAX_HEADERS + 1):
            header = self.rfile.readline(MAX_LINE + 1)
            if header in (b"\r\n", b"\n", b""):
                break
            name, sep, value = header.partition(b":")
            if not sep or len(header) > MAX_LINE:
                return self._reply(400, close=True)
            name, value = name.strip().lower(), value.strip()
            # a repeated field is one list (RFC 9110 5.3): two Content-Lengths are then a 400
            headers[name] = headers[name] + b", " + value if name in headers else value
        else:
            return self._reply(400, close=True)
        tokens = {t.strip() for t in headers.get(b"connection", b"").lower().split(b",")}
        http10 = parts[2] != b"HTTP/1.1"
        close = b"close" in tokens or (http10 and b"keep-alive" not in tokens)
        self._keep_alive_header = http10 and not close

        if self._command != "POST":
            return self._reply(405, close=True, extra=b"Allow: POST\r\n")
        if self._path not in XMLRPC_PATHS:
            return self._reply(404, close=True)
        expect = not http10 and headers.get(b"expect", b"").lower() == b"100-continue"
        if b"transfer-encoding" in headers:
            if headers[b"transfer-encoding"].lower().strip() != b"chunked":
                return self._reply(411, close=True)  # say Content-Length (never a 5xx)
            close = close or b"content-length" in headers  # both: a smuggling smell (RFC 9112 6.3)
            if expect:
                self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            try:
                body = read_chunked(self.rfile)
            except BodyError as exc:
                return self._reply(exc.status, close=True)
        elif b"content-length" not in headers:
            return self._reply(411, close=True)
        else:
            try:
                length = int(headers[b"content-length"])
                if length < 0:
                    raise ValueError
            except ValueError:
                return self._reply(400, close=True)
            if length > MAX_BODY:
                if not expect:  # a client waiting for 100 sends no body: nothing to drop
                    self._discard(length)
                return self._reply(413, close=True)
            if expect:
                self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            body = self.rfile.read(length)
            if len(body) < length:
                return False  # the client hung up mid-body
        if b"content-encoding" in headers:
            try:
                body = decode_content(headers[b"content-encoding"], body)
            except BodyError as exc:
                return self._reply(exc.status, close=True)
        try:
            response, method = self.server.sandbox.handle_request(body)
        except Exception:  # handle_request answers faults itself; this is a last guard
            log.exception("internal error outside the dispatcher")
            response, method = dump_fault(server_fault()), "-"
        self.server.count()
        return self._reply(200, response, method=method, close=close)

    def _discard(self, length: int) -> None:
        """Read (and drop) a refused body, so the client sees the 413 and not a reset."""
        left = min(length, MAX_DRAIN)
        while left > 0:
            chunk = self.rfile.read(min(left, 65536))
            if not chunk:
                break
            left -= len(chunk)

    def _reply(
        self,
        status: int,
        body: bytes | None = None,
        *,
        method: str = "-",
        close: bool = False,
        extra: bytes = b"",
    ) -> bool:
        reason = _REASONS[status]
        if body is None:
            body, content_type = f"{status} {reason}\n".encode(), b"text/plain"
        else:
            content_type = b"text/xml"
        head = (
            f"HTTP/1.1 {status} {reason}\r\n".encode()
            + b"Server: "
            + SERVER_NAME
            + b"\r\nContent-Type: "
            + content_type
            + b"\r\nContent-Length: "
            + str(len(body)).encode()
            + b"\r\nDate: "
            + _http_date()
            + b"\r\n"
            + extra
            + (b"Connection: close\r\n" if close else b"")
            + (b"Connection: keep-alive\r\n" if self._keep_alive_header and not close else b"")
            + b"\r\n"
        )
        if log.isEnabledFor(logging.INFO):
            # logged before sending, so the line exists by the time the client has its answer
            elapsed = (time.perf_counter() - self._started) * 1000
            log.info(
                '%s "%s %s" %d %s %.1fms',
                self.client_address[0],
                self._command,
                self._path,
                status,
                method[:64],
                elapsed,
            )
        self.wfile.write(head if self._command == "HEAD" else head + body)
        return not close


_date_cache: tuple[int, bytes] = (0, b"")


def _http_date() -> bytes:
    """The ``Date`` header's value, formatted once a second."""
    global _date_cache
    now = int(time.time())
    if _date_cache[0] != now:
        _date_cache = (now, formatdate(now, usegmt=True).encode())
    return _date_cache[1]


def _target_path(target: str) -> str:
    """The path of a request target: origin form, or absolute form as proxies send it."""
    if target.startswith(("http://", "https://")):
        target = "/" + target.split("://", 1)[1].partition("/")[2]
    return target.split("?")[0]


class _HTTPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address, sandbox: Sandbox):
        self.sandbox = sandbox
        self.request_count = 0
        self._connections: set[socket.socket] = set()
        self._guard = threading.Lock()
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)

    def count(self) -> None:
        with self._guard:
            self.request_count += 1

    def track(self, conn: socket.socket, *, add: bool) -> None:
        with self._guard:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    def close_connections(self) -> None:
        with self._guard:
            conns, self._connections = list(self._connections), set()
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request, client_address) -> None:
        # a client that went away mid-request is not worth a traceback on stderr
        log.debug("connection from %s ended abruptly", client_address[0])


class SandboxServer:
    """A running (or ready) HTTP server for a ``Sandbox``."""

    def __init__(self, sandbox: Sandbox, host: str = "127.0.0.1", port: int = 0):
        self.sandbox = sandbox
        self._httpd = _HTTPServer((host, port), sandbox)
        self.host = host
        self.port = self._httpd.server_address[1]
        shown = f"[{host}]" if ":" in host else host
        self.url = f"http://{shown}:{self.port}/hosting/"
        self._thread: threading.Thread | None = None
        self._serving = False

    @property
    def request_count(self) -> int:
        """HTTP POSTs answered so far."""
        return self._httpd.request_count

    def serve_forever(self) -> None:
        self._serving = True
        try:
            self._httpd.serve_forever(poll_interval=0.05)
        finally:
            self._serving = False

    def start_in_thread(self) -> SandboxServer:
        self._thread = threading.Thread(
            target=self.serve_forever, name="sandbox-server", daemon=True
        )
        self._thread.start()
        return self

    def shutdown(self) -> None:
        """Stop serving, close the port and every open connection."""
        if self._serving or self._thread is not None:
            self._httpd.shutdown()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self._httpd.server_close()
        self._httpd.close_connections()

    def __enter__(self) -> SandboxServer:
        return self.start_in_thread()

    def __exit__(self, *exc) -> None:
        self.shutdown()
