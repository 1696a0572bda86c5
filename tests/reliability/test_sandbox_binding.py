"""``sandbox serve`` binds to 127.0.0.1 unless told otherwise, and warns when told otherwise.

No test binds outside the loopback: the warning is shown before binding, so an address
this machine does not have (192.0.2.1, TEST-NET-1) shows it and then fails to bind.
"""

from __future__ import annotations

import subprocess
import sys


def test_serve_binds_to_the_loopback_by_default_without_a_warning(serve_process):
    server = serve_process()
    assert server.url.startswith("http://127.0.0.1:")
    server.stop()
    assert "Warning" not in server.log


def test_serving_on_another_address_warns(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "gandi_hosting_cli", "sandbox", "serve", "--host", "192.0.2.1",
         "--port", "0", "--state", str(tmp_path / "state.sqlite3")],
        capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert "Warning: listening on 192.0.2.1" in result.stderr, result.stderr
    assert "reachable from other machines" in result.stderr
    assert result.returncode == 1  # and then it cannot bind there: a one-line error
    assert "Traceback" not in result.stderr


def test_ipv6_loopback_is_no_cause_for_a_warning(serve_process):
    import socket

    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
    except OSError:
        import pytest

        pytest.skip("no IPv6 loopback")
    server = serve_process(extra=("--host", "::1"))
    assert server.url.startswith("http://[::1]:")
    server.stop()
    assert "Warning" not in server.log
