"""The design's arrows, checked on the import statements themselves (every one: at the top, inside
functions and under ``TYPE_CHECKING``): core depends on neither the API nor a policy; the API on
core; a policy on core only, and never on another policy; and no module imports itself back
through a circle of others."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = {"core": "qcredit.core", "api": "qcredit.api", "policies": "qcredit.policies"}


def _modules() -> dict[str, Path]:
    found = {}
    for folder, package in PACKAGES.items():
        for path in (ROOT / folder).rglob("*.py"):
            parts = list(path.relative_to(ROOT / folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join([package, *parts])] = path
    return found


MODULES = _modules()


def _imports(name: str, path: Path) -> Iterator[str]:
    """Every module ``name`` imports.  ``from package import submodule`` counts the submodule
    alone (as ``import package.submodule`` does): a package's ``__init__`` is run before any of
    its modules whatever imports them, so that edge is no choice of the importing code."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            submodules = [
                f"{module}.{a.name}" for a in node.names if f"{module}.{a.name}" in MODULES
            ]
            if len(submodules) < len(node.names):
                yield module
            yield from submodules


GRAPH = {
    name: {m for m in _imports(name, path) if m in MODULES and m != name}
    for name, path in MODULES.items()
}


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if parts[1] != "policies" or len(parts) < 3 else f"policies.{parts[2]}"


ALLOWED = {"core": {"core"}, "api": {"core", "api"}}


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_imports_follow_the_arrows(module: str) -> None:
    layer = _layer(module)
    allowed = ALLOWED.get(layer, {"core", layer, "policies"})
    wrong = sorted(m for m in GRAPH[module] if _layer(m) not in allowed)
    assert not wrong, f"{module} imports {wrong}"


def test_no_import_circle() -> None:
    """Tarjan's strongly connected components: every one must be a single module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(GRAPH[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for v in sorted(GRAPH):
        if v not in index:
            visit(v)
    assert not circles, circles


def test_the_graph_is_read() -> None:
    """The checks above see real edges (a parser that found nothing would pass them)."""
    assert "qcredit.core.contract" in GRAPH["qcredit.core.hookspecs"]
    assert any(m.startswith("qcredit.core") for m in GRAPH["qcredit.api.app"])
