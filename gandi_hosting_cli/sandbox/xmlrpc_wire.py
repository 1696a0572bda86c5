"""Safe parsing of XML-RPC requests and marshalling of responses.

A request is refused with ``500020`` (in an HTTP 200) when it declares a DOCTYPE, entity
or notation, nests beyond ``MAX_DEPTH``, carries invalid base64 or a struct member twice;
over ``MAX_BODY`` bytes it is ``500031``. ``<nil/>`` reads as ``None`` (then refused by
the argument's type check). One expat pass drives ``xmlrpc.client.Unmarshaller``, so
values decode exactly as ``xmlrpc.client`` encodes them; what other clients send (other
encodings, ``<i4>``/``<i8>``, untyped values, whitespace around scalars) is read too.
"""

from __future__ import annotations

import binascii
import re
import xmlrpc.client
from xml.parsers import expat

from gandi_hosting_cli.sandbox.faults import (
    SandboxFault,
    malformed,
    response_too_large,
    server_fault,
)

MAX_BODY = 1024 * 1024
MAX_DEPTH = 64


# elements whose surrounding whitespace means nothing (a string's, a member name's are kept)
_TRIMMED = frozenset(
    ("methodName", "int", "i4", "i8", "boolean", "double", "dateTime.iso8601", "base64")
)


class WireI8(int):
    """An int that came as ``<i8>`` (not a type of the spec): the default mode takes it
    for an int, ``--strict`` refuses it (``registry``)."""

    __slots__ = ()


class _Refused(Exception):
    """Raised from an expat handler to stop the parse."""


class _Reader(xmlrpc.client.Unmarshaller):
    """The standard library's value decoder with the guards folded into its handlers.

    ``start``/``end`` do what ``Unmarshaller.start``/``data``/``end`` do (the same
    ``dispatch`` table decodes every value) plus the depth, duplicate-member and base64
    checks, in one Python call per expat event instead of three: the parse was ~12% of a
    served call. Relies on ``Unmarshaller``'s state (``_stack``, ``_marks``, ``_data``,
    ``_value``), unchanged since Python 2; tests/sandbox/test_wire_fuzz.py compares the
    results with ``xmlrpc.client.loads``.
    """

    def __init__(self) -> None:
        super().__init__(use_datetime=False, use_builtin_types=False)
        self._encoding = None  # expat already hands out str (as xmlrpc.client.ExpatParser)
        self._depth = 0
        self._text: list[str] = []  # an element's character data, handed over at its end
        self._members: list[set[str]] = []  # the member names seen in each open struct

    def start(self, tag, attrs):
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise _Refused("nesting too deep")
        local = tag.rpartition(":")[2]
        if local == "struct":
            self._members.append(set())
            self._marks.append(len(self._stack))
        elif local == "array":
            self._marks.append(len(self._stack))
        self._text.clear()
        self._data = []
        if self._value and local not in _DISPATCH:
            raise xmlrpc.client.ResponseError(f"unknown tag {tag!r}")
        self._value = local == "value"

    def end(self, tag):
        self._depth -= 1
        text = self._text
        data = "".join(text)
        text.clear()
        local = tag.rpartition(":")[2]
        if local in _TRIMMED:
            data = data.strip()
        if local == "base64":
            try:
                # line breaks are allowed (MIME and xmlrpc.client wrap at 76 columns)
                binascii.a2b_base64("".join(data.split()).encode("ascii"), strict_mode=True)
            except (binascii.Error, UnicodeEncodeError, ValueError):
                raise _Refused("invalid base64") from None
        elif local == "name" and self._members:
            if data in self._members[-1]:
                raise _Refused("duplicate struct member")
            self._members[-1].add(data)
        elif local == "struct" and self._members:
            self._members.pop()
        self._data.append(data)
        decode = _DISPATCH.get(local)
        if decode is not None:
            decode(self, "".join(self._data))
            if local == "i8":
                self._stack[-1] = WireI8(self._stack[-1])


_DISPATCH = xmlrpc.client.Unmarshaller.dispatch


# The exact bytes ``xmlrpc.client`` sends for a call whose arguments are all plain
# strings, ints, booleans or empty structs (most of the API's calls): read by one regular
# expression instead of ~2 expat events per element. Only ASCII bodies without ``&``
# (no character or entity references), ``\r`` (XML normalises line ends), control
# characters or ``]]>`` (both refused by expat) take this path, so it decodes exactly what
# expat and ``Unmarshaller`` would; anything else (and no DOCTYPE, base64, nesting or
# struct member can match) goes through the full parse below.
_FAST_CALL = re.compile(
    rb"<\?xml version='1\.0'\?>\n<methodCall>\n<methodName>([A-Za-z0-9_.]{1,128})</methodName>\n"
    rb"<params>\n((?:<param>\n<value><(?:string>[^<]*</string|int>-?[0-9]{1,10}</int"
    rb"|boolean>[01]</boolean|struct>\n</struct)></value>\n</param>\n)*)</params>\n</methodCall>\n"
)
_FAST_VALUE = re.compile(rb"<value><(string|int|boolean|struct)>([^<]*)<")
_FAST_REFUSED = re.compile(rb"[&\r\x00-\x08\x0b\x0c\x0e-\x1f\x80-\xff]|]]>")


def _fast_parse(body: bytes) -> tuple[str, tuple] | None:
    match = _FAST_CALL.fullmatch(body)
    if match is None or _FAST_REFUSED.search(body) is not None:
        return None
    params: list[object] = []
    for kind, text in _FAST_VALUE.findall(match[2]):
        if kind == b"string":
            params.append(text.decode("ascii"))
        elif kind == b"int":
            params.append(int(text))
        elif kind == b"boolean":
            params.append(text == b"1")
        else:
            params.append({})
    return match[1].decode("ascii"), tuple(params)


