"""Rows written by more than one path: the API methods and the bulk helpers share them."""

from __future__ import annotations

from gandi_hosting_cli.sandbox import accounting
from gandi_hosting_cli.sandbox.registry import Ctx


def insert_disk(
    ctx: Ctx,
    handle: str,
    name: str,
    size: int,
    fstype: str,
    *,
    vm_id: int = 0,
    state: str = "being_created",
) -> int:
    """Insert a disk row (a system disk when ``vm_id`` is given: position 0)."""
    taken = ctx.conn.execute(
        "SELECT 1 FROM disks WHERE handle = ? AND name = ?", (handle, name)
    ).fetchone()
    if taken and vm_id:
        name = f"{name}_{vm_id}"  # generated system disk names stay unique
    return ctx.conn.execute(
        "INSERT INTO disks (handle, name, size, fstype, state, vm_id, position, date_created,"
        " date_updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (handle, name, size, fstype, state, vm_id, 0 if vm_id else -1, ctx.now, ctx.now),
    ).lastrowid


def insert_year_products(ctx: Ctx, handle: str, quantities: dict[str, int]) -> None:
    """Active products of a year (no charge) for each nonzero ``{product_name: quantity}``:
    what the bulk helpers and an account copy give an account so that its objects fit."""
    end = accounting.add_months(ctx.now, 12)
    for name, quantity in quantities.items():
        if quantity:
            ctx.conn.execute(
                "INSERT INTO products (handle, product_name, quantity, duration, state,"
                " date_created, date_end, date_updated) VALUES (?, ?, ?, '1y', 'active', ?, ?, ?)",
                (handle, name, quantity, ctx.now, end, ctx.now),
            )
