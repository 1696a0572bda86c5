"""Safe parsing of XML-RPC requests and marshalling of responses.

Guards (all answer the fault ``500020 DataError: malformed request [request: 'body']``,
inside an HTTP 200 response, as XML-RPC servers traditionally do; only the HTTP size limit
uses a status, 413):
- any DOCTYPE, entity or notation declaration is refused before it is expanded (no
  entity-expansion bombs, no external entities);
- element nesting is capped at ``MAX_DEPTH``;
- the body is capped at ``MAX_BODY`` bytes (``500031`` in ``Sandbox.handle``, HTTP 413 in
  the server, which never reads an oversized body);
- base64 that is not valid base64 (a character outside the alphabet, bad padding) is
  refused: ``binascii`` alone would skip the stray characters and decode the rest;
- a struct with the same member name twice is refused (which one would count?).

``<nil/>`` (and ``<ex:nil/>``) is read as ``None``: the API never carries nil, so the
argument checks give it the type fault of the argument it stands for (``501010`` where
an int is expected...), not "malformed request".

The parse is a single expat pass driving ``xmlrpc.client.Unmarshaller`` (the standard
library's own value decoder), so values decode exactly as ``xmlrpc.client`` encodes them.
What other clients send is read too: any encoding expat knows (the declared one, e.g.
ISO-8859-1, or a BOM), whitespace before the XML declaration, ``<i4>``/``<i8>``, untyped
``<value>text</value>`` (a string), and whitespace around the method name and the text of
a number, boolean, date or base64 value (``<boolean> 1 </boolean>``, as pretty-printing
clients send); string values keep theirs.
"""

from __future__ import annotations

import binascii
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


class _Refused(Exception):
    """Raised from an expat handler to stop the parse."""


def parse_request(body: bytes) -> tuple[str, tuple]:
    """Return ``(method_name, params)`` or raise a ``SandboxFault``."""
    target = xmlrpc.client.Unmarshaller(use_datetime=False, use_builtin_types=False)
    target.xml(None, None)  # expat already hands out str (as xmlrpc.client.ExpatParser does)
    parser = expat.ParserCreate(None, None)
    depth = 0
    text: list[str] = []  # an element's character data, handed over at its end
    members: list[set[str]] = []  # the member names seen in each open struct

    def start(tag, attrs):
        nonlocal depth
        depth += 1
        if depth > MAX_DEPTH:
            raise _Refused("nesting too deep")
        if tag.rpartition(":")[2] == "struct":
            members.append(set())
        text.clear()
        target.start(tag, attrs)

    def end(tag):
        nonlocal depth
        depth -= 1
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
        elif local == "name" and members:
            if data in members[-1]:
                raise _Refused("duplicate struct member")
            members[-1].add(data)
        elif local == "struct" and members:
            members.pop()
        target.data(data)
        target.end(tag)

    def refuse(*_args):
        raise _Refused("DOCTYPE and entity declarations are refused")

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text.append
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
        out.append("<value><struct>")
        for key, member in value.items():
            out.append(f"<member><name>{_escape(key)}</name>")
            _dump(member, out)
            out.append("</member>")
        out.append("</struct></value>")
    elif kind is list:
        out.append("<value><array><data>")
        for item in value:
            _dump(item, out)
        out.append("</data></array></value>")
    elif kind is Marshalled:
        out.append("<value><array><data>")
        out.extend(value.items)
        out.append("</data></array></value>")
    elif kind is xmlrpc.client.DateTime:
        out.append(f"<value><dateTime.iso8601>{value.value}</dateTime.iso8601></value>")
    else:
        raise TypeError(f"cannot marshal {kind.__name__}")


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
