"""Small misbehaving HTTP servers on 127.0.0.1, for the CLI's network-failure paths.

``FaultyProxy(upstream_url)`` forwards XML-RPC POSTs to a real sandbox server, except for
the calls its ``faults`` map names (by XML-RPC method name, or ``"*"`` for all), which it
answers the broken way asked:

- ``"silent"``: read the request, never answer (the client times out);
- ``"forward-silent"``: forward the request (the server acts on it), drop the answer and
  stay silent: a create that happened although the client never heard of it;
- ``"cut"``: send the status line, headers and half the body, then close;
- ``"html502"``: a proxy's HTML ``502 Bad Gateway`` page;
- ``"empty200"``: ``200 OK`` with an empty body;
- ``"malformed"``: ``200 OK`` with XML that is not XML-RPC (broken tags);
- ``"close"``: close the connection without a byte;
- a callable ``answer(proxy, conn, body) -> bool`` answers however it likes (the hostile
  answers below: drip, slow headers, ``100 Continue`` forever, a gzip bomb, a huge body,
  a raw XML body); it returns whether the connection stays open.

The method name of a ``system.multicall`` is each inner call's name, so a fault on
``vm_create`` also hits a batch that carries a ``vm_create``. ``calls`` lists every method
name received (in order). Every connection and the listening socket are closed by
``stop()``; ``tls=(certfile, keyfile)`` serves HTTPS with that certificate.
"""

from __future__ import annotations

import contextlib
import http.client
import re
import socket
import ssl
import threading
import urllib.parse

_METHOD_RE = re.compile(rb"<methodName>\s*([^<\s]+)\s*</methodName>")
# the calls inside a system.multicall: {"methodName": "...", "params": [...]}
_INNER_RE = re.compile(
    rb"<name>methodName</name>\s*<value>\s*(?:<string>)?\s*([^<\s]+)\s*(?:</string>)?"
)


