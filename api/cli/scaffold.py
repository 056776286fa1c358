"""``qcredit new-policy NAME``: a ready-to-install outside policy package.

The generated package installs with ``pip install -e`` and passes its own tests as generated;
docs/plugin-guide.md walks through it.
"""

from __future__ import annotations

import re
from pathlib import Path
from string import Template

from qcredit.core import clock
from qcredit.core.errors import Conflict, InvalidInput
from qcredit.core.identifiers import validate_region_code

TEMPLATES = Path(__file__).with_name("templates") / "policy"


def scaffold(name: str, where: Path, *, region: str = "110000", title: str | None = None) -> Path:
    if not re.fullmatch(r"[a-z][a-z0-9_]{1,39}", name):
        raise InvalidInput(
            "policy name: lower-case letter, then letters, digits or _", field="name"
        )
    region = validate_region_code(region, "region")
    package = f"qcredit_policy_{name}"
    root = where / f"qcredit-policy-{name}"
    if root.exists():
        raise Conflict(f"{root} already exists", field="dir")
    year = clock.today().year - 1
    county = region if not region.endswith("00") else region[:4] + "01"
    if region.endswith("0000"):
        county = region[:2] + "0101"
    values = {
        "name": name,
        "package": package,
        "title": title or f"{name} 产品质量信用分级办法",
        "cls": "".join(part.capitalize() for part in name.split("_")) + "Policy",
        "region": region,
        "county": county,
        "year": str(year),
        "prev_year": str(year - 1),
        "next_year": str(year + 1),
    }
    layout = {
        "pyproject.toml": "pyproject.toml.tmpl",
        "README.md": "README.md.tmpl",
        f"{package}/__init__.py": "__init__.py.tmpl",
        f"{package}/rules.py": "rules.py.tmpl",
        f"{package}/parameters.toml": "parameters.toml.tmpl",
        "tests/cases.toml": "cases.toml.tmpl",
        "tests/test_cases.py": "test_cases.py.tmpl",
        f"docs/{name}.md": "docs.md.tmpl",
    }
    for target, template in layout.items():
        path = root / target
        path.parent.mkdir(parents=True, exist_ok=True)
        text = Template((TEMPLATES / template).read_text("utf-8")).substitute(values)
        path.write_text(text, encoding="utf-8")
    return root
