"""Warnings (issue 5 part 2): each policy's triggers, Jiaxing's regional thresholds, one open
notice per holding condition, disclosure of notices per role, and the live subscription over
graphql-transport-ws — within one app, and on PostgreSQL across two apps (LISTEN/NOTIFY).

The generic machinery is exercised with the suite's neutral ``testland`` policy plus notice rules
declared here (a plug-in of this test): a SUBJECT_WARNING on entering F, and a REGIONAL_WARNING
while at least half of a county's (≥ 2) subjects are F, for the bureau only.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from datetime import date, timedelta
from fractions import Fraction
from typing import Any

import httpx
import pytest
from qcredit.api.app import create_app
from qcredit.api.settings import Settings
from qcredit.core import clock
from qcredit.core.contract import (
    Assessment,
    GradeChange,
    Measure,
    MeasureKind,
    NoticeDraft,
    NoticeKind,
    NoticeRules,
    Tally,
)
from qcredit.core.disclosure.tokens import create_token
from qcredit.core.hookspecs import hookimpl
from qcredit.core.model import SubjectType
from qcredit.core.parameters import ParameterView
from qcredit.core.plugins import Registry
from qcredit.core.store.tables import NoticeRow, StandingGradeRow
from sqlalchemy import select

from .support import TEST_PLUGIN, credit_code, gql, only_error
from .ws import Closed, WsClient

COUNTY, OTHER_COUNTY = "110105", "110108"


# -- a neutral policy's notice rules --------------------------------------------------------------


class TestlandNotices(NoticeRules):
    counts_scopes = True

    def on_change(
        self, change: GradeChange, assessment: Assessment | None, params: ParameterView
    ) -> Sequence[NoticeDraft]:
        if change.current != "F":
            return ()
        return [NoticeDraft(NoticeKind.SUBJECT_WARNING, "进入F级", "第九条", "red")]

    def on_tally(self, tally: Tally, params: ParameterView) -> Sequence[NoticeDraft]:
        total = tally.total(("P", "F"))
        if len(tally.region_code) != 6 or tally.region_code.endswith("00") or total < 2:
            return ()
        if Fraction(tally.count(["F"]), total) >= Fraction(1, 2):
            return [NoticeDraft(NoticeKind.REGIONAL_WARNING, "F过半", "第十条", "red", (), "F")]
        return ()


class _NoticePlugin:
    @hookimpl
    def qcredit_notice_rules(self, policy: Any) -> NoticeRules | None:
        return TestlandNotices() if policy.id == "testland" else None


def _app(database_url: str) -> Any:
    registry = Registry.load(extra_plugins=[TEST_PLUGIN, _NoticePlugin()], entry_points=False)
    return create_app(
        Settings(database_url=database_url, migrate_on_start=False, rate_limit_per_minute=0),
        registry=registry,
    )


@pytest.fixture
async def land(app: Any, empty: None, database_url: str) -> AsyncIterator[Any]:
    """An app on the suite's (emptied) database whose testland policy issues notices."""
    application = _app(database_url)
    yield application
    await application.state.broker.stop()
    await application.state.db_engine.dispose()


async def _token(app: Any, role: str, **kwargs: Any) -> str:
    async with app.state.services.sessions() as s:
        token, _ = await create_token(s, role=role, **kwargs)
        await s.commit()
    return token


def _client(app: Any, token: str | None = None) -> httpx.AsyncClient:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test", headers=headers
    )


REGISTER = (
    """mutation($input: RegisterEnterpriseInput!) { registerEnterprise(input: $input) { code } }"""
)
RECORD = """mutation($input: RecordEventInput!) { recordEvent(input: $input) { id } }"""
CORRECT = """mutation($input: CorrectEventInput!) { correctEvent(input: $input) { id } }"""
NOTICES = """query($policy: String, $region: String, $kind: String, $open: Boolean, $first: Int,
  $after: String) {
  notices(policy: $policy, regionCode: $region, kind: $kind, open: $open, first: $first,
          after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id kind level previousLevel colour regionCode enterpriseCode text article
                   open closedAt enterprise { code } } } } }"""


