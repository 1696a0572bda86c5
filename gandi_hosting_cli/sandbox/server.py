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
  one ``epoll`` set served by a bounded pool of worker threads (``workers``, default 4):
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

import errno
import logging
import resource
import select
import socket
import threading
import time
import zlib
from email.utils import formatdate

from gandi_hosting_cli.sandbox.dispatcher import Sandbox
from gandi_hosting_cli.sandbox.faults import server_fault
from gandi_hosting_cli.sandbox.http_body import (
    BodyError,
    ChunkedDecoder,
    decode_content,
    parse_content_length,
)
from gandi_hosting_cli.sandbox.xmlrpc_wire import MAX_BODY, dump_fault

log = logging.getLogger("gandi_hosting_cli.sandbox")

XMLRPC_PATHS = ("/", "/hosting/", "/hosting")
MAX_DRAIN = 16 * 1024 * 1024  # a refused body up to this size is read and dropped
MAX_LINE = 8192
MAX_HEADERS = 100
MAX_HEAD = MAX_LINE * 4  # request line and headers together
BIG_BODY = 64 * 1024  # a body larger than this, still arriving, is counted against...
MAX_BUFFERED = 64 * 1024 * 1024  # ...what all unfinished requests may hold together
GZIP_MIN = 4096  # answers larger than this are compressed for clients that accept gzip
REQUEST_TIMEOUT = 10.0
KEEP_ALIVE_TIMEOUT = 60.0
LINGER_TIMEOUT = 2.0  # reading (and dropping) what a refused client still sends
MAX_CONNECTIONS = 1000
MAX_PER_CLIENT = 256
WORKERS = 4
HELP_AFTER = 0.1  # seconds worker 0 may be held up by one event before the others help
HELP_IDLE = 0.5  # seconds a helper waits for an event before stepping back
SERVER_NAME = b"gandi-hosting-sandbox"
_REASONS = {
    200: "OK",
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    408: "Request Timeout",
    411: "Length Required",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    503: "Service Unavailable",
    505: "HTTP Version Not Supported",
}
_PATHS = {p.encode(): p for p in XMLRPC_PATHS}  # the usual request targets, decoded once
_GZIP_ACCEPTED: dict[bytes, bool] = {}  # Accept-Encoding values seen, parsed once
_IN = select.EPOLLIN | select.EPOLLONESHOT
_OUT = select.EPOLLOUT | select.EPOLLONESHOT
_RECV = 65536

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


class _Head:
    """A parsed request line and header block."""

    __slots__ = ("command", "path", "headers", "close", "keep_alive_header", "expect", "gzip")

    def __init__(self) -> None:
        self.command = "-"
        self.path = "-"
        self.headers: dict[bytes, bytes] = {}
        self.close = False
        self.keep_alive_header = False
        self.expect = False
        self.gzip = False


class _Refusal(Exception):
    def __init__(self, status: int, head: _Head | None = None, extra: bytes = b""):
        super().__init__(status)
        self.status = status
        self.head = head
        self.extra = extra


def _file_limit() -> int:
    try:
        return resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    except (OSError, ValueError):  # pragma: no cover
        return 1024


