"""Transport failures become one NetworkError (exit 6) naming the endpoint.

Each case is a real socket on 127.0.0.1: nothing listening, a server that never answers,
an HTTP error page, a body that is not XML-RPC. Also checks the User-Agent we send.
"""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from gandi_hosting_cli import __version__
from gandi_hosting_cli.api.client import HostingClient
from gandi_hosting_cli.errors import NetworkError
from gandi_hosting_cli.exit_codes import ExitCode

OK_BODY = (
    b"<?xml version='1.0'?><methodResponse><params><param><value><string>EUR</string>"
    b"</value></param></params></methodResponse>"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def http_server():
    """Serve a fixed (status, content type, body); record requests' headers."""
    seen: list[dict[str, str]] = []
    reply = {"status": 200, "type": "text/xml", "body": OK_BODY}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            seen.append(dict(self.headers))
            self.send_response(reply["status"])
            self.send_header("Content-Type", reply["type"])
            self.send_header("Content-Length", str(len(reply["body"])))
            self.end_headers()
            self.wfile.write(reply["body"])

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True).start()
    server.url = f"http://127.0.0.1:{server.server_address[1]}/hosting/"
    server.seen = seen
    server.reply = reply
    yield server
    server.shutdown()
    server.server_close()


def test_user_agent_names_the_tool_and_its_version(http_server):
    client = HostingClient(http_server.url, session="s")
    assert client.account_currency() == "EUR"
    assert http_server.seen[0]["User-Agent"] == f"gandi-hosting/{__version__}"


def test_nothing_listening_is_a_network_error_naming_the_endpoint():
    url = f"http://127.0.0.1:{free_port()}/hosting/"
    client = HostingClient(url, session="s", retry_delay=0)
    with pytest.raises(NetworkError) as info:
        client.account_currency()
    assert info.value.exit_code == ExitCode.NETWORK
    assert url in info.value.message and "refused" in info.value.message
    assert client.request_count == 3  # a read is retried twice after a connection error


def test_methods_that_create_operations_are_never_retried():
    client = HostingClient(f"http://127.0.0.1:{free_port()}/", session="s", retry_delay=0)
    with pytest.raises(NetworkError):
        client.vm_start(101)
    assert client.request_count == 1


def test_a_silent_server_times_out():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/"
        client = HostingClient(url, session="s", timeout=0.2, retry_delay=0)
        with pytest.raises(NetworkError, match="no answer .* within 0.2 s"):
            client.account_currency()


@pytest.mark.parametrize(
    ("status", "ctype", "body", "expected"),
    [
        (502, "text/html", b"<html>Bad gateway</html>", "answered HTTP 502"),
        (200, "text/html", b"<html><body>Welcome!</body></html>", "did not answer with XML-RPC"),
        (200, "text/plain", b"hello", "did not answer with XML-RPC"),
        (200, "text/xml", b"", "did not answer with XML-RPC"),
    ],
)
def test_error_pages_and_foreign_bodies_are_network_errors(
    http_server, status, ctype, body, expected
):
    http_server.reply.update(status=status, type=ctype, body=body)
    client = HostingClient(http_server.url, session="s", retry_delay=0)
    with pytest.raises(NetworkError, match=expected):
        client.account_currency()


def test_credentials_in_the_url_are_not_shown():
    client = HostingClient(
        f"http://user:secret@127.0.0.1:{free_port()}/", session="s", retry_delay=0
    )
    with pytest.raises(NetworkError) as info:
        client.account_currency()
    assert "secret" not in info.value.message


def test_tls_failure_is_a_network_error(http_server):
    # an https URL pointing at a plain-HTTP server: the TLS handshake fails
    url = http_server.url.replace("http://", "https://")
    client = HostingClient(url, session="s", retry_delay=0, timeout=5)
    with pytest.raises(NetworkError, match="TLS"):
        client.account_currency()
