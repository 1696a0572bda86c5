"""HostingClient against a real sandbox server: typed methods, batching, renewal, tracing."""

from __future__ import annotations

import time
from datetime import datetime, timezone

import pytest

from gandi_hosting_cli.api.client import HostingClient
from gandi_hosting_cli.api.errors import AuthError, NotFound
from gandi_hosting_cli.api.methods import SPEC_METHODS
from gandi_hosting_cli.api.trace import Tracer
from gandi_hosting_cli.sandbox.seed import SEED_LOGIN, SEED_PASSWORD


def logged_in_client(url, **kw):
    client = HostingClient(url, **kw)
    client.session = client.login(SEED_LOGIN, SEED_PASSWORD)
    return client


def test_one_typed_method_per_spec_method_and_the_server_knows_them_all(sandbox_server):
    client = HostingClient(sandbox_server.url)
    served = set(client.raw_call("system.listMethods"))
    assert len(SPEC_METHODS) == 28
    for name in (*SPEC_METHODS, "su"):
        assert callable(getattr(client, name)), name
        assert name in served, name


def test_typed_methods_inject_the_session_and_return_python_values(sandbox_server):
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


def test_faults_are_raised_typed(sandbox_server):
    with pytest.raises(AuthError) as bad:
        HostingClient(sandbox_server.url).login(SEED_LOGIN, "wrong-password")
    assert bad.value.code == 500150
    client = logged_in_client(sandbox_server.url)
    with pytest.raises(NotFound) as missing:
        client.vm_info(424242)
    assert missing.value.code == 530240


def test_multicall_batches_reads_in_one_request_with_per_call_errors(sandbox_server):
    client = logged_in_client(sandbox_server.url)
    before = sandbox_server.request_count
    currency, missing, images = client.multicall(
        [("account_currency", ()), ("vm_info", (424242,)), ("os_list", ())]
    )
    assert sandbox_server.request_count == before + 1
    assert currency == "EUR"
    assert isinstance(missing, NotFound) and missing.code == 530240
    assert isinstance(images, list)


def test_multicall_falls_back_to_single_calls_and_remembers_it(make_sandbox_server):
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


def test_an_expired_session_is_renewed_once_and_the_call_retried(make_sandbox_server):
    server = make_sandbox_server(session_ttl=0.3)
    renewals = []

    def renew(client):
        renewals.append(1)
        return client.login(SEED_LOGIN, SEED_PASSWORD)

    client = HostingClient(server.url, renew=renew)
    assert client.account_currency() == "EUR"  # no session yet: renew first
    time.sleep(0.4)
    assert client.account_currency() == "EUR"
    time.sleep(0.4)
    assert client.multicall([("account_currency", ())]) == ["EUR"]
    assert len(renewals) == 3


def test_without_a_way_to_renew_an_expired_session_is_an_auth_error(make_sandbox_server):
    server = make_sandbox_server(session_ttl=0.3)
    client = logged_in_client(server.url)
    time.sleep(0.4)
    with pytest.raises(AuthError) as info:
        client.account_currency()
    assert info.value.code == 500249
    assert "gandi-hosting login" in info.value.hint


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
