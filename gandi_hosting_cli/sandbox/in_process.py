"""``InProcessTransport``: ``xmlrpc.client`` talking to a ``Sandbox`` with no socket.

The request is marshalled by ``ServerProxy`` as for a real server, handed to the same
dispatcher as the HTTP server (``Sandbox.handle``), and the response is parsed by the
transport's standard parser, so ``--sandbox`` exercises the whole wire format::

    proxy = xmlrpc.client.ServerProxy("http://sandbox/hosting/", transport=InProcessTransport())

Built without a ``Sandbox``, it opens one on ``GANDI_HOSTING_SANDBOX_STATE`` (default
``default_state_path()``) with ``GANDI_HOSTING_SANDBOX_OP_DELAY`` (default 2 s), unless
``state_path`` / ``op_delay`` are given; that one is strict (``Sandbox(strict=True)``):
its only client is this CLI, which must send the spec's types exactly. ``close()``
releases its database connections.
"""

from __future__ import annotations

import http.client
import os
import xmlrpc.client
from collections.abc import Iterable

from gandi_hosting_cli.sandbox import env_op_delay, env_state_path
from gandi_hosting_cli.sandbox.chaos import DropAnswer
from gandi_hosting_cli.sandbox.dispatcher import Sandbox
from gandi_hosting_cli.sandbox.server import XMLRPC_PATHS


class InProcessTransport(xmlrpc.client.Transport):
    """An ``xmlrpc.client`` transport whose server is a ``Sandbox`` in this process."""

    def __init__(
        self,
        sandbox: Sandbox | None = None,
        *,
        state_path: str | os.PathLike[str] | None = None,
        op_delay: float | None = None,
        use_datetime: bool = False,
        use_builtin_types: bool = False,
        headers: Iterable[tuple[str, str]] = (),
    ):
        super().__init__(
            use_datetime=use_datetime, use_builtin_types=use_builtin_types, headers=list(headers)
        )
        if sandbox is None:
            sandbox = Sandbox(
                state_path if state_path is not None else env_state_path(),
                op_delay=env_op_delay() if op_delay is None else op_delay,
                strict=True,
            )
        self.sandbox = sandbox
        self.request_count = 0

    def request(self, host, handler, request_body, verbose=False):
        if handler.split("?")[0] not in XMLRPC_PATHS:
            raise xmlrpc.client.ProtocolError(f"{host}{handler}", 404, "Not Found", {})
        if isinstance(request_body, str):
            request_body = request_body.encode("utf-8")
        try:
            response = self.sandbox.handle(bytes(request_body))
        except DropAnswer:  # a Sandbox(chaos=...) losing the answer, as a socket would
            raise http.client.RemoteDisconnected(
                "Remote end closed connection without response"
            ) from None
        self.request_count += 1
        parser, unmarshaller = self.getparser()
        parser.feed(response)
        parser.close()
        return unmarshaller.close()

    def close(self) -> None:
        self.sandbox.close()
