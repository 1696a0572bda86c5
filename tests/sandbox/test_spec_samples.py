"""The spec's own Python samples (ported to Python 3) against a real `sandbox serve` process."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RUNNER = Path(__file__).parent / "spec_samples" / "_run.py"


@pytest.fixture
def served(serve_process):
    """`python -m gandi_hosting_cli sandbox serve` on a free port: (url, process)."""
    server = serve_process()
    return server.url, server


def test_spec_python_samples_run_against_sandbox_serve(served):
    url, server = served
    result = subprocess.run(
        [sys.executable, str(RUNNER), url], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "prepaid account currency: EUR" in out
    assert "prepaid account balance: 500" in out
    assert "created operation#" in out
    assert "creating VM#" in out and "creating disk#" in out
    assert "could not retrieve informations of VM#456 because: DataError: VM does not exist" in out
    assert "Traceback" not in result.stderr

    # SIGTERM stops it cleanly; one log line per request, no secret in any of them
    assert server.stop(signal.SIGTERM) == 0
    log = server.log
    requests = [line for line in log.splitlines() if '"POST /hosting/" 200' in line]
    assert len(requests) == 26  # one call per sample, login included
    assert "Sandbox stopped after 26 requests." in log
    assert "mypassword" not in log and "my_password" not in log


def test_a_killed_server_loses_nothing_it_answered(served, tmp_path):
    import xmlrpc.client

    from gandi_hosting_cli.sandbox.in_process import InProcessTransport

    url, server = served
    with xmlrpc.client.ServerProxy(url) as api:
        session = api.login("AA1234-GANDI", "mypassword")
        api.hosting_account_product_add(session, "shares", 2, "1m")
        vm_id = api.vm_create(session, "survivor", "s3cret-pass", 111, 1, 1, {})
    server.kill()  # SIGKILL: no shutdown, no checkpoint
    transport = InProcessTransport(state_path=tmp_path / "served.sqlite3", op_delay=0)
    with xmlrpc.client.ServerProxy("http://sandbox/hosting/", transport=transport) as api:
        assert api.vm_info(session, vm_id)["hostname"] == "survivor"
        assert api.account_balance(session) == 490.0
