"""``SandboxServer``: the sandbox over HTTP (threaded, HTTP/1.1 keep-alive).

- XML-RPC POSTs are answered at ``/hosting/`` (the spec's path), ``/hosting`` and ``/``;
  another path gets 404, another HTTP method 405 (``Allow: POST``).
- A body without ``Content-Length`` gets 411, one over 1 MiB 413 (read in chunks and
  dropped, never stored, so the client gets the answer rather than a reset; the
  connection is then closed), a malformed one the fault ``500020`` (HTTP 200).
- One log line per request on the ``gandi_hosting_cli.sandbox`` logger (level INFO):
  client address, HTTP method, path, status, XML-RPC method name, duration. Never a
  parameter, a password or a session id.
- ``shutdown()`` stops accepting, closes the listening socket and every open keep-alive
  connection, so a restart can take the same port at once.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from gandi_hosting_cli.sandbox.dispatcher import Sandbox
from gandi_hosting_cli.sandbox.xmlrpc_wire import MAX_BODY

log = logging.getLogger("gandi_hosting_cli.sandbox")

XMLRPC_PATHS = ("/", "/hosting/", "/hosting")
MAX_DRAIN = 16 * 1024 * 1024  # a refused body up to this size is read and dropped


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "gandi-hosting-sandbox"
    sys_version = ""
    # buffered writes: headers and body leave in one segment (http.server flushes after
    # each request), and TCP_NODELAY below: no Nagle/delayed-ACK stall of ~40 ms per call
    wbufsize = 64 * 1024
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

    def _reply(
        self,
        status: int,
        body: bytes,
        *,
        method: str = "-",
        close: bool = False,
        content_type: str = "text/xml",
        extra: dict[str, str] | None = None,
    ) -> None:
        self.send_response_only(status)
        self.send_header("Server", self.server_version)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        elapsed = (time.perf_counter() - self._started) * 1000
        log.info(
            '%s "%s %s" %d %s %.1fms',
            self.client_address[0],
            self.command,
            self.path.split("?")[0][:100],
            status,
            method[:64],
            elapsed,
        )

    def _error(self, status: int, text: str, **kwargs) -> None:
        self._reply(status, f"{status} {text}\n".encode(), content_type="text/plain", **kwargs)

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        self._started = time.perf_counter()
        if self.path.split("?")[0] not in XMLRPC_PATHS:
            self._error(404, "Not Found", close=True)
            return
        if self.headers.get("Transfer-Encoding"):
            self._error(411, "Length Required (no chunked bodies)", close=True)
            return
        length_header = self.headers.get("Content-Length")
        if length_header is None:
            self._error(411, "Length Required", close=True)
            return
        try:
            length = int(length_header)
            if length < 0:
                raise ValueError
        except ValueError:
            self._error(400, "Bad Request", close=True)
            return
        if length > MAX_BODY:
            self._discard(length)
            self._error(413, "Content Too Large (1 MiB at most)", close=True)
            return
        body = self.rfile.read(length)
        response, method = self.server.sandbox.handle_request(body)
        self.server.count()
        self._reply(200, response, method=method)

    def _discard(self, length: int) -> None:
        """Read (and drop) a refused body, so the client sees the 413 and not a reset.

        Never stored; past ``MAX_DRAIN`` the connection is simply closed after the reply.
        """
        left = min(length, MAX_DRAIN)
        while left > 0:
            chunk = self.rfile.read(min(left, 65536))
            if not chunk:
                break
            left -= len(chunk)

    def _not_allowed(self) -> None:
        self._started = time.perf_counter()
        self._error(405, "Method Not Allowed", extra={"Allow": "POST"}, close=True)

    do_GET = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _not_allowed  # noqa: N815

    def log_message(self, format: str, *args) -> None:  # noqa: A002
        # http.server's own lines (malformed request lines...) at debug level only
        log.debug("%s %s", self.client_address[0], format % args)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 128

    def __init__(self, address, sandbox: Sandbox):
        self.sandbox = sandbox
        self.request_count = 0
        self._connections: set[socket.socket] = set()
        self._guard = threading.Lock()
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
