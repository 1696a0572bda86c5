"""Click parameter types: every value is checked here, before any request is sent.

The rules are the shared value rules of ``rules.py`` (the sandbox enforces the same
ones), so a bad value is a usage error (exit 2) with a clear message instead of a
round trip and an API fault.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

import click

from gandi_hosting_cli import rules
from gandi_hosting_cli.rules import (
    FSTYPES,
    MAX_CPU,
    MAX_INT,
    MAX_QUANTITY,
    PRODUCT_NAMES,
    RuleError,
)

OPERATION_STATES = (*rules.OPERATION_STATES, "ALL")  # ALL: any state (operation_list)
OPERATION_TYPES = rules.OPERATION_TYPES
MAX_TIMEOUT = 3600.0  # seconds: the network timeout of one request
MAX_WAIT_TIMEOUT = 7 * 24 * 3600.0  # seconds: how long --wait may go on

# printable ASCII without spaces: a handle never has more, and it must go out as UTF-8
_HANDLE_RE = re.compile(r"[!-~]{1,64}")


def _complete(completer: str, ctx: click.Context, param: click.Parameter, incomplete: str) -> list:
    """Shell completion from completers.py, imported only when the shell asks."""
    from gandi_hosting_cli.cli.completers import COMPLETERS

    return COMPLETERS[completer](ctx, param, incomplete)


class Duration(click.ParamType):
    """A product duration: `1m` .. `120m` months or `1y` .. `10y` years, 120 months at most."""

    name = "duration"

    def shell_complete(self, ctx: click.Context, param: click.Parameter, incomplete: str) -> list:
        return _complete("duration", ctx, param, incomplete)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = str(value).strip().lower()
        if not rules.DURATION_RE.fullmatch(text):
            self.fail(
                f"{value!r} is not a duration: use a number then m (months) or y (years), "
                "like 1m, 6m or 1y",
                param,
                ctx,
            )
        if not rules.is_duration(text):
            self.fail(f"{value!r} is too long: at most 120 months (10y)", param, ctx)
        return text


class Size(click.ParamType):
    """A size in MB: `2048`, `2048M`, `2G`, `1.5G` (binary units; the result is whole MB)."""

    name = "size"

    def shell_complete(self, ctx: click.Context, param: click.Parameter, incomplete: str) -> list:
        return _complete("size", ctx, param, incomplete)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        try:
            return rules.size_megabytes(value)
        except RuleError as exc:
            reason = str(exc)
            self.fail(f"{value!r}{':' if reason.startswith('a ') else ' is'} {reason}", param, ctx)


class IsoDate(click.ParamType):
    """An ISO 8601 date (`2026-01-31`) or date-time (`2026-01-31T12:00`, `...Z`, `...+02:00`).

    A value without an offset is in local time (the tables show local time too). The
    result is a naive UTC datetime, which xmlrpc.client sends as dateTime.iso8601 (it
    ignores tzinfo, so converting here is what keeps the instant right).
    """

    name = "date"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> dt.datetime:
        if isinstance(value, dt.datetime):
            parsed = value
        else:
            text = str(value).strip()
            if text.endswith(("Z", "z")):
                text = text[:-1] + "+00:00"
            try:
                parsed = dt.datetime.fromisoformat(text)
            except ValueError:
                self.fail(
                    f"{value!r} is not an ISO date or date-time "
                    "(like 2026-01-31 or 2026-01-31T12:00:00)",
                    param,
                    ctx,
                )
        try:
            if parsed.tzinfo is None:
                parsed = parsed.astimezone()  # interpret as local time
            return parsed.astimezone(dt.timezone.utc).replace(tzinfo=None)
        except (ValueError, OverflowError, OSError):
            # 0001-01-01 in local time, or 9999-12-31T23:59-14:00, falls outside years 1-9999
            self.fail(f"{value!r} is out of the range of dates", param, ctx)


def refuse_digits(kind: str, text: str) -> str | None:
    """A CLI-only rule: a new VM or disk cannot be called by digits alone, since every
    command reads digits as an id (`vm info 104` would mean VM 104, another machine).
    The API allows it; the CLI refuses it before sending anything (exit 2)."""
    if rules.looks_like_id(text):
        return (
            f"{text!r} is only digits: every command would read it as a {kind} id; "
            "use a name with a letter in it"
        )
    return None


class Hostname(click.ParamType):
    """A VM hostname: an RFC 1123 label (1-63 of a-z A-Z 0-9 -, no leading/trailing -),
    not digits alone (they would be read as an id)."""

    name = "hostname"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = str(value)
        digits = refuse_digits("VM", text)
        if digits:
            self.fail(digits, param, ctx)
        if not rules.is_hostname(text):
            self.fail(
                f"{value!r} is not a valid hostname: 1-63 letters, digits or '-', "
                "not starting or ending with '-'",
                param,
                ctx,
            )
        return text


class DiskName(click.ParamType):
    """A disk name: 1-64 of A-Z a-z 0-9 . _ -, not digits alone (they would be an id)."""

    name = "name"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = str(value)
        digits = refuse_digits("disk", text)
        if digits:
            self.fail(digits, param, ctx)
        if not rules.is_disk_name(text):
            self.fail(
                f"{value!r} is not a valid disk name: 1-64 letters, digits, '.', '_' or '-'",
                param,
                ctx,
            )
        return text


class Handle(click.ParamType):
    """A login or handle (`AA1234-GANDI`): 1-64 printable characters, no spaces."""

    name = "handle"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = str(value)
        if not _HANDLE_RE.fullmatch(text):
            self.fail(
                f"{value!r} is not a valid handle: 1-64 printable characters without spaces "
                "(like AA1234-GANDI)",
                param,
                ctx,
            )
        return text


class UnixUser(click.ParamType):
    """A Unix user name for a new VM: a-z 0-9 _ -, starting with a letter or _, 32 at most."""

    name = "user"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = str(value)
        if text in rules.RESERVED_USERS:
            self.fail(
                f"{value!r} exists on every VM already (its password is the root password): "
                "--login creates another user",
                param,
                ctx,
            )
        if not rules.is_unix_user(text):
            self.fail(
                f"{value!r} is not a valid user name: up to 32 of a-z, 0-9, '_' or '-', "
                "starting with a letter or '_'",
                param,
                ctx,
            )
        return text


class ObjectRef(click.ParamType):
    """An object named by id (all digits) or by name; resolution happens in workflows/names.py.

    Checking the shape here means a typo like an empty string is a usage error, and
    shell completion can hang off this type later without touching the commands.
    """

    def __init__(self, resource: str) -> None:
        self.resource = resource
        self.name = resource

    def shell_complete(self, ctx: click.Context, param: click.Parameter, incomplete: str) -> list:
        return _complete(self.resource, ctx, param, incomplete)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = str(value).strip()
        if not text:
            self.fail(f"an empty {self.resource} name", param, ctx)
        if text == STDIN:
            return text  # ids from stdin (``from_stdin``), or a name that cannot exist
        if rules.looks_like_id(text) and not 1 <= int(text) <= MAX_INT:
            article = "an" if self.resource[0] in "aeiou" else "a"
            noun = f"{article} {self.resource} id"
            self.fail(f"{value!r} is not {noun}: ids go from 1 to {MAX_INT}", param, ctx)
        return text


class OperationId(click.ParamType):
    """An operation id: a positive integer (ASCII digits), at most 2**31-1 (``-``, ids
    from stdin, is kept for ``from_stdin``)."""

    name = "opid"

    def __init__(self, completer: str = "op") -> None:
        self.completer = completer

    def shell_complete(self, ctx: click.Context, param: click.Parameter, incomplete: str) -> list:
        return _complete(self.completer, ctx, param, incomplete)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        text = str(value).strip()
        if text == STDIN and param is not None and param.callback is from_stdin:
            return text
        try:
            return rules.parse_id(text)
        except RuleError:
            self.fail(
                f"{value!r} is not an operation id (a number from 1 to {MAX_INT})", param, ctx
            )


STDIN = "-"
MAX_STDIN_REFS = 100_000
MAX_STDIN_CHARS = 1 << 20  # ids read from stdin: 1 MB at most (read so far, then exit 2)


def from_stdin(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """The callback of an argument that takes several objects: the single argument ``-``
    stands for the whitespace-separated refs read from stdin (``vm list -q | vm start -``),
    each checked by the argument's type as if it had been typed. An empty stdin is nothing
    to do (exit 0, nothing sent), as an empty list piped in means."""
    if value is None or STDIN not in (value if isinstance(value, tuple) else (value,)):
        return value
    if value != (STDIN,):
        raise click.BadParameter("'-' (read from stdin) must be the only argument", ctx, param)
    import sys

    if isatty(sys.stdin):
        raise click.BadParameter("'-' reads from stdin, but stdin is a terminal", ctx, param)
    try:
        text = sys.stdin.read(MAX_STDIN_CHARS + 1)  # bounded, whatever is piped in
    except UnicodeDecodeError:
        raise click.BadParameter("stdin is not valid UTF-8", ctx, param) from None
    if len(text) > MAX_STDIN_CHARS:
        raise click.BadParameter(
            f"more than {MAX_STDIN_CHARS >> 20} MB of ids on stdin", ctx, param
        )
    words = text.split()
    if not words:  # an empty pipe (`vm list -q --state halted | vm start -`): nothing to do
        terminal = getattr(ctx.find_root().obj, "terminal", None)
        if terminal is not None:
            terminal.message("Nothing to do: no ids on stdin.")
        raise click.exceptions.Exit(0)
    if len(words) > MAX_STDIN_REFS:
        raise click.BadParameter(f"more than {MAX_STDIN_REFS} ids on stdin", ctx, param)
    if STDIN in words:
        raise click.BadParameter("'-' read on stdin is not an id", ctx, param)
    return tuple(param.type.convert(w, param, ctx) for w in words)


def isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


class Columns(click.ParamType):
    """``--columns a,b,c``: key names, comma-separated (checked against the list's keys by
    the list command; completion offers them)."""

    name = "columns"

    def shell_complete(self, ctx: click.Context, param: click.Parameter, incomplete: str) -> list:
        return _complete("columns", ctx, param, incomplete)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, tuple):
            return value
        keys = tuple(k.strip() for k in str(value).split(",") if k.strip())
        if not keys:
            self.fail("no column named (use key names separated by commas: id,hostname)")
        return keys


class SortKey(click.ParamType):
    """``--sort KEY`` or ``--sort -KEY`` (descending)."""

    name = "key"

    def shell_complete(self, ctx: click.Context, param: click.Parameter, incomplete: str) -> list:
        return _complete("sort", ctx, param, incomplete)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        text = str(value).strip()
        if not text.lstrip("-"):
            self.fail("a key name is needed (like hostname, or -hostname for descending)")
        return text


class Count(click.IntRange):
    """A whole number in a range, written in ASCII digits (``int()`` alone would take
    '١٠١' as 101, '1_000' as 1000 and '²' as a crash)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and not re.fullmatch(r"[+-]?[0-9]+", value.strip()):
            self.fail(f"{value!r} is not a valid integer", param, ctx)
        return super().convert(value, param, ctx)


