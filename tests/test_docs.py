"""The documentation is held to the code (as datasette's tests/test_docs.py does).

Each test reads the code by introspection and the docs as text, so it keeps holding as either
changes: a new hook, a new ``Policy`` method, a new core event kind or a renamed rule fails here
until the docs say so.
"""

from __future__ import annotations

import ast
import builtins
import dataclasses
import importlib
import inspect
import pkgutil
import re
import subprocess
import tomllib
from collections.abc import Callable
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from qcredit.core import hookspecs
from qcredit.core.policy import Policy
from qcredit.core.vocabulary import CORE_EVENT_KINDS, EventKind, Vocabulary

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
GUIDE = DOCS / "plugin-guide.md"
DESIGN = DOCS / "design.md"

# Notes kept outside the repository, which a reader of the repository cannot follow. Spelt in
# pieces so that this file does not name them itself.
OUTSIDE_REFERENCES = (
    *(f"{stem}.md" for stem in ("DESIGN", "DOMAIN")),
    "/".join(("..", "shared")),
    "-".join(("policy", "texts")),
)


def tracked_files() -> list[Path]:
    try:
        out = subprocess.run(
            ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    return [ROOT / name for name in out.decode().split("\0") if name]


def test_no_file_points_outside_the_repository() -> None:
    found = [
        f"{path.relative_to(ROOT)}: {ref}"
        for path in tracked_files()
        if path.is_file()
        for ref in OUTSIDE_REFERENCES
        if ref in path.read_bytes().decode("utf-8", "replace")
    ]
    assert not found, "the repository must stand alone (see docs/design.md):\n" + "\n".join(found)


# --- the plug-in guide documents every hook and every public Policy method ------------------
def signature(name: str, function: Callable[..., Any]) -> str:
    """``name(arg, …)`` as the guide writes it: argument names only, without ``self``."""
    params = [p for p in inspect.signature(function).parameters if p != "self"]
    return f"{name}({', '.join(params)})"


def hooks() -> dict[str, Callable[..., Any]]:
    """Every function of the hookspecs module carrying pluggy's hookspec marker."""
    marker = f"{hookspecs.PROJECT}_spec"
    return {
        name: f
        for name, f in inspect.getmembers(hookspecs, inspect.isfunction)
        if getattr(f, marker, None) is not None
    }


def policy_methods() -> dict[str, Callable[..., Any]]:
    return {
        name: f
        for name, f in inspect.getmembers(Policy, inspect.isfunction)
        if not name.startswith("_")
    }


def test_hooks_are_found() -> None:
    assert "qcredit_policies" in hooks()


@pytest.mark.parametrize("hook", sorted(hooks()))
def test_plugin_guide_documents_hook(hook: str) -> None:
    sig = signature(hook, hooks()[hook])
    assert f"`{sig}`" in GUIDE.read_text(), f"docs/plugin-guide.md lacks `{sig}`"


@pytest.mark.parametrize("method", sorted(policy_methods()))
def test_plugin_guide_documents_policy_method(method: str) -> None:
    sig = signature(method, policy_methods()[method])
    assert f"`{sig}`" in GUIDE.read_text(), f"docs/plugin-guide.md lacks `{sig}`"


# --- the design notes table the core event vocabulary as core/vocabulary.py defines it -------
@pytest.mark.parametrize("kind", CORE_EVENT_KINDS, ids=lambda k: k.code)
def test_design_tables_core_event_kind(kind: EventKind) -> None:
    rows = [r for r in DESIGN.read_text().splitlines() if r.startswith(f"| `{kind.code}` ")]
    assert len(rows) == 1, f"docs/design.md has no row for {kind.code}"
    row = rows[0]
    assert kind.label in row
    for spec in kind.attributes:
        assert f"`{spec.name}`" in row, f"{kind.code}.{spec.name} missing"
        missing = [v for v in spec.values if not re.search(rf"\b{v}\b", row)]
        assert not missing, f"{kind.code}.{spec.name} values missing: {missing}"


# --- every rule id and Python name a policy page cites exists in that policy -----------------
POLICY_PAGES = sorted(p.stem for p in (DOCS / "policies").glob("*.md"))
NAME = re.compile(r"^[A-Za-z_]\w*(?:\.(?:[A-Za-z_]\w*|\*|<\w+>))*(?:\(.*\))?$")
RULE_PREFIX = re.compile(r"^[a-z_]+(?:\.[a-z_]+)*\.$")  # f"indicator.{group}": a family of rules
MISSING = object()


def _attribute_path(obj: Any, parts: list[str]) -> Any:
    """Follow ``parts`` from ``obj``; a dataclass field ends the path (the class has no value)."""
    for part in parts:
        if dataclasses.is_dataclass(obj) and part in {f.name for f in dataclasses.fields(obj)}:
            return obj
        obj = getattr(obj, part, MISSING)
        if obj is MISSING:
            return MISSING
    return obj


def _strings(paths: list[Path]) -> tuple[set[str], list[re.Pattern[str]]]:
    """The string constants of some source files, and the f-strings that build a rule id."""
    literals: set[str] = set()
    templates: list[re.Pattern[str]] = []
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                literals.add(node.value)
            elif isinstance(node, ast.JoinedStr):
                first = node.values[0]
                if isinstance(first, ast.Constant) and RULE_PREFIX.match(str(first.value)):
                    parts = [
                        re.escape(v.value) if isinstance(v, ast.Constant) else ".+"
                        for v in node.values
                    ]
                    templates.append(re.compile("".join(parts) + "$"))
    return literals, templates


@dataclasses.dataclass(frozen=True)
class Namespace:
    """What a policy page may name: the policy's source and parameters, and the core's."""

    package: Path
    literals: frozenset[str]  # string constants of the policy and of the core
    templates: tuple[re.Pattern[str], ...]  # the policy's rule families, e.g. indicator.{group}
    parameters: frozenset[str]
    roots: tuple[Any, ...]  # modules and classes a Python name may start from
    kinds: dict[str, EventKind]

    def lookup(self, dotted: str) -> Any:
        """A Python object reachable from a module or class of the policy or the core, by an
        attribute path (``within_years``) or from the module's or class's own name
        (``scoring.risk_score``, ``WugangPolicy.grade``), or an importable module."""
        if dotted in ("None", "True", "False"):
            return dotted
        parts = dotted.split(".")
        for root in self.roots:
            found = _attribute_path(root, parts)
            if found is MISSING and getattr(root, "__name__", "").endswith(parts[0]):
                found = _attribute_path(root, parts[1:])
            if found is not MISSING:
                return found
        try:
            return importlib.import_module(dotted)
        except ImportError:
            return MISSING

    def names(self, token: str) -> bool:
        """Whether a backticked name of a policy page is something of the policy or the core."""
        name, call, args = token.partition("(")
        if call:  # a call: its function exists and takes the arguments named
            function = self.lookup(name)
            if not callable(function):
                return False
            accepted = set(inspect.signature(function).parameters) | self.parameters
            return set(re.findall(r"[A-Za-z_]\w*", args)) <= accepted
        if name in self.parameters or name in self.literals or self.lookup(name) is not MISSING:
            return True
        if any(t.match(name) for t in self.templates):
            return True
        if "*" in name or "<" in name:  # a family: points_*, score.<dimension>
            prefix = re.split(r"[*<]", name)[0]
            return any(s.startswith(prefix) for s in (*self.literals, *self.parameters))
        head, _, tail = name.rpartition(".")
        if head in ("details", "Grading.details"):
            return tail in self.literals  # a key of the assessment's details
        kind = self.kinds.get(head)
        return kind is not None and tail in kind.all_attributes  # KIND.attribute


# Old import paths kept one release; they only re-export the contract (and warn when imported).
DEPRECATED_MODULES = {"qcredit.core.engine", "qcredit.core.notices", "qcredit.core.planning"}


def _modules(package: str, path: Path, *, subpackages: bool) -> list[ModuleType]:
    found = [importlib.import_module(package)]
    for m in pkgutil.iter_modules([str(path)]):
        name = f"{package}.{m.name}"
        if (subpackages or not m.ispkg) and name not in DEPRECATED_MODULES:
            found.append(importlib.import_module(name))
    return found


@cache
def namespace(policy_id: str) -> Namespace:
    package = ROOT / "policies" / policy_id
    literals, templates = _strings([*package.glob("*.py"), *(ROOT / "core").rglob("*.py")])
    modules = [
        *_modules(f"qcredit.policies.{policy_id}", package, subpackages=True),
        *_modules("qcredit.core", ROOT / "core", subpackages=False),
    ]
    classes = [
        c
        for m in modules
        for _, c in inspect.getmembers(m, inspect.isclass)
        if c.__module__.startswith("qcredit.")
    ]
    extra_kinds = [
        kind
        for m in modules
        for value in vars(m).values()
        if isinstance(value, tuple)
        for kind in value
        if isinstance(kind, EventKind)
    ]
    return Namespace(
        package=package,
        literals=frozenset(literals),
        templates=tuple(templates),
        parameters=frozenset(tomllib.loads((package / "parameters.toml").read_text())),
        roots=(*modules, *classes, builtins),
        kinds=Vocabulary.with_core(extra_kinds).kinds,
    )


def cited_names(page: Path, package: Path) -> list[str]:
    """Backticked names of a page, leaving out paths of the repository or of the policy."""
    tokens = sorted(set(re.findall(r"`([^`\n]+)`", page.read_text())))
    return [
        t
        for t in tokens
        if NAME.match(t) and not (ROOT / t).exists() and not (package / t).exists()
    ]


@pytest.mark.parametrize("policy_id", POLICY_PAGES)
def test_policy_page_names_exist(policy_id: str) -> None:
    ns = namespace(policy_id)
    page = DOCS / "policies" / f"{policy_id}.md"
    missing = [t for t in cited_names(page, ns.package) if not ns.names(t)]
    assert not missing, f"docs/policies/{policy_id}.md names what is not in the code: {missing}"
