"""Fault code -> exception hierarchy, and the transport-level NetworkError.

Everything the API layer raises is a ``HostingError`` carrying the exit code ``main()``
uses, so no caller needs a table of its own. This module imports nothing heavy: ``main()``
imports it on every run.
"""

from __future__ import annotations

from gandi_hosting_cli.exit_codes import ExitCode

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

LOGIN_HINT = "run `gandi-hosting login` to open a session"


class HostingError(Exception):
    """Base of every error the CLI reports; ``main()`` exits with ``exit_code``."""

    exit_code: ExitCode = ExitCode.API_FAULT

    def __init__(self, message: str, code: int | None = None, *, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class APIFault(HostingError):
    """The server answered with an XML-RPC fault."""


class AuthError(APIFault):
    """Bad credentials, a session that cannot be renewed, or missing rights."""

    exit_code = ExitCode.AUTH


class NotFound(APIFault):
    exit_code = ExitCode.NOT_FOUND


class StateError(APIFault):
    """The object is in the wrong state for this (running VM, attached disk...)."""


class QuotaError(APIFault):
    """Not enough shares, disk quota or money."""


class InvalidInput(APIFault):
    """The server refused a parameter (type, syntax, value, missing, duplicate)."""


class ServerFault(APIFault):
    """Qualification 1: the server failed on its side."""


class NetworkError(HostingError):
    """Unreachable, timed out, TLS failure, HTTP error page, or a body that is not XML-RPC."""

    exit_code = ExitCode.NETWORK


class OperationFailed(HostingError):
    """An awaited operation ended in ERROR or CANCEL."""

    exit_code = ExitCode.OPERATION_FAILED


class WaitTimeout(HostingError):
    exit_code = ExitCode.WAIT_TIMEOUT


class LocalError(HostingError):
    """A problem on this machine (unsafe cache file mode, unreadable config)."""


class LocalUsageError(LocalError):
    """A local setting or argument that cannot work, found before anything is sent (exit 2):
    an unusable sandbox state file or delay, an int the XML-RPC wire cannot carry."""

    exit_code = ExitCode.USAGE


MAX_SHOWN = 300  # characters of an error message shown on the terminal without --debug


def for_terminal(text: str, limit: int | None = MAX_SHOWN, *, newlines: bool = False) -> str:
    """``text`` safe for a terminal: control characters (a hostile server's escape
    sequences) shown as ``\\xNN``, and cut after ``limit`` characters with how many more.
    ``newlines``: keep line breaks (our own multi-line messages, e.g. a list of ids)."""
    text = "".join(
        c
        if c.isprintable() or (newlines and c == "\n")
        else c.encode("unicode_escape").decode("ascii")
        for c in text
    )
    if limit is not None and len(text) > limit + 40:  # do not cut a few characters
        more = len(text) - limit
        return f"{text[:limit]}... ({more} more characters; --debug shows them all)"
    return text


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