class ProductQuantity(click.ParamType):
    """``product add PRODUCT QUANTITY``: shares are a whole number; disk quota takes the
    same sizes as ``disk create --size`` (``10240``, ``2048M``, ``10G``). Both 1 to 100,000."""

    name = "quantity"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        product = (ctx.params.get("product_name") if ctx is not None else None) or ""
        if product != "disk":
            return QUANTITY.convert(value, param, ctx)
        megabytes = SIZE.convert(value, param, ctx)
        if not 1 <= megabytes <= MAX_QUANTITY:
            self.fail(
                f"{value!r} is {megabytes} MB: disk quota is 1 to {MAX_QUANTITY} MB", param, ctx
            )
        return megabytes


class Seconds(click.FloatRange):
    """A number of seconds in a range; ``inf`` and ``nan`` are refused (``nan`` passes
    every comparison, so FloatRange alone takes it)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        seconds = super().convert(value, param, ctx)
        if not math.isfinite(seconds):
            self.fail(f"{value!r} is not a finite number of seconds", param, ctx)
        return seconds


DURATION = Duration()
SIZE = Size()
ISO_DATE = IsoDate()
HOSTNAME = Hostname()
DISK_NAME = DiskName()
HANDLE = Handle()
UNIX_USER = UnixUser()
VM_REF = ObjectRef("vm")
DISK_REF = ObjectRef("disk")
OS_REF = ObjectRef("os")
OPID = OperationId()
OPEN_OPID = OperationId("open_op")  # completion: only operations not in a final state
COLUMNS = Columns()
SORT_KEY = SortKey()
PRODUCT_ID = Count(1, MAX_INT)
PRODUCT_NAME = click.Choice(PRODUCT_NAMES)
QUANTITY = Count(1, MAX_QUANTITY)
PRODUCT_QUANTITY = ProductQuantity()
SHARES = Count(1, MAX_INT)
CPU = Count(1, MAX_CPU)
FSTYPE = click.Choice(FSTYPES)
OPERATION_STATE = click.Choice(OPERATION_STATES, case_sensitive=False)
# `op list --state open`: PENDING and RUN, the operations one may still wait for
OPERATION_STATE_OR_OPEN = click.Choice((*OPERATION_STATES, "open"), case_sensitive=False)
OPERATION_TYPE = click.Choice(OPERATION_TYPES)
TIMEOUT = Seconds(0.1, MAX_TIMEOUT)
WAIT_TIMEOUT = Seconds(0, MAX_WAIT_TIMEOUT, min_open=True)


def check_vm_password(password: str) -> str:
    """Refuse a root password the API would refuse (8 to 128 chars, no control characters)."""
    problem = rules.password_problem(password)
    if problem:
        raise click.BadParameter(problem)
    return password


def check_cpu(cpu: int, shares: int | None) -> None:
    """cpu <= min(8, shares): a VM cannot have more CPUs than shares."""
    if shares is not None and rules.cpu_problem(cpu, shares):
        raise click.BadParameter(
            f"--cpu {cpu} is more than --shares {shares}: a VM gets at most one CPU per share",
            param_hint="'--cpu'",
        )
