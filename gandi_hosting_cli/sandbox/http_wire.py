"""HTTP framing for the sandbox server: the parsed request head, a refusal, and the
answer's bytes (status line, headers, gzip for large XML-RPC answers, the ``Date`` value).

Pure helpers: no socket state beyond a best-effort ``send``. Used by the request reading
in ``request_io.py``, the connection bookkeeping in ``connections.py`` and ``server.py``.
"""

from __future__ import annotations

import socket
import time
import zlib
from email.utils import formatdate

XMLRPC_PATHS = ("/", "/hosting/", "/hosting")
MAX_LINE = 8192
MAX_HEADERS = 100
MAX_HEAD = MAX_LINE * 4  # request line and headers together
GZIP_MIN = 4096  # answers larger than this are compressed for clients that accept gzip
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