async def _enterprises(client: httpx.AsyncClient, n: int, region: str = COUNTY) -> list[str]:
    codes = []
    for i in range(n):
        code = credit_code(900 + i + (0 if region == COUNTY else 50), region)
        r = await gql(
            client, REGISTER, {"input": {"code": code, "name": f"企业{i}", "regionCode": region}}
        )
        assert "errors" not in r, r
        codes.append(code)
    return codes


async def _fail(client: httpx.AsyncClient, code: str) -> str:
    on = (clock.today() - timedelta(days=30)).isoformat()
    r = await gql(
        client,
        RECORD,
        {
            "input": {
                "enterpriseCode": code,
                "kind": "SAMPLING_INSPECTION",
                "occurredOn": on,
                "attributes": {"result": "FAIL"},
            }
        },
    )
    assert "errors" not in r, r
    return r["data"]["recordEvent"]["id"]


async def _revoke(client: httpx.AsyncClient, event_id: str) -> None:
    r = await gql(
        client, CORRECT, {"input": {"eventId": event_id, "action": "REVOKE", "reason": "撤销"}}
    )
    assert "errors" not in r, r


async def _notices(client: httpx.AsyncClient, **variables: Any) -> dict[str, Any]:
    r = await gql(client, NOTICES, {"policy": "testland", **variables})
    assert "errors" not in r, r
    return r["data"]["notices"]


def _nodes(conn: dict[str, Any]) -> list[dict[str, Any]]:
    return [e["node"] for e in conn["edges"]]


# -- the generic machinery ------------------------------------------------------------------------


async def test_subject_and_regional_notices_open_and_close_without_duplicates(land: Any) -> None:
    admin = await _token(land, "ADMIN")
    async with _client(land, admin) as client:
        codes = await _enterprises(client, 4)
        first = await _fail(client, codes[0])  # 1/4 F: below half
        conn = await _notices(client)
        assert [(n["kind"], n["level"], n["previousLevel"]) for n in _nodes(conn)] == [
            ("SUBJECT_WARNING", "F", "P")
        ]
        second = await _fail(client, codes[1])  # 2/4 = half (含本数): the regional warning
        regional = _nodes(await _notices(client, kind="REGIONAL_WARNING"))
        assert [(n["regionCode"], n["open"], n["enterprise"]) for n in regional] == [
            (COUNTY, True, None)
        ]
        third = await _fail(client, codes[2])  # 3/4: the condition persists — no second notice
        assert len(_nodes(await _notices(client, kind="REGIONAL_WARNING"))) == 1
        assert (await _notices(client, kind="SUBJECT_WARNING", open=True))["totalCount"] == 3

        await _revoke(client, third)  # 2/4: still holds
        await _revoke(client, second)  # 1/4: the condition ends, the notice closes
        regional = _nodes(await _notices(client, kind="REGIONAL_WARNING"))
        assert len(regional) == 1 and regional[0]["open"] is False and regional[0]["closedAt"]
        # The subjects back at P: their warnings are closed, the one still at F keeps its own.
        still_open = _nodes(await _notices(client, kind="SUBJECT_WARNING", open=True))
        assert [n["enterpriseCode"] for n in still_open] == [codes[0]]

        await _fail(client, codes[1])  # half again: a new regional warning, the old stays closed
        regional = _nodes(await _notices(client, kind="REGIONAL_WARNING"))
        assert [n["open"] for n in regional] == [True, False]  # newest first
        await _revoke(client, first)
    async with land.state.services.sessions() as s:
        rows = (await s.execute(select(NoticeRow))).scalars().all()
    assert all(r.policy_id == "testland" for r in rows)


DATED = """query($since: Date, $until: Date, $kind: String) {
  notices(policy: "testland", since: $since, until: $until, kind: $kind) {
    totalCount edges { node { asOf } } } }"""


NOTICES_OF = """query($code: String) { notices(enterpriseCode: $code) { totalCount } }"""


