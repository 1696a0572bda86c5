"""Session, account, hosting account (products) and OS methods.

Sessions: ``login(login, password[, safe=True])`` returns a random id (``secrets``),
valid ``session_ttl`` seconds (12 hours by default); only its SHA-256 is stored. A safe
session acts only on its own handle's objects. ``su(session, handle)`` returns a new
session acting as ``handle`` (same login, same safe flag, same expiry): allowed for the
login's own handle and for the customer handles its account resells. An unsafe session
of a reseller may also read and act on its customers' objects: by id, and in
``vm_list``, ``disk_list`` and ``operation_list`` (new objects and products stay those
of the acting handle).

Products: see ``seed`` for the price list. ``add`` debits at queue time and grants at
DONE; ``renew`` debits at queue time and extends the end date at DONE; ``update`` debits
a growth at queue time and changes the quantity at DONE (a shrink is reserved at once);
``remove`` withdraws the product from use at queue time and deletes it at DONE.
``shares_fixed`` can only be renewed. A product whose shares or disk quota are in use
cannot be removed or shrunk below that use.
"""

from __future__ import annotations

import secrets

from gandi_hosting_cli import rules
from gandi_hosting_cli.sandbox import accounting, engine, seed
from gandi_hosting_cli.sandbox.faults import data_fault
from gandi_hosting_cli.sandbox.registry import Ctx, Param, api_method, to_datetime
from gandi_hosting_cli.sandbox.state_db import (
    check_password,
    hash_password,
    hash_token,
    password_cost,
)


def new_session(ctx: Ctx, login: str, handle: str, safe: bool, expires: float) -> str:
    token = secrets.token_urlsafe(24)
    ctx.conn.execute(
        "INSERT INTO sessions (token_hash, login, handle, safe, expires) VALUES (?, ?, ?, ?, ?)",
        (hash_token(token), login, handle, int(safe), expires),
    )
    return token


def _wrong_login(handle: str):
    # the login is not a secret (the password never appears)
    return data_fault("password", "noright", "wrong login or password", "login", handle)


def _check_credentials(conn, handle: str, password: str, safe: bool = True) -> tuple:
    """The slow part of ``login`` (scrypt), in a read snapshot before the write lock, so a
    flood of wrong passwords never holds up other writers. Returns the hash it verified
    and, for a hash of an earlier version, its replacement."""
    row = conn.execute("SELECT pw_salt, pw_hash FROM accounts WHERE handle = ?", (handle,))
    row = row.fetchone()
    matches, outdated = check_password(password, row[0], row[1]) if row else (False, False)
    if not matches:
        raise _wrong_login(handle)
    upgrade = hash_password(password, row[0], password_cost(handle, password)) if outdated else None
    return bytes(row[1]), upgrade


@api_method(
    "login",
    "string",
    Param("login", "string"),
    Param("password", "string", secret=True),
    Param("safe", "boolean", optional=True),
    write=True,
    session=False,
    prepare=_check_credentials,
)
def login(ctx: Ctx, handle: str, password: str, safe: bool = True) -> str:
    """Log in and return a session id, valid 12 hours. safe (default true): act only as yourself."""
    verified, upgrade = ctx.prepared  # type: ignore[misc]
    row = ctx.conn.execute("SELECT pw_hash FROM accounts WHERE handle = ?", (handle,)).fetchone()
    if row is None or not secrets.compare_digest(bytes(row[0]), verified):
        raise _wrong_login(handle)  # the password changed since it was checked
    if upgrade is not None:  # a state file from before scrypt: store the slow hash now
        ctx.conn.execute("UPDATE accounts SET pw_hash = ? WHERE handle = ?", (upgrade, handle))
    # forget sessions expired for more than a day, so the table does not grow forever
    ctx.conn.execute("DELETE FROM sessions WHERE expires < ?", (ctx.now - 86400,))
    return new_session(ctx, handle, handle, safe, ctx.now + ctx.session_ttl)


@api_method("su", "string", Param("handle", "string"), write=True)
def su(ctx: Ctx, handle: str) -> str:
    """Return a new session acting as handle: your own, or a customer handle you resell."""
    row = ctx.conn.execute("SELECT reseller FROM accounts WHERE handle = ?", (handle,)).fetchone()
    if row is None:
        raise data_fault("login", "dontexist", "unknown handle", "handle", handle)
    if handle != ctx.login and row[0] != ctx.login:
        raise data_fault("login", "noright", "you may not act as this handle", "handle", handle)
    return new_session(ctx, ctx.login, handle, ctx.safe, ctx.expires)


