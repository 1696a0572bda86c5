"""Failures on demand (``sandbox serve --fail/--fault-rate/--drop-rate/--latency``): the
served command as a subprocess, driven by the real CLI and by a bare xmlrpc.client."""

from __future__ import annotations

import http.client
import xmlrpc.client

import pytest
from click.testing import CliRunner

from gandi_hosting_cli.cli import cli as root
from gandi_hosting_cli.sandbox.chaos import Chaos, FailRule
from gandi_hosting_cli.sandbox.dispatcher import Sandbox
from gandi_hosting_cli.sandbox.in_process import InProcessTransport
from gandi_hosting_cli.sandbox.seed import SEED_LOGIN, SEED_PASSWORD

PASSWORD = "rootpass-123"

MANIFEST = """
[[vm]]
hostname = "web1"
os = "Debian 12"
shares = 1
disks = ["data1"]

[[vm]]
hostname = "web2"
os = "Debian 12"
shares = 1
disks = ["data2"]

[[disk]]
name = "data1"
size = 1024

[[disk]]
name = "data2"
size = 1024
"""


def _login(cli, url: str) -> None:
    result = cli("--url", url, "login", SEED_LOGIN, "--password-stdin", input=SEED_PASSWORD + "\n")
    assert result.exit_code == 0, result.output


def _buy_shares(url: str) -> None:
    with xmlrpc.client.ServerProxy(url) as api:
        session = api.login(SEED_LOGIN, SEED_PASSWORD)
        api.hosting_account_product_add(session, "shares", 8, "1m")


def _hostnames(url: str) -> list[str]:
    with xmlrpc.client.ServerProxy(url) as api:
        session = api.login(SEED_LOGIN, SEED_PASSWORD)
        return sorted(api.vm_info(session, i)["hostname"] for i in api.vm_list(session))


def _states(url: str) -> dict[str, str]:
    with xmlrpc.client.ServerProxy(url) as api:
        session = api.login(SEED_LOGIN, SEED_PASSWORD)
        infos = [api.vm_info(session, i) for i in api.vm_list(session)]
    return {info["hostname"]: info["state"] for info in infos}


def _create(cli, url: str, hostname: str):
    return cli("--url", url, "vm", "create", hostname, "--os", "111", "--shares", "1",
               "--password-stdin", "--wait", input=PASSWORD + "\n")  # fmt: skip


def test_fail_rule_makes_that_vms_create_exit_5_and_no_other(cli, serve_process):
    served = serve_process(extra=("--fail", "vm_create:web2"))
    _buy_shares(served.url)
    _login(cli, served.url)
    assert _create(cli, served.url, "web1").exit_code == 0
    failed = _create(cli, served.url, "web2")
    assert failed.exit_code == 5, failed.output
    assert "ERROR" in failed.output
    assert _states(served.url) == {"web1": "running", "web2": "being_created"}


def test_fail_rules_error_queued_operations_and_fault_calls_that_queue_nothing(serve_process):
    served = serve_process(
        extra=("--fail", "hosting_account_product_renew", "--fail", "vm_info:web2")
    )
    _buy_shares(served.url)
    with xmlrpc.client.ServerProxy(served.url) as api:
        session = api.login(SEED_LOGIN, SEED_PASSWORD)
        (product,) = api.hosting_account_info(session)["products"]
        balance = api.account_balance(session)
        opid = api.hosting_account_product_renew(session, product["id"], "1m")
        details = api.operation_details(session, opid)
        assert details["state"] == "ERROR"
        assert details["comment"] == "simulated failure: --fail hosting_account_product_renew"
        assert api.operation_cancel(session, opid) is True
        assert api.account_balance(session) == balance  # cancelling refunds it
        web1 = api.vm_create(session, "web1", PASSWORD, 111, 1, 1, {})
        web2 = api.vm_create(session, "web2", PASSWORD, 111, 1, 1, {})
        assert api.vm_info(session, web1)["hostname"] == "web1"
        with pytest.raises(xmlrpc.client.Fault) as refused:
            api.vm_info(session, web2)
    assert refused.value.faultCode == 150000
    assert refused.value.faultString == "ServerError: simulated failure (--fail vm_info:web2)"