def parse_request(body: bytes) -> tuple[str, tuple]:
    """Return ``(method_name, params)`` or raise a ``SandboxFault``."""
    fast = _fast_parse(body)
    if fast is not None:
        return fast
    target = _Reader()
    parser = expat.ParserCreate(None, None)

    def refuse(*_args):
        raise _Refused("DOCTYPE and entity declarations are refused")

    parser.StartElementHandler = target.start
    parser.EndElementHandler = target.end
    parser.CharacterDataHandler = target._text.append
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.UnparsedEntityDeclHandler = refuse
    parser.NotationDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    parser.buffer_text = True
    if body[:3] == b"\xef\xbb\xbf" and body[3:4].isspace():
        body = body[3:]  # a UTF-8 BOM then whitespace: the BOM says only what UTF-8 says
    if body[:1].isspace():  # whitespace before the XML declaration (expat refuses it)
        body = body.lstrip()
    try:
        parser.Parse(body, True)
        method = target.getmethodname()
        if method is None:
            raise _Refused("no methodName")
        params = target.close()  # a call without <params> has no arguments: ()
    except _Refused as exc:
        raise malformed(f"malformed request ({exc})") from None
    except Exception:  # any failure to read the body (expat, Unmarshaller, encodings...)
        raise malformed() from None
    if not isinstance(method, str) or not method or len(method) > 128:
        raise malformed("malformed request (bad methodName)")
    return method, tuple(params)


def _escape(text: str) -> str:
    if "&" in text or "<" in text or ">" in text:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text


class Marshalled:
    """An array whose items are already marshalled (``system.multicall``'s answer).

    Built item by item with ``append(marshal_value(item))``, so the answer never exists
    twice (values and XML) and its size is known as it grows.
    """

    def __init__(self) -> None:
        self.items: list[str] = []
        self.size = 0

    def append(self, xml: str) -> None:
        self.items.append(xml)
        self.size += len(xml)


def marshal_value(value: object) -> str:
    """One value as ``<value>...</value>`` XML."""
    out: list[str] = []
    _dump(value, out)
    return "".join(out)


def _dump(value: object, out: list[str]) -> None:
    """The same XML as ``xmlrpc.client.Marshaller`` for the types the API returns.

    A few times faster than the generic marshaller, which matters: marshalling a struct
    was the largest cost of a ``vm_info`` call.
    """
    kind = type(value)
    if kind is str:
        out.append(f"<value><string>{_escape(value)}</string></value>")
    elif kind is bool:
        out.append(f"<value><boolean>{int(value)}</boolean></value>")
    elif kind is int:
        if not -(2**31) <= value < 2**31:
            raise OverflowError("int exceeds XML-RPC limits")
        out.append(f"<value><int>{value}</int></value>")
    elif kind is float:
        out.append(f"<value><double>{value!r}</double></value>")
    elif kind is dict:
        _dump_struct(value, out)
    elif kind is list:
        _dump_array(value, out)
    elif kind is Marshalled:
        out.append("<value><array><data>")
        out.extend(value.items)
        out.append("</data></array></value>")
    elif kind is xmlrpc.client.DateTime:
        out.append(f"<value><dateTime.iso8601>{value.value}</dateTime.iso8601></value>")
    else:
        raise TypeError(f"cannot marshal {kind.__name__}")


def _dump_struct(value: dict, out: list[str]) -> None:
    out.append("<value><struct>")
    for key, member in value.items():
        # the common members inline (a struct of scalars is most answers): the same
        # XML as the branches above, one call fewer per member
        member_kind = type(member)
        if member_kind is str:
            out.append(
                f"<member><name>{_escape(key)}</name><value><string>{_escape(member)}"
                "</string></value></member>"
            )
        elif member_kind is int and -(2**31) <= member < 2**31:
            out.append(
                f"<member><name>{_escape(key)}</name><value><int>{member}</int></value></member>"
            )
        elif member_kind is xmlrpc.client.DateTime:
            out.append(
                f"<member><name>{_escape(key)}</name><value><dateTime.iso8601>"
                f"{member.value}</dateTime.iso8601></value></member>"
            )
        else:
            out.append(f"<member><name>{_escape(key)}</name>")
            _dump(member, out)
            out.append("</member>")
    out.append("</struct></value>")


def _dump_array(value: list, out: list[str]) -> None:
    out.append("<value><array><data>")
    for item in value:
        item_kind = type(item)  # ids and strings inline, as in structs
        if item_kind is int and -(2**31) <= item < 2**31:
            out.append(f"<value><int>{item}</int></value>")
        elif item_kind is str:
            out.append(f"<value><string>{_escape(item)}</string></value>")
        else:
            _dump(item, out)
    out.append("</data></array></value>")


def dump_response(value: object, max_bytes: int | None = None) -> bytes:
    """Marshal a method's return value (never ``None``); a fault beyond ``max_bytes``."""
    out = ["<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n"]
    try:
        _dump(value, out)
        out.append("\n</param>\n</params>\n</methodResponse>\n")
        body = "".join(out).encode("utf-8", "xmlcharrefreplace")
    except Exception:
        # a bug in a method (None, an int over 32 bits...): never send a broken response
        return dump_fault(server_fault())
    if max_bytes is not None and len(body) > max_bytes:
        return dump_fault(response_too_large(max_bytes))
    return body


def dump_fault(fault: SandboxFault | xmlrpc.client.Fault) -> bytes:
    return xmlrpc.client.dumps(fault, methodresponse=True).encode()


__all__ = [
    "MAX_BODY",
    "MAX_DEPTH",
    "Marshalled",
    "SandboxFault",
    "dump_fault",
    "dump_response",
    "marshal_value",
    "parse_request",
]
