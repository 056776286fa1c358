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
