"""The value rules the CLI and the sandbox both apply, kept once (standard library only).

The CLI's click types (``cli/types.py``) and the manifest refuse a bad value before
anything is sent (exit 2); the sandbox (``sandbox/methods/``) refuses the same value with
its fault. Every pattern is applied with ``re.fullmatch`` (``re.match`` with ``$`` would
let a trailing newline through). The rules the spec leaves open and the project chose
are listed, with their reasons, in the README's sandbox section.
"""

from __future__ import annotations

import re

MAX_INT = 2**31 - 1  # XML-RPC <int> is a signed 32-bit integer; ids go from 1 to MAX_INT
MAX_QUANTITY = 100_000
MAX_CPU = 8
MAX_DURATION_MONTHS = 120
PASSWORD_MIN, PASSWORD_MAX = 8, 128
FSTYPES = ("ext3", "reiserfs", "xfs", "jfs")
DEFAULT_FSTYPE = "ext3"
PRODUCT_NAMES = ("shares", "shares_fixed", "disk")
UPDATABLE_PRODUCTS = ("shares", "disk")  # also the releasable ones: shares_fixed is neither
RESERVED_USERS = ("root",)  # exists on every VM: specs.login cannot create it again
OPERATION_STATES = ("PENDING", "RUN", "DONE", "ERROR", "CANCEL")
OPERATION_TYPES = (
    "hosting_account_product_add",
    "hosting_account_product_renew",
    "hosting_account_product_remove",
    "hosting_account_product_update",
    "vm_create",
    "vm_update",
    "vm_delete",
    "vm_start",
    "vm_stop",
    "vm_reboot",
    "vm_disk_link",
    "disk_create",
    "disk_delete",
    "disk_attach",
    "disk_detach",
)

HOSTNAME_RE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")  # RFC 1123 label
DISK_NAME_RE = re.compile(r"[A-Za-z0-9._-]{1,64}")
UNIX_USER_RE = re.compile(r"[a-z_][a-z0-9_-]{0,31}")
DURATION_RE = re.compile(r"([1-9][0-9]{0,2})([my])")
ID_RE = re.compile(r"[0-9]+")  # ASCII digits only (str.isdigit() takes '١٠١' and '²')
# a size in MB: 2048, 2048M, 2G, 1.5G (binary units, as the spec's "1024 for 1GB")
SIZE_RE = re.compile(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([a-zA-Z]*)\s*")
SIZE_UNITS = {"": 1, "m": 1, "mb": 1, "mib": 1, "g": 1024, "gb": 1024, "gib": 1024}
SIZE_UNITS |= {"t": 1024 * 1024, "tb": 1024 * 1024, "tib": 1024 * 1024}


class RuleError(ValueError):
    """A value breaks a rule; ``str()`` is a one-line reason (never the value of a secret)."""


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def is_hostname(value: object) -> bool:
    """An RFC 1123 label: 1-63 of a-z A-Z 0-9 -, not starting or ending with '-'."""
    text = _text(value)
    return text is not None and HOSTNAME_RE.fullmatch(text) is not None


def is_disk_name(value: object) -> bool:
    """1-64 of A-Z a-z 0-9 . _ -."""
    text = _text(value)
    return text is not None and DISK_NAME_RE.fullmatch(text) is not None


def is_unix_user(value: object) -> bool:
    """``specs.login``: a-z 0-9 _ -, starting with a letter or _, 32 at most.

    ``root`` is not one: ``specs.login`` creates a user, and root exists on every VM
    (its password is ``vm_create``'s own ``password``); see ``RESERVED_USERS``.
    """
    text = _text(value)
    return (
        text is not None and UNIX_USER_RE.fullmatch(text) is not None and text not in RESERVED_USERS
    )


def is_fstype(value: object) -> bool:
    return value in FSTYPES


def is_product_name(value: object) -> bool:
    return value in PRODUCT_NAMES


def duration_months(value: str) -> int:
    """``'1m'`` -> 1, ``'2y'`` -> 24. ``RuleError`` for another shape or over 120 months.

    The text is taken as it is (the CLI strips and lowercases before asking).
    """
    match = DURATION_RE.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise RuleError("a duration is a number then m (months) or y (years), like 1m or 1y")
    months = int(match.group(1)) * (12 if match.group(2) == "y" else 1)
    if months > MAX_DURATION_MONTHS:
        raise RuleError(f"a duration is at most {MAX_DURATION_MONTHS} months (10y)")
    return months


def is_duration(value: object) -> bool:
    try:
        duration_months(value)  # type: ignore[arg-type]
    except RuleError:
        return False
    return True


def size_megabytes(value: str | int) -> int:
    """A size in whole MB from ``2048``, ``2048M``, ``2G``, ``1.5G``; 1 to MAX_INT MB."""
    if isinstance(value, int) and not isinstance(value, bool):
        megabytes: float = value
    else:
        match = SIZE_RE.fullmatch(str(value))
        unit = match.group(2).lower() if match else None
        if match is None or unit not in SIZE_UNITS:
            raise RuleError("not a size: use MB (2048) or a unit (2048M, 2G, 1T)")
        megabytes = float(match.group(1)) * SIZE_UNITS[unit]
    if megabytes > MAX_INT:  # first: 400 digits make an infinite float
        raise RuleError(f"too large: at most {MAX_INT} MB")
    if megabytes != int(megabytes):
        raise RuleError("not a whole number of MB")
    if megabytes <= 0:
        raise RuleError("a size must be more than 0 MB")
    return int(megabytes)


def is_size(value: object) -> bool:
    """A disk size the API takes: an int of MB, 1 to MAX_INT."""
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_INT


def looks_like_id(text: str) -> bool:
    """All ASCII digits (whatever the number): the CLI reads it as an id, not a name."""
    return ID_RE.fullmatch(text) is not None


def parse_id(value: str | int) -> int:
    """An object id: ASCII digits (or an int), 1 to MAX_INT."""
    if isinstance(value, bool):
        raise RuleError("an id is a number")
    if isinstance(value, str):
        if not looks_like_id(value):
            raise RuleError("an id is a number written in ASCII digits")
        value = int(value)
    if not 1 <= value <= MAX_INT:
        raise RuleError(f"ids go from 1 to {MAX_INT}")
    return value


def password_problem(password: str) -> str | None:
    """Why a VM root password is refused (8 to 128 characters, no control characters)."""
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        return f"the password must be {PASSWORD_MIN} to {PASSWORD_MAX} characters long"
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in password):
        return "the password must not contain control characters"
    return None


def cpu_problem(cpu: int, shares: int | None = None) -> str | None:
    """Why a cpu count is refused: 1 <= cpu <= min(8, shares) (one CPU per share at most)."""
    if not 1 <= cpu <= MAX_CPU:
        return f"cpu must be between 1 and {MAX_CPU}"
    if shares is not None and cpu > shares:
        return "a VM gets at most one CPU per share"
    return None


def is_quantity(value: object) -> bool:
    """A product quantity: 1 to 100,000 (shares, or MB for disk)."""
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_QUANTITY