async def test_notices_of_a_period_include_its_first_and_last_day(land: Any) -> None:
    """A month's report asks since its first day until its last: both days are in."""
    admin = await _token(land, "ADMIN")
    async with _client(land, admin) as client:
        await _fail(client, (await _enterprises(client, 1))[0])
        (node,) = _nodes((await gql(client, DATED, {}))["data"]["notices"])
        on = date.fromisoformat(node["asOf"])
        day = timedelta(days=1)

        async def count(since: date | None, until: date | None) -> int:
            span = {"since": since and since.isoformat(), "until": until and until.isoformat()}
            r = await gql(client, DATED, span)
            assert "errors" not in r, r
            return int(r["data"]["notices"]["totalCount"])

        assert await count(on, on) == 1  # a one-day period: its first day is its last
        assert await count(None, on) == 1 and await count(None, on - day) == 0
        assert await count(on, None) == 1 and await count(on + day, None) == 0
        assert await count(on - day, on + day) == 1


async def test_notices_refuse_a_backwards_period_an_unknown_kind_and_a_malformed_code(
    land: Any,
) -> None:
    admin = await _token(land, "ADMIN")
    async with _client(land, admin) as client:
        backwards = await gql(client, DATED, {"since": "2026-03-01", "until": "2026-02-28"})
        assert only_error(backwards)["extensions"] == {"code": "BAD_USER_INPUT", "field": "until"}
        unknown = await gql(client, DATED, {"kind": "REGIONAL"})
        error = only_error(unknown)
        assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "kind"}
        assert "REGIONAL_WARNING" in error["message"]
        mistyped = await gql(client, NOTICES_OF, {"code": "91330402MA2B0000X"})  # 17 characters
        assert only_error(mistyped)["extensions"] == {
            "code": "BAD_USER_INPUT",
            "field": "enterpriseCode",
        }


async def test_pages_of_notices(land: Any) -> None:
    admin = await _token(land, "ADMIN")
    async with _client(land, admin) as client:
        codes = await _enterprises(client, 3)
        for code in codes:
            await _fail(client, code)
        seen, after = [], None
        while True:
            conn = await _notices(client, kind="SUBJECT_WARNING", first=2, after=after)
            assert conn["totalCount"] == 3
            seen += [n["id"] for n in _nodes(conn)]
            if not conn["pageInfo"]["hasNextPage"]:
                break
            after = conn["pageInfo"]["endCursor"]
        assert len(seen) == 3 == len(set(seen)) and seen == sorted(seen, key=int, reverse=True)


async def test_notices_respect_disclosure_per_role(land: Any) -> None:
    admin = await _token(land, "ADMIN")
    async with _client(land, admin) as client:
        codes = await _enterprises(client, 2)
        for code in codes:
            await _fail(client, code)  # two subject warnings and one regional (bureau only)
    # testland discloses F to everyone but the public (tests/support.py).
    expected = {
        ("REGULATOR", (COUNTY,), None): 3,  # the bureau of the county: everything
        ("REGULATOR", (OTHER_COUNTY,), None): 2,  # elsewhere a partner: not the regional one
        ("DEPARTMENT", (), None): 2,
        ("INDUSTRY", (), None): 2,
        ("SUBJECT", (), codes[0]): 1,  # its own warning only
        ("PUBLIC", (), None): 0,
    }
    for (role, regions, enterprise), n in expected.items():
        token = (
            None
            if role == "PUBLIC"
            else await _token(
                land,
                role,
                regions=list(regions),
                enterprise_code=enterprise,
                department="发改委" if role == "DEPARTMENT" else None,
            )
        )
        async with _client(land, token) as c:
            conn = await _notices(c)
            assert conn["totalCount"] == n == len(conn["edges"]), (role, regions, conn)
            if role == "SUBJECT":
                assert _nodes(conn)[0]["enterpriseCode"] == codes[0]