class _HTTPServer:
    """The listening socket, the epoll set, the connections and the workers."""

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
    ):
        self.sandbox = sandbox
        self.request_count = 0
        self.workers = max(1, int(workers))
        self.request_timeout = float(request_timeout)
        self.keep_alive_timeout = float(keep_alive_timeout)
        # leave room under the open-file limit for the state file, its journal, the epoll
        # set and the listening socket
        room = max(16, _file_limit() - 64)
        self.max_connections = max(1, min(int(max_connections or MAX_CONNECTIONS), room))
        self.max_per_client = max(1, int(max_per_client))
        self.max_buffered = MAX_BUFFERED
        self._guard = threading.Lock()
        self._conns: dict[int, _Conn] = {}
        self._per_ip: dict[str, int] = {}
        family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.socket = socket.socket(family, socket.SOCK_STREAM)
        try:
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.socket.bind(address)
            self.socket.listen(1024)
        except OSError:
            self.socket.close()
            raise
        self.socket.setblocking(False)
        self.server_address = self.socket.getsockname()
        self._listen_fd = self.socket.fileno()
        self._epoll = select.epoll()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._epoll.register(self._wake_r.fileno(), select.EPOLLIN)  # level: wakes every worker
        self._epoll.register(self._listen_fd, _IN)
        self._stopping = threading.Event()
        self._stopped = threading.Event()
        self._stopped.set()
        self._threads: list[threading.Thread] = []
        self._help = threading.Event()  # set: the helper workers poll too
        self._busy: dict[int, float] = {}  # polling workers: when their event began (0: idle)

    # -- bookkeeping ---------------------------------------------------------------------

    def count(self) -> None:
        with self._guard:
            self.request_count += 1

    def track(self, conn: socket.socket, *, add: bool) -> None:
        """Called when a connection is accepted and when it is closed (tests count them)."""

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
            self._wake_w.send(b"x")
            for thread in self._threads:
                thread.join(timeout=5)
            self._stopped.set()

    def _held_up(self, now: float) -> bool:
        """True when every working worker has been on one event for over HELP_AFTER."""
        busy = tuple(self._busy.values())  # (a copy: workers come and go meanwhile)
        return bool(busy) and all(0 < since < now - HELP_AFTER for since in busy)

    def shutdown(self) -> None:
        self._stopping.set()
        try:
            self._wake_w.send(b"x")
        except OSError:
            pass
        self._stopped.wait(timeout=10)

    def server_close(self) -> None:
        for sock in (self.socket, self._wake_r, self._wake_w):
            sock.close()
        try:
            self._epoll.close()
        except OSError:  # pragma: no cover
            pass

    def close_connections(self) -> None:
        with self._guard:
            conns = list(self._conns.values())
        for conn in conns:
            self._close(conn, force=True)

    def _work(self, index: int) -> None:
        """Worker 0 serves everything; the others help only while it is held up.

        CPython runs one thread at a time, and threads handing the interpreter over at
        every system call cost more than they gain (measured: 10-40% more CPU per request
        with 4 workers all polling). So worker 0 alone polls the epoll set, and the others
        join in when the housekeeping loop sees every working worker held up by one event
        for over HELP_AFTER (a slow call, a database lock); they step back once idle.
        """
        poll = self._epoll.poll
        busy = self._busy
        helper = index > 0
        while not self._stopping.is_set():
            if helper:
                self._help.wait()
                if self._stopping.is_set():
                    return
            busy[index] = 0.0
            try:
                events = poll(HELP_IDLE if helper else -1, 1)
            except InterruptedError:  # pragma: no cover
                continue
            except (OSError, ValueError):
                return  # the epoll set was closed
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
                    self._epoll.modify(self._listen_fd, _IN)
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
            self._epoll.register(conn.fd, _IN)
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
            try:
                self._epoll.unregister(conn.fd)
            except (OSError, ValueError):
                pass
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
        """Give ``conn`` back to the epoll set, waiting for what it needs next."""
        with conn.lock:
            conn.owned = False
            if conn.closed:
                return
            try:
                self._epoll.modify(conn.fd, _OUT if conn.state == _WRITING else _IN)
            except (OSError, ValueError):
                conn.owned = True
        if conn.owned:
            self._close(conn, owner=True)

    # -- one connection ------------------------------------------------------------------

    def _serve(self, conn: _Conn, mask: int) -> None:
        """Handle an event on ``conn`` (held by this worker); release or close it."""
        if conn.state == _WRITING:
            if not self._flush(conn):
                return self._release(conn) if not conn.closed else None
        elif not self._receive(conn):
            return None
        if conn.state == _LINGER:
            return self._release(conn)
        while True:
            try:
                request = self._parse(conn)
            except _Refusal as refusal:
                return self._refuse(conn, refusal)
            if request is None:
                break
            head, body = request
            self._answer(conn, head, body)
            if conn.state == _WRITING or conn.closed:
                return self._release(conn) if not conn.closed else None
            if conn.close_after:
                self._close(conn, owner=True)
                return None
        if conn.eof:
            self._close(conn, owner=True)
            return None
        return self._release(conn)

    def _receive(self, conn: _Conn) -> bool:
        """Read what has arrived; False when the connection was closed."""
        try:
            data = conn.sock.recv(_RECV)
        except (BlockingIOError, InterruptedError):
            return True
        except OSError:
            self._close(conn, owner=True)
            return False
        if conn.state == _LINGER:
            conn.drain -= len(data)
            if not data or conn.drain <= 0:
                self._close(conn, owner=True)
                return False
            return True
        if not data:
            conn.eof = True
            if not conn.buf:
                self._close(conn, owner=True)
                return False
            return True
        conn.buf += data
        return True

    def _parse(self, conn: _Conn) -> tuple[_Head, bytes] | None:
        """A complete request taken off the buffer, or None while it is still arriving."""
        buf = conn.buf
        head = conn.head
        if head is None:
            if not buf:
                return None
            if conn.state == _IDLE:
                # the first byte of a request: its deadline starts now (the connection's
                # first request has had one since the connection was opened)
                now = time.monotonic()
                conn.started = now
                conn.state = _READING
                if not conn.first:
                    conn.deadline = now + self.request_timeout
            start = 0
            while buf.startswith(b"\r\n", start) or buf.startswith(b"\n", start):
                start += 2 if buf[start] == 13 else 1  # blank lines between requests
            if start:
                del buf[:start]
            if not buf:
                return None  # blank lines count as the request's start (no deadline reset)
            end = buf.find(b"\n\r\n")
            end2 = buf.find(b"\n\n")
            if end < 0 or (0 <= end2 < end):
                end, skip = end2, 2
            else:
                skip = 3
            if end < 0:
                line_too_long = len(buf) > MAX_LINE and buf.find(b"\n", 0, MAX_LINE + 1) < 0
                if len(buf) > MAX_HEAD or line_too_long:
                    raise _Refusal(400)
                if conn.eof:
                    raise _Refusal(400)
                return None
            raw, body_start = bytes(buf[:end]), end + skip
            del buf[:body_start]
            head = conn.head = self._parse_head(conn, raw)
        decoder = conn.chunked
        if decoder is not None:
            try:
                used = decoder.feed(buf, 0)
            except BodyError as exc:
                raise _Refusal(exc.status, head) from None
            if decoder.body is None:
                del buf[:used]  # what is decoded is kept by the decoder
                if conn.eof:
                    raise _Refusal(400, head)
                if decoder.total > BIG_BODY:
                    self._check_budget(head)
                return None
            body = decoder.body
            del buf[:used]
        else:
            if len(buf) < conn.length:
                if conn.eof:
                    raise _Refusal(400, head)
                if len(buf) > BIG_BODY:
                    self._check_budget(head)
                return None
            body = bytes(buf[: conn.length])
            del buf[: conn.length]
        conn.head, conn.chunked = None, None
        if b"content-encoding" in head.headers:
            try:
                body = decode_content(head.headers[b"content-encoding"], body)
            except BodyError as exc:
                raise _Refusal(exc.status, head) from None
        return head, body

    def _check_budget(self, head: _Head) -> None:
        """Refuse (503) a large body still arriving when all connections together hold
        more than ``max_buffered`` bytes of unfinished requests (so that many slow 1 MiB
        bodies cannot take the server's memory); counted only for bodies over BIG_BODY."""
        with self._guard:
            conns = tuple(self._conns.values())
        held = sum(len(c.buf) + (c.chunked.total if c.chunked else 0) for c in conns)
        if held > self.max_buffered:
            raise _Refusal(503, head)

    def _parse_head(self, conn: _Conn, raw: bytes) -> _Head:
        head = _Head()
        lines = raw.split(b"\n")
        line = lines[0].rstrip(b"\r")
        parts = line.split()
        if len(line) > MAX_LINE or len(parts) != 3 or not parts[2].startswith(b"HTTP/1."):
            raise _Refusal(400, head)
        head.command = "POST" if parts[0] == b"POST" else parts[0].decode("latin-1")[:16]
        target = parts[1]
        head.path = _PATHS.get(target) or _target_path(target.decode("latin-1"))[:100]
        if len(lines) > MAX_HEADERS + 1:
            raise _Refusal(400, head)
        headers = head.headers
        for header in lines[1:]:
            name, sep, value = header.partition(b":")
            if not sep or len(header) > MAX_LINE:
                raise _Refusal(400, head)
            # only spaces and tabs are optional white space around a value (RFC 9112 5)
            name, value = name.strip().lower(), value.strip(b" \t\r")
            # a repeated field is one list (RFC 9110 5.3)
            headers[name] = headers[name] + b", " + value if name in headers else value
        tokens = (
            {t.strip() for t in headers[b"connection"].lower().split(b",")}
            if b"connection" in headers
            else ()
        )
        http10 = parts[2] != b"HTTP/1.1"
        head.close = b"close" in tokens or (http10 and b"keep-alive" not in tokens)
        head.keep_alive_header = http10 and not head.close
        accept = headers.get(b"accept-encoding")
        if accept:
            gzip = _GZIP_ACCEPTED.get(accept)
            if gzip is None:
                gzip = _accepts_gzip(accept)
                if len(_GZIP_ACCEPTED) < 64:
                    _GZIP_ACCEPTED[accept] = gzip
            head.gzip = gzip
        if head.command != "POST":
            raise _Refusal(405, head, b"Allow: POST\r\n")
        if head.path not in XMLRPC_PATHS:
            raise _Refusal(404, head)
        expect = not http10 and headers.get(b"expect", b"").lower() == b"100-continue"
        if b"transfer-encoding" in headers:
            if headers[b"transfer-encoding"].lower().strip() != b"chunked":
                raise _Refusal(411, head)  # say Content-Length (never a 5xx)
            if b"content-length" in headers:
                head.close = True  # both: a smuggling smell (RFC 9112 6.3)
            conn.chunked = ChunkedDecoder()
        elif b"content-length" not in headers:
            raise _Refusal(411, head)
        else:
            try:
                conn.length = parse_content_length(headers[b"content-length"])
            except ValueError:
                raise _Refusal(400, head) from None
            if conn.length > MAX_BODY:
                head.expect = expect  # a client waiting for 100 sends no body
                raise _Refusal(413, head)
        if expect:
            _send_quietly(conn.sock, b"HTTP/1.1 100 Continue\r\n\r\n")
        return head

    def _idle(self, conn: _Conn) -> None:
        """An answer is out: wait for the next request (at most ``keep_alive_timeout``)."""
        conn.state = _IDLE
        conn.deadline = time.monotonic() + self.keep_alive_timeout

    def _answer(self, conn: _Conn, head: _Head, body: bytes) -> None:
        try:
            response, method = self.sandbox.handle_request(body)
        except Exception:  # handle_request answers faults itself; this is a last guard
            log.exception("internal error outside the dispatcher")
            response, method = dump_fault(server_fault()), "-"
        self.count()
        conn.first = False
        if head.close:
            conn.close_after = True
        self._log(conn, head, 200, method)
        self._send(conn, _response(200, response, head, close=head.close))
        if conn.state != _WRITING and not conn.closed:
            self._idle(conn)

    def _refuse(self, conn: _Conn, refusal: _Refusal) -> None:
        """Answer a refused request, then read and drop what the client still sends."""
        head = refusal.head or conn.head or _Head()
        self._log(conn, head, refusal.status, "-")
        conn.close_after = True
        conn.head, conn.chunked = None, None
        # a refused body is dropped as it comes (up to MAX_DRAIN), so the client reads the
        # answer rather than a reset; a client waiting for 100 Continue sends nothing
        conn.drain = MAX_DRAIN
        conn.buf.clear()
        self._send(conn, _response(refusal.status, None, head, close=True, extra=refusal.extra))
        if conn.closed:
            return
        if conn.state != _WRITING:
            self._linger(conn)
        if conn.eof:
            self._close(conn, owner=True)
        else:
            self._release(conn)

    def _linger(self, conn: _Conn) -> None:
        try:
            conn.sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        conn.state = _LINGER
        conn.deadline = time.monotonic() + LINGER_TIMEOUT

    def _send(self, conn: _Conn, data: bytes) -> None:
        try:
            sent = conn.sock.send(data)
        except (BlockingIOError, InterruptedError):
            sent = 0
        except OSError:
            self._close(conn, owner=True)
            return
        if sent < len(data):
            conn.out = memoryview(data)[sent:]
            conn.state = _WRITING
            conn.deadline = time.monotonic() + self.request_timeout

    def _flush(self, conn: _Conn) -> bool:
        """Send more of a pending answer; True once it is all sent."""
        try:
            sent = conn.sock.send(conn.out)
        except (BlockingIOError, InterruptedError):
            return False
        except OSError:
            self._close(conn, owner=True)
            return False
        conn.out = conn.out[sent:]
        if len(conn.out):
            return False
        conn.out = None
        if conn.close_after:
            self._linger(conn)
            if conn.eof:
                self._close(conn, owner=True)
            return True
        self._idle(conn)
        return True

    def _log(self, conn: _Conn, head: _Head, status: int, method: str) -> None:
        if log.isEnabledFor(logging.INFO):
            # logged before sending, so the line exists by the time the client has its answer
            log.info(
                '%s "%s %s" %d %s %.1fms',
                conn.ip,
                head.command,
                head.path,
                status,
                method[:64],
                (time.monotonic() - conn.started) * 1000,
            )


