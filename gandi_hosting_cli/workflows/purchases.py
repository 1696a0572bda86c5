"""What a purchase would buy, and the money there is: read before asking (no printing).

The API gives no price list, so a purchase is shown as what it buys (product, quantity,
duration) and the current prepaid balance; the debit is known once the operation is
queued (``account balance``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from gandi_hosting_cli.errors import NotFound
from gandi_hosting_cli.workflows.batch import raise_if_error

if TYPE_CHECKING:
    from gandi_hosting_cli.api.client import HostingClient


@dataclass
class Funds:
    balance: Any
    currency: Any
    product: dict | None = None  # the product a renewal is about


def funds(client: HostingClient, product_id: int | None = None) -> Funds:
    """The balance and currency (and, for a renewal, the product), in one request."""
    calls = [("account_balance", ()), ("account_currency", ())]
    if product_id is not None:
        calls.append(("hosting_account_info", ()))
    results = [raise_if_error(r) for r in client.multicall(calls)]
    found = Funds(results[0], results[1])
    if product_id is not None:
        products = [p for p in results[2].get("products") or [] if p.get("id") == product_id]
        if not products:
            raise NotFound(f"no product {product_id} on this account (see `product list`)")
        found.product = products[0]
    return found


def quantity_text(product_name: str, quantity: int) -> str:
    """``4 shares``, ``10240 MB of disk quota``."""
    if product_name == "disk":
        return f"{quantity} MB of disk quota"
    return f"{quantity} {'fixed ' if product_name == 'shares_fixed' else ''}share" + (
        "s" if quantity != 1 else ""
    )
