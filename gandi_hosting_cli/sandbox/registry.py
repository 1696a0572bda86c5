"""The method table: signatures, argument checking and the per-call context.

Every API method is a function registered with ``@api_method``; its declared parameters
drive the type checks, ``system.methodSignature`` and ``system.methodHelp``. The optional
``syntax`` hook runs the syntax and value checks after the session and the types and
before any object is read; ``prepare`` runs slow checks (login's password hash) in a read
snapshot before the write lock. The whole order is written in ``faults.py``.
"""

from __future__ import annotations

import re
import sqlite3
import time
import xmlrpc.client
from collections.abc import Callable
from dataclasses import dataclass, field

from gandi_hosting_cli.sandbox.faults import SECRET, SandboxFault, data_fault
from gandi_hosting_cli.sandbox.xmlrpc_wire import WireI8

# XML-RPC type name -> (python check, fault object, readable name)
_KINDS: dict[str, tuple[Callable[[object], bool], str, str]] = {
    "int": (lambda v: isinstance(v, int) and not isinstance(v, bool), "integer", "integer"),
    "boolean": (lambda v: isinstance(v, bool), "boolean", "boolean"),
    "string": (lambda v: isinstance(v, str), "string", "string"),
    "dateTime.iso8601": (lambda v: isinstance(v, xmlrpc.client.DateTime), "date", "date"),
    "struct": (lambda v: isinstance(v, dict), "struct", "struct"),
    "array": (lambda v: isinstance(v, list), "struct", "array"),
}
MAX_INT = 2**31 - 1

# Lenient on the wire, as the real service was: the spec's own PHP samples build values with
# ``new xmlrpcval(4)``, which phpxmlrpc sends as <string>4</string>, and some Perl and Ruby
# clients send a boolean as <int>1</int>; Perl's XMLRPC::Lite and Frontier send an
# all-digit string (a password like "12345678") as <int>. So a string of decimal digits is
# taken for an int, an int for a string, and 0/1 for a boolean; anything else is still the
# type fault. Perl's XMLRPC::Lite sends
# every string holding a byte outside printable ASCII (an accented password, say) as
# <base64>: where a string is expected, base64 that is valid UTF-8 is taken for that string.
# An <i8> (a common extension, not a type of the spec) is taken for an int, or a string.
# A strict sandbox (``Sandbox(strict=True)``, ``sandbox serve --strict``) takes none of
# these: each is the type fault of its argument, so users can check their own clients.
# ``<nil/>`` arrives as ``None`` and is the type fault of its argument in both modes.
_INT_STRING = re.compile(r"[+-]?[0-9]{1,10}")


def _coerce(kind: str, value: object) -> object:
    if type(value) is WireI8:  # <i8>: not a spec type, taken for the int it holds
        value = int(value)
        return str(value) if kind == "string" else value
    if kind == "int" and isinstance(value, str) and _INT_STRING.fullmatch(value.strip()):
        return int(value.strip())
    if kind == "boolean" and type(value) is int and value in (0, 1):
        return bool(value)
    if kind == "string" and type(value) is int:
        return str(value)
    if kind == "string" and isinstance(value, xmlrpc.client.Binary):
        try:
            return value.data.decode("utf-8")
        except UnicodeDecodeError:
            return value
    return value


def to_datetime(timestamp: float) -> xmlrpc.client.DateTime:
    """A stored Unix time as the ``dateTime.iso8601`` the API returns (UTC, seconds)."""
    return xmlrpc.client.DateTime(time.gmtime(timestamp))


@dataclass(frozen=True)
class Field:
    """A struct member: its XML-RPC type and whether it must be present."""

    kind: str
    required: bool = False


@dataclass(frozen=True)
class Param:
    name: str
    kind: str
    optional: bool = False
    secret: bool = False
    fields: dict[str, Field] | None = None  # for structs: the accepted keys