def _send_quietly(sock: socket.socket, data: bytes) -> None:
    try:
        sock.send(data)
    except OSError:
        pass


def _accepts_gzip(value: bytes) -> bool:
    if b"gzip" not in value.lower():
        return False
    for item in value.lower().split(b","):
        coding, _, params = item.partition(b";")
        if coding.strip() in (b"gzip", b"x-gzip"):
            q = params.strip()
            if q.startswith(b"q="):
                try:
                    return float(q[2:]) > 0
                except ValueError:
                    return False
            return True
    return False


def _response(
    status: int, body: bytes | None, head: _Head, *, close: bool, extra: bytes = b""
) -> bytes:
    reason = _REASONS[status]
    if body is None:
        body, content_type = f"{status} {reason}\n".encode(), b"text/plain"
    else:
        content_type = b"text/xml"
        if head.gzip and len(body) > GZIP_MIN:
            packer = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
            body = packer.compress(body) + packer.flush()
            extra += b"Content-Encoding: gzip\r\nVary: Accept-Encoding\r\n"
    response = b"".join(
        (
            b"HTTP/1.1 %d %s\r\nServer: %s\r\nContent-Type: %s\r\n"
            b"Content-Length: %d\r\nDate: %s\r\n"
            % (status, reason.encode(), SERVER_NAME, content_type, len(body), _http_date()),
            extra,
            b"Connection: close\r\n" if close else b"",
            b"Connection: keep-alive\r\n" if head.keep_alive_header and not close else b"",
            b"\r\n",
        )
    )
    return response if head.command == "HEAD" else response + body


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


class SandboxServer:
    """A running (or ready) HTTP server for a ``Sandbox``.

    ``workers``, ``request_timeout``, ``keep_alive_timeout``, ``max_connections`` and
    ``max_per_client`` are described in this module's docstring.
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
