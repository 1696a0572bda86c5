"""``SandboxServer``: the sandbox over HTTP (HTTP/1.1 keep-alive, a bounded worker pool).

- XML-RPC POSTs are answered at ``/hosting/`` (the spec's path), ``/hosting`` and ``/``;
  another path gets 404, another HTTP method 405 (``Allow: POST``), a request line or
  header that is not HTTP 400.
- The body comes with ``Content-Length`` (ASCII digits only: ``1_0``, ``+10``, ``0x10``,
  ``1e1`` or two different values are a 400) or ``Transfer-Encoding: chunked`` (another
  transfer coding, or neither, gets 411); ``Content-Encoding: gzip``/``deflate`` is decoded
  (another coding gets 415). A body over 1 MiB, before or after decoding, gets 413 (the
  rest of it is read and dropped after the answer, never stored, so the client gets the
  answer rather than a reset; the connection is then closed); a malformed one the fault
  ``500020`` (HTTP 200).
- HTTP/1.0 and 1.1: keep-alive is the default in 1.1 and on request in 1.0 (answered with
  ``Connection: keep-alive``); ``Connection: close`` (a token among others, as LWP's
  ``TE, close``) closes after the answer; ``Expect: 100-continue`` gets its interim
  ``100 Continue`` (1.1 only, and not when the announced body is refused); pipelined
  requests are answered in order. The request target may be absolute
  (``http://host:port/hosting/``); a query string is ignored.
- Every answer has ``Content-Length``, ``Date`` and ``Content-Type`` (``text/xml`` for
  XML-RPC). An XML-RPC answer over 4 KB is gzip-compressed when the request said
  ``Accept-Encoding: gzip`` (as ``xmlrpc.client`` does), as a production server would.
- One log line per request on the ``gandi_hosting_cli.sandbox`` logger (level INFO):
  client address, HTTP method, path, status, XML-RPC method name, duration. Never a
  parameter, a password or a session id.
- ``shutdown()`` stops accepting, closes the listening socket and every open keep-alive
  connection, so a restart can take the same port at once.

Hostile clients (slow or many connections) cannot lock others out:

- No thread per connection. Every socket is non-blocking and registered, one-shot, in
  one ``Poller`` (``poller.py``: the platform's best ``selectors`` selector, epoll,
  kqueue or select) served by a bounded pool of worker threads (``workers``, default 4):
  a worker takes a ready connection, reads what has arrived, and once a request is
  complete runs it through the dispatcher and sends the answer itself (no hand-over
  between threads on the hot path), then re-arms the connection. A slow client's
  half-sent request sits in its buffer and costs no thread. The first worker serves
  alone while it keeps up (CPython runs one thread at a time; threads handing the
  interpreter over at every system call cost 10-40% more CPU per request); the others
  join in while it is held up by one call for over 0.1 s (a slow call, a database lock
  held by another process), so one slow call never stalls the other clients.
- A request must arrive whole (request line, headers and body) within
  ``request_timeout`` seconds (default 10) of its first byte, or of the connection's
  opening for the first one; past it the connection gets ``408`` and is closed (a client
  dribbling a byte every few seconds is cut there). An answer the client does not read
  gets the same deadline. An idle keep-alive connection is closed after
  ``keep_alive_timeout`` seconds (default 60).
- At most ``max_connections`` open connections (default 1,000, fewer when the process's
  file limit is lower) and ``max_per_client`` per client address (default 256). When a
  limit is reached, idle keep-alive connections (or opened ones that have sent nothing)
  are closed first, the least recently used first; then the request that has been
  arriving the longest (a slow client's: a real request arrives in milliseconds); only
  when every connection is being answered does the new one get ``503``.
- Unfinished requests hold at most 64 MiB together: a large body (over 64 KB) still
  arriving beyond that gets ``503`` (a body is at most 1 MiB, so 1,000 slow uploads
  cannot take a gigabyte).

The HTTP layer is a small parser of its own rather than ``http.server``: that one parses
headers with the ``email`` package, which cost more than the whole API call. Each answer
leaves in a single ``send`` with ``TCP_NODELAY`` (no Nagle/delayed-ACK stall).
"""

