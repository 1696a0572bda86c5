"""Shares, disk quota and money: what an account has, uses and may still use.

Resources are reserved when an operation is queued, so every check counts:
- as *used*: every VM's shares (the larger of current and pending ``vm_update`` shares)
  and every disk's size, whatever its state (``being_created`` included);
- as *usable*: products in state ``active`` only, each at the smaller of its quantity and
  its pending ``update`` quantity, and none pending removal.
``hosting_account_info`` reports *granted* as what active products grant right now
(including one whose removal is queued), and *available* as usable minus used.
All of it is computed from the rows inside the caller's write transaction, which is
what keeps concurrent clients from overbooking.
"""

from __future__ import annotations

import calendar
import sqlite3
from datetime import datetime, timezone

from gandi_hosting_cli import rules
from gandi_hosting_cli.sandbox import seed
from gandi_hosting_cli.sandbox.faults import data_fault


def parse_duration(duration: str) -> int:
    """``'1m'`` -> 1, ``'2y'`` -> 24; faults 501920 (syntax) and 501930 (over 120 months)."""
    if not rules.DURATION_RE.fullmatch(duration):
        raise data_fault(
            "duration", "syntax", "duration must look like 1m or 1y", "duration", duration
        )
    try:
        return rules.duration_months(duration)
    except rules.RuleError:
        raise data_fault(
            "duration", "value", "duration over 120 months", "duration", duration
        ) from None


def add_months(timestamp: float, months: int) -> float:
    """The same day and time ``months`` later (clamped to the month's last day)."""
    start = datetime.fromtimestamp(timestamp, tz=timezone.utc)
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return start.replace(year=year, month=month, day=day).timestamp()


def months_left(date_end: float, now: float) -> int:
    """Calendar months (at least one) before a product ends: the fewest ``m`` such that
    ``m`` months from ``now`` reach ``date_end``, as products end by calendar months
    (``add_months``). So a 1-month product is one month from the day it starts, even in
    a 31-day month (an average month of 30.44 days would count it as two)."""
    start = datetime.fromtimestamp(now, tz=timezone.utc)
    end = datetime.fromtimestamp(date_end, tz=timezone.utc)
    months = max(1, (end.year - start.year) * 12 + end.month - start.month)
    while add_months(now, months) < date_end:
        months += 1
    while months > 1 and add_months(now, months - 1) >= date_end:
        months -= 1
    return months


def usage(conn: sqlite3.Connection, handle: str) -> dict[str, dict[str, int]]:
    """``granted``/``used``/``available`` shares and disk (MB), plus ``usable`` for checks."""
    shares_granted = disk_products_granted = shares_usable = disk_products_usable = 0
    rows = conn.execute(
        "SELECT product_name, quantity, pending_quantity, state FROM products WHERE handle = ?",
        (handle,),
    )
    for name, quantity, pending, state in rows:
        if state not in ("active", "being_deleted"):
            continue
        usable = 0 if state == "being_deleted" else min(quantity, pending or quantity)
        if name == "disk":
            disk_products_granted += quantity
            disk_products_usable += usable
        else:
            shares_granted += quantity
            shares_usable += usable
    used_shares = conn.execute(
        "SELECT COALESCE(SUM(MAX(shares, COALESCE(pending_shares, 0))), 0) FROM vms"
        " WHERE handle = ?",
        (handle,),
    ).fetchone()[0]
    used_disk = conn.execute(
        "SELECT COALESCE(SUM(size), 0) FROM disks WHERE handle = ?", (handle,)
    ).fetchone()[0]
    usable = {
        "shares": shares_usable,
        "disk": shares_usable * seed.SHARE_DISK_MB + disk_products_usable,
    }
    used = {"shares": used_shares, "disk": used_disk}
    return {
        "granted": {
            "shares": shares_granted,
            "disk": shares_granted * seed.SHARE_DISK_MB + disk_products_granted,
        },
        "used": used,
        "available": {k: max(0, usable[k] - used[k]) for k in usable},
        "usable": usable,
    }


def require_free(conn: sqlite3.Connection, handle: str, shares: int = 0, disk: int = 0) -> None:
    """Refuse with 530935 / 530435 when ``shares`` more shares or ``disk`` more MB don't fit."""
    state = usage(conn, handle)["available"]
    if shares > state["shares"]:
        raise data_fault(
            "vm_shares", "quota_reached", "not enough free shares", "available", state["shares"]
        )
    if disk > state["disk"]:
        raise data_fault(
            "disk", "quota_reached", "not enough free disk quota (MB)", "available", state["disk"]
        )


def debit(conn: sqlite3.Connection, handle: str, cents: int) -> None:
    """Take ``cents`` from the prepaid balance, or refuse with 530063."""
    balance = conn.execute(
        "SELECT balance_cents FROM accounts WHERE handle = ?", (handle,)
    ).fetchone()[0]
    if cents > balance:
        raise data_fault(
            "hosting_account",
            "not_enough_money",
            "not enough money on the prepaid account",
            "balance",
            f"{balance / 100:.2f}",
        )
    conn.execute(
        "UPDATE accounts SET balance_cents = balance_cents - ? WHERE handle = ?", (cents, handle)
    )


def refund(conn: sqlite3.Connection, handle: str, cents: int) -> None:
    conn.execute(
        "UPDATE accounts SET balance_cents = balance_cents + ? WHERE handle = ?", (cents, handle)
    )
