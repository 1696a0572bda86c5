"""The errors every layer raises and ``main()`` maps to exit codes (one place, DESIGN.md
section 2): ``HostingError`` carries its ``exit_code``. The API layer's fault-code mapping is
``api/errors.py``; local problems (a bad setting, an unsafe file) are ``LocalError``. Imports
nothing heavy: ``main()`` imports it on every run."""

from __future__ import annotations

from gandi_hosting_cli.exit_codes import ExitCode
from gandi_hosting_cli.records import FrozenRecord


class Hint(FrozenRecord):
    """What the user can do next, as data: the layers below cli/ never write a command
    line; ``cli/hints.py`` renders a Hint as the commands to type.

    ``kind`` says what to do (the renderer knows each: ``follow``, ``busy``,
    ``created_anyway``, ``check_creates``, ``retry``, ``stop_to_delete``, ``stop_first``,
    ``detach_first``, ``halt_update``, ``release``, ``list_failed``, ``buy``, ``rename``,
    ``os_list``, ``login``); the other fields are its objects. ``text``: words said before it."""

    _fields = ("kind", "operations", "name", "other", "resource", "amount", "text")
    kind: str
    operations: tuple[int, ...]
    name: str  # the object, as a command takes it (a name, else an id)
    other: str  # a second object (the VM a disk is on)
    resource: str  # "vm", "disk", a product ("shares", "disk"), an operation type
    amount: int | None
    text: str

    def __init__(
        self,
        kind: str,
        operations: tuple[int, ...] = (),
        name: str = "",
        other: str = "",
        resource: str = "",
        amount: int | None = None,
        text: str = "",
    ) -> None:
        self._set(kind, operations, name, other, resource, amount, text)


class HostingError(Exception):
    """Base of every error the CLI reports; ``main()`` exits with ``exit_code``."""

    exit_code: ExitCode = ExitCode.API_FAULT

    def __init__(self, message: str, code: int | None = None, *, hint: str | Hint | None = None):
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


# the way out of a missing or expired session (the API, auth and cli layers all say it)
LOGIN_HINT = Hint("login")

MAX_SHOWN = 300  # characters of an error message shown on the terminal without --debug


def for_terminal(text: str, limit: int | None = MAX_SHOWN, *, newlines: bool = False) -> str:
    """``text`` safe for a terminal: every character that is not printable (C0 and C1
    controls such as ESC, CSI U+009B and OSC U+009D, CR and LF, bidi overrides and isolates
    U+202A-U+202E and U+2066-U+2069, line separators) shown as ``\\xNN`` / ``\\uNNNN``, and
    cut after ``limit`` characters with how many more. ``newlines``: keep line breaks (our
    own multi-line messages, e.g. a list of ids)."""
    if not text.isprintable():
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


def escape_controls(text: object) -> str:
    """What a server (or anyone) said, as one safe line: ``for_terminal`` without a cut.
    The output layer applies it where text leaves for people (``output.render`` cells,
    ``Terminal`` messages, the progress lines); JSON escapes by itself."""
    return for_terminal(text if isinstance(text, str) else str(text), None)
