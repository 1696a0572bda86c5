"""Introspection and batching: ``system.listMethods``, ``methodHelp``, ``methodSignature``
and ``system.multicall``, registered like every other method (no session).

Each gets the server itself (``system=True``): what it lists depends on the server
(``multicall=False`` hides ``system.multicall``), and a multicall runs other calls. The
server is seen through ``Server`` (what ``dispatcher.Sandbox`` offers them), so this
module does not import the dispatcher that imports it.
"""

from __future__ import annotations

from typing import Any, Protocol

from gandi_hosting_cli.sandbox.registry import MethodDef, Param, api_method


class Server(Protocol):
    """What the system methods ask of the server (``dispatcher.Sandbox``)."""

    def method_names(self) -> list[str]: ...

    def definition(self, name: str) -> MethodDef: ...

    def run_multicall(self, calls: list) -> Any: ...


@api_method("system.listMethods", "array", write=False, session=False, system=True)
def list_methods(sandbox: Server) -> list[str]:
    """The names of the methods this server answers."""
    return sandbox.method_names()


@api_method(
    "system.methodHelp",
    "string",
    Param("method", "string"),
    write=False,
    session=False,
    system=True,
)
def method_help(sandbox: Server, name: str) -> str:
    """A method's signature and description."""
    mdef = sandbox.definition(name)
    args = ", ".join(
        f"[{p.kind} {p.name}]" if p.optional else f"{p.kind} {p.name}" for p in mdef.params
    )
    return f"{mdef.returns} {mdef.name}({args}): {mdef.help}"


@api_method(
    "system.methodSignature",
    "array",
    Param("method", "string"),
    write=False,
    session=False,
    system=True,
)
def method_signature(sandbox: Server, name: str) -> list[list[str]]:
    """A method's signatures: [return type, argument types...]."""
    return sandbox.definition(name).signatures()


@api_method(
    "system.multicall", "array", Param("calls", "array"), write=False, session=False, system=True
)
def multicall(sandbox: Server, calls: list):
    """Run several calls in one request: [{methodName, params}] -> [[value] | fault]."""
    return sandbox.run_multicall(calls)