@dataclass
class MethodDef:
    name: str
    returns: str
    params: tuple[Param, ...]
    func: Callable[..., object]
    write: bool
    help: str
    syntax: Callable[..., None] | None = None
    session: bool = True
    system: bool = False  # func(sandbox, *args), outside any transaction (system.*)
    # slow checks run in a read snapshot before the write lock is taken (login's password
    # hash); what it returns is ``ctx.prepared``
    prepare: Callable[..., object] | None = None
    # computed once: the number of required parameters and, per parameter, the Python
    # type that needs no conversion and no check beyond the int range (``None``: the full
    # check, for dates, base64 and structs with declared members)
    required: int = field(init=False, repr=False)
    exact: tuple[type | None, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.required = sum(1 for p in self.params if not p.optional)
        self.exact = tuple(
            None if p.fields is not None else _EXACT_TYPES.get(p.kind) for p in self.params
        )

    def signatures(self) -> list[list[str]]:
        """One signature per number of optional arguments given (introspection style)."""
        required = [p.kind for p in self.params if not p.optional]
        sigs = [[self.returns, *required]]
        for extra in [p for p in self.params if p.optional]:
            required = [*required, extra.kind]
            sigs.append([self.returns, *required])
        return sigs


REGISTRY: dict[str, MethodDef] = {}

# a value of exactly this type is what ``_check_value`` accepts and ``_coerce`` leaves as
# it is, in both modes
_EXACT_TYPES: dict[str, type] = {
    "int": int,
    "boolean": bool,
    "string": str,
    "struct": dict,
    "array": list,
}

SESSION = Param("session", "string", secret=True)


def api_method(
    name: str,
    returns: str,
    *params: Param,
    write: bool,
    session: bool = True,
    syntax: Callable[..., None] | None = None,
    system: bool = False,
    prepare: Callable[..., object] | None = None,
) -> Callable[[Callable[..., object]], Callable[..., object]]:
    """Register ``func(ctx, *args)``; ``args`` are the spec's arguments after the session.

    ``system=True`` (the ``system.*`` introspection methods, no session): ``func(sandbox,
    *args)`` gets the ``Sandbox`` instead of a transaction's context.
    """

    def register(func: Callable[..., object]) -> Callable[..., object]:
        all_params = (SESSION, *params) if session else params
        help_text = " ".join((func.__doc__ or "").split())
        REGISTRY[name] = MethodDef(
            name, returns, all_params, func, write, help_text, syntax, session, system, prepare
        )
        return func

    return register


def _no_coercion(kind: str, value: object) -> object:
    return value


def _wire_name(value: object) -> str:
    if isinstance(value, xmlrpc.client.Binary):
        return "base64"
    if type(value) is WireI8:
        return "i8"
    return "int" if type(value) is int else "string"


def _check_value(
    kind: str, element: str, value: object, secret: bool, strict: bool = False
) -> None:
    check, obj, readable = _KINDS[kind]
    if not check(value) or (strict and type(value) is WireI8):
        text = f"{readable} expected"
        if strict and _coerce(kind, value) is not value:
            # what the default mode takes: say what came, since the caller's own code
            # (Perl's digit strings, phpxmlrpc's untyped values) may not show it
            text += f", not {_wire_name(value)} (strict mode)"
        raise data_fault(obj, "type", text, element, SECRET if secret else value)
    if kind == "int" and not -MAX_INT - 1 <= value <= MAX_INT:  # type: ignore[operator]
        raise data_fault("integer", "value", "integer out of range", element, value)


def check_count(mdef: MethodDef, args: tuple) -> None:
    """The argument count (``501632`` missing / ``501633`` one too many)."""
    if len(args) < mdef.required:
        missing = mdef.params[len(args)]
        raise data_fault("method", "expected", "missing argument", "argument", missing.name)
    if len(args) > len(mdef.params):
        raise data_fault("method", "unexpected", "too many arguments", "arguments", len(args))


def check_arguments(mdef: MethodDef, args: tuple, *, strict: bool = False) -> tuple:
    """Argument count, then each argument's type (struct members included).

    Returns the arguments with the lenient conversions of ``_coerce`` applied (none when
    ``strict``).
    """
    coerce = _no_coercion if strict else _coerce
    check_count(mdef, args)
    coerced = []
    # optional ones may be absent
    for param, exact, value in zip(mdef.params, mdef.exact, args, strict=False):
        if type(value) is exact:  # the common case: nothing to convert, one check at most
            if exact is int and not -MAX_INT - 1 <= value <= MAX_INT:
                raise data_fault("integer", "value", "integer out of range", param.name, value)
            coerced.append(value)
            continue
        value = coerce(param.kind, value)
        _check_value(param.kind, param.name, value, param.secret, strict)
        if param.fields is not None:
            value = dict(value)
            for key, member in value.items():
                spec = param.fields.get(key)
                if spec is None:
                    raise data_fault(
                        "struct", "unexpected", "unknown struct member", param.name, key
                    )
                value[key] = member = coerce(spec.kind, member)
                _check_value(spec.kind, key, member, key == "password", strict)
            for key, spec in param.fields.items():
                if spec.required and key not in value:
                    raise data_fault("struct", "expected", "missing struct member", param.name, key)
        coerced.append(value)
    return tuple(coerced)


@dataclass
class Ctx:
    """What a method sees: the open transaction, the clock and the caller's identity."""

    conn: sqlite3.Connection
    now: float
    op_delay: float
    login: str = ""
    handle: str = ""
    safe: bool = True
    session_ttl: float = 43200.0
    expires: float = 0.0  # the current session's expiry (``su`` sessions inherit it)
    prepared: object = None  # what the method's ``prepare`` hook returned
    _customers: set[str] | None = field(default=None, repr=False)

    def customers(self) -> set[str]:
        if self._customers is None:
            rows = self.conn.execute(
                "SELECT handle FROM accounts WHERE reseller = ?", (self.handle,)
            )
            self._customers = {r[0] for r in rows}
        return self._customers

    def visible_handles(self) -> list[str]:
        """Whose objects the lists show: the acting handle, and from an unsafe session of a
        reseller its customers' too (DESIGN.md: it may read and act on them)."""
        if self.safe:
            return [self.handle]
        return [self.handle, *sorted(self.customers())]

    def owner_clause(self) -> tuple[str, list[str]]:
        """``"handle IN (?, ...)"`` and its arguments, for ``visible_handles``."""
        handles = self.visible_handles()
        return f"handle IN ({', '.join('?' * len(handles))})", handles

    def can_access(self, owner: str) -> bool:
        """Own objects always; a reseller's customers' objects only from an unsafe session."""
        return owner == self.handle or (not self.safe and owner in self.customers())

    def fetch(self, table: str, obj: str, element: str, object_id: int) -> sqlite3.Row:
        """A row by id, with the existence fault (cause 40) then the rights fault (50)."""
        row = self.conn.execute(f"SELECT * FROM {table} WHERE id = ?", (object_id,)).fetchone()
        label = {"vm": "VM", "disk": "disk", "operation": "operation"}.get(obj, "product")
        if row is None:
            raise data_fault(obj, "dontexist", f"{label} does not exist", element, object_id)
        if not self.can_access(row["handle"]):
            raise data_fault(obj, "noright", f"no right on this {label}", element, object_id)
        return row


__all__ = [
    "REGISTRY",
    "Ctx",
    "Field",
    "MethodDef",
    "Param",
    "SandboxFault",
    "api_method",
    "to_datetime",
]
