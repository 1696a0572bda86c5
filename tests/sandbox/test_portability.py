"""The sandbox runs on Linux, macOS and Windows: nothing Linux-only on the server's path,
a selector chosen by ``selectors`` (or forced, as on a platform without epoll), and no
function in ``sandbox/`` over 50 lines (read from the source)."""

from __future__ import annotations

import ast
import selectors
import xmlrpc.client
from pathlib import Path

import pytest

from gandi_hosting_cli.sandbox.dispatcher import Sandbox
from gandi_hosting_cli.sandbox.poller import SELECTOR_ENV, make_selector
from gandi_hosting_cli.sandbox.seed import SEED_LOGIN, SEED_PASSWORD
from gandi_hosting_cli.sandbox.server import SandboxServer

SANDBOX = Path(__file__).resolve().parents[2] / "gandi_hosting_cli" / "sandbox"
MAX_FUNCTION_LINES = 50
# modules or attributes that exist only on some platforms, with no fallback around them
PLATFORM_ONLY = {"epoll", "EPOLLIN", "EPOLLOUT", "EPOLLONESHOT", "kqueue", "fcntl", "resource"}


def _trees():
    for path in sorted(SANDBOX.rglob("*.py")):
        yield path, ast.parse(path.read_text(encoding="utf-8"))


def test_no_function_in_the_sandbox_is_over_50_lines():
    long = [
        f"{path.relative_to(SANDBOX)}:{node.lineno} {node.name} ({length} lines)"
        for path, tree in _trees()
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and (length := node.end_lineno - node.lineno + 1) > MAX_FUNCTION_LINES
    ]
    assert long == []


def _guarded(tree: ast.Module) -> set[int]:
    """Lines inside a ``try`` that catches ImportError (a fallback exists)."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Try) and any(
            isinstance(h.type, ast.Name) and h.type.id == "ImportError" for h in node.handlers
        ):
            lines.update(range(node.lineno, node.end_lineno + 1))
    return lines


def test_nothing_platform_only_without_a_fallback():
    found = []
    for path, tree in _trees():
        guarded = _guarded(tree)
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Attribute):
                names = [node.attr]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or "", *(a.name for a in node.names)]
            bad = PLATFORM_ONLY.intersection(names)
            if bad and node.lineno not in guarded:
                found.append(f"{path.relative_to(SANDBOX)}:{node.lineno} {sorted(bad)}")
    assert found == []


def test_the_selector_can_be_forced_from_the_environment(monkeypatch):
    monkeypatch.setenv(SELECTOR_ENV, "select")
    assert isinstance(make_selector(), selectors.SelectSelector)
    monkeypatch.setenv(SELECTOR_ENV, "nonesuch")
    with pytest.raises(ValueError, match="not a selector here"):
        make_selector()
    monkeypatch.delenv(SELECTOR_ENV)
    assert type(make_selector()) is selectors.DefaultSelector


@pytest.mark.parametrize("name", ["select", "poll"])
def test_the_server_answers_over_a_forced_selector(tmp_path, name):
    if not hasattr(selectors, f"{name.capitalize()}Selector"):
        pytest.skip(f"no {name} here")
    box = Sandbox(tmp_path / "s.sqlite3", op_delay=0)
    with SandboxServer(box, selector=name) as server:
        assert server._httpd._poller.kind == f"{name.capitalize()}Selector"
        proxies = [xmlrpc.client.ServerProxy(server.url) for _ in range(4)]
        sessions = [p.login(SEED_LOGIN, SEED_PASSWORD) for p in proxies]
        for _ in range(3):  # keep-alive connections, each re-armed after every answer
            for proxy, session in zip(proxies, sessions, strict=True):
                assert proxy.account_currency(session) == "EUR"
        for proxy in proxies:
            proxy("close")()
    box.close()


def test_large_freed_blocks_go_back_to_the_system_where_glibc_keeps_them():
    import platform
    import sys

    from gandi_hosting_cli.sandbox.memory import return_large_blocks

    glibc = sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"
    assert return_large_blocks() is glibc  # elsewhere the allocator returns them already


SERVER_TESTS = [
    "tests/sandbox/test_server.py",
    "tests/sandbox/test_http_quirks.py",
    "tests/reliability/test_sandbox_hostile.py",
    "tests/reliability/test_hostile_clients.py",
]


@pytest.mark.slow
def test_the_server_tests_pass_with_the_select_selector_forced():
    """The server's own and hostile-client tests, over ``select()`` as on a platform with
    neither epoll nor kqueue (the suite runs them once more in a child pytest)."""
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, SELECTOR_ENV: "select"}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *SERVER_TESTS],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
