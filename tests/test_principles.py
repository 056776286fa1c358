"""Principle 7 (docs/design.md): nothing in core/ or api/ names a jurisdiction.

The shipped policies arrive through the same entry points an outside province uses; the core
and the API read only what a policy declares.  This guards against a name creeping in.
"""

from __future__ import annotations

from pathlib import Path

from qcredit.core.plugins import Registry

ROOT = Path(__file__).resolve().parents[1]
PLACE_NAMES = ("舞钢", "濠江", "嘉兴", "佳木斯", "兵团", "汕头", "平顶山", "黑龙江", "新疆")
SUFFIXES = {".py", ".js", ".html", ".css", ".tmpl", ".graphql", ".ini", ".mako"}


def test_core_and_api_name_no_jurisdiction() -> None:
    ids = [p for p in Registry.load().policies if p != "testland"]
    offenders = []
    for folder in ("core", "api"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix not in SUFFIXES or "__pycache__" in path.parts:
                continue
            text = path.read_text(encoding="utf-8")
            lowered = text.lower()
            for name in (*ids, *PLACE_NAMES):
                if name in lowered or name in text:
                    offenders.append(f"{path.relative_to(ROOT)}: {name}")
    assert not offenders, offenders


# A jurisdiction's concepts, besides its name: what only one policy's text defines.  The API
# carries them through generic extension points (Policy.badge, Policy.figures), never by name.
CONCEPTS = ("健康码", "health code", "health_code", "healthcode", "四色图", "four-colour")
# 0.1's names of a badge, kept one release so front ends and printed QR codes keep working.
DEPRECATED_ALIASES = {
    "api/graphql/types/maps.py": ("healthCodes", "health_codes", "HealthCode"),
    "api/web/pages.py": ("/health-code/",),
}


def _details_keys() -> set[str]:
    """The compound keys the shipped policies write into ``Grading.details``."""
    import ast
    import re

    keys: set[str] = set()
    for path in (ROOT / "policies").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.keyword) and node.arg == "details":
                if isinstance(node.value, ast.Dict):
                    keys |= {
                        k.value
                        for k in node.value.keys
                        if isinstance(k, ast.Constant)
                        and isinstance(k.value, str)
                        and re.search(r"[a-z][A-Z]", k.value)
                    }
    return keys


def test_core_and_api_hold_no_jurisdictions_concept() -> None:
    """Principle 7 by concept: no policy-only idea, and no key a policy puts in its details,
    reaches core/ or api/ (a front end reads figures and badges, labelled by the policy)."""
    keys = _details_keys()
    assert "qualitySafetyIndex" in keys  # the scan sees the shipped policies' details
    offenders = []
    for folder in ("core", "api"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix not in SUFFIXES or "__pycache__" in path.parts:
                continue
            rel = path.relative_to(ROOT).as_posix()
            text = path.read_text(encoding="utf-8")
            for alias in DEPRECATED_ALIASES.get(rel, ()):
                text = text.replace(alias, "")
            lowered = text.lower()
            offenders += [f"{rel}: {c}" for c in CONCEPTS if c.lower() in lowered]
            offenders += [f"{rel}: details key {k}" for k in sorted(keys) if k in text]
    assert not offenders, offenders
