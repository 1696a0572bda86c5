"""``account info|balance|currency``: the prepaid and hosting account."""

from __future__ import annotations

from typing import Any

import click

from gandi_hosting_cli.cli import AliasGroup
from gandi_hosting_cli.cli.context import AppContext
from gandi_hosting_cli.cli.options import global_options
from gandi_hosting_cli.output.columns import Column

PRODUCT_COLUMNS = [
    Column("id", "ID", "int"),
    Column("product_name", "PRODUCT"),
    Column("quantity", "QUANTITY", "quantity"),
    Column("duration", "DURATION"),
    Column("date_created", "CREATED", "date"),
    Column("date_end", "ENDS", "date"),
    Column("updatable", "UPDATABLE", "bool"),
    Column("releasable", "RELEASABLE", "bool"),
    Column("state", "STATE", "state"),
]


ACCOUNT_FIELDS = [
    Column("handle", "Handle"),
    Column("currency", "Currency"),
    Column("balance", "Balance", "money"),
    Column("shares", "Shares"),
    Column("disk", "Disk"),
    Column("share", "1 share"),
]


@click.group(cls=AliasGroup)
@global_options
def account() -> None:
    """Account information, balance and currency."""


def _usage(resources: dict[str, Any], what: str) -> str:
    def get(part: str) -> Any:
        value = resources.get(part)
        return value.get(what, "-") if isinstance(value, dict) else "-"

    unit = " MB" if what == "disk" else ""
    return (
        f"{get('used')}{unit} used of {get('granted')}{unit} ({get('available')}{unit} available)"
    )


def account_summary(info: dict[str, Any]) -> dict[str, Any]:
    """The flat view people read; JSON keeps the API's struct instead."""
    resources = info.get("resources") or {}
    share = info.get("share_definition") or {}
    return {
        "handle": info.get("handle"),
        "currency": info.get("currency"),
        "balance": info.get("balance"),
        "shares": _usage(resources, "shares"),
        "disk": _usage(resources, "disk"),
        "share": (
            f"{share.get('memory', '-')} MB memory, {share.get('disk', '-')} MB disk, "
            f"{share.get('cpu', '-')} cpu"
        ),
    }


@account.command("info")
@global_options
@click.pass_obj
def account_info(app: AppContext) -> None:
    """Handle, balance, shares and disk granted/used/available, and products.

    \b
    Examples:
      gandi-hosting account info
      gandi-hosting account info --json | jq .resources.available
    """
    from gandi_hosting_cli.output.result import Fields, Lines, Result, Table

    info = app.client.hosting_account_info()
    products = info.get("products") or []
    human = [Fields(account_summary(info), ACCOUNT_FIELDS)]
    if products:
        human += [Lines([""]), Table([with_unit(p) for p in products], PRODUCT_COLUMNS)]
    app.output.emit(Result(human, json=info, ids=[info.get("handle")]))


@account.command("balance")
@global_options
@click.pass_obj
def account_balance(app: AppContext) -> None:
    """The prepaid balance, with its currency (one request)."""
    from gandi_hosting_cli.output.result import Result
    from gandi_hosting_cli.workflows.reads import balance as read_balance

    balance, currency = read_balance(app.client)
    text = f"{balance:.2f} {currency}" if isinstance(balance, (int, float)) else str(balance)
    app.output.emit(Result.value({"balance": balance, "currency": currency}, text))


@account.command("currency")
@global_options
@click.pass_obj
def account_currency(app: AppContext) -> None:
    """The ISO 4217 currency of the prepaid account."""
    from gandi_hosting_cli.output.result import Result

    currency = app.client.account_currency()
    app.output.emit(Result.value({"currency": currency}, currency))


def with_unit(product: dict[str, Any]) -> dict[str, Any]:
    """The product for people: its quantity with a unit (``1024 MB``, ``4 shares``)."""
    from gandi_hosting_cli.output.formatting import Quantity

    quantity = product.get("quantity")
    if not isinstance(quantity, int) or isinstance(quantity, bool):
        return product
    unit = "MB" if product.get("product_name") == "disk" else "share"
    return {**product, "quantity": Quantity(quantity, unit)}
