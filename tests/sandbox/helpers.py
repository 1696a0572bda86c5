"""Helpers for the sandbox's own tests: faults by code, shares, raw HTTP requests."""

from __future__ import annotations

import re
import socket
import xmlrpc.client

import pytest

from gandi_hosting_cli.sandbox.seed import SEED_LOGIN, SEED_PASSWORD

TIMEOUT = 5
# DESIGN.md: "DataError: <what> [<field>: <value>]" or "ServerError: <what>"
FAULT_FORMAT = re.compile(r"^(DataError: .+ \[[\w.]+: .*\]|ServerError: .+)$")


def fault_code(call, *args) -> int:
    """The faultCode a call ends with (fails the test if it succeeds)."""
    with pytest.raises(xmlrpc.client.Fault) as info:
        call(*args)
    return info.value.faultCode


def with_shares(api, session: str, shares: int = 8) -> int:
    """Add a shares product and let its operation finish (op_delay 0: the next call)."""
    opid = api.hosting_account_product_add(session, "shares", shares, "1m")
    assert api.operation_details(session, opid)["state"] == "DONE"
    return opid


# -- raw HTTP (the ``raw`` fixture of conftest.py connects one) -----------------------------
class Raw:
    """One client connection speaking raw bytes; reads answers framed by Content-Length."""

    def __init__(self, server):
        self.sock = socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT)
        self.rfile = self.sock.makefile("rb")

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def answer(self) -> tuple[int, dict[str, str], bytes]:
        status_line = self.rfile.readline(1000)
        assert status_line.startswith(b"HTTP/1.1 "), status_line
        headers: dict[str, str] = {}
        for _ in range(50):
            line = self.rfile.readline(8192)
            if line in (b"\r\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        body = self.rfile.read(int(headers.get("content-length", "0")))
        return int(status_line.split()[1]), headers, body

    def closed_by_server(self) -> bool:
        return self.rfile.read(1) == b""

    def close(self) -> None:
        self.rfile.close()
        self.sock.close()


def request(body: bytes, *, head: str = "POST /hosting/ HTTP/1.1", headers: str = "") -> bytes:
    """A request with Host and Content-Length, plus ``headers`` (CRLF-terminated lines)."""
    return (
        f"{head}\r\nHost: 127.0.0.1\r\n{headers}Content-Length: {len(body)}\r\n\r\n".encode() + body
    )


def login_body(**kw) -> bytes:
    return xmlrpc.client.dumps((SEED_LOGIN, SEED_PASSWORD), "login", **kw).encode()


def call_body(method: str, *params: str, declaration: str = "<?xml version='1.0'?>\n") -> bytes:
    """A methodCall whose ``<param>`` contents are given as XML text."""
    inner = "".join(f"<param>{p}</param>" for p in params)
    return (
        f"{declaration}<methodCall><methodName>{method}</methodName>"
        f"<params>{inner}</params></methodCall>"
    ).encode()


def value(body: bytes):
    return xmlrpc.client.loads(body)[0][0]


def fault(body: bytes) -> xmlrpc.client.Fault:
    with pytest.raises(xmlrpc.client.Fault) as info:
        xmlrpc.client.loads(body)
    return info.value
