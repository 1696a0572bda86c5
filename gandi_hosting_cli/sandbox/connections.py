"""Connections of the sandbox server: ``_Conn`` (one client socket and what it waits
for), and the ``_Connections`` mixin of ``_HTTPServer`` that accepts them, applies the
connection limits (evicting idle, then slow, connections first), closes those past their
deadlines, and hands them back to the poller (``poller.py``).

The limits and deadlines are described in ``server.py``'s docstring.
"""

from __future__ import annotations

import errno
import logging
import socket
import threading
import time

from gandi_hosting_cli.sandbox.http_body import ChunkedDecoder
from gandi_hosting_cli.sandbox.http_wire import _Head, _response, _send_quietly
from gandi_hosting_cli.sandbox.poller import READ, WRITE

log = logging.getLogger("gandi_hosting_cli.sandbox")

MAX_CONNECTIONS = 1000
MAX_PER_CLIENT = 256

# connection states (what the connection waits for when no worker holds it)
_IDLE = 0  # the next request (nothing of it received yet)
_READING = 1  # the rest of a request
_WRITING = 2  # the client to read the answer
_LINGER = 3  # refused: what the client still sends is read and dropped, then closed


class _Conn:
    __slots__ = (
        "sock",
        "fd",
        "ip",
        "buf",
        "state",
        "deadline",
        "started",
        "owned",
        "closed",
        "lock",
        "head",
        "chunked",
        "length",
        "out",
        "close_after",
        "drain",
        "eof",
        "first",
    )

    def __init__(self, sock: socket.socket, ip: str, now: float, request_timeout: float):
        self.sock = sock
        self.fd = sock.fileno()
        self.ip = ip
        self.buf = bytearray()
        self.state = _IDLE
        self.deadline = now + request_timeout  # the first request is due promptly
        self.started = now
        self.owned = False
        self.closed = False
        self.lock = threading.Lock()
        self.head: _Head | None = None
        self.chunked: ChunkedDecoder | None = None
        self.length = 0
        self.out: memoryview | None = None
        self.close_after = False
        self.drain = 0
        self.eof = False
        self.first = True  # no request finished on it yet (so "idle" means nothing sent)


def _file_limit() -> int:
    """The process's open-file limit (Windows has no such limit: 1024 then)."""
    try:
        import resource  # Unix only
    except ImportError:  # pragma: no cover - Windows
        return 1024
    try:
        return resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    except (OSError, ValueError):  # pragma: no cover
        return 1024


class _Connections:
    """Connection admission, limits, deadlines and closing (a mixin of ``_HTTPServer``,
    which provides the socket, the poller, the locks and ``_log``)."""

    # -- bookkeeping ---------------------------------------------------------------------

    def count(self) -> None:
        with self._guard:
            self.request_count += 1

    def track(self, conn: socket.socket, *, add: bool) -> None:
        """Called when a connection is accepted and when it is closed (tests count them)."""

    def close_connections(self) -> None:
        with self._guard:
            conns = list(self._conns.values())
        for conn in conns:
            self._close(conn, force=True)

    def _accept(self) -> None:
        try:
            for _ in range(64):
                try:
                    sock, addr = self.socket.accept()
                except BlockingIOError:
                    break
                except OSError as exc:
                    if exc.errno in (errno.EMFILE, errno.ENFILE):
                        # out of file descriptors: make room from the idle connections
                        if not self._evict(None):
                            time.sleep(0.01)
                        break
                    if self._stopping.is_set():
                        return
                    continue  # ECONNABORTED and friends: that client left
                self._admit(sock, addr[0])
        finally:
            if not self._stopping.is_set():
                try:
                    self._poller.arm(self._listen_fd)
                except (OSError, ValueError):
                    pass

    def _admit(self, sock: socket.socket, ip: str) -> None:
        sock.setblocking(False)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        # the limits first: idle connections go before a newcomer is refused
        while True:
            with self._guard:
                full = len(self._conns) >= self.max_connections
                ip_full = self._per_ip.get(ip, 0) >= self.max_per_client
                if not full and not ip_full:
                    conn = _Conn(sock, ip, time.monotonic(), self.request_timeout)
                    self._conns[conn.fd] = conn
                    self._per_ip[ip] = self._per_ip.get(ip, 0) + 1
                    break
            if not self._evict(ip if ip_full and not full else None):
                log.warning("%s connection refused: too many connections (503)", ip)
                _send_quietly(sock, _response(503, None, _Head(), close=True))
                sock.close()
                return
        self.track(sock, add=True)
        try:
            self._poller.arm(conn.fd)
        except OSError:
            self._close(conn, force=True)

    def _evict(self, ip: str | None) -> bool:
        """Make room for a new connection (from ``ip``'s own when given).

        Idle connections go first (the one unused the longest), then the request that has
        been arriving the longest (a slow client's, by then: a whole request takes
        milliseconds); one being answered is never cut. False when nothing could go.
        """
        with self._guard:
            mine = [c for c in self._conns.values() if not c.owned and (ip is None or c.ip == ip)]
        idle = [c for c in mine if c.state == _IDLE and not c.buf]
        reading = [c for c in mine if c.state == _READING]
        for group in (idle, reading):
            for conn in sorted(group, key=lambda c: c.started):
                if self._close(conn):
                    return True
        return False

    def _expire(self, now: float) -> None:
        with self._guard:
            late = [c for c in self._conns.values() if c.deadline <= now and not c.owned]
        for conn in late:
            with conn.lock:
                if conn.owned or conn.closed or conn.deadline > now:
                    continue
                conn.owned = True
            if conn.state == _READING:
                # a request that did not arrive in time (a slow or stalled client)
                head = conn.head or _Head()
                self._log(conn, head, 408, "-")
                _send_quietly(conn.sock, _response(408, None, head, close=True))
            self._close(conn, owner=True)

    def _close(self, conn: _Conn, *, owner: bool = False, force: bool = False) -> bool:
        """Close ``conn``: by its owner, or by another thread only while no worker has it."""
        with conn.lock:
            if conn.closed or (conn.owned and not owner and not force):
                return False
            conn.closed = True
            self._poller.disarm(conn.fd)
            with self._guard:
                if self._conns.get(conn.fd) is conn:
                    del self._conns[conn.fd]
                    left = self._per_ip[conn.ip] - 1
                    if left:
                        self._per_ip[conn.ip] = left
                    else:
                        del self._per_ip[conn.ip]
            try:
                conn.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            conn.sock.close()
        self.track(conn.sock, add=False)
        return True

    def _release(self, conn: _Conn) -> None:
        """Give ``conn`` back to the poller, waiting for what it needs next."""
        with conn.lock:
            conn.owned = False
            if conn.closed:
                return
            try:
                self._poller.arm(conn.fd, WRITE if conn.state == _WRITING else READ)
            except (OSError, ValueError, KeyError):
                conn.owned = True
        if conn.owned:
            self._close(conn, owner=True)
