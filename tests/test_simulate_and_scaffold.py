"""What-if simulation (writes nothing) and the outside-policy scaffold (installs and passes)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from qcredit.api.cli.scaffold import scaffold
from qcredit.core.store.tables import AssessmentRow, EventRow, StandingGradeRow
from sqlalchemy import func, select

from .support import credit_code, gql, only_error

SIMULATE = """query($p: JSON!, $r: String!) {
  simulate(policy: "testland", parameters: $p, regionCode: $r, asOf: "2024-06-30") {
    subjects changed before { subjectType level count } after { subjectType level count }
    changes { before after enterprise { code } } } }"""


async def _rows(db_engine: Any) -> tuple[int, int, int]:
    async with db_engine.connect() as conn:
        got = [
            (await conn.execute(select(func.count()).select_from(t))).scalar_one()
            for t in (AssessmentRow, StandingGradeRow, EventRow)
        ]
    return got[0], got[1], got[2]


async def test_simulate_reports_distribution_and_changes_without_writing(
    client: Any, db_engine: Any
) -> None:
    codes = []
    for n, fails in ((1, 0), (2, 1), (3, 2)):
        code = credit_code(n)
        codes.append(code)
        await gql(
            client,
            """mutation($i: RegisterEnterpriseInput!) {
            registerEnterprise(input: $i) { id } }""",
            {"i": {"code": code, "name": f"企业{n}", "regionCode": "110101"}},
        )
        for k in range(fails):
            await gql(
                client,
                """mutation($i: RecordEventInput!) { recordEvent(input: $i) { id } }""",
                {
                    "i": {
                        "enterpriseCode": code,
                        "kind": "SAMPLING_INSPECTION",
                        "occurredOn": f"2024-0{k + 1}-15",
                        "attributes": {"result": "FAIL"},
                    }
                },
            )
    before = await _rows(db_engine)
    result = await gql(client, SIMULATE, {"p": {"fail_limit": 2}, "r": "110000"})
    sim = result["data"]["simulate"]
    assert sim["subjects"] == 3
    assert {(c["level"], c["count"]) for c in sim["before"]} == {("P", 1), ("F", 2)}
    assert {(c["level"], c["count"]) for c in sim["after"]} == {("P", 2), ("F", 1)}
    assert sim["changed"] == 1
    assert sim["changes"] == [{"before": "F", "after": "P", "enterprise": {"code": codes[1]}}]
    assert await _rows(db_engine) == before


async def test_simulate_refuses_unknown_parameter(client: Any) -> None:
    error = only_error(await gql(client, SIMULATE, {"p": {"fial_limit": 2}, "r": "110000"}))
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == "parameters.fial_limit"


async def test_simulate_refuses_region_outside_jurisdiction(client: Any) -> None:
    error = only_error(await gql(client, SIMULATE, {"p": {}, "r": "310000"}))
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "regionCode"}


def test_new_policy_scaffold_installs_and_passes_its_own_tests(tmp_path: Path) -> None:
    root = scaffold("scaffoldtest", tmp_path, region="120000", title="天津测试办法")
    assert (root / "docs" / "scaffoldtest.md").exists()
    assert (root / "tests" / "cases.toml").exists()
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run(
        [*pip, "install", "--no-deps", "--no-build-isolation", str(root)],
        check=True,
        capture_output=True,
    )
    try:
        run = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(root / "tests")],
            capture_output=True,
            text=True,
            cwd=root,
        )
        assert run.returncode == 0, run.stdout + run.stderr
        assert "passed" in run.stdout
    finally:
        subprocess.run(
            [*pip, "uninstall", "-y", "qcredit-policy-scaffoldtest"], capture_output=True
        )
