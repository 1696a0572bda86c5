"""HostingClient against a real sandbox server: typed methods, batching, renewal, tracing,
the XML-RPC int range, and the in-process transport of the ``sandbox`` URL."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from gandi_hosting_cli.api.client import HostingClient
from gandi_hosting_cli.api.methods import SPEC_METHODS
from gandi_hosting_cli.api.trace import Tracer
from gandi_hosting_cli.errors import AuthError, Hint, LocalUsageError, NotFound
from gandi_hosting_cli.exit_codes import ExitCode
from gandi_hosting_cli.sandbox.seed import SEED_LOGIN, SEED_PASSWORD


def test_one_typed_method_per_spec_method_and_the_server_knows_them_all(sandbox_server):
    client = HostingClient(sandbox_server.url)
    served = set(client.raw_call("system.listMethods"))
    assert len(SPEC_METHODS) == 28
    for name in (*SPEC_METHODS, "su"):
        assert callable(getattr(client, name)), name
        assert name in served, name


def test_typed_methods_inject_the_session_and_return_python_values(
    sandbox_server, logged_in_client
):
    client = logged_in_client(sandbox_server.url)
    assert client.account_currency() == "EUR"
    assert isinstance(client.account_balance(), float)
    assert 111 in [image["id"] for image in client.os_list()]
    opid = client.hosting_account_product_add("shares", 2, "1m")
    details = client.operation_details(opid)
    assert details["type"] == "hosting_account_product_add"
    assert isinstance(details["date_create"], datetime)
    assert details["date_create"].tzinfo == timezone.utc
    since = datetime(2000, 1, 1, tzinfo=timezone.utc)
    assert opid in client.operation_list({"created_after": since})
    assert opid in client.operation_list()


def test_faults_are_raised_typed(sandbox_server, logged_in_client):
    with pytest.raises(AuthError) as bad:
        HostingClient(sandbox_server.url).login(SEED_LOGIN, "wrong-password")
    assert (bad.value.code, bad.value.exit_code) == (500150, ExitCode.AUTH)
    client = logged_in_client(sandbox_server.url)
    with pytest.raises(NotFound) as missing:
        client.vm_info(424242)
    assert missing.value.code == 530240


def test_multicall_batches_reads_in_one_request_with_per_call_errors(
    sandbox_server, logged_in_client
):
    client = logged_in_client(sandbox_server.url)
    before = sandbox_server.request_count
    currency, missing, images = client.multicall(
        [("account_currency", ()), ("vm_info", (424242,)), ("os_list", ())]
    )
    assert sandbox_server.request_count == before + 1
    assert currency == "EUR"
    assert isinstance(missing, NotFound) and missing.code == 530240
    assert isinstance(images, list)


def test_multicall_falls_back_to_single_calls_and_remembers_it(
    make_sandbox_server, logged_in_client
):
    server = make_sandbox_server(multicall=False)
    client = logged_in_client(server.url)
    calls = [("account_currency", ()), ("vm_info", (424242,)), ("account_balance", ())]
    before = server.request_count
    first = client.multicall(calls)
    assert first[0] == "EUR" and isinstance(first[1], NotFound)
    assert isinstance(first[2], float)
    assert server.request_count == before + 1 + 3  # refused multicall, then 3 single calls
    again = logged_in_client(server.url, capabilities=client.capabilities)
    before = server.request_count
    again.multicall(calls)
    assert server.request_count == before + 3  # the fallback is remembered


def test_an_expired_session_is_renewed_once_and_the_call_retried(make_sandbox_server, clock):
    server = make_sandbox_server(session_ttl=60, clock=clock)
    renewals = []

    def renew(client):
        renewals.append(1)
        return client.login(SEED_LOGIN, SEED_PASSWORD)

    client = HostingClient(server.url, renew=renew)
    assert client.account_currency() == "EUR"  # no session yet: renew first
    clock.tick(61)
    assert client.account_currency() == "EUR"
    clock.tick(61)
    assert client.multicall([("account_currency", ())]) == ["EUR"]
    assert len(renewals) == 3


def test_without_a_way_to_renew_an_expired_session_is_an_auth_error(
    make_sandbox_server, clock, logged_in_client
):
    server = make_sandbox_server(session_ttl=60, clock=clock)
    client = logged_in_client(server.url)
    clock.tick(59)
    assert client.account_currency() == "EUR"  # not yet
    clock.tick(2)
    with pytest.raises(AuthError) as info:
        client.account_currency()
    assert info.value.code == 500249
    assert info.value.hint == Hint("login")  # cli/ renders it as `gandi-hosting login`


def test_trace_redacts_passwords_and_session_ids(sandbox_server):
    lines: list[str] = []
    client = HostingClient(sandbox_server.url, tracer=Tracer(lines.append))
    client.session = client.login(SEED_LOGIN, SEED_PASSWORD)
    client.hosting_account_product_add("shares", 2, "1m")
    client.vm_create("web1", "s3cret-root-pw", 111, 1, 1, {"login": "admin"})
    client.multicall([("vm_info", (424242,)), ("account_currency", ())])
    text = "\n".join(lines)
    assert "-> login('AA1234-GANDI', ***, True)" in text
    assert "-> vm_create(***, 'web1', ***, 111, 1, 1, {'login': 'admin'})" in text
    assert "system.multicall[2](vm_info(***, 424242), account_currency(***))" in text
    assert SEED_PASSWORD not in text and "s3cret-root-pw" not in text
    assert client.session not in text
    assert any(line.startswith("<- ") and line.endswith(" ms)") for line in lines)


def test_the_debug_trace_goes_to_stderr_never_stdout(cli):
    result = cli("--sandbox", "--debug", "account", "balance")
    assert result.exit_code == 0, result.output
    assert "account_balance(***)" in result.stderr
    assert "account_balance" not in result.stdout


def test_the_api_layer_never_prints_and_the_tracer_needs_a_writer():
    import ast
    from pathlib import Path

    from gandi_hosting_cli import api

    for path in Path(api.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
        assert not [c for c in calls if getattr(c.func, "id", None) == "print"], path
    with pytest.raises(TypeError):
        Tracer()  # type: ignore[call-arg]
    lines: list[str] = []
    Tracer(lines.append).note("hello")
    assert lines == ["-- hello"]


# -- an int the XML-RPC wire cannot carry is a usage error (exit 2), nothing sent ----------
def test_an_int_outside_the_xmlrpc_range_is_a_usage_error_before_sending(
    sandbox_server, logged_in_client
):
    client = logged_in_client(sandbox_server.url)
    before = sandbox_server.request_count
    for call in (
        lambda: client.vm_info(2**31),
        lambda: client.disk_create({"name": "d", "size": -(2**31) - 1}),
        lambda: client.multicall([("vm_info", (1,)), ("disk_info", (99999999999,))]),
    ):
        with pytest.raises(LocalUsageError) as refused:
            call()
        assert refused.value.exit_code == ExitCode.USAGE
        assert "outside the XML-RPC int range" in refused.value.message
        assert "nothing was sent" in refused.value.message
    assert "99999999999" in refused.value.message and "disk_info" in refused.value.message
    assert sandbox_server.request_count == before
    assert client.request_count == 1  # the login only
    with pytest.raises(NotFound) as missing:
        client.vm_info(2**31 - 1)  # the largest int is still sent
    assert missing.value.code == 530240


def test_the_cli_client_refuses_an_out_of_range_int_with_exit_2(logged_in):
    from gandi_hosting_cli.cli.context import AppContext

    # the CLI's own checks usually refuse such a value first; this is the safety net
    app = AppContext(url=logged_in.url)
    with pytest.raises(LocalUsageError) as refused:
        app.client.call("vm_info", 2**40)
    assert refused.value.exit_code == ExitCode.USAGE


def test_the_cli_context_builds_the_in_process_transport_itself():
    from gandi_hosting_cli.cli.context import AppContext
    from gandi_hosting_cli.sandbox.in_process import InProcessTransport

    app = AppContext(url="sandbox")
    transport = app.sandbox_transport()
    assert isinstance(transport, InProcessTransport)
    transport.close()
    client = app.new_client()
    assert client.endpoint == "http://sandbox/hosting/"
    assert isinstance(client._proxy._ServerProxy__transport, InProcessTransport)
    client.session = client.login(SEED_LOGIN, SEED_PASSWORD)
    assert client.account_currency() == "EUR"
    client.close()