def free_port() -> int:
    """A port nothing listens on (bound, then closed): connecting is refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop_accepting(stop: threading.Event, sock: socket.socket, acceptor: threading.Thread) -> None:
    """Stop an accept loop at once: a connection wakes its ``accept()`` (which would
    otherwise notice ``stop`` only at its next 0.2 s timeout), then close the socket."""
    stop.set()
    with contextlib.suppress(OSError):
        socket.create_connection(sock.getsockname(), timeout=1).close()
    acceptor.join(timeout=5)
    sock.close()


class FaultyProxy:
    def __init__(
        self,
        upstream_url: str | None = None,
        faults: dict[str, str] | None = None,
        *,
        tls: tuple[str, str] | None = None,
    ):
        self.upstream = urllib.parse.urlsplit(upstream_url) if upstream_url else None
        self.faults = dict(faults or {})
        self.calls: list[str] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._conns: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self._sock.settimeout(0.2)
        self.port = self._sock.getsockname()[1]
        self._tls = None
        if tls is not None:
            self._tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self._tls.load_cert_chain(*tls)
        scheme = "https" if tls else "http"
        self.url = f"{scheme}://127.0.0.1:{self.port}/hosting/"
        self._acceptor = threading.Thread(target=self._accept, daemon=True, name="faulty-proxy")
        self._acceptor.start()

    # -- life cycle ------------------------------------------------------------------------
    def stop(self) -> None:
        _stop_accepting(self._stop, self._sock, self._acceptor)
        with self._lock:
            conns, self._conns = self._conns, []
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            conn.close()
        for thread in self._threads:
            thread.join(timeout=5)

    def __enter__(self) -> FaultyProxy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if self._stop.is_set():  # the wake-up connection of _stop_accepting
                conn.close()
                return
            with self._lock:
                self._conns.append(conn)
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self._threads.append(thread)
            thread.start()

    # -- one connection --------------------------------------------------------------------
    def _serve(self, conn: socket.socket) -> None:
        try:
            conn.settimeout(10)
            if self._tls is not None:
                try:
                    conn = self._tls.wrap_socket(conn, server_side=True)
                except (ssl.SSLError, OSError):
                    return  # the client refused our certificate: what the test wants
            rfile = conn.makefile("rb")
            while not self._stop.is_set():
                request = _read_request(rfile)
                if request is None:
                    return
                body = request
                names = [m.decode("latin-1") for m in _METHOD_RE.findall(body)]
                if names == ["system.multicall"]:
                    names = [m.decode("latin-1") for m in _INNER_RE.findall(body)] or names
                with self._lock:
                    self.calls.extend(names)
                fault = next((self.faults[n] for n in names if n in self.faults), None)
                fault = fault or self.faults.get("*")
                if not self._answer(conn, body, fault):
                    return
        except OSError:
            return
        finally:
            try:
                conn.close()
            except OSError:
                pass

    def _answer(self, conn: socket.socket, body: bytes, fault) -> bool:
        if callable(fault):
            return fault(self, conn, body)
        if fault in ("silent", "forward-silent"):
            if fault == "forward-silent":
                self._forward(body)
            self._stop.wait(30)  # never answer (the test's timeout is far shorter)
            return False
        if fault == "close":
            return False
        if fault == "html502":
            page = b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
            conn.sendall(_response(502, "Bad Gateway", page, b"text/html"))
            return False
        if fault == "empty200":
            conn.sendall(_response(200, "OK", b"", b"text/xml"))
            return True
        if fault == "malformed":
            junk = b"<?xml version='1.0'?><methodResponse><params><param><value><int>12</value>"
            conn.sendall(_response(200, "OK", junk, b"text/xml"))
            return False
        status, reason, answer = self._forward(body)
        if fault == "cut":
            full = _response(status, reason, answer, b"text/xml")
            conn.sendall(full[: len(full) - len(answer) // 2])
            return False
        conn.sendall(_response(status, reason, answer, b"text/xml"))
        return True

    def _forward(self, body: bytes) -> tuple[int, str, bytes]:
        assert self.upstream is not None, "a forwarding fault needs an upstream server"
        upstream = http.client.HTTPConnection(
            self.upstream.hostname, self.upstream.port, timeout=10
        )
        try:
            upstream.request("POST", self.upstream.path or "/", body, {"Content-Type": "text/xml"})
            answer = upstream.getresponse()
            return answer.status, answer.reason, answer.read()
        finally:
            upstream.close()


def _read_request(rfile) -> bytes | None:
    line = rfile.readline(65537)
    if not line:
        return None
    length = 0
    while True:
        header = rfile.readline(65537)
        if header in (b"\r\n", b"\n", b""):
            break
        name, _, value = header.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    return rfile.read(length)


def _response(
    status: int, reason: str, body: bytes, content_type: bytes, extra: bytes = b""
) -> bytes:
    return (
        f"HTTP/1.1 {status} {reason}\r\n".encode()
        + b"Content-Type: "
        + content_type
        + b"\r\n"
        + extra
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )


# -- hostile answers (callables for ``faults``) ---------------------------------------------
XML_HEAD = b"<?xml version='1.0'?>\n"


def raw_xml(xml: bytes | str, *, gzip_it: bool = False):
    """``200 OK`` with this exact body (e.g. a wrong-shaped methodResponse)."""
    import gzip

    payload = xml.encode() if isinstance(xml, str) else xml

    def answer(proxy: FaultyProxy, conn: socket.socket, body: bytes) -> bool:
        data = gzip.compress(payload) if gzip_it else payload
        extra = b"Content-Encoding: gzip\r\n" if gzip_it else b""
        conn.sendall(_response(200, "OK", data, b"text/xml", extra))
        return True

    return answer


def response_xml(value_xml: str) -> bytes:
    return (
        XML_HEAD + b"<methodResponse><params><param><value>"
        + value_xml.encode() + b"</value></param></params></methodResponse>"
    )  # fmt: skip


def fault_xml(code_xml: str, string_xml: str) -> bytes:
    return (
        XML_HEAD + b"<methodResponse><fault><value><struct>"
        b"<member><name>faultCode</name><value>" + code_xml.encode() + b"</value></member>"
        b"<member><name>faultString</name><value>" + string_xml.encode() + b"</value></member>"
        b"</struct></value></fault></methodResponse>"
    )  # fmt: skip


_BOMBS: dict[int, bytes] = {}


def gzip_bomb_body(compressed_mb: int = 4) -> bytes:
    """A gzip stream of about ``compressed_mb`` MB that inflates ~1000 times: an XML-RPC
    answer whose one string is gigabytes of ``A``. Built from one compressed block
    repeated (full flushes make blocks independent), so it costs no gigabytes to make;
    its CRC is left zero (a client that inflates to the end rejects it anyway)."""
    if compressed_mb in _BOMBS:
        return _BOMBS[compressed_mb]
    import zlib

    head = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"  # gzip header, no name, no mtime
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    prefix = XML_HEAD + b"<methodResponse><params><param><value><string>"
    start = deflate.compress(prefix) + deflate.flush(zlib.Z_FULL_FLUSH)
    chunk = b"A" * (1 << 20)
    block = deflate.compress(chunk) + deflate.flush(zlib.Z_FULL_FLUSH)
    repeats = max(1, (compressed_mb << 20) // len(block))
    tail = deflate.flush()  # the final (empty) block
    body = head + start + block * repeats + tail + b"\x00" * 4 + (0).to_bytes(4, "little")
    _BOMBS[compressed_mb] = body
    return body


def gzip_bomb(compressed_mb: int = 4):
    def answer(proxy: FaultyProxy, conn: socket.socket, body: bytes) -> bool:
        data = gzip_bomb_body(compressed_mb)
        try:
            conn.sendall(_response(200, "OK", data, b"text/xml", b"Content-Encoding: gzip\r\n"))
        except OSError:
            pass  # the client gave up reading: what the test wants
        return False

    return answer


def huge_body(megabytes: int, *, declare_length: bool = True):
    """A ``<string>`` of ``megabytes`` MB, with or without a Content-Length."""

    def answer(proxy: FaultyProxy, conn: socket.socket, body: bytes) -> bool:
        head = XML_HEAD + b"<methodResponse><params><param><value><string>"
        size = len(head) + (megabytes << 20)
        headers = b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\n"
        headers += f"Content-Length: {size}\r\n".encode() if declare_length else b""
        headers += b"Connection: close\r\n\r\n"
        try:
            conn.sendall(headers + head)
            chunk = b"A" * (1 << 20)
            for _ in range(megabytes):
                conn.sendall(chunk)
        except OSError:
            pass
        return False

    return answer


def _trickle(conn: socket.socket, proxy: FaultyProxy, pieces, interval: float) -> bool:
    for piece in pieces:
        try:
            conn.sendall(piece)
        except OSError:
            return False
        if proxy._stop.wait(interval):
            return False
    return False


def drip(interval: float = 1.0):
    """Status line and headers at once, then the body one byte per ``interval``."""

    def answer(proxy: FaultyProxy, conn: socket.socket, body: bytes) -> bool:
        xml = response_xml("<int>1</int>")
        head = f"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: {len(xml)}\r\n\r\n"
        conn.sendall(head.encode())
        return _trickle(conn, proxy, (xml[i : i + 1] for i in range(len(xml))), interval)

    return answer


def slow_headers(interval: float = 0.5):
    """The status line and endless headers, one byte per ``interval``."""

    def answer(proxy: FaultyProxy, conn: socket.socket, body: bytes) -> bool:
        def pieces():
            yield from (bytes([b]) for b in b"HTTP/1.1 200 OK\r\n")
            n = 0
            while True:
                n += 1
                yield from (bytes([b]) for b in f"X-Slow-{n}: y\r\n".encode())

        return _trickle(conn, proxy, pieces(), interval)

    return answer


def continue_forever(interval: float = 0.2):
    """``100 Continue`` interim answers, one every ``interval``, never the real one."""

    def answer(proxy: FaultyProxy, conn: socket.socket, body: bytes) -> bool:
        def pieces():
            while True:
                yield b"HTTP/1.1 100 Continue\r\n\r\n"

        return _trickle(conn, proxy, pieces(), interval)

    return answer


class ForwardProxy:
    """A tiny HTTP proxy on 127.0.0.1 that records how it was used.

    ``CONNECT host:port`` opens a tunnel (bytes relayed both ways); ``POST http://host:port/
    path`` (absolute URI) is forwarded. ``routes`` maps the ``host:port`` a client asks for
    to the ``(ip, port)`` really used, so tests can name endpoints no resolver knows.
    ``requests`` lists ``(method, target, headers)`` in order.
    """

    def __init__(self, routes: dict[str, tuple[str, int]] | None = None):
        self.routes = dict(routes or {})
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self._stop = threading.Event()
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self._sock.settimeout(0.2)
        self.port = self._sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._threads: list[threading.Thread] = []
        self._conns: list[socket.socket] = []
        self._acceptor = threading.Thread(target=self._accept, daemon=True)
        self._acceptor.start()

    def __enter__(self) -> ForwardProxy:
        return self

    def __exit__(self, *exc: object) -> None:
        _stop_accepting(self._stop, self._sock, self._acceptor)
        for conn in list(self._conns):
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            conn.close()
        for thread in self._threads:
            thread.join(timeout=5)

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if self._stop.is_set():  # the wake-up connection of _stop_accepting
                conn.close()
                return
            self._conns.append(conn)
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _target(self, hostport: str) -> tuple[str, int]:
        if hostport in self.routes:
            return self.routes[hostport]
        host, _, port = hostport.rpartition(":")
        return host, int(port)

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(10)
        rfile = conn.makefile("rb")
        try:
            while not self._stop.is_set():
                line = rfile.readline(65537)
                if not line:
                    return
                method, target, _ = line.decode("latin-1").split(" ", 2)
                headers: dict[str, str] = {}
                while True:
                    header = rfile.readline(65537)
                    if header in (b"\r\n", b"\n", b""):
                        break
                    name, _, value = header.decode("latin-1").partition(":")
                    headers[name.strip().lower()] = value.strip()
                self.requests.append((method, target, headers))
                if method == "CONNECT":
                    self._tunnel(conn, rfile, target)
                    return
                body = rfile.read(int(headers.get("content-length", "0")))
                parts = urllib.parse.urlsplit(target)
                host, port = self._target(parts.netloc)
                upstream = http.client.HTTPConnection(host, port, timeout=10)
                try:
                    upstream.request(method, parts.path or "/", body, {"Content-Type": "text/xml"})
                    answer = upstream.getresponse()
                    page = answer.read()
                    conn.sendall(_response(answer.status, answer.reason, page, b"text/xml"))
                finally:
                    upstream.close()
        except (OSError, ValueError):
            return
        finally:
            conn.close()

    def _tunnel(self, conn: socket.socket, rfile, target: str) -> None:
        import selectors

        try:
            upstream = socket.create_connection(self._target(target), timeout=10)
        except OSError:
            conn.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
            return
        conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        with upstream, selectors.DefaultSelector() as sel:
            sel.register(conn, selectors.EVENT_READ, upstream)
            sel.register(upstream, selectors.EVENT_READ, conn)
            while not self._stop.is_set():
                for key, _ in sel.select(timeout=0.2):
                    try:
                        data = key.fileobj.recv(65536)  # type: ignore[union-attr]
                    except OSError:
                        return
                    if not data:
                        return
                    key.data.sendall(data)
