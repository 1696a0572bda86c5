"""Network faults seen by the CLI, each provoked for real by a small server on 127.0.0.1.

Each gives one line on stderr and exit 6. Read-only calls are retried once (the server
sees them twice), calls that create operations are sent once; after a timeout on a
create, the CLI looks the operation up and says what happened.
"""

from __future__ import annotations

import time

import pytest

from gandi_hosting_cli.api.client import RETRY_DELAY
from gandi_hosting_cli.sandbox.seed import SEED_LOGIN, SEED_PASSWORD
from tests.reliability.faulty_server import FaultyProxy, free_port
from tests.reliability.support import STATS, invoke, one_error_line, self_signed_certificate

BROKEN_ANSWERS = ("silent", "cut", "html502", "empty200", "malformed", "close")


@pytest.mark.parametrize("fault", BROKEN_ANSWERS)
def test_a_read_gets_one_line_exit_6_after_its_retries(proxy, fault):
    """A broken answer is retried once; a connection closed without a byte (``close``) is a
    connection error, retried twice (--retries' default) with backoff."""
    proxy.faults = {"*": fault}
    started = time.monotonic()
    result = invoke("--url", proxy.url, "--timeout", "0.5", "account", "info")
    message = one_error_line(result)
    assert "127.0.0.1" in message
    attempts = 3 if fault == "close" else 2
    assert proxy.calls == ["hosting_account_info"] * attempts, proxy.calls
    # short pauses, doubling, before each retry
    assert result.pauses == [RETRY_DELAY * 2**i for i in range(attempts - 1)]
    assert time.monotonic() - started < 8  # attempts of at most 1 s
    STATS["network faults provoked"] += 1


@pytest.mark.parametrize("fault", BROKEN_ANSWERS)
def test_a_call_that_queues_an_operation_is_sent_once(proxy, fault):
    proxy.faults = {"hosting_account_product_add": fault}
    result = invoke(
        "--url", proxy.url, "--timeout", "0.5", "product", "add", "--yes", "shares", "2"
    )
    one_error_line(result)
    assert proxy.calls.count("hosting_account_product_add") == 1, proxy.calls
    STATS["network faults provoked"] += 1


def test_messages_say_what_went_wrong(proxy):
    expected = {
        "silent": "within 0.5 s",
        "html502": "HTTP 502",
        "empty200": "XML-RPC",
        "malformed": "XML-RPC",
    }
    for fault, words in expected.items():
        proxy.faults = {"*": fault}
        message = one_error_line(invoke("--url", proxy.url, "--timeout", "0.5", "os", "list"))
        assert words in message, (fault, message)


def test_connection_refused(monkeypatch):
    monkeypatch.setenv("GANDI_HOSTING_LOGIN", SEED_LOGIN)
    monkeypatch.setenv("GANDI_HOSTING_PASSWORD", SEED_PASSWORD)
    url = f"http://127.0.0.1:{free_port()}/hosting/"
    started = time.monotonic()
    message = one_error_line(invoke("--url", url, "--timeout", "2", "vm", "list"))
    assert "refused" in message
    assert time.monotonic() - started < 5


def test_connection_refused_on_ipv6_loopback(monkeypatch):
    import socket

    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
            port = s.getsockname()[1]
    except OSError:
        pytest.skip("no IPv6 loopback")
    monkeypatch.setenv("GANDI_HOSTING_LOGIN", SEED_LOGIN)
    monkeypatch.setenv("GANDI_HOSTING_PASSWORD", SEED_PASSWORD)
    message = one_error_line(
        invoke("--url", f"http://[::1]:{port}/hosting/", "--timeout", "2", "vm", "list")
    )
    assert "refused" in message


@pytest.fixture
def self_signed(tmp_path):
    return self_signed_certificate(tmp_path, "/CN=127.0.0.1")


def test_tls_endpoint_with_a_self_signed_certificate(self_signed, monkeypatch, sandbox_server):
    monkeypatch.setenv("GANDI_HOSTING_LOGIN", SEED_LOGIN)
    monkeypatch.setenv("GANDI_HOSTING_PASSWORD", SEED_PASSWORD)
    with FaultyProxy(sandbox_server.url, tls=self_signed) as tls:
        message = one_error_line(invoke("--url", tls.url, "--timeout", "5", "vm", "list"))
        assert "certificate" in message.lower()
        assert tls.calls == []  # nothing was sent over the unverified connection


def test_a_create_whose_answer_is_lost_is_looked_up_not_resent(proxy, sandbox_server):
    """vm_create reaches the sandbox (the VM exists) but its answer never comes back."""
    ready = invoke("--url", proxy.url, "product", "add", "--yes", "shares", "4", "--wait")
    assert ready.exit_code == 0, ready.output
    proxy.calls.clear()
    proxy.faults = {"vm_create": "forward-silent"}
    result = invoke(
        "--url", proxy.url, "--timeout", "1.0", "vm", "create", "web1", "--os", "111",
        "--shares", "1", "--password-stdin",
        input="rootpassword1\n",
    )  # fmt: skip
    assert proxy.calls.count("vm_create") == 1, proxy.calls  # never sent twice
    assert "operation_list" in proxy.calls[proxy.calls.index("vm_create") :]
    with sandbox_server.proxy() as api:
        session = sandbox_server.login()
        vms = api.vm_list(session)
        assert len(vms) == 1
        ops = api.operation_list(session, {"type": "vm_create"})
    # the user is told the VM and its operation exist, and not to create it again
    message = one_error_line(result)
    assert f"vm {vms[0]}" in message and f"operation {ops[0]}" in message, message
    assert f"op wait {ops[0]}" in message


def test_a_disk_create_whose_answer_is_lost_is_looked_up(proxy, sandbox_server):
    assert (
        invoke("--url", proxy.url, "product", "add", "--yes", "shares", "1", "--wait").exit_code
        == 0
    )
    proxy.faults = {"disk_create": "forward-silent"}
    result = invoke("--url", proxy.url, "--timeout", "1.0", "disk", "create", "d1", "--size", "1G")
    assert proxy.calls.count("disk_create") == 1, proxy.calls
    message = one_error_line(result)
    with sandbox_server.proxy() as api:
        session = sandbox_server.login()
        (disk,) = api.disk_list(session)
        (op,) = api.operation_list(session, {"type": "disk_create"})
    assert f"disk {disk}" in message and f"operation {op}" in message, message


def test_a_create_lost_before_the_server_is_reported_as_not_created(proxy, sandbox_server):
    """The request never reached the sandbox: the lookup finds nothing, so the user may retry."""
    ready = invoke("--url", proxy.url, "product", "add", "--yes", "shares", "4", "--wait")
    assert ready.exit_code == 0, ready.output
    proxy.calls.clear()
    proxy.faults = {"vm_create": "silent"}
    result = invoke(
        "--url", proxy.url, "--timeout", "1.0", "vm", "create", "web1", "--os", "111",
        "--shares", "1", "--password-stdin",
        input="rootpassword1\n",
    )  # fmt: skip
    assert result.exit_code == 6, result.output
    assert proxy.calls.count("vm_create") == 1, proxy.calls
    message = one_error_line(result)
    assert "web1 was not created" in message and "safe to try again" in message, message
    with sandbox_server.proxy() as api:
        assert api.vm_list(sandbox_server.login()) == []
