"""Sandbox faults: the codes and message format of DESIGN.md section 1.

``faultCode = qualification * 100000 + object * 100 + cause``; a Data fault's string is
``DataError: <text> [<element>: <value>]``, a Server fault's ``ServerError: <text>``.
Secret values (passwords, session ids) are shown as ``***``.

Each code keeps one meaning. Checks run in this order, the first refusal answers:

1. the request itself (``500020`` malformed, ``500031`` too large);
2. the method (``501640``) and its argument count (``501632``/``501633``);
3. the session (``500240``/``500249``), before anything is said about other arguments;
4. type (``5xxx10``: each argument and struct member; strict mode takes no substitutes),
   then syntax and value (``5xxx20``/``30``/``31``/``38``, the rules of ``rules.py``);
5. existence (``5xxx40``; ``530441`` a name already taken), then rights (``5xxx50``: the
   object belongs to another account), then a rule of the object that no wait can
   change (``535160``: a ``shares_fixed`` product is never updated or released);
6. quota and money (``530935`` shares, ``530435`` disk, ``530063`` balance);
7. state, last (``5xxx60``: the object's state, an operation holding it, resources in
   use).

So a ``vm_update`` of a running VM beyond the quota is ``530935``, not ``530260``.

The codes the sandbox uses (the ``Fault`` raised by each refusal):

============  ==============================================================
500020        malformed request (not XML, DOCTYPE/entities, too deep, invalid base64, a
              struct member twice), HTTP 200
500031        request body over 1 MiB (``handle()``; the HTTP server answers 413)
501632/33     an argument is missing / one too many
501010..1510  an argument or struct field has the wrong type (int, bool, string, date, struct
              or array), ``<nil/>`` included; 501030: an int outside 32 bits
501532/33     a required struct field is missing / a struct field is unknown
501530        a ``system.multicall`` item is not ``{methodName, params}``
501531        a ``system.multicall`` of more than 2,000 calls (``MAX_MULTICALL_CALLS``)
501631        the response would exceed 16 MiB (``MAX_RESPONSE_BYTES``; a multicall's is
              counted as it is built, so the server never holds more)
501640        unknown method (also ``system.multicall`` when it is disabled)
501630        ``system.multicall`` nested in itself
500150        wrong login or password
500240/49     unknown / expired session
500340/50     ``su``: unknown handle / not a handle this login may act as
500130        VM password not 8-128 printable characters
501920/30     duration syntax / over 120 months
530063        not enough money on the prepaid account
535130/40/50  product: bad name or quantity / no such product / not yours
535160        product: busy, in use by VMs or disks, or a ``shares_fixed`` product (it can
              be renewed, never updated or released: a rule of the product, not a right)
530238        hostname is not an RFC 1123 label
530220/30     VM login syntax / bad cpu or vm_max_memory, or ``root`` as ``specs.login``
530232        ``vm_update`` with nothing to update
530930/35     shares < 1 / not enough free shares
530540        unknown OS image
530240/50/60  VM does not exist / not yours / wrong state or busy
530420/30/31  disk name syntax / fstype / size
530441        a disk with this name exists
530435        not enough free disk quota
530440/50/60  disk does not exist / not yours / wrong state or busy
530439/98     disk is attached / not attached to that VM
510240/50/60  operation does not exist / not yours / cannot be cancelled in its state
525030        operation_list: unknown state;  525130: unknown operation type
150000        ServerError: internal error (any unexpected exception; logged without params),
              or ``simulated failure (...)`` asked for by ``sandbox serve --fail`` or
              ``--fault-rate`` (``chaos.py``)
110020        ServerError: database busy (another process held the state file too long)
============  ==============================================================
"""

from __future__ import annotations

from xmlrpc.client import Fault

OBJECTS: dict[str, int] = {
    "unknown": 0,
    "password": 1,
    "session": 2,
    "login": 3,
    "integer": 10,
    "boolean": 11,
    "string": 12,
    "date": 13,
    "struct": 15,
    "method": 16,
    "duration": 19,
    "operation": 102,
    "operation_state": 250,
    "operation_type": 251,
    "hosting_account": 300,
    "vm": 302,
    "disk": 304,
    "os": 305,
    "vm_shares": 309,
    "hosting_product": 351,
    "currency": 701,
    # Server qualification objects
    "database": 100,
    "application": 500,
}

CAUSES: dict[str, int] = {
    "internal": 0,
    "connection_lost": 10,
    "query_failed": 20,
    "type": 10,
    "syntax": 20,
    "value": 30,
    "size": 31,
    "expected": 32,
    "unexpected": 33,
    "quota_reached": 35,
    "hostname": 38,
    "attached": 39,
    "dontexist": 40,
    "exist": 41,
    "expired": 49,
    "noright": 50,
    "state": 60,
    "not_enough_money": 63,
    "not_attached": 98,
}

SECRET = object()  # pass as ``value`` to show ``***``
_MAX_VALUE_CHARS = 80


class SandboxFault(Fault):
    """An XML-RPC fault raised by a sandbox rule; it is marshalled as the response."""


def fault_code(qualification: int, obj: str, cause: str) -> int:
    return qualification * 100000 + OBJECTS[obj] * 100 + CAUSES[cause]


def _show(value: object) -> str:
    if value is SECRET:
        return "***"
    if value is None:
        return "nil"
    if isinstance(value, (bytes, bytearray)) or type(value).__name__ == "Binary":
        value = bytes(getattr(value, "data", value))  # base64: shown as bytes, not latin-1
        text = repr(value)
    else:
        text = repr(value) if isinstance(value, str) else str(value)
    # no control character may reach the XML answer (XML 1.0 cannot carry most of them)
    text = "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)
    if len(text) > _MAX_VALUE_CHARS:
        text = text[: _MAX_VALUE_CHARS - 3] + "..."
    return text


def data_fault(obj: str, cause: str, text: str, element: str, value: object) -> SandboxFault:
    """A Data (qualification 5) fault; ``value=SECRET`` hides the value.

    ``element`` and ``value`` are required: DESIGN.md's format always ends with
    ``[<element>: <value>]``, which clients may parse.
    """
    return SandboxFault(fault_code(5, obj, cause), f"DataError: {text} [{element}: {_show(value)}]")


def server_fault(obj: str = "application", cause: str = "internal", text: str = "internal error"):
    return SandboxFault(fault_code(1, obj, cause), f"ServerError: {text}")


def response_too_large(limit: int) -> SandboxFault:
    """``501631``: the answer would be larger than the server sends (``limit`` bytes)."""
    return data_fault(
        "method", "size", f"response too large (at most {limit} bytes)", "limit", limit
    )


def malformed(text: str = "malformed request") -> SandboxFault:
    return data_fault("unknown", "syntax", text, "request", "body")
