"""No command line below cli/: workflows/, declarative/ and api/ say what to do next as
a ``Hint`` (errors.py), and cli/hints.py writes it as ``gandi-hosting ...``."""

from __future__ import annotations

import ast
from pathlib import Path

import gandi_hosting_cli
from gandi_hosting_cli.cli.hints import render, with_hint
from gandi_hosting_cli.errors import Hint

PACKAGE = Path(gandi_hosting_cli.__file__).parent
# the manifest file's own header comment names the command that wrote it (a file format,
# not a hint)
ALLOWED = {"declarative/export.py"}


def _command_lines(path: Path) -> list[str]:
    """String constants (docstrings aside) that write a ``gandi-hosting`` command."""
    tree = ast.parse(path.read_text())
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
        and "gandi-hosting " in node.value
    ]


def test_no_command_line_is_written_below_cli():
    found = {}
    for layer in ("workflows", "declarative", "api", "auth"):
        for path in sorted((PACKAGE / layer).rglob("*.py")):
            name = path.relative_to(PACKAGE).as_posix()
            if name not in ALLOWED and (lines := _command_lines(path)):
                found[name] = lines
    assert found == {}


def test_hints_render_as_the_commands_to_type():
    assert render(Hint("busy", operations=(10025, 10026))) == (
        "follow them with `gandi-hosting op wait 10025 10026` and run this again, or add --wait"
    )
    release = Hint("release", operations=(7,), name="web1", resource="vm", text="it holds 2 shares")
    assert render(release).startswith(
        "it holds 2 shares: `gandi-hosting vm delete web1` or `gandi-hosting op cancel 7`"
    )
    assert render(Hint("buy", resource="shares", amount=3)).endswith(
        "`gandi-hosting product add shares 3`"
    )
    assert with_hint("not logged in", Hint("login")) == (
        "not logged in (run `gandi-hosting login` to open a session)"
    )
    assert with_hint("plain", None) == "plain" and render("as is") == "as is"