async def test_a_rolled_back_write_leaves_no_notice(land: Any) -> None:
    engine, sessions = land.state.services.engine, land.state.services.sessions
    admin = await _token(land, "ADMIN")
    async with _client(land, admin) as client:
        (code,) = await _enterprises(client, 1)
    async with land.state.broker.subscribe() as queue:
        async with sessions() as s:
            from qcredit.core.ledger import append as ledger

            ent = (await s.execute(select(StandingGradeRow))).scalars().first()
            assert ent is not None
            await ledger.record_event(
                s,
                land.state.services.registry.vocabulary,
                kind="SAMPLING_INSPECTION",
                occurred_on=clock.today() - timedelta(days=3),
                enterprise_code=code,
                attributes={"result": "FAIL"},
            )
            changes = await engine.regrade(s, [ent.enterprise_id])
            assert [c.current for c in changes] == ["F"]
            await s.rollback()
        await asyncio.sleep(0.3)
        assert queue.empty()
    async with sessions() as s:
        assert (await s.execute(select(NoticeRow))).first() is None


# -- the live subscription ------------------------------------------------------------------------

SUBSCRIBE = """subscription($policy: String!, $region: String!) {
  assessmentChanged(policy: $policy, regionCode: $region) {
    policy subjectType enterpriseCode regionCode previous current asOf
    notices { kind colour level text } } }"""


async def _subscribed(app: Any, ws: WsClient, op_id: str, region: str) -> None:
    await ws.subscribe(op_id, SUBSCRIBE, {"policy": "testland", "region": region})
    before = app.state.broker.subscribers
    for _ in range(200):
        if app.state.broker.subscribers > before - 1 and app.state.broker.subscribers >= 1:
            await asyncio.sleep(0.05)
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the subscription did not start")


async def test_a_subscriber_sees_a_change_made_by_another_request(land: Any) -> None:
    admin = await _token(land, "ADMIN")
    regulator = await _token(land, "REGULATOR", regions=["110000"])
    async with _client(land, admin) as client:
        (code,) = await _enterprises(client, 1)
        async with WsClient(land) as ws:
            # The token in connection_init, as a browser sends it.
            assert (await ws.init({"Authorization": f"Bearer {regulator}"}))[
                "type"
            ] == "connection_ack"
            await _subscribed(land, ws, "1", "110000")  # a city code covers the county
            await _fail(client, code)
            message = await ws.receive()
            assert message["type"] == "next" and message["id"] == "1", message
            change = message["payload"]["data"]["assessmentChanged"]
            assert change["enterpriseCode"] == code and change["regionCode"] == COUNTY
            assert (change["previous"], change["current"]) == ("P", "F")
            assert change["notices"] == [
                {"kind": "SUBJECT_WARNING", "colour": "red", "level": "F", "text": "进入F级"}
            ]


async def test_the_live_feed_shows_only_what_the_subscriber_may_see(land: Any) -> None:
    admin = await _token(land, "ADMIN")
    department = await _token(land, "DEPARTMENT", department="税务")
    async with _client(land, admin) as client:
        (code,) = await _enterprises(client, 1)
        (elsewhere,) = await _enterprises(client, 1, OTHER_COUNTY)
        async with (
            WsClient(land) as public,
            WsClient(
                land,
                {"Authorization": f"Bearer {department}"},  # the token in the handshake
            ) as partner,
        ):
            await public.init()
            await partner.init()
            await _subscribed(land, public, "p", COUNTY)
            await _subscribed(land, partner, "d", COUNTY)
            await _fail(client, elsewhere)  # outside the subscribed region: not sent
            await _fail(client, code)
            change = (await partner.receive())["payload"]["data"]["assessmentChanged"]
            assert change["enterpriseCode"] == code and change["current"] == "F"
            # testland never discloses a grade to the public: the public subscriber gets nothing.
            with pytest.raises(TimeoutError):
                await public.receive(timeout=0.5)


async def test_a_refused_token_closes_the_connection(land: Any) -> None:
    async with WsClient(land) as ws:
        with pytest.raises(Closed) as refused:
            await ws.init({"Authorization": "Bearer qc_not-a-token"})
        assert refused.value.code == 4403