def _account(ctx: Ctx):
    return ctx.conn.execute("SELECT * FROM accounts WHERE handle = ?", (ctx.handle,)).fetchone()


@api_method("account_currency", "string", write=False)
def account_currency(ctx: Ctx) -> str:
    """The ISO 4217 currency of the prepaid account."""
    return _account(ctx)["currency"]


@api_method("account_balance", "double", write=False)
def account_balance(ctx: Ctx) -> float:
    """The prepaid account balance."""
    return _account(ctx)["balance_cents"] / 100


def product_struct(row) -> dict:
    updatable = row["product_name"] in seed.UPDATABLE_PRODUCTS and row["state"] == "active"
    return {
        "id": row["id"],
        "product_name": row["product_name"],
        "quantity": row["quantity"],
        "duration": row["duration"],
        "state": row["state"],
        "date_created": to_datetime(row["date_created"]),
        "date_end": to_datetime(row["date_end"]),
        "updatable": updatable,
        "releasable": updatable,
    }


@api_method("hosting_account_info", "struct", write=False)
def hosting_account_info(ctx: Ctx) -> dict:
    """Shares and disk granted, used and available; the share definition; active products."""
    account = _account(ctx)
    use = accounting.usage(ctx.conn, ctx.handle)
    products = ctx.conn.execute(
        "SELECT * FROM products WHERE handle = ? AND state IN ('active', 'being_deleted')"
        " ORDER BY id",
        (ctx.handle,),
    )
    return {
        "handle": ctx.handle,
        "currency": account["currency"],
        "balance": account["balance_cents"] / 100,
        "share_definition": {
            "memory": seed.SHARE_MEMORY_MB,
            "disk": seed.SHARE_DISK_MB,
            "cpu": seed.SHARE_CPU,
        },
        "resources": {k: use[k] for k in ("granted", "used", "available")},
        "products": [product_struct(row) for row in products],
    }


def _check_quantity(quantity: int) -> None:
    if not rules.is_quantity(quantity):
        raise data_fault(
            "hosting_product", "value", "quantity must be 1 to 100000", "quantity", quantity
        )


def _add_syntax(product_name: str, quantity: int, duration: str) -> None:
    if not rules.is_product_name(product_name):
        raise data_fault(
            "hosting_product",
            "value",
            "unknown product (shares, shares_fixed, disk)",
            "product_name",
            product_name,
        )
    _check_quantity(quantity)
    accounting.parse_duration(duration)


@api_method(
    "hosting_account_product_add",
    "int",
    Param("product_name", "string"),
    Param("quantity", "int"),
    Param("duration", "string"),
    write=True,
    syntax=_add_syntax,
)
def product_add(ctx: Ctx, product_name: str, quantity: int, duration: str) -> int:
    """Queue the addition of a product (shares, shares_fixed, disk in MB) for a duration."""
    months = accounting.parse_duration(duration)
    cents = seed.product_price_cents(product_name, quantity, months)
    accounting.debit(ctx.conn, ctx.handle, cents)
    product_id = ctx.conn.execute(
        "INSERT INTO products (handle, product_name, quantity, duration, state, date_created,"
        " date_end, date_updated) VALUES (?, ?, ?, ?, 'being_created', ?, ?, ?)",
        (ctx.handle, product_name, quantity, duration, ctx.now, ctx.now, ctx.now),
    ).lastrowid
    param = {
        "param_type": "product",
        "product_id": product_id,
        "product_name": product_name,
        "quantity": quantity,
        "duration": duration,
        "amount": cents / 100,
    }
    return engine.queue(
        ctx.conn,
        ctx.now,
        ctx.op_delay,
        ctx.handle,
        "hosting_account_product_add",
        param,
        locks=(("products", product_id),),
        data={"months": months, "amount_cents": cents, "handle": ctx.handle},
    )


def _product(ctx: Ctx, product_id: int, action: str | None = None):
    row = ctx.fetch("products", "hosting_product", "product_id", product_id)
    if action and row["product_name"] not in seed.UPDATABLE_PRODUCTS:
        # a rule of the product, not a right of the caller: 535160, never 535150
        raise data_fault(
            "hosting_product",
            "state",
            f"{row['product_name']} products cannot be {action}",
            "product_id",
            product_id,
        )
    return row


