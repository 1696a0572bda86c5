"""The value rules kept once (gandi_hosting_cli/rules.py): the CLI and the sandbox refuse
the same values, whole values only (a trailing newline is not a hostname's last letter)."""

from __future__ import annotations

import xmlrpc.client

import pytest

from gandi_hosting_cli import rules
from tests.sandbox.helpers import fault_code, with_shares

PASSWORD = "root-password-1"


@pytest.mark.parametrize("text", ["web1\n", "web1\r\n", "\nweb1", "-web", "web-", "a" * 64, ""])
def test_hostname_rule_takes_whole_rfc1123_labels_only(text):
    assert not rules.is_hostname(text)


@pytest.mark.parametrize("text", ["data\n", "da ta", "a" * 65, "", "données"])
def test_disk_name_rule_takes_whole_names_only(text):
    assert not rules.is_disk_name(text)


@pytest.mark.parametrize("text", ["1m\n", "0m", "121m", "11y", "1M", " 1m"])
def test_duration_rule_refuses_other_shapes(text):
    assert not rules.is_duration(text)


def test_rules_accept_the_values_the_spec_samples_send():
    assert rules.is_hostname("web1") and rules.is_hostname("a" * 63)
    assert rules.is_disk_name("data_1.bak-2")
    assert rules.duration_months("1y") == 12 and rules.duration_months("120m") == 120
    assert rules.size_megabytes("2G") == 2048 and rules.parse_id("101") == 101
    assert rules.cpu_problem(2, 1) and rules.cpu_problem(9, 16) and not rules.cpu_problem(8, 16)


@pytest.mark.parametrize("text", ["١٠١", "²", "1_000", "0", str(2**31)])
def test_ids_are_ascii_digits_within_32_bits(text):
    with pytest.raises(rules.RuleError):
        rules.parse_id(text)


def test_cli_refuses_a_hostname_with_a_newline_and_sends_nothing(cli, logged_in):
    before = logged_in.request_count
    result = cli(
        "--url", logged_in.url, "vm", "create", "web1\n", "--os", "111", "--shares", "1",
        "--password-stdin", input=PASSWORD + "\n",
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert "not a valid hostname" in result.stderr
    assert logged_in.request_count == before


def test_cli_refuses_a_disk_name_with_a_newline_and_sends_nothing(cli, logged_in):
    before = logged_in.request_count
    result = cli("--url", logged_in.url, "disk", "create", "data\n", "--size", "1024")
    assert result.exit_code == 2, result.output
    assert "not a valid disk name" in result.stderr
    assert logged_in.request_count == before


def test_sandbox_refuses_a_disk_named_with_a_newline(sandbox_server):
    session = sandbox_server.login()
    with sandbox_server.proxy() as api:
        code = fault_code(api.disk_create, session, {"name": "data\n", "size": 1024})
        assert code == 530420  # disk name syntax
        assert api.disk_list(session) == []


def test_sandbox_refuses_a_hostname_with_a_newline(sandbox_server):
    session = sandbox_server.login()
    with sandbox_server.proxy() as api:
        with_shares(api, session, 2)
        code = fault_code(api.vm_create, session, "web1\n", PASSWORD, 111, 1, 1, {})
        assert code == 530238  # hostname is not an RFC 1123 label
        assert api.vm_list(session) == []


def test_sandbox_refuses_a_duration_with_a_newline(sandbox_server):
    session = sandbox_server.login()
    with sandbox_server.proxy() as api:
        assert fault_code(api.hosting_account_product_add, session, "shares", 1, "1m\n") == 501920


def test_root_is_refused_as_the_user_to_create_by_both(cli, logged_in):
    result = cli(
        "--url", logged_in.url, "vm", "create", "web1", "--os", "111", "--shares", "1",
        "--login", "root", "--password-stdin", input=PASSWORD + "\n",
    )  # fmt: skip
    assert result.exit_code == 2 and "exists on every VM" in result.stderr
    session = logged_in.login()
    with xmlrpc.client.ServerProxy(logged_in.url) as api:
        with_shares(api, session, 2)
        spec = {"login": "root"}
        assert fault_code(api.vm_create, session, "web1", PASSWORD, 111, 1, 1, spec) == 530230