async def test_subscribing_to_an_unknown_policy_is_an_error(land: Any) -> None:
    async with WsClient(land) as ws:
        await ws.init()
        await ws.subscribe("x", SUBSCRIBE, {"policy": "nowhere", "region": COUNTY})
        message = await ws.receive()
        assert message["type"] in {"error", "next"}, message
        errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
        assert errors[0]["extensions"]["code"] == "NOT_FOUND"


async def test_subscriptions_fan_out_across_two_apps_through_postgresql(
    land: Any, database_url: str
) -> None:
    """Two API workers on one database: a change written through the first reaches a subscriber
    of the second through LISTEN/NOTIFY (QCREDIT_BROKER defaults to postgres there)."""
    if not database_url.startswith("postgresql"):
        pytest.skip("LISTEN/NOTIFY fan-out is PostgreSQL's")
    second = _app(database_url)
    try:
        assert land.state.broker.kind == second.state.broker.kind == "postgres"
        assert land.state.broker is not second.state.broker
        admin = await _token(land, "ADMIN")
        async with _client(land, admin) as client:
            (code,) = await _enterprises(client, 1)
            async with WsClient(second, {"Authorization": f"Bearer {admin}"}) as ws:
                await ws.init()
                await _subscribed(second, ws, "1", COUNTY)
                assert land.state.broker.subscribers == 0  # nobody listens on the writer's side
                await _fail(client, code)
                change = (await ws.receive())["payload"]["data"]["assessmentChanged"]
                assert (change["enterpriseCode"], change["current"]) == (code, "F")
    finally:
        await second.state.broker.stop()
        await second.state.db_engine.dispose()


# -- each policy's triggers, on the demo data -----------------------------------------------------


@pytest.fixture(scope="module")
async def demo_notices(demo_database_url: str) -> AsyncIterator[dict[str, Any]]:
    application = create_app(
        Settings(database_url=demo_database_url, migrate_on_start=False, rate_limit_per_minute=0)
    )
    sessions = application.state.services.sessions
    async with sessions() as s:
        notices = (await s.execute(select(NoticeRow).order_by(NoticeRow.id))).scalars().all()
        standing = (await s.execute(select(StandingGradeRow))).scalars().all()
    yield {"notices": notices, "standing": standing, "app": application}
    await application.state.db_engine.dispose()


def _open(notices: Sequence[NoticeRow], policy: str) -> list[NoticeRow]:
    return [n for n in notices if n.policy_id == policy and n.closed_at is None]


def _standing(standing: Sequence[StandingGradeRow], policy: str) -> dict[tuple, str]:
    return {(g.subject_type, g.subject_id): g.level for g in standing if g.policy_id == policy}


async def test_haojiang_colours_for_b_c_d_to_the_operator(demo_notices: dict[str, Any]) -> None:
    grades = _standing(demo_notices["standing"], "haojiang")
    open_ = _open(demo_notices["notices"], "haojiang")
    colours = {"B": ("yellow", "三（二）2（1）"), "C": ("orange", "三（二）3（1）"),
               "D": ("red", "三（二）4（1）")}  # fmt: skip
    warned = {(n.subject_type, n.subject_id): n for n in open_}
    assert len(warned) == len(open_)  # one open notice per subject
    assert set(warned) == {k for k, lv in grades.items() if lv in colours}
    for key, n in warned.items():
        assert n.level == grades[key] and (n.colour, n.article) == colours[n.level]
        assert n.kind == "SUBJECT_WARNING" and n.enterprise_id is not None
    assert {n.subject_type for n in open_} == {"ENTERPRISE", "PRODUCT"}
    assert "黄色监管提示" in next(n.text for n in open_ if n.level == "B")


