"""Every GraphQL example in ``docs/api*.md`` runs against the demo data without errors, and where
the page states a result, the answer holds it.

How a page writes an example (docs/api.md, "How the examples are run"):

- a ```` ```graphql ```` block is one operation;
- an HTML comment ``<!-- as: ROLE [department or region or enterprise code] -->`` before it
  names the caller (``PUBLIC``, the default, sends no token; ``ADMIN``; ``DEPARTMENT 发展改革委``;
  ``REGULATOR 330402``; ``SUBJECT <code>``), and holds for the examples after it;
- a ```` ```json variables ```` block right after it holds the variables; a string
  ``"<field.path>"`` in them is replaced by that value of the answer to the previous example
  (e.g. ``"<recordEvent.id>"``);
- a ```` ```json result ```` block after that states (part of) the answer's ``data``: every key
  it names must be there with that value; a list must have the stated items first.

The examples of a page run in order on a writable copy of the demo database, so that writes
(recording an event, a correction) touch no other test's data.
"""

from __future__ import annotations

import json
import re
import sqlite3
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from qcredit.api.app import create_app
from qcredit.api.settings import Settings
from sqlalchemy.engine import make_url

from .conftest import _pg_admin, issue_token

DOCS = Path(__file__).resolve().parents[1] / "docs"
PAGES = sorted(DOCS.glob("api*.md"))
AS = re.compile(r"<!--\s*as:\s*([A-Z]+)\s*(\S*)\s*-->")
FENCE = re.compile(r"^```(\w*)\s*(\w*)\s*$")
PLACEHOLDER = re.compile(r"^<([A-Za-z_][\w.]*)>$")


@dataclass
class Example:
    page: str
    line: int
    query: str
    caller: tuple[str, str]
    variables: dict[str, Any] = field(default_factory=dict)
    result: Any = None

    @property
    def where(self) -> str:
        return f"{self.page}:{self.line}"


def examples(page: Path) -> list[Example]:
    """The examples of a page, in order (the conventions are in this module's docstring)."""
    found: list[Example] = []
    caller = ("PUBLIC", "")
    lines = page.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        if m := AS.search(lines[i]):
            caller = (m.group(1), m.group(2))
        fence = FENCE.match(lines[i])
        if fence is None:
            i += 1
            continue
        start = i
        end = next(j for j in range(i + 1, len(lines)) if lines[j].startswith("```"))
        body = "\n".join(lines[i + 1 : end])
        language, role = fence.groups()
        if language == "graphql":
            found.append(Example(page.name, start + 1, body, caller))
        elif language == "json" and role in ("variables", "result"):
            assert found, f"{page.name}:{start + 1}: a json {role} block with no example before"
            value = json.loads(body)
            if role == "variables":
                found[-1].variables = value
            else:
                found[-1].result = value
        i = end + 1
    return found


def test_every_api_page_has_examples() -> None:
    assert any(p.name == "api.md" for p in PAGES)
    for page in PAGES:
        assert examples(page), f"{page.name} has no ```graphql example"


@pytest.fixture(scope="module")
def writable_demo(
    demo_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A copy of the demo database that the examples may write to."""
    if demo_database_url.startswith("sqlite"):
        source = make_url(demo_database_url).database
        assert source is not None
        target = tmp_path_factory.mktemp("api-docs") / "qcredit-docs.db"
        with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
            src.backup(dst)  # consistent even with the source open elsewhere
        yield f"sqlite:///{target}"
        return
    name = f"qcredit_http_docs_{uuid.uuid4().hex[:8]}"
    template = make_url(demo_database_url).database
    try:
        _pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    except Exception:  # the template is in use by another connection: load the demo afresh
        from qcredit.api.cli import main

        _pg_admin(f'CREATE DATABASE "{name}"')
        url = make_url(demo_database_url).set(database=name)
        assert main(["demo", "--database", url.render_as_string(hide_password=False)]) == 0
    yield make_url(demo_database_url).set(database=name).render_as_string(hide_password=False)
    _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
async def docs_app(writable_demo: str) -> AsyncIterator[Any]:
    application = create_app(
        Settings(database_url=writable_demo, migrate_on_start=False, rate_limit_per_minute=0)
    )
    yield application
    await application.state.db_engine.dispose()


async def _token(app: Any, caller: tuple[str, str], tokens: dict[tuple[str, str], str]) -> str:
    role, scope = caller
    if caller not in tokens:
        extra: dict[str, Any] = {}
        if role == "DEPARTMENT":
            extra["department"] = scope
        elif role == "SUBJECT":
            extra["enterprise_code"] = scope
        elif scope:
            extra["regions"] = [scope]
        tokens[caller] = await issue_token(app, role, **extra)
    return tokens[caller]


def _at(data: Any, path: str) -> Any:
    for part in path.split("."):
        data = data[int(part)] if isinstance(data, list) else data[part]
    return data


def _filled(value: Any, previous: Any) -> Any:
    if isinstance(value, dict):
        return {k: _filled(v, previous) for k, v in value.items()}
    if isinstance(value, list):
        return [_filled(v, previous) for v in value]
    if isinstance(value, str) and (m := PLACEHOLDER.match(value)):
        return _at(previous, m.group(1))
    return value


def holds(stated: Any, actual: Any) -> bool:
    """Whether ``actual`` has every key and item ``stated`` names, with that value."""
    if isinstance(stated, dict):
        return isinstance(actual, dict) and all(
            k in actual and holds(v, actual[k]) for k, v in stated.items()
        )
    if isinstance(stated, list):
        return (
            isinstance(actual, list)
            and len(actual) >= len(stated)
            and all(holds(s, a) for s, a in zip(stated, actual, strict=False))
        )
    return bool(stated == actual)


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
async def test_api_page_examples_run_on_the_demo_data(docs_app: Any, page: Path) -> None:
    tokens: dict[tuple[str, str], str] = {}
    previous: Any = None
    transport = httpx.ASGITransport(app=docs_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        for example in examples(page):
            headers = {"accept": "application/graphql-response+json"}
            if example.caller[0] != "PUBLIC":
                token = await _token(docs_app, example.caller, tokens)
                headers["authorization"] = f"Bearer {token}"
            variables = _filled(example.variables, previous)
            response = await client.post(
                "/graphql", json={"query": example.query, "variables": variables}, headers=headers
            )
            body = response.json()
            assert response.status_code == 200, (example.where, body)
            assert not body.get("errors"), (example.where, body["errors"])
            if example.result is not None:
                assert holds(example.result, body["data"]), (example.where, body["data"])
            previous = body["data"]
