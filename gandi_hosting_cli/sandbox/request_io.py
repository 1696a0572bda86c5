"""Requests on one connection: the ``_RequestIO`` mixin of ``_HTTPServer`` reads what
has arrived, parses the request head and body (Content-Length or chunked, decoded), runs
a complete request through the dispatcher, and sends the answer or a refusal.

The HTTP rules it applies are described in ``server.py``'s docstring.
"""

from __future__ import annotations

import logging
import socket
import time

from gandi_hosting_cli.sandbox.chaos import DropAnswer
from gandi_hosting_cli.sandbox.connections import _IDLE, _LINGER, _READING, _WRITING, _Conn
from gandi_hosting_cli.sandbox.faults import server_fault
from gandi_hosting_cli.sandbox.http_body import (
    BodyError,
    ChunkedDecoder,
    decode_content,
    parse_content_length,
)
from gandi_hosting_cli.sandbox.http_wire import (
    _GZIP_ACCEPTED,
    _PATHS,
    MAX_HEAD,
    MAX_HEADERS,
    MAX_LINE,
    XMLRPC_PATHS,
    _accepts_gzip,
    _Head,
    _Refusal,
    _response,
    _send_quietly,
    _target_path,
)
from gandi_hosting_cli.sandbox.xmlrpc_wire import MAX_BODY, dump_fault

log = logging.getLogger("gandi_hosting_cli.sandbox")

MAX_DRAIN = 16 * 1024 * 1024  # a refused body up to this size is read and dropped
BIG_BODY = 64 * 1024  # a body larger than this, still arriving, is counted against...
MAX_BUFFERED = 64 * 1024 * 1024  # ...what all unfinished requests may hold together
LINGER_TIMEOUT = 2.0  # reading (and dropping) what a refused client still sends
_RECV = 65536


class _RequestIO:
    """Reading, parsing and answering requests (a mixin of ``_HTTPServer``, which
    provides the sandbox, the timeouts, the connection bookkeeping and ``count``)."""

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
        head = conn.head
        if head is None:
            head = self._take_head(conn)
            if head is None:
                return None
        body = self._take_body(conn, head)
        if body is None:
            return None
        conn.head, conn.chunked = None, None
        if b"content-encoding" in head.headers:
            try:
                body = decode_content(head.headers[b"content-encoding"], body)
            except BodyError as exc:
                raise _Refusal(exc.status, head) from None
        return head, body

    def _take_head(self, conn: _Conn) -> _Head | None:
        """The request line and headers taken off the buffer, once all in."""
        buf = conn.buf
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
        end, end2 = buf.find(b"\n\r\n"), buf.find(b"\n\n")
        end, skip = (end2, 2) if end < 0 or (0 <= end2 < end) else (end, 3)
        if end < 0:
            line_too_long = len(buf) > MAX_LINE and buf.find(b"\n", 0, MAX_LINE + 1) < 0
            if len(buf) > MAX_HEAD or line_too_long or conn.eof:
                raise _Refusal(400)
            return None
        raw = bytes(buf[:end])
        del buf[: end + skip]
        conn.head = self._parse_head(conn, raw)
        return conn.head

    def _take_body(self, conn: _Conn, head: _Head) -> bytes | None:
        """The body (still encoded) taken off the buffer, once all in."""
        buf = conn.buf
        decoder = conn.chunked
        if decoder is not None:
            try:
                used = decoder.feed(buf, 0)
            except BodyError as exc:
                raise _Refusal(exc.status, head) from None
            del buf[:used]  # what is decoded is kept by the decoder
            if decoder.body is None:
                if conn.eof:
                    raise _Refusal(400, head)
                if decoder.total > BIG_BODY:
                    self._check_budget(head)
            return decoder.body
        if len(buf) < conn.length:
            if conn.eof:
                raise _Refusal(400, head)
            if len(buf) > BIG_BODY:
                self._check_budget(head)
            return None
        body = bytes(buf[: conn.length])
        del buf[: conn.length]
        return body

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
        http10 = parts[2] != b"HTTP/1.1"
        self._connection_options(head, http10)
        if head.command != "POST":
            raise _Refusal(405, head, b"Allow: POST\r\n")
        if head.path not in XMLRPC_PATHS:
            raise _Refusal(404, head)
        self._framing(conn, head, http10)
        return head

    @staticmethod
    def _connection_options(head: _Head, http10: bool) -> None:
        """Keep-alive or close (``Connection``), and gzip (``Accept-Encoding``)."""
        headers = head.headers
        tokens = (
            {t.strip() for t in headers[b"connection"].lower().split(b",")}
            if b"connection" in headers
            else ()
        )
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

    @staticmethod
    def _framing(conn: _Conn, head: _Head, http10: bool) -> None:
        """How the body comes (chunked or Content-Length), and ``100 Continue``."""
        headers = head.headers
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

    def _idle(self, conn: _Conn) -> None:
        """An answer is out: wait for the next request (at most ``keep_alive_timeout``)."""
        conn.state = _IDLE
        conn.deadline = time.monotonic() + self.keep_alive_timeout

    def _answer(self, conn: _Conn, head: _Head, body: bytes) -> None:
        try:
            response, method = self.sandbox.handle_request(body)
        except DropAnswer:  # sandbox serve --drop-rate: the work is done, no answer
            self.count()
            self._log(conn, head, 0, "(answer dropped)")
            self._close(conn, owner=True)
            return
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
