"""Request bodies beyond ``Content-Length``: the chunked transfer coding and gzip/deflate.

Both stay under the server's limits: a body over ``MAX_BODY`` bytes, on the wire or once
decompressed, is refused with 413 (a decompression bomb never expands past the limit);
a malformed one with 400. A refused chunked body is read and dropped up to ``MAX_DRAIN``
bytes, so that the client gets the answer rather than a reset.
"""

from __future__ import annotations

import zlib
from typing import BinaryIO

from gandi_hosting_cli.sandbox.xmlrpc_wire import MAX_BODY

MAX_DRAIN = 16 * 1024 * 1024
MAX_LINE = 8192
MAX_TRAILERS = 100


class BodyError(Exception):
    """A body the server refuses; ``status`` is the HTTP answer (400, 413 or 415)."""

    def __init__(self, status: int):
        super().__init__(status)
        self.status = status


def read_chunked(rfile: BinaryIO) -> bytes:
    """Read a ``Transfer-Encoding: chunked`` body (RFC 9112 7.1), trailers included."""
    parts: list[bytes] = []
    total = 0
    while True:  # bounded: every turn reads at least one line, and at most MAX_DRAIN bytes
        line = rfile.readline(MAX_LINE + 1)
        if not line.endswith(b"\n"):
            raise BodyError(400)  # hung up, or a size line too long
        size_text = line.split(b";", 1)[0].strip()  # chunk extensions are ignored
        try:
            if not size_text or size_text.startswith((b"+", b"-", b"0x", b"0X")):
                raise ValueError
            size = int(size_text, 16)
        except ValueError:
            raise BodyError(400) from None
        if size == 0:
            break
        total += size
        if total > MAX_DRAIN:
            raise BodyError(413)
        chunk = rfile.read(size)
        if len(chunk) < size or rfile.readline(3) not in (b"\r\n", b"\n"):
            raise BodyError(400)
        if total <= MAX_BODY:
            parts.append(chunk)
    for _ in range(MAX_TRAILERS + 1):  # trailer fields, then the empty line
        line = rfile.readline(MAX_LINE + 1)
        if line in (b"\r\n", b"\n"):
            break
        if not line.endswith(b"\n"):
            raise BodyError(400)
    else:
        raise BodyError(400)
    if total > MAX_BODY:
        raise BodyError(413)
    return b"".join(parts)


def decode_content(encoding: bytes, body: bytes) -> bytes:
    """Undo ``Content-Encoding`` (gzip, x-gzip, deflate, identity), at most ``MAX_BODY``."""
    codings = [c.strip() for c in encoding.lower().split(b",") if c.strip()]
    for coding in reversed(codings):  # the last one applied is listed last
        if coding == b"identity":
            continue
        if coding in (b"gzip", b"x-gzip"):
            body = _inflate(body, 16 + zlib.MAX_WBITS)
        elif coding == b"deflate":  # zlib-wrapped as RFC 9110 says; raw deflate as some send
            try:
                body = _inflate(body, zlib.MAX_WBITS)
            except BodyError as exc:
                if exc.status != 400:
                    raise
                body = _inflate(body, -zlib.MAX_WBITS)
        else:
            raise BodyError(415)
    return body


def _inflate(data: bytes, wbits: int) -> bytes:
    inflater = zlib.decompressobj(wbits)
    try:
        out = inflater.decompress(data, MAX_BODY + 1)
    except zlib.error:
        raise BodyError(400) from None
    if len(out) > MAX_BODY or inflater.unconsumed_tail:
        raise BodyError(413)
    if not inflater.eof:
        raise BodyError(400)  # truncated
    return out


class ChunkedDecoder:
    """``read_chunked`` for a non-blocking server: fed a growing buffer, step by step.

    ``feed(buf, pos)`` consumes what it can from ``buf[pos:]`` and returns the new position;
    ``body`` is set once the last chunk and the trailers are in. A body over ``MAX_BODY``
    is refused (413) as soon as its chunk sizes say so, so a connection never holds more
    than about ``MAX_BODY`` bytes; a malformed one is refused (400) at once.
    """

    __slots__ = ("parts", "total", "body", "_need", "_trailers")

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.total = 0
        self.body: bytes | None = None
        self._need: int | None = None  # the size of the chunk whose data is awaited
        self._trailers: int | None = None  # trailer lines seen, once the last chunk is in

    def feed(self, buf: bytes | bytearray, pos: int) -> int:
        while self.body is None:
            if self._need is not None:
                after = self._data_end(buf, pos + self._need)
                if after < 0:
                    return pos
                self.parts.append(bytes(buf[pos : pos + self._need]))
                pos, self._need = after, None
                continue
            newline = buf.find(b"\n", pos, pos + MAX_LINE + 1)
            if newline < 0:
                if len(buf) - pos > MAX_LINE:
                    raise BodyError(400)  # a size or trailer line too long
                return pos
            line, pos = bytes(buf[pos : newline + 1]), newline + 1
            if self._trailers is not None:
                self._trailer(line)
            else:
                self._size_line(line)
        return pos

    @staticmethod
    def _data_end(buf: bytes | bytearray, end: int) -> int:
        """Where the chunk's data ending at ``end`` and its line end are passed (-1: not
        all in yet)."""
        if len(buf) < end + 1:
            return -1
        if buf[end] == 10:  # "\n"
            return end + 1
        if buf[end] != 13:
            raise BodyError(400)
        if len(buf) < end + 2:
            return -1
        if buf[end + 1] != 10:  # "\r\n"
            raise BodyError(400)
        return end + 2

    def _trailer(self, line: bytes) -> None:
        """A trailer field (counted, dropped), or the empty line that ends the body."""
        if line in (b"\r\n", b"\n"):
            self.body = b"".join(self.parts)
            self.parts = []
            return
        self._trailers = (self._trailers or 0) + 1
        if self._trailers > MAX_TRAILERS:
            raise BodyError(400)

    def _size_line(self, line: bytes) -> None:
        """A chunk's size line: the data awaited next, or the last chunk."""
        size_text = line.split(b";", 1)[0].strip()  # chunk extensions are ignored
        if (
            not size_text
            or size_text.startswith((b"+", b"-", b"0x", b"0X"))
            or not all(c in b"0123456789abcdefABCDEF" for c in size_text)  # not "1_0", " 1"
        ):
            raise BodyError(400)
        size = int(size_text, 16)
        if size == 0:
            self._trailers = 0
            return
        self.total += size
        if self.total > MAX_BODY:
            raise BodyError(413)
        self._need = size


def parse_content_length(value: bytes) -> int:
    """``Content-Length`` as RFC 9110 8.6 writes it: ASCII digits only, else ValueError.

    Python's ``int()`` would also take ``1_0``, ``+10``, ``\\x0b10`` or ``١٠``; a server
    and a proxy reading different lengths is how requests get smuggled. A list of equal
    values (the field repeated) is that value; different values are refused. Spaces and
    tabs around the value are optional white space, not part of it (RFC 9112 5).
    """
    values = {v.strip(b" \t") for v in value.split(b",")}
    if len(values) != 1:
        raise ValueError("different Content-Length values")
    (text,) = values
    if not text.isdigit() or len(text) > 18:  # bytes.isdigit(): ASCII digits only
        raise ValueError("Content-Length is not a digit string")
    return int(text)
