"""``product``: the hosting account's products (shares, fixed shares, disk quota)."""

from __future__ import annotations

from typing import Any

import click

from gandi_hosting_cli.cli import AliasGroup, types
from gandi_hosting_cli.cli.context import AppContext
from gandi_hosting_cli.cli.options import (
    details_option,
    dry_run_option,
    global_options,
    list_command,
    wait_options,
    yes_option,
)
from gandi_hosting_cli.output.result import Result


@click.group(cls=AliasGroup)
@global_options
def product() -> None:
    """Add, renew, resize and remove hosting products (shares and disk quota).

    \b
    Products:
      shares        flexible shares: can be updated, renewed and removed
      shares_fixed  fixed shares: can be renewed, not updated nor removed
      disk          extra disk quota in MB: can be updated, renewed and removed
    """


def _product_catalog() -> list:
    from gandi_hosting_cli.cli.account import PRODUCT_COLUMNS  # the same table as account info

    return PRODUCT_COLUMNS


@list_command(_product_catalog())
@product.command("list")
@click.option("--type", "product_type", type=types.PRODUCT_NAME, help="Only this product.")
@details_option
@global_options
@click.pass_obj
def product_list(app: AppContext, product_type: str | None) -> None:
    """List the account's products.

    The account info carries every product, so this is one request; --json gives an
    array of product structs, -q their ids.

    \b
    Examples:
      gandi-hosting product list
      gandi-hosting product list --type shares --json
    """
    catalog = _product_catalog()
    app.check_shape(catalog)
    products = app.client.hosting_account_info().get("products") or []
    if product_type:
        products = [p for p in products if p.get("product_name") == product_type]
    from gandi_hosting_cli.cli.account import with_unit

    rows = [with_unit(p) for p in products]
    app.output.emit(
        Result.records(rows, catalog, json=products, catalog=catalog, empty="no products")
    )


@product.command("add")
@click.argument("product_name", metavar="PRODUCT", type=types.PRODUCT_NAME)
@click.argument("quantity", type=types.PRODUCT_QUANTITY)
@click.option(
    "--duration", type=types.DURATION, default="1m", show_default=True,
    help="How long: 1m (a month) .. 120m, or 1y .. 10y.",
)  # fmt: skip
@yes_option
@wait_options
@dry_run_option
@global_options
@click.pass_obj
def product_add(
    app: AppContext,
    product_name: str,
    quantity: int,
    duration: str,
    yes: bool,
    wait: bool,
    wait_timeout: float | None,
) -> None:
    """Buy PRODUCT: QUANTITY shares, or QUANTITY of disk quota.

    Disk quota takes the sizes of `disk create --size`: MB (10240), or with a unit
    (2048M, 10G). On a terminal the purchase (product, quantity, duration) and the
    current balance are shown and confirmation is asked (the API gives no prices, so
    none is shown); off a terminal --yes is required and nothing is sent without it.
    Prints the operation id; --json gives {"operation": id, "state": "..."}.

    \b
    Examples:
      gandi-hosting product add shares 4
      gandi-hosting product add disk 10G --duration 1y --wait
    """
    from gandi_hosting_cli.workflows.purchases import quantity_text

    what = f"{product_name}: {quantity_text(product_name, quantity)}"
    _confirm_purchase(app, yes, "buy", [f"{what}, for {_duration_text(duration)}"])
    params = {"product": product_name, "quantity": quantity, "duration": duration}
    _queue(app, f"{product_name} x{quantity}", "buy", params, wait, wait_timeout)


@product.command("renew")
@click.argument("product_id", type=types.PRODUCT_ID)
@click.option(
    "--duration", type=types.DURATION, default="1m", show_default=True,
    help="How much longer: 1m .. 120m, or 1y .. 10y.",
)  # fmt: skip
@yes_option
@wait_options
@dry_run_option
@global_options
@click.pass_obj
def product_renew(
    app: AppContext,
    product_id: int,
    duration: str,
    yes: bool,
    wait: bool,
    wait_timeout: float | None,
) -> None:  # fmt: skip
    """Renew product PRODUCT_ID for another --duration.

    On a terminal the product, the duration and the current balance are shown and
    confirmation is asked; off a terminal --yes is required and nothing is sent
    without it.

    \b
    Examples:
      gandi-hosting product renew 12 --duration 1y
    """
    extra = f"for another {_duration_text(duration)}"
    _confirm_purchase(app, yes, "renew", [extra], product_id=product_id)
    params = {"product_id": product_id, "duration": duration}
    _queue(app, f"product {product_id}", "renew", params, wait, wait_timeout)


