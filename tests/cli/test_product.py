"""`product list|add|renew|update|remove` against a sandbox server."""

from __future__ import annotations

import json


def add(gh, *args: str) -> dict:
    return gh.json("product", "add", "--yes", *args)


def test_add_then_list_shows_the_product(gh):
    result = gh("product", "add", "--yes", "shares", "4", "--duration", "1y")
    assert result.exit_code == 0, result.stderr
    assert "operation" in result.stdout
    listed = gh.json("product", "list")
    assert [(p["product_name"], p["quantity"], p["duration"]) for p in listed] == [
        ("shares", 4, "1y")
    ]
    table = gh("product", "list").stdout.splitlines()
    assert table[0].split()[:4] == ["ID", "PRODUCT", "QUANTITY", "DURATION"]
    assert table[1].split()[1:3] == ["shares", "4"]


def test_add_json_shape_is_operation_and_state(gh):
    data = add(gh, "disk", "2048")
    assert set(data) == {"operation", "state"}
    assert isinstance(data["operation"], int)
    assert data["state"] in ("PENDING", "RUN", "DONE")
    assert gh("-q", "product", "add", "--yes", "shares", "1").stdout.strip().isdigit()


def test_add_with_wait_reaches_done(gh):
    assert add(gh, "shares", "2", "--wait")["state"] == "DONE"


def test_renew_update_remove(gh):
    add(gh, "shares", "4", "--wait")
    product_id = gh.json("product", "list")[0]["id"]
    renewed = gh.json("product", "renew", "--yes", str(product_id), "--duration", "2m", "--wait")
    assert renewed["state"] == "DONE"
    assert gh.json("op", "info", str(renewed["operation"]))["type"] == (
        "hosting_account_product_renew"
    )
    assert gh.json("product", "update", "--yes", str(product_id), "6", "--wait")["state"] == "DONE"
    assert gh.json("product", "list")[0]["quantity"] == 6
    result = gh("product", "remove", str(product_id), "--yes", "--wait")
    assert result.exit_code == 0, result.stderr
    assert gh.json("product", "list") == []


def test_values_are_checked_before_any_request(gh):
    before = gh.server.request_count
    for args, needle in (
        (("add", "shares", "4", "--duration", "3d"), "not a duration"),
        (("add", "bananas", "4"), "bananas"),
        (("add", "shares", "0"), "QUANTITY"),
        (("add", "disk", "100001"), "QUANTITY"),
        (("renew", "1", "--duration", "11y"), "at most 120 months"),
    ):
        result = gh("product", *args)
        assert result.exit_code == 2, args
        assert needle in result.stderr
    assert gh.server.request_count == before


def test_refusal_shares_fixed_cannot_be_updated(gh):
    add(gh, "shares_fixed", "2", "--wait")
    product_id = gh.json("product", "list")[0]["id"]
    result = gh("product", "update", "--yes", str(product_id), "3")
    # a rule of the product (535160, cause 60 state), not a right the caller lacks: exit 1
    assert result.exit_code == 1
    assert "Error:" in result.stderr and "shares_fixed" in result.stderr
    assert result.stdout == ""


def test_refusal_unknown_product_is_not_found(gh):
    result = gh("--json", "product", "renew", "--yes", "999999")
    assert result.exit_code == 4
    assert '"exit_code": 4' in result.stderr


def test_remove_off_a_terminal_needs_yes_and_sends_nothing(gh):
    before = gh.server.request_count
    result = gh("product", "remove", "1")
    assert result.exit_code == 2
    assert "--yes" in result.stderr
    assert gh.server.request_count == before


def test_remove_on_a_terminal_shows_the_product_and_asks(gh):
    add(gh, "disk", "4096", "--wait")
    product_id = gh.json("product", "list")[0]["id"]
    person = gh.on_terminal()
    declined = person("product", "remove", str(product_id), input="n\n")
    assert declined.exit_code == 1  # Declined: nothing was sent
    assert "nothing was sent" in declined.stderr
    assert f"product {product_id}: disk x4096" in declined.stderr
    assert len(gh.json("product", "list")) == 1
    accepted = person("product", "remove", str(product_id), "--wait", input="y\n")
    assert accepted.exit_code == 0, accepted.stderr
    assert gh.json("product", "list") == []


def test_refusal_not_enough_money_and_fixed_shares_cannot_be_removed(gh):
    poor = gh("--json", "product", "add", "--yes", "shares", "100000", "--duration", "10y")
    assert poor.exit_code == 1
    assert json.loads(poor.stderr.splitlines()[-1])["error"]["code"] == 530063  # not enough money
    add(gh, "shares_fixed", "1", "--wait")
    product_id = gh.json("product", "list")[0]["id"]
    refused = gh("--json", "product", "remove", str(product_id), "--yes")
    assert refused.exit_code == 1  # 535160: a rule of the product, not "no right" (exit 3)
    assert refused.stdout == ""
    removed = gh.json("product", "add", "--yes", "disk", "1024", "--wait")
    assert set(removed) == {"operation", "state"}
