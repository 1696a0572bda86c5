"""Safe parsing of XML-RPC requests and marshalling of responses.

Guards (all answer the fault ``500020 DataError: malformed request [request: 'body']``,
inside an HTTP 200 response, as XML-RPC servers traditionally do; only the HTTP size limit
uses a status, 413):
- any DOCTYPE, entity or notation declaration is refused before it is expanded (no
  entity-expansion bombs, no external entities);
- element nesting is capped at ``MAX_DEPTH``;
- the body is capped at ``MAX_BODY`` bytes (``500031`` in ``Sandbox.handle``, HTTP 413 in
  the server, which never reads an oversized body);
- ``<nil/>`` is refused (the API never carries nil).

The parse is a single expat pass driving ``xmlrpc.client.Unmarshaller`` (the standard
library's own value decoder), so values decode exactly as ``xmlrpc.client`` encodes them.
What other clients send is read too: any encoding expat knows (the declared one, e.g.
ISO-8859-1, or a BOM), whitespace before the XML declaration, ``<i4>``/``<i8>``, untyped
``<value>text</value>`` (a string), and whitespace around the method name and the text of
a number, boolean, date or base64 value (``<boolean> 1 </boolean>``, as pretty-printing
clients send); string values keep theirs.
"""

from __future__ import annotations

import xmlrpc.client
from xml.parsers import expat

from gandi_hosting_cli.sandbox.faults import SandboxFault, malformed, server_fault

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

    def start(tag, attrs):
        nonlocal depth
        depth += 1
        if depth > MAX_DEPTH:
            raise _Refused("nesting too deep")
        if tag == "nil" or tag.endswith(":nil"):
            raise _Refused("nil is not accepted")
        text.clear()
        target.start(tag, attrs)

    def end(tag):
        nonlocal depth
        depth -= 1
        data = "".join(text)
        text.clear()
        target.data(data.strip() if tag.rpartition(":")[2] in _TRIMMED else data)
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
    elif kind is xmlrpc.client.DateTime:
        out.append(f"<value><dateTime.iso8601>{value.value}</dateTime.iso8601></value>")
    else:
        raise TypeError(f"cannot marshal {kind.__name__}")


def dump_response(value: object) -> bytes:
    """Marshal a method's return value (never ``None``)."""
    out = ["<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n"]
    try:
        _dump(value, out)
        out.append("\n</param>\n</params>\n</methodResponse>\n")
        return "".join(out).encode("utf-8", "xmlcharrefreplace")
    except Exception:
        # a bug in a method (None, an int over 32 bits...): never send a broken response
        return dump_fault(server_fault())


def dump_fault(fault: SandboxFault | xmlrpc.client.Fault) -> bytes:
    return xmlrpc.client.dumps(fault, methodresponse=True).encode()


__all__ = ["MAX_BODY", "MAX_DEPTH", "SandboxFault", "dump_fault", "dump_response", "parse_request"]
