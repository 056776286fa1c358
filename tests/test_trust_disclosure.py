"""Trust under attack: nobody learns a withheld grade (hardening rules 1, 3 and 7).

* No refusal oracle — a generated property: for every policy, every level a caller may not see
  and every such caller, the responses of every field that could say why (the assessment's
  refusal, level filters and counts, published lists, the region map, the change feed, badges,
  notices, a disclosure request) are the same whatever the hidden level, once ids, codes and
  dates are masked.  Each subject is one demo enterprise of that level, loaded alone into its
  region so that the map's cell is small.
* Inspectors belong to their region.
* An approval publishes one standing grade; the feed never hints at a withheld grade.
"""

from __future__ import annotations

import importlib
import json
import re
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from qcredit.core import clock
from qcredit.core.grading.run import grade_everything
from qcredit.core.ledger.importer import import_records_bulk
from qcredit.core.store.db import create_engine
from qcredit.core.store.tables import EnterpriseRow, StandingGradeRow
from sqlalchemy import select, text

from .conftest import TABLES, issue_token
from .support import credit_code, gql, only_error

POLICIES = ("wugang", "haojiang", "jiaxing", "jiamusi", "bingtuan")
# Who may not see a grade of somebody else's: (name, token role, token fields).
CALLERS: tuple[tuple[str, str | None, dict[str, Any]], ...] = (
    ("PUBLIC", None, {}),
    ("SUBJECT of another enterprise", "SUBJECT", {"enterprise_code": credit_code(999_999)}),
    ("DEPARTMENT", "DEPARTMENT", {"department": "发改委"}),
    ("INDUSTRY", "INDUSTRY", {}),
    ("REGULATOR of another region", "REGULATOR", {"regions": ["110101"]}),
)
MASKED_KEYS = {"id", "code", "cursor", "endCursor", "enterpriseCode", "asOf", "at", "name"}
DATE = re.compile(r"\d{4}-\d{2}-\d{2}([T ][0-9:.+Z-]+)?")


# -- the subjects: one demo enterprise per policy and level, loaded alone --------------------------


async def _picks(demo_database_url: str) -> dict[str, dict[str, str]]:
    """policy → level → the code of the first demo enterprise standing at that level."""
    engine = create_engine(demo_database_url)
    try:
        async with engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(StandingGradeRow.policy_id, StandingGradeRow.level, EnterpriseRow.code)
                    .join(EnterpriseRow, EnterpriseRow.id == StandingGradeRow.enterprise_id)
                    .where(StandingGradeRow.subject_type == "ENTERPRISE")
                    .order_by(EnterpriseRow.id)
                )
            ).all()
    finally:
        await engine.dispose()
    out: dict[str, dict[str, str]] = defaultdict(dict)
    for policy_id, level, code in rows:
        if policy_id in POLICIES:
            out[policy_id].setdefault(level, code)
    return out


def _records_of(records: list[dict[str, Any]], code: str, region: str) -> list[dict[str, Any]]:
    """One enterprise's demo records, moved into ``region`` (the same for every level)."""
    mine = [r for r in records if code in (r.get("code"), r.get("enterpriseCode"))]
    events = {r["externalId"] for r in mine if r["type"] == "event"}
    moved = [{**r, "regionCode": region} if r["type"] == "enterprise" else r for r in mine]
    return moved + [r for r in records if r.get("eventExternalId") in events]


async def _load_alone(app: Any, policy_id: str, records: list[dict[str, Any]]) -> None:
    services = app.state.services
    async with app.state.db_engine.begin() as conn:
        for table in TABLES:
            await conn.execute(text(f"DELETE FROM {table}"))
    report = await import_records_bulk(
        services.sessions, services.engine, enumerate(records, start=1), regrade=False
    )
    assert not report.rejected, report.rejected
    await grade_everything(
        services.sessions, services.engine, [services.registry.policy(policy_id)]
    )


@asynccontextmanager
async def _as(app: Any, role: str | None, **fields: Any) -> AsyncIterator[httpx.AsyncClient]:
    headers = {}
    if role is not None:
        headers["Authorization"] = f"Bearer {await issue_token(app, role, **fields)}"
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test", headers=headers) as c:
        yield c


