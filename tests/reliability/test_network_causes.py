"""Errors that name their cause: an endpoint nobody listens on, a host that does not
resolve, a server lost during a wait; reads retried with backoff on connection errors
(``--retries``), writes never.
"""

from __future__ import annotations

import re

import pytest

from gandi_hosting_cli.sandbox.seed import SEED_LOGIN
from tests.reliability.faulty_server import free_port
from tests.reliability.support import invoke, one_error_line


def test_nothing_listening_is_a_network_error_naming_the_url_not_a_session_one():
    # no session cached for this URL: the tool cannot log in, but the cause is the server
    url = f"http://127.0.0.1:{free_port()}/hosting/"
    message = one_error_line(invoke("--url", url, "os", "list"))
    assert url in message and "refused" in message, message
    assert "session" not in message and "login" not in message


def test_nothing_listening_with_a_login_known_is_still_a_network_error(monkeypatch):
    monkeypatch.setenv("GANDI_HOSTING_LOGIN", SEED_LOGIN)  # a login, no password
    port = free_port()
    url = f"http://bob:s3cret@127.0.0.1:{port}/x/"
    message = one_error_line(invoke("--url", url, "os", "list"))
    assert f"http://127.0.0.1:{port}/x/" in message  # the credentials stripped
    assert "s3cret" not in message and "bob" not in message


def test_a_host_that_does_not_resolve_is_named():
    message = one_error_line(invoke("--url", "http://no-such-host.invalid/hosting/", "os", "list"))
    assert "no-such-host.invalid" in message and "resolve" in message


def test_a_read_is_retried_after_a_connection_error_as_many_times_as_asked(proxy):
    proxy.faults = {"os_list": "close"}
    message = one_error_line(invoke("--url", proxy.url, "os", "list"))
    assert proxy.url in message
    assert proxy.calls.count("os_list") == 3  # the default: 2 retries
    proxy.calls.clear()
    one_error_line(invoke("--url", proxy.url, "--retries", "0", "os", "list"))
    assert proxy.calls.count("os_list") == 1
    proxy.calls.clear()
    one_error_line(invoke("--url", proxy.url, "os", "list", env={"GANDI_HOSTING_RETRIES": "4"}))
    assert proxy.calls.count("os_list") == 5
    proxy.faults = {}
    assert invoke("--url", proxy.url, "--retries", "0", "os", "list").exit_code == 0


def test_a_bad_retries_value_is_a_usage_error(proxy):
    result = invoke("--url", proxy.url, "os", "list", env={"GANDI_HOSTING_RETRIES": "many"})
    assert result.exit_code == 2 and "GANDI_HOSTING_RETRIES" in result.stderr
    assert invoke("--url", proxy.url, "--retries", "99", "os", "list").exit_code == 2
    assert proxy.calls == []


def test_a_write_is_never_retried_after_a_connection_error(proxy):
    proxy.faults = {"hosting_account_product_add": "close"}
    one_error_line(invoke("--url", proxy.url, "product", "add", "shares", "1", "--yes"))
    assert proxy.calls.count("hosting_account_product_add") == 1


@pytest.mark.parametrize("count", [1, 2])
def test_a_wait_that_loses_the_server_says_what_goes_on_and_how_to_follow_it(proxy, count):
    """The operation was queued; the server is gone when the wait polls it."""
    if count == 1:
        args = ("product", "add", "shares", "1", "--yes", "--wait")
    else:
        for setup in (
            ("product", "add", "shares", "2", "--yes", "--wait"),
            ("disk", "create", "d1", "--size", "1G", "--wait"),
            ("disk", "create", "d2", "--size", "1G", "--wait"),
        ):
            assert invoke("--url", proxy.url, *setup).exit_code == 0
        args = ("disk", "delete", "d1", "d2", "--yes", "--wait")
    proxy.faults = {"operation_details": "close"}
    message = one_error_line(invoke("--url", proxy.url, *args))
    assert "stopped waiting" in message and proxy.url in message, message
    ids = re.search(r"op wait ([0-9 ]+)`", message).group(1).split()
    assert len(ids) == count
    assert (" goes on" if count == 1 else " go on") in message
    proxy.faults = {}  # the server is back: the hint's command follows them
    follow = invoke("--url", proxy.url, "op", "wait", *ids)
    assert follow.exit_code == 0, follow.output


def test_a_tls_failure_without_a_session_is_named_not_a_login_problem(tmp_path, sandbox_server):
    from tests.reliability.faulty_server import FaultyProxy
    from tests.reliability.support import self_signed_certificate

    cert = self_signed_certificate(tmp_path, "/CN=127.0.0.1")
    with FaultyProxy(sandbox_server.url, tls=cert) as tls:
        message = one_error_line(invoke("--url", tls.url, "--timeout", "5", "vm", "list"))
        assert "certificate" in message.lower() and tls.url in message, message
        assert "login" not in message and "session" not in message
        assert tls.calls == []