def test_apply_exits_5_with_the_other_actions_done_and_converges_once_lifted(
    cli, serve_process, tmp_path, monkeypatch
):
    site = tmp_path / "site.toml"
    site.write_text(MANIFEST)
    served = serve_process(extra=("--fail", "vm_create:web2"))
    _buy_shares(served.url)
    _login(cli, served.url)
    apply = ("apply", str(site), "--yes", "--password-stdin")
    failed = cli("--url", served.url, *apply, input=PASSWORD + "\n")
    assert failed.exit_code == 5, failed.output
    assert _states(served.url) == {"web1": "running", "web2": "being_created"}

    served.stop()
    lifted = serve_process()  # the same state, no --fail
    _login(cli, lifted.url)
    # a create that ended in ERROR holds its name until it is deleted (its operation
    # cancelled): what the CLI's own message tells the user to do
    assert cli("--url", lifted.url, "vm", "delete", "web2", "--yes", "--wait").exit_code == 0
    converged = cli("--url", lifted.url, *apply, input=PASSWORD + "\n")
    assert converged.exit_code == 0, converged.output
    assert cli("--url", lifted.url, "plan", str(site)).exit_code == 0
    assert _states(lifted.url) == {"web1": "running", "web2": "running"}


def test_a_lost_create_answer_is_recovered_and_nothing_is_created_twice(
    cli, serve_process, tmp_path
):
    served = serve_process(extra=("--drop-rate", "1", "--chaos-method", "vm_create"))
    _buy_shares(served.url)
    _login(cli, served.url)
    lost = _create(cli, served.url, "web2")
    assert lost.exit_code == 6, lost.output
    assert "the server did queue it" in lost.output and "do not create it again" in lost.output
    site = tmp_path / "site.toml"
    site.write_text('[[vm]]\nhostname = "web2"\nos = "Debian 12"\nshares = 1\n')
    again = cli("--url", served.url, "apply", str(site), "--yes", "--password-stdin",
                input=PASSWORD + "\n")  # fmt: skip
    assert again.exit_code == 0, again.output
    assert _hostnames(served.url) == ["web2"]
    assert "(answer dropped)" in served.log


def _fault_sequence(extra: tuple[str, ...], serve_process, state) -> list[bool]:
    served = serve_process(state, extra=(*extra, "--chaos-method", "account_currency"))
    seen = []
    try:
        with xmlrpc.client.ServerProxy(served.url) as api:
            session = api.login(SEED_LOGIN, SEED_PASSWORD)
            for _ in range(30):
                try:
                    assert api.account_currency(session) == "EUR"
                    seen.append(False)
                except xmlrpc.client.Fault as fault:
                    assert fault.faultString == "ServerError: simulated failure (--fault-rate)"
                    seen.append(True)
    finally:
        served.stop()
    return seen


def test_fault_rate_with_a_random_seed_gives_the_same_sequence_twice(serve_process, tmp_path):
    extra = ("--fault-rate", "0.3", "--random-seed", "1")
    first = _fault_sequence(extra, serve_process, tmp_path / "a.sqlite3")
    second = _fault_sequence(extra, serve_process, tmp_path / "b.sqlite3")
    assert first == second
    assert 3 <= sum(first) <= 20  # some calls fault, most do not


def test_a_dropped_answer_in_process_is_a_lost_connection_after_the_work(tmp_path):
    box = Sandbox(tmp_path / "s.sqlite3", op_delay=0, chaos=Chaos(drop_rate=1, methods=["login"]))
    api = xmlrpc.client.ServerProxy("http://sandbox/hosting/", transport=InProcessTransport(box))
    with pytest.raises(http.client.RemoteDisconnected):
        api.login(SEED_LOGIN, SEED_PASSWORD)
    with box.store.read() as conn:
        assert conn.execute("SELECT COUNT(*) FROM sessions").fetchone()[0] == 1  # done
    box.close()


def test_fail_rule_parsing():
    assert FailRule.parse("vm_create:web2") == FailRule("vm_create", "web2")
    assert FailRule.parse("vm_info") == FailRule("vm_info", None)
    with pytest.raises(ValueError):
        FailRule.parse("vm_create:")


@pytest.mark.parametrize(
    "args, hint",
    [
        (["--fail", "vm_crate:web2"], "vm_crate"),
        (["--chaos-method", "nope"], "nope"),
        (["--drop-rate", "1.5"], "--drop-rate"),
        (["--fail", ":web2"], "--fail"),
    ],
)
def test_serve_refuses_bad_failure_options_with_exit_2(tmp_path, args, hint):
    state = str(tmp_path / "s.sqlite3")
    result = CliRunner().invoke(root, ["sandbox", "serve", "--state", state, *args])
    assert result.exit_code == 2
    assert hint in result.output and "Traceback" not in result.output