@product.command("update")
@click.argument("product_id", type=types.PRODUCT_ID)
@click.argument("quantity", type=types.QUANTITY)
@yes_option
@wait_options
@dry_run_option
@global_options
@click.pass_obj
def product_update(
    app: AppContext,
    product_id: int,
    quantity: int,
    yes: bool,
    wait: bool,
    wait_timeout: float | None,
) -> None:  # fmt: skip
    """Change the quantity of product PRODUCT_ID (not possible for shares_fixed).

    It spends money: on a terminal the product, its new quantity and the current
    balance are shown and confirmation is asked; off a terminal --yes is required and
    nothing is sent without it.

    \b
    Examples:
      gandi-hosting product update 12 8 --wait
      gandi-hosting product update 12 8 --yes
    """
    _confirm_purchase(app, yes, "change", [f"quantity -> {quantity}"], product_id=product_id)
    params = {"product_id": product_id, "quantity": quantity}
    _queue(app, f"product {product_id}", "update_product", params, wait, wait_timeout)


@product.command("remove")
@click.argument("product_id", type=types.PRODUCT_ID)
@yes_option
@wait_options
@dry_run_option
@global_options
@click.pass_obj
def product_remove(
    app: AppContext, product_id: int, yes: bool, wait: bool, wait_timeout: float | None
) -> None:
    """Release product PRODUCT_ID (not possible for shares_fixed).

    Asks for confirmation on a terminal, showing the product; off a terminal it needs
    --yes and sends nothing without it.

    \b
    Examples:
      gandi-hosting product remove 12
      gandi-hosting product remove 12 --yes --wait
    """
    from gandi_hosting_cli.cli.reporting import confirm_destruction, require_yes

    require_yes(app, yes, "remove a product")
    if not yes:
        products = app.client.hosting_account_info().get("products") or []
        found = [p for p in products if p.get("id") == product_id]
        lines = [_describe(p) for p in found] or [f"product {product_id}"]
        confirm_destruction(app, yes, "remove this product", lines)
    params = {"product_id": product_id}
    _queue(app, f"product {product_id}", "remove_product", params, wait, wait_timeout)


def _duration_text(duration: str) -> str:
    """``1m`` -> "1 month", ``2y`` -> "2 years (24 months)"."""
    from gandi_hosting_cli import rules

    months = rules.duration_months(duration)
    number = int(duration[:-1])
    if duration.endswith("y"):
        return f"{number} year{'s' if number > 1 else ''} ({months} months)"
    return f"{months} month{'s' if months > 1 else ''}"


def _confirm_purchase(
    app: AppContext, yes: bool, verb: str, lines: list[str], product_id: int | None = None
) -> None:
    """The confirmation rule (cli/reporting.py) for a purchase: off a terminal without
    --yes, exit 2 before any request; on a terminal, what will be bought and the balance
    (one request) are shown, and asked. --yes or --dry-run: nothing read, nothing asked."""
    from gandi_hosting_cli.cli.reporting import confirm_destruction, require_yes
    from gandi_hosting_cli.workflows.purchases import funds

    require_yes(app, yes, f"{verb} (it spends money)")
    if yes or app.dry_run:
        return
    found = funds(app.client, product_id)
    if found.product is not None:
        lines = [f"{_describe(found.product)}, {lines[0]}", *lines[1:]]
    from gandi_hosting_cli.output.formatting import format_value

    lines.append(
        f"balance now: {format_value(found.balance, 'money')} {found.currency} "
        "(the API gives no prices: "
        "`gandi-hosting account balance` shows the debit afterwards)"
    )
    confirm_destruction(app, yes, verb, lines)


def _describe(p: dict[str, Any]) -> str:
    from gandi_hosting_cli.output.formatting import format_value

    ends = format_value(p.get("date_end"), "date")
    return f"product {p.get('id')}: {p.get('product_name')} x{p.get('quantity')}, ends {ends}"


def _queue(
    app: AppContext,
    label: str,
    kind: str,
    params: dict[str, Any],
    wait: bool,
    wait_timeout: float | None,
) -> None:
    """The purchase as a plan action (buy, renew, update_product, remove_product),
    carried out by apply's executor; then its state, or the wait."""
    from gandi_hosting_cli.cli.reporting import carry_out, report
    from gandi_hosting_cli.workflows.operations import Outcome

    outcome = Outcome(label)
    carry_out(app, kind, [(outcome, {"params": params})], alone=True)
    report(app, [outcome], wait=wait, wait_timeout=wait_timeout, several=False)