from __future__ import annotations

import logging
import socket
import threading
import time

from gandi_hosting_cli.sandbox.connections import (
    MAX_CONNECTIONS,
    MAX_PER_CLIENT,
    _Conn,
    _Connections,
    _file_limit,
)
from gandi_hosting_cli.sandbox.dispatcher import Sandbox
from gandi_hosting_cli.sandbox.http_wire import XMLRPC_PATHS as XMLRPC_PATHS
from gandi_hosting_cli.sandbox.poller import SELECT_LIMIT, Poller
from gandi_hosting_cli.sandbox.request_io import MAX_BUFFERED, _RequestIO

log = logging.getLogger("gandi_hosting_cli.sandbox")

REQUEST_TIMEOUT = 10.0
KEEP_ALIVE_TIMEOUT = 60.0
WORKERS = 4
HELP_AFTER = 0.1  # seconds worker 0 may be held up by one event before the others help
HELP_IDLE = 0.5  # seconds a helper waits for an event before stepping back


class _HTTPServer(_Connections, _RequestIO):
    """The listening socket, the poller, the connections and the workers.

    Connection admission, limits and closing come from ``_Connections``
    (``connections.py``), reading and answering requests from ``_RequestIO``
    (``request_io.py``); this class runs the workers and the housekeeping loop.
    """

    def __init__(
        self,
        address: tuple[str, int],
        sandbox: Sandbox,
        *,
        workers: int = WORKERS,
        request_timeout: float = REQUEST_TIMEOUT,
        keep_alive_timeout: float = KEEP_ALIVE_TIMEOUT,
        max_connections: int | None = None,
        max_per_client: int = MAX_PER_CLIENT,
        selector: str | None = None,
    ):
        self.sandbox = sandbox
        self.request_count = 0
        self._poller = Poller(selector)
        self.workers = max(1, int(workers))
        self.request_timeout = float(request_timeout)
        self.keep_alive_timeout = float(keep_alive_timeout)
        # leave room under the open-file limit for the state file, its journal, the
        # poller and the listening socket (and under select()'s own limit)
        room = max(16, _file_limit() - 64)
        if self._poller.kind == "SelectSelector":
            room = min(room, SELECT_LIMIT - 64)
        self.max_connections = max(1, min(int(max_connections or MAX_CONNECTIONS), room))
        self.max_per_client = max(1, int(max_per_client))
        self.max_buffered = MAX_BUFFERED
        self._guard = threading.Lock()
        self._conns: dict[int, _Conn] = {}
        self._per_ip: dict[str, int] = {}
        self.socket = _listening_socket(address, self._poller)
        self.server_address = self.socket.getsockname()
        self._listen_fd = self.socket.fileno()
        self._poller.arm(self._listen_fd)
        self._stopping = threading.Event()
        self._stopped = threading.Event()
        self._stopped.set()
        self._threads: list[threading.Thread] = []
        self._help = threading.Event()  # set: the helper workers poll too
        self._busy: dict[int, float] = {}  # polling workers: when their event began (0: idle)

    # -- running -------------------------------------------------------------------------

    def serve_forever(self, poll_interval: float = 0.1) -> None:
        """Run the workers; this thread closes connections past their deadlines and calls
        the helpers in when the first worker is held up."""
        self._stopped.clear()
        try:
            self._threads = [
                threading.Thread(
                    target=self._work, args=(i,), name=f"sandbox-worker-{i}", daemon=True
                )
                for i in range(self.workers)
            ]
            for thread in self._threads:
                thread.start()
            while not self._stopping.wait(poll_interval):
                now = time.monotonic()
                if not self._help.is_set() and self._held_up(now):
                    self._help.set()
                self._expire(now)
        finally:
            self._help.set()
            self._poller.stop()
            for thread in self._threads:
                thread.join(timeout=5)
            self._stopped.set()

    def _held_up(self, now: float) -> bool:
        """True when every working worker has been on one event for over HELP_AFTER."""
        busy = tuple(self._busy.values())  # (a copy: workers come and go meanwhile)
        return bool(busy) and all(0 < since < now - HELP_AFTER for since in busy)

    def shutdown(self) -> None:
        self._stopping.set()
        self._poller.stop()
        self._stopped.wait(timeout=10)

    def server_close(self) -> None:
        self.socket.close()
        self._poller.close()

    def _work(self, index: int) -> None:
        """Worker 0 serves everything; the others help only while it is held up.

        CPython runs one thread at a time, and threads handing the interpreter over at
        every system call cost more than they gain (measured: 10-40% more CPU per request
        with 4 workers all polling). So worker 0 alone polls, and the others
        join in when the housekeeping loop sees every working worker held up by one event
        for over HELP_AFTER (a slow call, a database lock); they step back once idle.
        """
        poll = self._poller.poll
        busy = self._busy
        helper = index > 0
        while not self._stopping.is_set():
            if helper:
                self._help.wait()
                if self._stopping.is_set():
                    return
            busy[index] = 0.0
            try:
                events = poll(HELP_IDLE if helper else None)
            except InterruptedError:  # pragma: no cover
                continue
            except (OSError, ValueError):
                return  # the poller was closed
            for fd, mask in events:
                busy[index] = time.monotonic()
                if fd == self._listen_fd:
                    self._accept()
                elif (conn := self._conns.get(fd)) is not None:
                    self._take(conn, mask)
                busy[index] = 0.0
            if helper:
                del busy[index]
                if not self._held_up(time.monotonic()):
                    self._help.clear()  # nobody is held up any more: step back

    def _take(self, conn: _Conn, mask: int) -> None:
        with conn.lock:
            if conn.owned or conn.closed:
                return
            conn.owned = True
        try:
            self._serve(conn, mask)
        except Exception:  # never let a worker die
            log.exception("internal error in the HTTP layer")
            self._close(conn, owner=True)


