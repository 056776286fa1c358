"""Another province adds its policy by installing a package — no change to the core.

Builds a throw-away distribution with a ``qcredit.policies`` entry point, installs it into this
environment, and checks from a fresh interpreter that the policy is listed and grades through the
GraphQL API.  Also: two policies with the same id are refused with a clear message.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import pytest
from qcredit.core.errors import PluginConflict
from qcredit.core.hookspecs import hookimpl
from qcredit.core.plugins import Registry

from .support import CountingPolicy

POLICY_MODULE = '''
"""外地市产品质量信用分级办法 — a throw-away policy for the plug-in test."""
from datetime import date
from qcredit.core.facts import ids
from qcredit.core.hookspecs import hookimpl
from qcredit.core.parameters import Parameter, ParameterSet
from qcredit.core.policy import Audience, Disclosure, Grading, Level, Measure, Policy, Reason


class OutsidePolicy(Policy):
    id = "outsideland"
    name = "外地市产品质量信用分级办法"
    region_codes = ("120000",)
    effective_from = date(2021, 1, 1)
    levels = (Level("GOOD", "良好", 1, "green"), Level("BAD", "较差", 2, "red"))

    def __init__(self):
        super().__init__(ParameterSet([Parameter("window_years", 1, "第三条")]))

    def grade(self, facts, history, params):
        penalties = facts.within_years(params["window_years"], "ADMINISTRATIVE_PENALTY")
        if penalties:
            return Grading("BAD", None, (Reason("penalty", "第三条", "一年内受到行政处罚",
                                                 ids(penalties)),))
        return Grading("GOOD")

    def supervision(self, grading, facts, params):
        return (Measure("INSPECTION_FREQUENCY", "每年检查", "第四条", min_per_year=1.0),)

    def publicity(self, grading, facts, params):
        return tuple(Disclosure(a, True, False, "", "第五条") for a in Audience)


@hookimpl
def qcredit_policies():
    return [OutsidePolicy()]
'''

PYPROJECT = """
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "qcredit-policy-outsideland"
version = "0.0.1"
dependencies = []

[project.entry-points."qcredit.policies"]
outsideland = "outsideland_policy"

[tool.setuptools]
py-modules = ["outsideland_policy"]
"""

CLIENT = '''
import asyncio, json, sys
import httpx
from qcredit.api.app import create_app
from qcredit.api.settings import Settings
from qcredit.core.identifiers import credit_code_check_character
from qcredit.core.store.db import create_engine
from qcredit.core.store.migrate import upgrade
from qcredit.core.disclosure.tokens import create_token

URL = sys.argv[1]
CODE = "91120101" + "000000777"
CODE += credit_code_check_character(CODE)


async def main():
    engine = create_engine(URL)
    await upgrade(engine)
    await engine.dispose()
    app = create_app(Settings(database_url=URL, migrate_on_start=False))
    async with app.state.services.sessions() as session:
        token, _ = await create_token(session, role="REGULATOR", regions=["120000"])
        await session.commit()
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": "Bearer " + token}
    async with httpx.AsyncClient(transport=transport, base_url="http://t", headers=headers) as c:
        async def q(query, variables=None):
            r = await c.post("/graphql", json={"query": query, "variables": variables or {}})
            return r.json()
        out = {}
        out["policies"] = await q("{ policies { id name package levels { code } } }")
        await q("""mutation($i: RegisterEnterpriseInput!) {
                     registerEnterprise(input: $i) { id } }""",
                {"i": {"code": CODE, "name": "天津外地公司", "regionCode": "120101",
                       "establishedOn": "2015-01-01"}})
        out["before"] = await q("""query($c: String!) { enterprise(code: $c) {
            assessment(policy: "outsideland", asOf: "2024-06-30") { level } } }""", {"c": CODE})
        await q("""mutation($i: RecordEventInput!) { recordEvent(input: $i) { id } }""",
                {"i": {"enterpriseCode": CODE, "kind": "ADMINISTRATIVE_PENALTY",
                       "occurredOn": "2024-05-01", "attributes": {"measure": "FINE"}}})
        out["after"] = await q("""query($c: String!) { enterprise(code: $c) {
            assessment(policy: "outsideland", asOf: "2024-06-30") { level
              reasons { article text } } } }""", {"c": CODE})
    await app.state.db_engine.dispose()
    print(json.dumps(out, ensure_ascii=False))

asyncio.run(main())
'''


def _pip(*args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q", *args],
        check=True,
        capture_output=True,
        text=True,
    )


@pytest.fixture(scope="module")
def outside_package(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    src = tmp_path_factory.mktemp("outsideland")
    (src / "pyproject.toml").write_text(textwrap.dedent(PYPROJECT))
    (src / "outsideland_policy.py").write_text(POLICY_MODULE)
    _pip("install", "--no-deps", "--no-build-isolation", str(src))
    yield src
    _pip("uninstall", "-y", "qcredit-policy-outsideland")


def test_outside_policy_is_listed_and_grades_through_the_api(
    outside_package: Path, database_url: str, tmp_path: Path
) -> None:
    script = tmp_path / "client.py"
    script.write_text(CLIENT)
    run = subprocess.run(
        [sys.executable, str(script), database_url], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout.strip().splitlines()[-1])
    policies = {p["id"]: p for p in out["policies"]["data"]["policies"]}
    assert policies["outsideland"]["name"] == "外地市产品质量信用分级办法"
    assert policies["outsideland"]["package"] == "qcredit-policy-outsideland 0.0.1"
    assert out["before"]["data"]["enterprise"]["assessment"]["level"] == "GOOD"
    after = out["after"]["data"]["enterprise"]["assessment"]
    assert after["level"] == "BAD"
    assert after["reasons"] == [{"article": "第三条", "text": "一年内受到行政处罚"}]


def test_two_policies_with_the_same_id_are_refused() -> None:
    class First:
        @hookimpl
        def qcredit_policies(self):  # type: ignore[no-untyped-def]
            return [CountingPolicy()]

    class Second:
        @hookimpl
        def qcredit_policies(self):  # type: ignore[no-untyped-def]
            return [CountingPolicy()]

    with pytest.raises(PluginConflict) as caught:
        Registry.load([First(), Second()], entry_points=False)
    assert "testland" in str(caught.value)
    assert "two plug-ins register policy id" in str(caught.value)


def test_shipped_policies_load_through_entry_points() -> None:
    from importlib.metadata import entry_points

    names = {ep.name for ep in entry_points(group="qcredit.policies")}
    assert {"wugang", "haojiang", "jiaxing", "jiamusi", "bingtuan"} <= names
    registry = Registry.load()
    for name in ("wugang", "haojiang", "jiaxing", "jiamusi", "bingtuan"):
        policy = registry.policy(name)
        assert policy.name and policy.region_codes and policy.levels
        assert registry.sources[name].startswith("qcredit ")
    assert date(2022, 11, 1) == registry.policy("wugang").effective_from