async def test_jiamusi_yellow_card_for_c(demo_notices: dict[str, Any]) -> None:
    grades = _standing(demo_notices["standing"], "jiamusi")
    open_ = _open(demo_notices["notices"], "jiamusi")
    assert {(n.subject_type, n.subject_id) for n in open_} == {
        k for k, lv in grades.items() if lv == "C"
    }
    assert all(n.colour == "yellow" and n.article == "四（三）" for n in open_)
    assert all("黄牌警告" in n.text for n in open_)


async def test_wugang_early_warning_on_rising_into_c_or_d(demo_notices: dict[str, Any]) -> None:
    rank = {"A": 1, "B": 2, "C": 3, "D": 4}
    notices = [n for n in demo_notices["notices"] if n.policy_id == "wugang"]
    assert {n.level for n in notices} == {"C", "D"}
    for n in notices:
        assert n.previous_level is None or rank[n.previous_level] < rank[n.level]
        assert n.article == "第十五条、第十三条" and "自动化预警" in n.text
    grades = _standing(demo_notices["standing"], "wugang")
    for n in _open(notices, "wugang"):
        assert grades[(n.subject_type, n.subject_id)] == n.level


async def test_jiaxing_regional_warnings_hold_on_the_standing_grades(
    demo_notices: dict[str, Any],
) -> None:
    from qcredit.core.identifiers import region_covers

    open_ = _open(demo_notices["notices"], "jiaxing")
    assert open_, "the demo data holds at least one regional or industry warning"
    keys = [(n.kind, n.region_code, n.category, n.colour, n.level) for n in open_]
    assert len(keys) == len(set(keys))  # never two open notices for one condition
    registry = demo_notices["app"].state.services.registry
    _, rules, params = _policy(registry, "jiaxing")
    for n in open_:
        assert n.kind in {"REGIONAL_WARNING", "INDUSTRY_WARNING"} and n.subject_id is None
        assert n.open_to == "DEPARTMENT" and n.article == "四2 二是"
        if n.kind == "REGIONAL_WARNING":  # re-count the region from the standing grades
            counts: dict[str, int] = {}
            for g in demo_notices["standing"]:
                if g.policy_id == "jiaxing" and region_covers(n.region_code, g.region_code):
                    counts[g.level] = counts.get(g.level, 0) + 1
            drafts = rules.on_tally(Tally("jiaxing", n.region_code, None, counts), params)
            assert n.level in {d.level for d in drafts}


