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
