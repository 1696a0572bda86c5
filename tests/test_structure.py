"""The architecture holds: layers import one way (the table ``ALLOWED``), only the output
layer prints data, and the package has no import cycle, type-only imports included
(ARCHITECTURE.md). Read from the source (AST), so a violation fails here before anyone
notices it in a review. ``python tests/test_structure.py`` prints the table."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "gandi_hosting_cli"
PACKAGE = "gandi_hosting_cli"

# The root modules every layer may import: the package itself and these.
BASE_MODULES = ("errors", "exit_codes", "records", "rules")

# Each layer (a package of gandi_hosting_cli, "base", or the "__main__" entry point) and
# the layers its modules may import, at module level, in a function or for type checking
# only; a layer always imports itself. Any other arrow fails test_imports_follow_the_table.
# fmt: off
ALLOWED: dict[str, tuple[str, ...]] = {
    "base":        (),
    "config":      ("base",),
    "output":      ("base",),
    "api":         ("config", "base"),
    "auth":        ("config", "base"),
    "workflows":   ("api", "config", "base"),
    "declarative": ("workflows", "api", "config", "base"),
    "sandbox":     ("base",),
    "fast":        ("config", "base"),
    "cli":         ("declarative", "workflows", "auth", "api", "output", "config",
                    "sandbox", "fast", "base"),
    "docgen":      ("cli", "fast", "config", "sandbox", "base"),
    "__main__":    ("fast", "cli", "base"),
}
# fmt: on


def table() -> str:
    """The table as text, one layer a line (for a review or a closing note)."""
    width = max(map(len, ALLOWED))
    return "\n".join(
        f"{layer:<{width}} -> {', '.join(targets) or '(nothing)'}"
        for layer, targets in ALLOWED.items()
    )


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(ROOT.rglob("*.py"))}
TREES = {name: ast.parse(path.read_text(encoding="utf-8")) for name, path in MODULES.items()}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports(name: str, *, lazy: bool, type_only: bool = False) -> set[str]:
    """The modules ``name`` imports: at module level (outside ``if TYPE_CHECKING``), with
    ``lazy`` also inside functions, with ``type_only`` also under ``if TYPE_CHECKING``.
    ``from pkg import sub`` counts as ``pkg.sub``."""
    found: set[str] = set()
    is_package = MODULES[name].name == "__init__.py"

    def visit(nodes: list[ast.stmt], in_function: bool) -> None:
        for node in nodes:
            if isinstance(node, ast.If) and _is_type_checking(node):
                if type_only:
                    visit(node.body, in_function)
                visit(node.orelse, in_function)
                continue
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and not lazy:
                continue
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = name.split(".")
                    anchor = anchor if is_package else anchor[:-1]
                    anchor = anchor[: len(anchor) - node.level + 1]
                    base = ".".join(anchor + ([base] if base else []))
                found.add(base)
                found.update(
                    f"{base}.{alias.name}"
                    for alias in node.names
                    if f"{base}.{alias.name}" in MODULES
                )
            for field in ("body", "orelse", "finalbody", "handlers"):
                children = getattr(node, field, None)
                if isinstance(children, list) and not isinstance(node, ast.ImportFrom):
                    visit([c for c in children if isinstance(c, ast.AST)], in_function)

    visit(TREES[name].body, False)
    return found


def in_layer(name: str, layer: str) -> bool:
    return name == layer or name.startswith(layer + ".")


def test_the_modules_are_found():
    assert f"{PACKAGE}.cli" in MODULES and f"{PACKAGE}.workflows.names" in MODULES


@pytest.mark.parametrize("layer", ["api", "workflows", "auth"])
def test_api_workflows_and_auth_import_neither_click_nor_rich(layer):
    offenders = {
        name: sorted(
            m
            for m in imports(name, lazy=True, type_only=True)
            if m.split(".")[0] in ("click", "rich")
        )
        for name in MODULES
        if in_layer(name, f"{PACKAGE}.{layer}")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def layer_of(name: str) -> str:
    """The layer of a module of the package: its package's name, or "base"."""
    parts = name.split(".")
    if len(parts) == 1 or parts[1] in BASE_MODULES:
        return "base"
    return parts[1]


def test_every_module_belongs_to_a_layer_of_the_table():
    unplaced = sorted(name for name in MODULES if layer_of(name) not in ALLOWED)
    assert unplaced == []  # a new package: give it its row in ALLOWED


def test_the_table_runs_one_way():
    """Layers form no cycle, so no lower layer imports a higher one."""
    graph = {layer: set(targets) for layer, targets in ALLOWED.items()}
    assert all(t in ALLOWED for targets in graph.values() for t in targets)
    assert _cycle(graph) is None


def test_the_table_keeps_the_lower_layers_apart():
    """The invariants of ARCHITECTURE.md, as the table must keep them: the sandbox imports
    nothing of the client side, api and workflows neither the sandbox nor the cli,
    output no api, and nothing but the entry points imports the cli."""
    assert ALLOWED["sandbox"] == ("base",)
    for layer in ("api", "workflows"):
        assert not {"sandbox", "cli"} & set(ALLOWED[layer])
    assert "api" not in ALLOWED["output"] and "api" not in ALLOWED["auth"]
    assert {layer for layer, targets in ALLOWED.items() if "cli" in targets} == {
        "docgen",
        "__main__",
    }


def test_imports_follow_the_table():
    """Every import of the package, at module level, in a function or for type checking
    only, is an arrow of ALLOWED (or stays in its own layer)."""
    offenders = []
    for name in MODULES:
        layer = layer_of(name)
        for target in sorted(imports(name, lazy=True, type_only=True)):
            if target.split(".")[0] != PACKAGE:
                continue
            to = layer_of(target)
            if to != layer and to not in ALLOWED.get(layer, ()):
                offenders.append(f"{name} -> {target} ({layer} -> {to})")
    assert offenders == []


def _writes_to_stdout(call: ast.Call) -> bool:
    func = call.func
    named = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    if named not in ("echo", "secho", "print"):
        return False
    to_stderr = any(
        kw.arg == "err" and isinstance(kw.value, ast.Constant) and kw.value.value is True
        for kw in call.keywords
    ) or any(kw.arg == "file" and "stdout" not in ast.unparse(kw.value) for kw in call.keywords)
    return not to_stderr


def test_only_the_output_layer_writes_data_on_stdout():
    offenders = [
        f"{name}:{node.lineno}"
        for name, tree in TREES.items()
        if in_layer(name, f"{PACKAGE}.cli") or in_layer(name, f"{PACKAGE}.workflows")
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and _writes_to_stdout(node)
    ]
    assert offenders == []


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of ``graph``, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def walk(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state:
                found = walk(nxt)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state:
            found = walk(start)
            if found:
                return found
    return None


def _graph(*, lazy: bool, type_only: bool = False) -> dict[str, set[str]]:
    graph = {}
    for name in MODULES:
        found = imports(name, lazy=lazy, type_only=type_only)
        targets = {m for m in found if m in MODULES and m != name}
        # a package's own __init__ runs before any of its modules: not an edge of ours
        graph[name] = {t for t in targets if not in_layer(name, t)}
    return graph


def test_no_import_cycle_at_module_level():
    assert _cycle(_graph(lazy=False)) is None


def test_no_import_cycle_counting_lazy_imports():
    assert _cycle(_graph(lazy=True)) is None


def test_no_import_cycle_counting_lazy_and_type_only_imports():
    """A cycle that only type checkers follow still ties two modules together."""
    assert _cycle(_graph(lazy=True, type_only=True)) is None


if __name__ == "__main__":
    print(table())