def _listening_socket(address: tuple[str, int], poller: Poller) -> socket.socket:
    """A non-blocking socket listening on ``address`` (the poller is closed if it fails)."""
    family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        if hasattr(socket, "SO_EXCLUSIVEADDRUSE"):  # Windows: SO_REUSEADDR would share the port
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_EXCLUSIVEADDRUSE, 1)
        else:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(1024)
    except OSError:
        sock.close()
        poller.close()
        raise
    sock.setblocking(False)
    return sock


class SandboxServer:
    """A running (or ready) HTTP server for a ``Sandbox``.

    ``workers``, ``request_timeout``, ``keep_alive_timeout``, ``max_connections`` and
    ``max_per_client`` are described in this module's docstring; ``selector`` forces a
    ``selectors`` selector by name (``poller.py``; default: the platform's best, or
    ``$GANDI_HOSTING_SANDBOX_SELECTOR``).
    """

    def __init__(
        self,
        sandbox: Sandbox,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        workers: int = WORKERS,
        request_timeout: float = REQUEST_TIMEOUT,
        keep_alive_timeout: float = KEEP_ALIVE_TIMEOUT,
        max_connections: int | None = None,
        max_per_client: int = MAX_PER_CLIENT,
        selector: str | None = None,
    ):
        self.sandbox = sandbox
        self._httpd = _HTTPServer(
            (host, port),
            sandbox,
            workers=workers,
            request_timeout=request_timeout,
            keep_alive_timeout=keep_alive_timeout,
            max_connections=max_connections,
            max_per_client=max_per_client,
            selector=selector,
        )
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

    @property
    def open_connections(self) -> int:
        """Connections open right now."""
        return len(self._httpd._conns)

    def serve_forever(self) -> None:
        self._serving = True
        try:
            self._httpd.serve_forever()
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
        self._httpd.close_connections()
        self._httpd.server_close()

    def __enter__(self) -> SandboxServer:
        return self.start_in_thread()

    def __exit__(self, *exc) -> None:
        self.shutdown()