# -- what a caller receives ------------------------------------------------------------------------

ASSESSMENT = """query($c: String!, $p: String!, $on: Date) { enterprise(code: $c) {
  assessment(policy: $p, asOf: $on) { level score reasons { text } whyNotBetter { text }
    publicity { audience allowed needsReview article } }
  assessments(asOf: $on) { level } } }"""
COUNT = """query($p: String!, $l: String!) {
  enterprises(filter: {policy: $p, level: $l}) { totalCount edges { node { code } } } }"""
PUBLIC_LIST = (
    """query($p: String!, $l: String!) { publicList(policy: $p, list: $l) { totalCount } }"""
)
REGION_MAP = """query($p: String!, $r: String!) { regionMap(policy: $p, regionCode: $r) {
  region { colour colourWithheld subjects counts { level count } reasons { text } }
  subRegions { code colour colourWithheld subjects counts { level count } } } }"""
FEED = """query($p: String!) { gradeChanges(policy: $p) {
  changes { policy subjectType previous current notice } hasMore } }"""
BADGES = """query($c: String!) {
  badges(code: $c) { policy kind label article color colorLabel withheld }
  healthCodes(code: $c) { policy colour withheld } }"""
NOTICES = """query($p: String!) { notices(policy: $p) { totalCount
  edges { node { kind level previousLevel colour text article } } } }"""
REQUEST = """mutation($p: String!, $c: String!) {
  requestDisclosure(policy: $p, enterpriseCode: $c, kind: "PUBLICATION", reason: "申请公示") {
    level state } }"""


def _masked(value: Any, secrets: Iterable[str]) -> Any:
    if isinstance(value, dict):
        return {
            k: "*" if k in MASKED_KEYS and v is not None else _masked(v, secrets)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_masked(v, secrets) for v in value]
    if isinstance(value, str):
        for s in secrets:
            value = value.replace(s, "<subject>")
        return DATE.sub("<date>", value)
    return value


async def _responses(
    c: httpx.AsyncClient, policy: Any, code: str, region: str, on: str
) -> dict[str, Any]:
    """Every field that could tell a hidden level apart, as this caller receives it."""
    p = policy.id
    levels = [lv.code for lv in policy.levels]
    out: dict[str, Any] = {
        "assessment": await gql(c, ASSESSMENT, {"c": code, "p": p, "on": on}),
        "requestDisclosure": await gql(c, REQUEST, {"p": p, "c": code}),
        "regionMap": await gql(c, REGION_MAP, {"p": p, "r": region[:6]}),
        "gradeChanges": await gql(c, FEED, {"p": p}),
        "badges": await gql(c, BADGES, {"c": code}),
        "notices": await gql(c, NOTICES, {"p": p}),
    }
    for lv in levels:
        out[f"totalCount level {lv}"] = await gql(c, COUNT, {"p": p, "l": lv})
    from qcredit.core.disclosure.reviews import public_lists

    for name in public_lists(policy):
        out[f"publicList {name}"] = await gql(c, PUBLIC_LIST, {"p": p, "l": name})
    return out


def _hidden(response: dict[str, Any]) -> bool:
    data = response.get("data") or {}
    return (data.get("enterprise") or {}).get("assessment") is None


