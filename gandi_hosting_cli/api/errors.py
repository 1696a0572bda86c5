"""Fault code -> exception hierarchy, and the transport-level NetworkError.

Everything the API layer raises is a ``HostingError`` carrying the exit code ``main()``
uses, so no caller needs a table of its own. This module imports nothing heavy: ``main()``
imports it on every run.
"""

from __future__ import annotations

from gandi_hosting_cli.errors import (  # noqa: F401 (the API's faults are these errors)
    LOGIN_HINT,
    MAX_SHOWN,
    APIFault,
    AuthError,
    Hint,
    HostingError,
    InvalidInput,
    LocalError,
    LocalUsageError,
    NetworkError,
    NotFound,
    OperationFailed,
    QuotaError,
    ServerFault,
    StateError,
    WaitTimeout,
    for_terminal,
)

# faultCode = qualification * 100000 + object * 100 + cause (DESIGN.md section 1)
QUAL_SERVER = 1
QUAL_DATA = 5

OBJ_PASSWORD = 1
OBJ_SESSION = 2
OBJ_LOGIN = 3
OBJ_METHOD = 16

CAUSE_QUOTA = 35
CAUSE_ATTACHED = 39
CAUSE_DONTEXIST = 40
CAUSE_EXPIRED = 49
CAUSE_NORIGHT = 50
CAUSE_STATE = 60
CAUSE_NOT_ENOUGH_MONEY = 63
CAUSE_NOT_ATTACHED = 98

FAULT_BAD_CREDENTIALS = 500150
FAULT_SESSION_EXPIRED = 500249
FAULT_SESSION_UNKNOWN = 500240
FAULT_UNKNOWN_METHOD = 501640
# faults that a fresh session cures: the client renews once and retries
SESSION_FAULTS = frozenset({FAULT_SESSION_EXPIRED, FAULT_SESSION_UNKNOWN})


def split_code(code: int) -> tuple[int, int, int]:
    """``530240`` -> ``(5, 302, 40)``: qualification, object, cause."""
    return code // 100000, (code // 100) % 1000, code % 100


def _class_for(code: int) -> type[APIFault]:
    qual, obj, cause = split_code(code)
    if qual == QUAL_SERVER:
        return ServerFault
    if qual != QUAL_DATA:
        return APIFault
    # Authentication means "who you are or what you may do": rights (cause 50), sessions
    # (002), logins (003) and the wrong login or password (500150). A password refused for
    # its syntax, value or size (a VM's root password: 500130...) is bad input, exit 1.
    if cause == CAUSE_NORIGHT or obj in (OBJ_SESSION, OBJ_LOGIN) or code == FAULT_BAD_CREDENTIALS:
        return AuthError
    if obj == OBJ_PASSWORD:
        return InvalidInput  # type, syntax (20), value (30), size (31), missing (32)...
    if obj == OBJ_METHOD:
        return InvalidInput
    if cause == CAUSE_DONTEXIST:
        return NotFound
    if cause in (CAUSE_STATE, CAUSE_ATTACHED, CAUSE_NOT_ATTACHED, CAUSE_EXPIRED):
        return StateError
    if cause in (CAUSE_QUOTA, CAUSE_NOT_ENOUGH_MONEY):
        return QuotaError
    return InvalidInput


def fault_to_error(code: int, string: str) -> APIFault:
    """Build the typed exception for an XML-RPC fault (``faultCode``, ``faultString``)."""
    try:
        code = int(code)
    except (TypeError, ValueError):
        return APIFault(str(string) or "API fault", None)
    message = " ".join(str(string).split()) or f"fault {code}"
    cls = _class_for(code)
    hint = LOGIN_HINT if code in SESSION_FAULTS else None
    return cls(message, code, hint=hint)
