"""``qcredit new-policy NAME``: a ready-to-install outside policy package.

The generated package installs with ``pip install -e`` and passes its own tests as generated;
docs/plugin-guide.md walks through it.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from string import Template

from qcredit.api.cli.common import Subparsers, console, out
from qcredit.core import clock
from qcredit.core.errors import Conflict, InvalidInput
from qcredit.core.identifiers import validate_region_code

TEMPLATES = Path(__file__).with_name("templates") / "policy"


def register(sub: Subparsers) -> None:
    np = sub.add_parser("new-policy", help="scaffold an outside policy plug-in package")
    np.add_argument("name", help="policy id: lower-case letters, digits, underscores")
    np.add_argument("--dir", default=".", help="where to create qcredit-policy-NAME/")
    np.add_argument("--region", default="110000", help="GB/T 2260 code it applies to")
    np.add_argument("--title", default=None, help="official Chinese title of the document")
    np.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    target = scaffold(args.name, Path(args.dir), region=args.region, title=args.title)
    console.print(f"created {target}\nnext: pip install -e {target} && pytest {target}")
    out.print(str(target))
    return 0


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