async def test_no_refusal_oracle_for_any_hidden_level(
    app: Any, demo_database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    picks = await _picks(demo_database_url)
    registry = app.state.services.registry
    comparisons = 0
    matrix = []
    for policy_id in POLICIES:
        policy = registry.policy(policy_id)
        records = importlib.import_module(f"qcredit.policies.{policy_id}.demo").demo_records(
            clock.today()
        )
        first = next(iter(picks[policy_id].values()))
        region = next(r["regionCode"] for r in records if r.get("code") == first)
        # caller → level → masked responses of the levels it may not see
        seen: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
        for code in picks[policy_id].values():
            await _load_alone(app, policy_id, _records_of(records, code, region))
            async with app.state.db_engine.connect() as conn:
                level, on = (
                    await conn.execute(
                        select(StandingGradeRow.level, StandingGradeRow.as_of).where(
                            StandingGradeRow.policy_id == policy_id,
                            StandingGradeRow.subject_type == "ENTERPRISE",
                        )
                    )
                ).one()
                name = (await conn.execute(select(EnterpriseRow.name))).scalar_one()
            for caller, role, fields in CALLERS:
                async with _as(app, role, **fields) as c:
                    got = await _responses(c, policy, code, region, on.isoformat())
                if _hidden(got["assessment"]) and level not in seen[caller]:
                    seen[caller][level] = _masked(got, [code, name])
        for caller, by_level in seen.items():
            levels = sorted(by_level)
            reference = by_level[levels[0]]
            matrix.append((policy_id, caller, levels, len(reference)))
            for lv in levels[1:]:
                for field, answer in by_level[lv].items():
                    assert answer == reference[field], (
                        f"{policy_id}: {caller} tells {lv} from {levels[0]} by {field}:\n"
                        f"{json.dumps(answer, ensure_ascii=False)}\n"
                        f"{json.dumps(reference[field], ensure_ascii=False)}"
                    )
                    comparisons += 1
    cells = sum(len(levels) * fields for _, _, levels, fields in matrix)
    with capsys.disabled():
        print(
            f"\nno-oracle matrix: {len(matrix)} (policy, caller) pairs, {cells} cells "
            f"(policy × hidden level × caller × field), {comparisons} comparisons"
        )
        for policy_id, caller, levels, _ in matrix:
            print(f"  {policy_id:9} {caller:30} hidden: {', '.join(levels)}")
    assert comparisons > 0


# -- an approval publishes one standing grade ------------------------------------------------------

FEED_ALL = """{ gradeChanges(policy: "jiamusi") { changes { previous current } } }"""


REGISTER = """mutation($i: RegisterEnterpriseInput!) { registerEnterprise(input: $i) { id } }"""


async def _jiamusi_a_published(app: Any, client: httpx.AsyncClient) -> str:
    """A 佳木斯 A (no failed sampling) published on its application (三（五）)."""
    code = credit_code(1, "230803")
    body = {"code": code, "name": "佳木斯企业", "regionCode": "230803"}
    assert "errors" not in await gql(
        client, REGISTER, {"i": {**body, "establishedOn": "2010-01-01"}}
    )
    await _approve(app, code)
    return code


async def _approve(app: Any, code: str) -> None:
    request = """mutation($c: String!) { requestDisclosure(policy: "jiamusi", enterpriseCode: $c,
      kind: "PUBLICATION", reason: "企业申请公示") { id } }"""
    decide = """mutation($id: ID!) { decideDisclosure(id: $id, approve: true, reason: "评价通过") {
      state } }"""
    async with _as(app, "SUBJECT", enterprise_code=code) as subject:
        asked = await gql(subject, request, {"c": code})
    async with _as(app, "REVIEWER", regions=["230800"]) as reviewer:
        decided = await gql(reviewer, decide, {"id": asked["data"]["requestDisclosure"]["id"]})
    assert decided["data"]["decideDisclosure"]["state"] == "APPROVED", decided


async def _a_to_c_and_back(client: httpx.AsyncClient, code: str) -> None:
    record = """mutation($i: RecordEventInput!) { recordEvent(input: $i) { id } }"""
    failed = await gql(
        client,
        record,
        {
            "i": {
                "enterpriseCode": code,
                "kind": "SAMPLING_INSPECTION",
                "occurredOn": clock.today().isoformat(),
                "attributes": {"result": "FAIL"},
            }
        },
    )
    correct = """mutation($i: CorrectEventInput!) { correctEvent(input: $i) { id } }"""
    revoke = {"eventId": failed["data"]["recordEvent"]["id"], "action": "REVOKE", "reason": "误录"}
    assert "errors" not in await gql(client, correct, {"i": revoke})


async def _public_view(app: Any, code: str) -> tuple[Any, int, list[dict[str, Any]]]:
    standing = """query($c: String!) { enterprise(code: $c) { assessment(policy: "jiamusi") {
      level } } }"""
    async with _as(app, None) as public:
        seen = await gql(public, standing, {"c": code})
        listed = await gql(public, PUBLIC_LIST, {"p": "jiamusi", "l": "A_LIST"})
        feed = await gql(public, FEED_ALL)
    return (
        (seen["data"]["enterprise"] or {}).get("assessment"),
        listed["data"]["publicList"]["totalCount"],
        feed["data"]["gradeChanges"]["changes"],
    )


async def test_an_approval_lapses_with_its_grade_and_does_not_return_with_the_level(
    app: Any, client: httpx.AsyncClient
) -> None:
    code = await _jiamusi_a_published(app, client)
    assert await _public_view(app, code) == (
        {"level": "A"},
        1,
        [{"previous": None, "current": "A"}],
    )
    await _a_to_c_and_back(client, code)  # A → C → A: a new standing grade A
    assessment, listed, feed = await _public_view(app, code)
    assert (assessment, listed) == (None, 0)  # a new review is needed
    assert feed == [{"previous": None, "current": "A"}]
    await _approve(app, code)
    assert (await _public_view(app, code))[:2] == ({"level": "A"}, 1)


async def test_the_feed_never_shows_a_withheld_grade_in_between(
    app: Any, client: httpx.AsyncClient
) -> None:
    code = await _jiamusi_a_published(app, client)
    await _a_to_c_and_back(client, code)
    await _approve(app, code)  # the new A is published too
    *_, feed = await _public_view(app, code)
    # Not two consecutive "→ A": to the public the grade never changed.
    assert feed == [{"previous": None, "current": "A"}]
    async with _as(app, "REGULATOR", regions=["230803"]) as bureau:
        changes = (await gql(bureau, FEED_ALL))["data"]["gradeChanges"]["changes"]
    assert [(c["previous"], c["current"]) for c in changes] == [
        (None, "A"),
        ("A", "C"),
        ("C", "A"),
    ]


# -- inspectors belong to their region -------------------------------------------------------------

REGISTER_INSPECTOR = """mutation($c: String!, $n: String!, $r: String!, $a: Boolean!) {
  registerInspector(input: {code: $c, name: $n, regionCode: $r, active: $a}) {
    code name regionCode active } }"""
CONFLICT = """mutation($i: String!, $e: String!) { declareConflictOfInterest(input:
  {inspectorCode: $i, enterpriseCode: $e, reason: "亲属"}) { inspectorCode } }"""
INSPECTORS = "{ inspectors { code name regionCode active } }"


async def test_a_regulator_cannot_take_over_another_regions_inspector(
    app: Any, client: httpx.AsyncClient
) -> None:
    theirs = {"c": "JMS-01", "n": "王伟", "r": "230803", "a": True}
    assert "errors" not in await gql(client, REGISTER_INSPECTOR, theirs)
    mine = credit_code(7, "410481")
    await gql(client, REGISTER, {"i": {"code": mine, "name": "舞钢企业", "regionCode": "410481"}})
    async with _as(app, "REGULATOR", regions=["410481"]) as other:
        # move and rename it into my region (what took it out of 230803's 双随机 pool)
        moved = only_error(
            await gql(other, REGISTER_INSPECTOR, {**theirs, "n": "改名", "r": "410481"})
        )
        assert moved["extensions"] == {"code": "FORBIDDEN", "field": "code"}
        assert "王伟" not in moved["message"] and "230803" not in moved["message"]
        for attempt in ({**theirs, "a": False}, {**theirs, "n": "改名"}):  # in its own region
            refused = only_error(await gql(other, REGISTER_INSPECTOR, attempt))
            assert refused["extensions"]["code"] == "FORBIDDEN"
        refused = only_error(await gql(other, CONFLICT, {"i": "JMS-01", "e": mine}))
        assert refused["extensions"] == {"code": "FORBIDDEN", "field": "inspectorCode"}
        assert "230803" not in refused["message"]
        # a code of its own region is still registered and updated as before
        own = {"c": "WG-01", "n": "李芳", "r": "410481", "a": True}
        assert "errors" not in await gql(other, REGISTER_INSPECTOR, own)
        renamed = await gql(other, REGISTER_INSPECTOR, {**own, "n": "李芳芳"})
        assert renamed["data"]["registerInspector"]["name"] == "李芳芳"
    async with _as(app, "REGULATOR", regions=["230803"]) as owner:
        pool = (await gql(owner, INSPECTORS))["data"]["inspectors"]
    assert pool == [{"code": "JMS-01", "name": "王伟", "regionCode": "230803", "active": True}]
