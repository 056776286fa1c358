"""levelCounts: counts per level by region and period in one field, disclosed exactly as the
enterprise list's totalCount; past periods graded once and then read from the stored
assessments; its arguments checked and its cost limited."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from qcredit.core.store.tables import AssessmentRow
from sqlalchemy import func, select

from .conftest import issue_token
from .support import credit_code, gql, only_error

COUNTS = """query($p: String!, $r: String, $d: Date, $from: Date, $g: [LevelCountGrouping!],
  $t: SubjectType) { levelCounts(policy: $p, regionCode: $r, asOf: $d, from: $from, groupBy: $g,
  subjectType: $t) { policy asOf periods total
  counts { level label subjectType regionCode periodEnd count } } }"""
TOTAL = """query($p: String!, $l: String!, $r: String) {
  enterprises(filter: {policy: $p, level: $l, regionCode: $r}) { totalCount } }"""
LEVELS = "{ policies { id levels { code subjectTypes } } }"


def as_role(app: Any, token: str | None) -> httpx.AsyncClient:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test", headers=headers
    )


async def counts(caller: Any, **variables: Any) -> dict[str, Any]:
    result = await gql(caller, COUNTS, variables)
    assert "errors" not in result, result
    return result["data"]["levelCounts"]


async def _token(app: Any, **spec: Any) -> str | None:
    return await issue_token(app, **spec) if spec else None  # PUBLIC sends no token


ROLES = {
    "public": {},
    "admin": {"role": "ADMIN"},
    "department": {"role": "DEPARTMENT", "department": "税务"},
    "regulator-elsewhere": {"role": "REGULATOR", "regions": ["110000"]},
}


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize("policy", ["haojiang", "jiamusi", "jiaxing"])
async def test_counts_are_the_lists_totals_per_caller(
    demo_app: Any, role: str, policy: str
) -> None:
    """For every enterprise level: the count levelCounts gives is the totalCount of the list
    filtered by that level, for this caller; a level with nothing to show has no row."""
    token = await _token(demo_app, **ROLES[role])
    async with as_role(demo_app, token) as caller:
        catalogue = (await gql(caller, LEVELS))["data"]["policies"]
        levels = [
            lv["code"]
            for p in catalogue
            if p["id"] == policy
            for lv in p["levels"]
            if "ENTERPRISE" in lv["subjectTypes"]
        ]
        got = await counts(caller, p=policy, t="ENTERPRISE")
        by_level = {c["level"]: c["count"] for c in got["counts"]}
        assert all(c["count"] > 0 for c in got["counts"])
        assert got["total"] == sum(by_level.values())
        for level in levels:
            listed = await gql(caller, TOTAL, {"p": policy, "l": level})
            assert by_level.get(level, 0) == listed["data"]["enterprises"]["totalCount"], level
        grouped = await counts(caller, p=policy, t="ENTERPRISE", g=["REGION"])
        assert grouped["total"] == got["total"]
        assert all(c["regionCode"] for c in grouped["counts"])
        if role == "admin":
            assert got["total"] > 0
        if role == "public" and policy in ("jiamusi", "jiaxing"):
            assert got["counts"] == []  # 佳木斯 and 嘉兴 disclose no level to the public
        if role == "public" and policy == "haojiang":
            assert set(by_level) <= {"A"}  # 濠江 四（一）: A only


async def test_products_are_counted_by_their_own_levels(demo_app: Any) -> None:
    token = await _token(demo_app, role="ADMIN")
    async with as_role(demo_app, token) as caller:
        every = await counts(caller, p="jiaxing")
        types = {c["subjectType"] for c in every["counts"]}
        products = await counts(caller, p="jiaxing", t="PRODUCT")
        enterprises = await counts(caller, p="jiaxing", t="ENTERPRISE")
        assert every["total"] == products["total"] + enterprises["total"]
        assert types == {"ENTERPRISE", "PRODUCT"}


REGISTER = """mutation($i: RegisterEnterpriseInput!) { registerEnterprise(input: $i) { id } }"""
RECORD = """mutation($i: RecordEventInput!) { recordEvent(input: $i) { id } }"""
ASSESS = """query($c: String!, $d: Date) { enterprise(code: $c) {
  assessment(policy: "testland", asOf: $d) { level } } }"""


async def _testland(client: Any, fails: dict[int, list[str]]) -> list[str]:
    codes = []
    for n, dates in fails.items():
        code = credit_code(n, "110101" if n % 2 else "110102")
        given = {"code": code, "name": f"企业{n}", "regionCode": code[2:8]}
        assert "errors" not in await gql(client, REGISTER, {"i": given})
        for on in dates:
            event = {
                "enterpriseCode": code,
                "kind": "SAMPLING_INSPECTION",
                "occurredOn": on,
                "attributes": {"result": "FAIL"},
            }
            assert "errors" not in await gql(client, RECORD, {"i": event})
        codes.append(code)
    return codes


async def test_a_monthly_trend_is_the_grades_on_each_month_end(
    app: Any, client: Any, db_engine: Any
) -> None:
    # testland: F within a year of a failed sampling, P otherwise; hidden from the public.
    codes = await _testland(
        client, {1: ["2024-03-15"], 2: [], 3: ["2023-06-30"], 4: ["2024-12-31"]}
    )
    # A city (the cost of grading a province for a year of months is refused).
    asked = {
        "p": "testland",
        "r": "110100",
        "g": ["MONTH"],
        "from": "2024-01-10",
        "d": "2024-12-31",
    }
    trend = await counts(client, **asked)
    assert trend["periods"] == [
        f"2024-{m:02d}-{d}"
        for m, d in zip(range(1, 13), [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], strict=True)
    ]
    for period in trend["periods"]:
        truth: dict[str, int] = {}
        for code in codes:
            a = (await gql(client, ASSESS, {"c": code, "d": period}))["data"]["enterprise"]
            level = a["assessment"]["level"]
            truth[level] = truth.get(level, 0) + 1
        shown = {c["level"]: c["count"] for c in trend["counts"] if c["periodEnd"] == period}
        assert shown == truth, period
    # 2024-03-31: #1 (March) and #3 (June 2023, within a year) are F.
    march = {c["level"]: c["count"] for c in trend["counts"] if c["periodEnd"] == "2024-03-31"}
    assert march == {"F": 2, "P": 2}
    # Graded once: the second ask reads the stored assessments and grades nothing more.
    async with db_engine.connect() as conn:
        stored = (await conn.execute(select(func.count()).select_from(AssessmentRow))).scalar()
    assert await counts(client, **asked) == trend
    async with db_engine.connect() as conn:
        again = (await conn.execute(select(func.count()).select_from(AssessmentRow))).scalar()
    assert again == stored
    # By region and month at once: the parts add up to the whole.
    both = await counts(client, **{**asked, "g": ["REGION", "MONTH"]})
    assert both["total"] == trend["total"]
    assert {c["regionCode"] for c in both["counts"]} == {"110101", "110102"}
    # Quarters end on quarter ends.
    quarters = await counts(
        client, p="testland", g=["QUARTER"], **{"from": "2024-01-01"}, d="2024-12-31"
    )
    assert quarters["periods"] == ["2024-03-31", "2024-06-30", "2024-09-30", "2024-12-31"]
    # The public sees no testland grade: no count at all, in any month.
    async with as_role(app, None) as public:
        assert (await counts(public, **asked))["counts"] == []
    department = await issue_token(app, role="DEPARTMENT", department="税务")
    async with as_role(app, department) as caller:
        assert (await counts(caller, **asked)) == trend


async def test_todays_counts_match_the_standing_grades(app: Any, client: Any) -> None:
    await _testland(client, {1: ["2026-11-01"], 2: [], 3: []})
    today = await counts(client, p="testland")
    assert {c["level"]: c["count"] for c in today["counts"]} == {"P": 2, "F": 1}
    assert [c["periodEnd"] for c in today["counts"]] == [None, None]
    labels = {c["level"]: c["label"] for c in today["counts"]}
    assert labels == {"P": "合格", "F": "不合格"}
    # A default trend: a year of month ends up to today, today's from the standing grades.
    trend = await counts(client, p="testland", r="110100", g=["MONTH"])
    assert len(trend["periods"]) == 12 and trend["periods"][-1] == today["asOf"]
    last = {c["level"]: c["count"] for c in trend["counts"] if c["periodEnd"] == today["asOf"]}
    assert last == {"P": 2, "F": 1}


async def test_arguments_are_checked(client: Any) -> None:
    bad = [
        ({"p": "testland", "g": ["MONTH", "QUARTER"]}, "groupBy"),
        ({"p": "testland", "g": ["MONTH", "MONTH"]}, "groupBy"),
        ({"p": "testland", "g": ["MONTH"], "from": "2025-01-01", "d": "2024-12-31"}, "from"),
        ({"p": "testland", "g": ["MONTH"], "from": "2020-01-01", "d": "2024-12-31"}, "from"),
        ({"p": "testland", "from": "2024-01-01"}, "from"),
        ({"p": "testland", "t": "PRODUCT"}, "subjectType"),
        ({"p": "testland", "r": "12345"}, "regionCode"),
        ({"p": "nowhere"}, "policy"),
    ]
    for variables, field in bad:
        error = only_error(await gql(client, COUNTS, variables))
        assert error["extensions"]["field"] == field, (variables, error)
        assert error["extensions"]["code"] in ("BAD_USER_INPUT", "NOT_FOUND"), error
    before = only_error(await gql(client, COUNTS, {"p": "testland", "d": "2019-12-31"}))
    assert before["extensions"]["code"] == "POLICY_NOT_IN_FORCE"


async def test_cost_grows_with_the_past_periods(client: Any) -> None:
    province = """{ levelCounts(policy: "testland", regionCode: "110000", groupBy: [MONTH],
      from: "2022-01-01", asOf: "2024-12-31") { total } }"""
    error = only_error(await gql(client, province))
    assert error["extensions"]["code"] == "QUERY_TOO_COSTLY"
    county = province.replace('"110000"', '"110101"')
    assert "errors" not in await gql(client, county)
    as_variable = """query($g: [LevelCountGrouping!], $r: String) { levelCounts(policy: "testland",
      regionCode: $r, groupBy: $g, from: "2022-01-01", asOf: "2024-12-31") { total } }"""
    error = only_error(await gql(client, as_variable, {"g": ["MONTH"], "r": "110000"}))
    assert error["extensions"]["code"] == "QUERY_TOO_COSTLY"