def _require_ready(row) -> None:
    """The state check, last (after money and use): active and held by no operation."""
    if row["state"] != "active" or row["lock_op"] is not None:
        raise data_fault(
            "hosting_product", "state", "product is busy or not active", "product_id", row["id"]
        )


def _require_still_covered(ctx: Ctx, row, new_quantity: int) -> None:
    """Refuse (535160) when shrinking this product would leave VMs or disks uncovered."""
    use = accounting.usage(ctx.conn, row["handle"])
    lost = row["quantity"] - new_quantity
    lost_shares = 0 if row["product_name"] == "disk" else lost
    lost_disk = lost if row["product_name"] == "disk" else lost * seed.SHARE_DISK_MB
    if (
        use["usable"]["shares"] - lost_shares < use["used"]["shares"]
        or use["usable"]["disk"] - lost_disk < use["used"]["disk"]
    ):
        raise data_fault(
            "hosting_product", "state", "product is in use by VMs or disks", "product_id", row["id"]
        )


def _product_op(ctx: Ctx, row, op_type: str, param: dict, data: dict) -> int:
    param = {
        "param_type": "product",
        "product_id": row["id"],
        "product_name": row["product_name"],
        **param,
    }
    return engine.queue(
        ctx.conn,
        ctx.now,
        ctx.op_delay,
        row["handle"],
        op_type,
        param,
        locks=(("products", row["id"]),),
        data={"handle": row["handle"], **data},
    )


@api_method(
    "hosting_account_product_renew",
    "int",
    Param("product_id", "int"),
    Param("duration", "string"),
    write=True,
    syntax=lambda product_id, duration: accounting.parse_duration(duration),
)
def product_renew(ctx: Ctx, product_id: int, duration: str) -> int:
    """Queue the renewal of a product for a duration (1m, 6m, 1y...)."""
    row = _product(ctx, product_id)
    months = accounting.parse_duration(duration)
    cents = seed.product_price_cents(row["product_name"], row["quantity"], months)
    accounting.debit(ctx.conn, row["handle"], cents)
    _require_ready(row)
    return _product_op(
        ctx,
        row,
        "hosting_account_product_renew",
        {"duration": duration, "amount": cents / 100},
        {"months": months, "amount_cents": cents},
    )


@api_method("hosting_account_product_remove", "int", Param("product_id", "int"), write=True)
def product_remove(ctx: Ctx, product_id: int) -> int:
    """Queue the release of a product (not shares_fixed; not while in use)."""
    row = _product(ctx, product_id, "released")
    _require_ready(row)
    _require_still_covered(ctx, row, 0)
    ctx.conn.execute("UPDATE products SET state = 'being_deleted' WHERE id = ?", (product_id,))
    return _product_op(ctx, row, "hosting_account_product_remove", {}, {})


@api_method(
    "hosting_account_product_update",
    "int",
    Param("product_id", "int"),
    Param("quantity", "int"),
    write=True,
    syntax=lambda product_id, quantity: _check_quantity(quantity),
)
def product_update(ctx: Ctx, product_id: int, quantity: int) -> int:
    """Queue a change of a product's quantity (not shares_fixed)."""
    row = _product(ctx, product_id, "updated")
    name = row["product_name"]
    cents = 0
    if quantity < row["quantity"]:
        _require_still_covered(ctx, row, quantity)
    else:
        months = accounting.months_left(row["date_end"], ctx.now)
        cents = seed.product_price_cents(name, quantity, months) - seed.product_price_cents(
            name, row["quantity"], months
        )
        accounting.debit(ctx.conn, row["handle"], cents)
    _require_ready(row)
    ctx.conn.execute(
        "UPDATE products SET pending_quantity = ? WHERE id = ?", (quantity, product_id)
    )
    return _product_op(
        ctx,
        row,
        "hosting_account_product_update",
        {"quantity": quantity, "amount": cents / 100},
        {"amount_cents": cents},
    )


@api_method("os_list", "array", write=False)
def os_list(ctx: Ctx) -> list[dict]:
    """The OS images a VM can be created from."""
    return [{"id": os_id, **image._asdict()} for os_id, image in seed.OS_IMAGES.items()]
