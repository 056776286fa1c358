"""The schema changes from the last release only as schema/breaking-changes.md records.

``schema/released/<version>.graphql`` is the last released SDL; graphql-core's
``find_breaking_changes`` and ``find_dangerous_changes`` compare it with the schema served now.
Every change they find must be a row of the allow-list, with its reason — and every row must
still be a change, so the list is the true one (docs/schema.md).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from graphql import build_schema as parse_sdl
from graphql import find_breaking_changes, find_dangerous_changes
from qcredit.api.graphql.schema import build_schema

ROOT = Path(__file__).resolve().parents[1]
RELEASED = ROOT / "schema" / "released"
ALLOWED = ROOT / "schema" / "breaking-changes.md"
HEADER = "| Change (graphql-core) |"
ROW = re.compile(r"^\| (?P<change>[^|]+?) \| (?P<why>[^|]+?) \| (?P<by>[^|]+?) \|$")


def _version(path: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in path.stem.split("."))


def last_release() -> Path:
    released = sorted(RELEASED.glob("*.graphql"), key=_version)
    assert released, f"no released SDL in {RELEASED}"
    return released[-1]


def allowed() -> dict[str, str]:
    """The recorded changes: graphql-core's description → why it is accepted, from the rows of
    every table headed ``| Change (graphql-core) |`` (other tables, e.g. deprecations, are not
    changes graphql-core reports)."""
    rows: dict[str, str] = {}
    in_table = False
    for line in ALLOWED.read_text(encoding="utf-8").splitlines():
        if line.startswith(HEADER):
            in_table = True
            continue
        match = ROW.match(line) if in_table else None
        if match is None:
            in_table = in_table and line.startswith("|")
            continue
        if not match["change"].startswith("---"):
            rows[match["change"]] = match["why"]
    return rows


def changes() -> list[str]:
    old = parse_sdl(last_release().read_text(encoding="utf-8"))
    new = parse_sdl(build_schema().as_str())
    found = find_breaking_changes(old, new) + find_dangerous_changes(old, new)
    return [c.description for c in found]


def test_every_change_since_the_release_is_recorded() -> None:
    recorded = allowed()
    unrecorded = [c for c in changes() if c not in recorded]
    assert not unrecorded, (
        f"breaking or dangerous changes since {last_release().name} not in "
        f"{ALLOWED.relative_to(ROOT)} (add each with its reason and replacement, or undo it):\n"
        + "\n".join(unrecorded)
    )


def test_every_recorded_change_is_one() -> None:
    stale = sorted(set(allowed()) - set(changes()))
    assert not stale, "rows that are no longer changes (remove them):\n" + "\n".join(stale)


def test_every_recorded_change_has_a_reason() -> None:
    assert all(len(why.strip()) > 10 for why in allowed().values())


def test_the_release_compared_is_not_newer_than_the_package() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    current = tuple(int(p) for p in project["version"].split("."))
    assert _version(last_release()) <= current


def test_the_comparison_finds_a_break() -> None:
    # A check that finds nothing proves nothing: removing a field must count as a break.
    old = parse_sdl("type Query { a: String b: String }")
    new = parse_sdl("type Query { a: String }")
    found = [c.description for c in find_breaking_changes(old, new)]
    assert found == ["Field Query.b was removed."]