async def test_jiaxing_tallies_count_each_scope_as_its_products_say(
    demo_notices: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """四2 二是: a regional warning counts a county's or a town's subjects, an industry warning
    a city's or a county's products of one catalogue category.  The tally reads the category
    each standing grade carries; here every scope of the demo is counted again from the
    products themselves, and the tally must agree, counted prefix by prefix or in one pass."""
    from qcredit.core.identifiers import region_covers
    from qcredit.core.store.tables import ProductRow
    from qcredit.core.supervision import notices as notices_module

    registry = demo_notices["app"].state.services.registry
    policy, rules, params = _policy(registry, "jiaxing")
    sessions = demo_notices["app"].state.services.sessions
    async with sessions() as s:
        category_of_product = dict(
            (await s.execute(select(ProductRow.id, ProductRow.category))).all()
        )
    standing = [g for g in demo_notices["standing"] if g.policy_id == "jiaxing"]
    industry = {
        g.subject_id: rules.category_of(category_of_product[g.subject_id], params)
        for g in standing
        if g.subject_type == SubjectType.PRODUCT.value
    }
    assert {g.category for g in standing if g.subject_type == "PRODUCT"} <= set(
        category_of_product.values()
    )
    assert all(g.category is None for g in standing if g.subject_type == "ENTERPRISE")
    regions = {g.region_code for g in standing}
    counties = {r[:6] for r in regions}
    categories = {c for c in industry.values() if c is not None}
    assert categories, "the demo's Jiaxing products fall in catalogue categories"
    cities = set(policy.region_codes)
    wanted: set[tuple[str, str | None]] = {(c, None) for c in cities | counties | regions}
    wanted |= {(r, c) for r in cities | counties for c in categories}

    def recount(scope: str, category: str | None) -> dict[str, int]:
        counts: dict[str, int] = {}
        for g in standing:
            if not region_covers(scope, g.region_code):
                continue
            if category is not None and industry.get(g.subject_id) != category:
                continue
            if category is not None and g.subject_type != "PRODUCT":
                continue
            counts[g.level] = counts.get(g.level, 0) + 1
        return counts

    expected = {(r, c): recount(r, c) for r, c in wanted}
    assert any(n for (_, c), n in expected.items() if c is not None)
    for apart in (1_000, 0):  # every prefix counted apart; one pass over the widest
        monkeypatch.setattr(notices_module, "_PREFIXES_COUNTED_APART", apart)
        async with sessions() as s:
            got = await notices_module._tallies(s, "jiaxing", wanted, [rules], params)
        assert {(t.region_code, t.category): t.counts for t in got} == expected
    # A scope of three prefixes (the most a single grade change touches) is counted apart.
    one = {(sorted(cities)[0], None), (sorted(counties)[0], None), (sorted(regions)[0], None)}
    monkeypatch.setattr(notices_module, "_PREFIXES_COUNTED_APART", 8)
    async with sessions() as s:
        got = await notices_module._tallies(s, "jiaxing", one, [rules], params)
    assert {(t.region_code, t.category): t.counts for t in got} == {k: expected[k] for k in one}


async def test_bingtuan_issues_no_warnings(demo_notices: dict[str, Any]) -> None:
    assert _standing(demo_notices["standing"], "bingtuan")  # graded, at every level …
    assert not [n for n in demo_notices["notices"] if n.policy_id == "bingtuan"]  # … no notice


# -- the rules themselves (pure) ------------------------------------------------------------------


def _change(policy: str, previous: str | None, current: str | None) -> GradeChange:
    return GradeChange(policy, SubjectType.ENTERPRISE, 1, 1, date(2024, 6, 1), previous, current)


def _assessment(policy: str, level: str, measures: Sequence[Measure] = ()) -> Assessment:
    return Assessment(
        policy, "1", SubjectType.ENTERPRISE, 1, 1, date(2024, 6, 1), level, 50.0, (), (),
        tuple(measures), (),
    )  # fmt: skip


def _policy(registry: Registry, policy_id: str) -> tuple[Any, NoticeRules, ParameterView]:
    policy = registry.policy(policy_id)
    (rules,) = registry.notice_rules(policy)
    return policy, rules, ParameterView(policy.parameters, date(2024, 6, 1))


@pytest.mark.parametrize(
    ("previous", "current", "warned"),
    [(None, "D", True), ("A", "C", True), ("B", "C", True), ("C", "D", True),
     ("A", "B", False), ("D", "C", False), ("C", "A", False), ("D", None, False)],
)  # fmt: skip
def test_wugang_trigger(
    registry: Registry, previous: str | None, current: str | None, warned: bool
) -> None:
    _, rules, params = _policy(registry, "wugang")
    a = _assessment("wugang", current) if current else None
    drafts = rules.on_change(_change("wugang", previous, current), a, params)
    assert bool(drafts) is warned
    if warned:
        assert drafts[0].colour == {"C": "yellow", "D": "red"}[current]


@pytest.mark.parametrize(
    ("previous", "current", "warned"),
    [(None, "C", True), ("A", "C", True), ("D", "C", True), ("C", "D", False), ("B", "A", False)],
)
def test_jiamusi_trigger(
    registry: Registry, previous: str | None, current: str, warned: bool
) -> None:
    _, rules, params = _policy(registry, "jiamusi")
    drafts = rules.on_change(
        _change("jiamusi", previous, current), _assessment("jiamusi", current), params
    )
    assert bool(drafts) is warned


def test_haojiang_trigger_uses_the_grades_warning_measure(registry: Registry) -> None:
    _, rules, params = _policy(registry, "haojiang")
    orange = Measure(MeasureKind.WARNING, "重点监管：对经营者发出橙色监管警示", "三（二）3（1）",
                     color="orange")  # fmt: skip
    drafts = rules.on_change(
        _change("haojiang", "B", "C"), _assessment("haojiang", "C", [orange]), params
    )
    assert [(d.colour, d.article) for d in drafts] == [("orange", "三（二）3（1）")]
    for level in ("A", "O"):
        assert not rules.on_change(
            _change("haojiang", "B", level), _assessment("haojiang", level), params
        )


def test_bingtuan_has_no_notice_rules(registry: Registry) -> None:
    assert registry.notice_rules(registry.policy("bingtuan")) == []


@pytest.mark.parametrize(
    ("counts", "warned"),
    [
        ({"C": 1, "B": 4}, True),  # 1/5 = 20 % (含本数)
        ({"C": 1, "B": 5}, False),  # 1/6 < 20 %
        ({"C": 1, "B": 3}, False),  # 25 % but only 4 enterprises graded (< min_subjects 5)
        ({"C": 2, "AA": 3, "HIGH": 9}, True),  # products do not dilute the enterprise share
        ({"HIGH": 3, "GENERAL": 7}, True),  # 30 % of products
        ({"HIGH": 2, "GENERAL": 5}, False),  # 28.6 %
    ],
)
def test_jiaxing_regional_threshold_both_sides(
    registry: Registry, counts: dict[str, int], warned: bool
) -> None:
    _, rules, params = _policy(registry, "jiaxing")
    drafts = rules.on_tally(Tally("jiaxing", "330402", None, counts), params)
    assert bool(drafts) is warned
    if warned:
        assert drafts[0].kind == "REGIONAL_WARNING" and drafts[0].article == "四2 二是"
        assert drafts[0].audiences == ("DEPARTMENT",)


def test_jiaxing_scopes(registry: Registry) -> None:
    _, rules, params = _policy(registry, "jiaxing")
    high = {"HIGH": 4, "GENERAL": 6}
    town = rules.on_tally(Tally("jiaxing", "330402001", None, high), params)
    assert [d.kind for d in town] == ["REGIONAL_WARNING"]
    assert not rules.on_tally(Tally("jiaxing", "330400", None, high), params)  # the whole city
    city = rules.on_tally(Tally("jiaxing", "330400", "食品相关产品", high), params)
    assert [d.kind for d in city] == ["INDUSTRY_WARNING"] and "市局" in city[0].text
    county = rules.on_tally(Tally("jiaxing", "330402", "食品相关产品", high), params)
    assert "县（市、区）局" in county[0].text
    assert not rules.on_tally(Tally("jiaxing", "330402001", "食品相关产品", high), params)


@pytest.fixture
def redis_server(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A throw-away redis-server on a free port (skipped where the binary is missing)."""
    import shutil
    import socket
    import subprocess
    import time

    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            break
        except OSError:
            time.sleep(0.05)
    monkeypatch.setenv("QCREDIT_BROKER", "redis")
    monkeypatch.setenv("QCREDIT_BROKER_REDIS_URL", f"redis://127.0.0.1:{port}/0")
    yield port
    proc.terminate()
    proc.wait(5)


async def test_subscriptions_fan_out_across_two_apps_through_redis(
    redis_server: int, app: Any, empty: None, database_url: str
) -> None:
    """The same fan-out with QCREDIT_BROKER=redis, on either database."""
    writer, reader = _app(database_url), _app(database_url)
    try:
        assert writer.state.broker.kind == reader.state.broker.kind == "redis"
        admin = await _token(writer, "ADMIN")
        async with _client(writer, admin) as client:
            (code,) = await _enterprises(client, 1)
            async with WsClient(reader, {"Authorization": f"Bearer {admin}"}) as ws:
                await ws.init()
                await _subscribed(reader, ws, "1", COUNTY)
                await _fail(client, code)
                change = (await ws.receive())["payload"]["data"]["assessmentChanged"]
                assert (change["enterpriseCode"], change["current"]) == (code, "F")
    finally:
        for application in (writer, reader):
            await application.state.broker.stop()
            await application.state.db_engine.dispose()
