"""What a fresh sandbox contains, and the rules of its accounting.

Accounts: ``AA1234-GANDI`` / ``mypassword`` (the spec's sample: EUR, 500.00 prepaid, no
products), a reseller of the customer ``AA4321-GANDI`` / ``customerpass`` (EUR, 100.00);
``sandbox serve --account LOGIN:PASSWORD`` adds accounts like the first. One share is
256 MB of memory, 8192 MB of disk quota and a quarter of a CPU; every disk counts in the
quota. Prices per unit and month, debited when queued: ``shares`` 5.00, ``shares_fixed``
4.00 (renewed only), ``disk`` 0.10 per started 1024 MB; growing a product costs the
difference for the months left, shrinking refunds nothing, cancelling refunds the
charge. The README's sandbox section states the same rules for users.

    product       unit                        price per unit and month
    ============  ==========================  =========================================
    shares        1 share                     5.00 (can be updated, renewed, released)
    shares_fixed  1 share                     4.00 (renewed only; never updated/released)
    disk          1024 MB (started blocks)    0.10 (can be updated, renewed, released)
    ============  ==========================  =========================================
    A duration is ``<n>m`` (months) or ``<n>y`` (12 months each), at most 120 months.
    Growing a product's quantity costs the difference for the calendar months left
    before its end date (at least one: ``accounting.months_left``); shrinking or
    releasing refunds nothing. Cancelling an
    operation that charged the balance refunds it. Products never expire in the sandbox
    (``date_end`` is informative); there is no way to top up a balance but a new state.
=======
The CLI imports the ``SEED_*`` constants (and nothing else) for ``--sandbox``: this
module imports nothing heavy.
"""

from __future__ import annotations

from typing import NamedTuple

from gandi_hosting_cli import rules

SEED_LOGIN = "AA1234-GANDI"
SEED_PASSWORD = "mypassword"
SEED_CUSTOMER = "AA4321-GANDI"
SEED_CUSTOMER_PASSWORD = "customerpass"
SEED_CURRENCY = "EUR"
SEED_BALANCE_CENTS = 50_000  # 500.00
SEED_CUSTOMER_BALANCE_CENTS = 10_000  # 100.00

# (handle, password, currency, balance in cents, reseller handle or "")
SEED_ACCOUNTS: tuple[tuple[str, str, str, int, str], ...] = (
    (SEED_LOGIN, SEED_PASSWORD, SEED_CURRENCY, SEED_BALANCE_CENTS, ""),
    (SEED_CUSTOMER, SEED_CUSTOMER_PASSWORD, SEED_CURRENCY, SEED_CUSTOMER_BALANCE_CENTS, SEED_LOGIN),
)

# One share: memory (MB), disk quota (MB), CPU fraction.
SHARE_MEMORY_MB = 256
SHARE_DISK_MB = 8192
SHARE_CPU = 0.25

# Price per unit and month, in cents; disk is priced per started block of DISK_PRICE_UNIT MB.
PRICES_CENTS: dict[str, int] = {"shares": 500, "shares_fixed": 400, "disk": 10}
DISK_PRICE_UNIT_MB = 1024
PRODUCT_NAMES = rules.PRODUCT_NAMES
UPDATABLE_PRODUCTS = rules.UPDATABLE_PRODUCTS  # also the releasable ones
MAX_DURATION_MONTHS = rules.MAX_DURATION_MONTHS


class OsImage(NamedTuple):
    """An OS image a VM can be created from (``os_list`` returns these fields and the id)."""

    name: str
    version: str
    arch: str
    label: str
    size: int  # MB of the system disk a VM created from it gets


OS_IMAGES: dict[int, OsImage] = {
    110: OsImage("Debian", "11", "x86_64", "Debian 11 64 bits", 3072),
    111: OsImage("Debian", "12", "x86_64", "Debian 12 64 bits", 3072),
    112: OsImage("Ubuntu", "22.04", "x86_64", "Ubuntu 22.04 64 bits", 4096),
    113: OsImage("CentOS", "7", "x86_64", "CentOS 7 64 bits", 4096),
    114: OsImage("FreeBSD", "13", "x86_64", "FreeBSD 13 64 bits", 5120),
}

# A VM hostname or disk name with this prefix makes its create operation end in ERROR.
FAIL_PREFIX = "fail-"

# First ids, so that a VM id, a disk id and an operation id are never confused in tests.
FIRST_IDS: dict[str, int] = {"products": 1, "vms": 101, "disks": 1001, "operations": 10001}


def product_price_cents(product_name: str, quantity: int, months: int) -> int:
    """What ``quantity`` units of ``product_name`` cost for ``months`` months, in cents."""
    units = quantity
    if product_name == "disk":
        units = -(-quantity // DISK_PRICE_UNIT_MB)  # started blocks of 1024 MB
    return PRICES_CENTS[product_name] * units * months
