"""``--debug`` tracing of XML-RPC calls, with secrets redacted.

One line per request and one per answer, handed to the writer the caller gives (the CLI
writes them on stderr)::

    -> vm_info(***, 12)
    <- {'id': 12, 'hostname': 'web1', ...} (3 ms)
    <- fault 530240 DataError: ... (2 ms)

Secrets are removed twice: by position (the session argument, the passwords of ``login``
and ``vm_create``, the session ids ``login``/``su`` return) and by value (every secret the
client has seen is replaced wherever it appears in the rendered line), so a secret echoed
in a fault string or a nested struct never reaches the terminal.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from gandi_hosting_cli.errors import for_terminal

REDACTED = "***"
MAX_LINE = 400

# method -> positions of secret parameters (session included at position 0)
SECRET_PARAMS: dict[str, frozenset[int]] = {
    "login": frozenset({1}),
    "vm_create": frozenset({0, 2}),
}
# methods whose result is a session id
SECRET_RESULTS = frozenset({"login", "su"})
# methods that take no session argument
NO_SESSION = frozenset({"login"})


def secret_positions(method: str) -> frozenset[int]:
    if method in SECRET_PARAMS:
        return SECRET_PARAMS[method]
    if method in NO_SESSION or method.startswith("system."):
        return frozenset()
    return frozenset({0})


class Tracer:
    """Hands each trace line to ``write`` (the CLI's writes to stderr; the API layer never
    prints)."""

    def __init__(self, write: Callable[[str], Any]):
        self._write = write
        self._secrets: set[str] = set()

    def add_secret(self, value: object) -> None:
        # very short strings would blank out unrelated text; real secrets are long
        if isinstance(value, str) and len(value) >= 4:
            self._secrets.add(value)

    def _remember(self, method: str, params: list[object]) -> None:
        # a secret sent once is scrubbed from every later line, faults included
        for position in secret_positions(method):
            if position < len(params):
                self.add_secret(params[position])

    def scrub(self, text: str) -> str:
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, REDACTED)
        return text

    def _emit(self, line: str) -> None:
        # a server's text may hold terminal controls: shown escaped, never sent as they are
        line = for_terminal(self.scrub(line), None)
        if len(line) > MAX_LINE:
            line = line[: MAX_LINE - 3] + "..."
        self._write(line)

    def request(self, method: str, params: Iterable[object]) -> None:
        params = list(params)
        self._remember(method, params)
        self._emit(f"-> {method}({render_params(method, params)})")

    def multicall_request(self, calls: list[tuple[str, tuple]]) -> None:
        for method, params in calls:
            self._remember(method, list(params))
        inner = ", ".join(f"{m}({render_params(m, p)})" for m, p in calls)
        self._emit(f"-> system.multicall[{len(calls)}]({inner})")

    def response(self, method: str, result: object, seconds: float) -> None:
        if method in SECRET_RESULTS:
            shown = REDACTED
        elif method == "system.multicall" and isinstance(result, list):
            shown = "[" + ", ".join(_multicall_item(item) for item in result) + "]"
        else:
            shown = summarize(result)
        self._emit(f"<- {shown} ({_ms(seconds)})")

    def fault(self, code: int | None, message: str, seconds: float) -> None:
        self._emit(f"<- fault {code} {message} ({_ms(seconds)})")

    def failure(self, message: str, seconds: float) -> None:
        self._emit(f"<- error {message} ({_ms(seconds)})")

    def note(self, message: str) -> None:
        self._emit(f"-- {message}")


def _multicall_item(item: object) -> str:
    if isinstance(item, dict) and "faultCode" in item:
        return f"fault {item.get('faultCode')} {item.get('faultString', '')}"
    if isinstance(item, list) and len(item) == 1:
        return summarize(item[0])
    return summarize(item)


def render_params(method: str, params: Iterable[object]) -> str:
    hidden = secret_positions(method)
    return ", ".join(REDACTED if i in hidden else _short(p) for i, p in enumerate(params))


def summarize(result: object) -> str:
    if isinstance(result, list) and len(result) > 10:
        return f"[{len(result)} items: {_short(result[:10])[1:-1]}, ...]"
    return _short(result)


def _short(value: object, limit: int = 200) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"
