"""``SandboxServer``: the sandbox over HTTP/1.1, served by a bounded pool of workers.

What clients see: XML-RPC POSTs at ``/hosting/``, ``/hosting`` or ``/`` (another path 404,
another method 405, a broken request line or header 400); a body by ``Content-Length``
(digits only, else 400) or chunked (else 411), gzip/deflate decoded (else 415), at most
1 MiB (413); keep-alive, pipelining and ``Expect: 100-continue``; answers over 4 KB
gzip-compressed for clients that accept it; one log line per request, never a parameter.

What hostile clients cannot do: hold a thread (no thread per connection: one readiness
set, ``poller.py`` over ``selectors``, shared by ``workers`` threads, the others joining
the first while it is held up), dribble a request past ``request_timeout`` (408), exhaust
the connections (``max_connections``, ``max_per_client``: idle connections go first, then
the slowest request, else 503), or buffer more than 64 MiB of unfinished bodies together
(503). ``shutdown()`` closes every connection, so a restart can take the same port at
once.
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
