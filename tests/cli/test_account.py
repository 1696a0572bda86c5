"""account info | balance | currency, for people (plain text) and scripts (JSON, -q)."""

from __future__ import annotations

import json


def test_account_info_for_people(cli, logged_in):
    result = cli("--url", logged_in.url, "account", "info")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "Handle    AA1234-GANDI"
    assert lines[1] == "Currency  EUR"
    assert lines[2] == "Balance   500.00"
    assert lines[3].startswith("Shares    0 used of 0")
    assert "│" not in result.stdout and "\x1b[" not in result.stdout  # plain text in a pipe


def test_account_info_lists_products(cli, logged_in):
    from gandi_hosting_cli.api.client import HostingClient
    from gandi_hosting_cli.sandbox.seed import SEED_LOGIN, SEED_PASSWORD

    client = HostingClient(logged_in.url)
    client.session = client.login(SEED_LOGIN, SEED_PASSWORD)
    client.hosting_account_product_add("shares", 4, "1m")
    client.account_currency()  # op_delay=0: the operation is done at the next call
    result = cli("--url", logged_in.url, "account", "info")
    header = [line for line in result.stdout.splitlines() if line.startswith("ID")]
    assert header and header[0].split() == [
        "ID",
        "PRODUCT",
        "QUANTITY",
        "DURATION",
        "CREATED",
        "ENDS",
        "UPDATABLE",
        "RELEASABLE",
        "STATE",
    ]
    assert "Shares    0 used of 4 (4 available)" in result.stdout
    assert "4 shares" in result.stdout  # the quantity with its unit
    data = json.loads(cli("--url", logged_in.url, "account", "info", "--json").stdout)
    assert data["products"][0]["product_name"] == "shares"
    assert "T" in data["products"][0]["date_created"]  # ISO 8601


def test_account_info_json_keeps_the_api_struct(cli, logged_in):
    result = cli("--url", logged_in.url, "account", "info", "--json")
    data = json.loads(result.stdout)
    assert list(data)[:4] == ["handle", "currency", "balance", "share_definition"]
    assert data["resources"]["available"]["shares"] == 0
    assert result.stderr == ""


def test_account_balance_in_one_request(cli, logged_in):
    before = logged_in.request_count
    result = cli("--url", logged_in.url, "account", "balance")
    assert result.stdout == "500.00 EUR\n"
    assert logged_in.request_count == before + 1  # balance and currency in one multicall
    data = json.loads(cli("--url", logged_in.url, "account", "balance", "--json").stdout)
    assert data == {"balance": 500.0, "currency": "EUR"}


def test_account_currency(cli, logged_in):
    assert cli("--url", logged_in.url, "account", "currency").stdout == "EUR\n"
    data = json.loads(cli("--url", logged_in.url, "--json", "account", "currency").stdout)
    assert data == {"currency": "EUR"}
    assert cli("--url", logged_in.url, "account", "info", "-q").stdout == "AA1234-GANDI\n"
