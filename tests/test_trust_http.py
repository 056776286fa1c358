"""Trust under attack: what one caller sends never breaks or changes what others get
(docs/hardening.md, "What a caller cannot do to others").  One test per rule, on both databases.
"""

from __future__ import annotations

import argparse
import base64
import json
from typing import Any

import httpx
import pytest
from qcredit.api.app import create_app
from qcredit.api.graphql.cache import ResponseCache
from qcredit.api.settings import DEFAULT_PUBLIC_URL, Settings
from qcredit.core.disclosure.callers import PUBLIC
from qcredit.core.store.tables import EnterpriseRow, EventRow, ProductRow
from sqlalchemy import func, select

from .support import credit_code, gql

BADGES = """query($c: String!) { badges(code: $c) { policy verificationUrl }
  healthCodes(code: $c) { verificationUrl } }"""
REGISTER = """mutation($i: RegisterEnterpriseInput!) { registerEnterprise(input: $i) { id } }"""
RECORD = """mutation($i: RecordEventInput!) { recordEvent(input: $i) { id } }"""
ERROR_BODY_CODES = {"BAD_REQUEST", "BAD_USER_INPUT", "METHOD_NOT_ALLOWED", "UNSUPPORTED_MEDIA_TYPE"}


def post_raw(client: httpx.AsyncClient, body: object, **kw: Any) -> Any:
    """A JSON body with lone surrogates kept as JSON escapes (httpx would fail to encode them)."""
    return client.post(
        "/graphql",
        content=json.dumps(body).encode(),
        headers={"content-type": "application/json", **kw.pop("headers", {})},
        **kw,
    )


async def row_counts(db_engine: Any) -> list[int]:
    async with db_engine.connect() as conn:
        return [
            (await conn.execute(select(func.count()).select_from(t))).scalar_one()
            for t in (EnterpriseRow, ProductRow, EventRow)
        ]


def codes(body: dict[str, Any]) -> list[Any]:
    return [e.get("extensions", {}).get("code") for e in body.get("errors") or []]


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


# -- rule 5 ---------------------------------------------------------------------------------------
def demo_settings(url: str, **kw: Any) -> Settings:
    return Settings(database_url=url, migrate_on_start=False, rate_limit_per_minute=0, **kw)


@pytest.fixture
async def demo_app(demo_database_url: str) -> Any:
    """The demo data, with the response cache on and no public URL configured."""
    application = create_app(
        demo_settings(demo_database_url, response_cache_entries=64, public_url=None)
    )
    yield application
    await application.state.db_engine.dispose()


async def _badged_enterprise(app: Any) -> str:
    async with app.state.services.sessions() as s:
        codes_ = (
            await s.execute(
                select(EnterpriseRow.code).where(EnterpriseRow.region_code.startswith("3304"))
            )
        ).scalars()
        return next(iter(codes_))


async def test_what_one_caller_sends_never_changes_what_another_receives(
    demo_app: Any, demo_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = await _badged_enterprise(demo_app)
    expected = f"{DEFAULT_PUBLIC_URL}/verify/{code}"
    transport = httpx.ASGITransport(app=demo_app)
    async with (
        httpx.AsyncClient(transport=transport, base_url="http://evil.example") as attacker,
        httpx.AsyncClient(transport=transport, base_url="http://qcredit.gov") as victim,
    ):
        poisoned = await gql(attacker, BADGES, {"c": code}, headers={"Host": "evil.example"})
        assert poisoned["data"]["badges"], poisoned
        later = await gql(victim, BADGES, {"c": code})
        for body in (poisoned, later):
            urls = [b["verificationUrl"] for b in body["data"]["badges"]]
            urls += [h["verificationUrl"] for h in body["data"]["healthCodes"]]
            assert urls and set(urls) == {expected}, urls
        assert demo_app.state.graphql.responses.hits >= 1  # the victim got the cached answer
        for path in (f"/badge/{code}.svg", f"/health-code/{code}.png"):
            picture = await attacker.get(path, headers={"Host": "evil.example"})
            assert picture.status_code == 200
            assert picture.headers["x-encoded-url"] == expected
            assert b"evil.example" not in picture.content
    # A configured public URL is what every caller gets.
    configured = create_app(
        demo_settings(demo_database_url, public_url="https://credit.example.gov.cn/")
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=configured), base_url="http://evil.example"
    ) as attacker:
        body = await gql(attacker, BADGES, {"c": code})
        assert {b["verificationUrl"] for b in body["data"]["badges"]} == {
            f"https://credit.example.gov.cn/verify/{code}"
        }
        qr = await attacker.get(f"/badge/{code}.svg")
        assert qr.headers["x-encoded-url"] == f"https://credit.example.gov.cn/verify/{code}"
    await configured.state.db_engine.dispose()
    # `qcredit serve` publishes what it was started on, unless QCREDIT_PUBLIC_URL says otherwise.
    from qcredit.api.cli import serve

    monkeypatch.delenv("QCREDIT_PUBLIC_URL", raising=False)
    monkeypatch.setattr("uvicorn.run", lambda *a, **kw: None)
    monkeypatch.setattr(serve, "check_startup", lambda args: None)  # no port is bound here
    args = argparse.Namespace(
        database=demo_database_url,
        host="127.0.0.2",
        port=8123,
        workers=1,
        forwarded_allow_ips=None,
    )
    assert serve.run(args) == 0
    assert Settings().published_url == "http://127.0.0.2:8123"
    monkeypatch.setenv("QCREDIT_PUBLIC_URL", "https://credit.example.gov.cn")
    assert serve.run(args) == 0
    assert Settings().published_url == "https://credit.example.gov.cn"
    # Every input that shapes a response is in the cache key (request extensions included).
    key = ResponseCache.key
    base = ("{ policies { id } }", {}, None, PUBLIC)
    assert key(*base, clock_day(), 1) != key(*base, clock_day(), 1, {"x": 1})
    assert key(*base, clock_day(), 1) != key(*base, clock_day(), 2)


def clock_day() -> Any:
    from qcredit.core import clock

    return clock.today()


# -- rule 8 ---------------------------------------------------------------------------------------
async def test_strings_that_cannot_be_stored_get_bad_user_input(
    client: httpx.AsyncClient, db_engine: Any
) -> None:
    code = credit_code(1, "230803")
    ok = await gql(client, REGISTER, {"i": {"code": code, "name": "甲", "regionCode": "230803"}})
    assert "errors" not in ok, ok
    before = await row_counts(db_engine)

    def register(n: int, name: str) -> dict[str, Any]:
        enterprise = {"code": credit_code(n), "name": name, "regionCode": "110101"}
        return {"query": REGISTER, "variables": {"i": enterprise}}

    def record(**extra: Any) -> dict[str, Any]:
        event = {"enterpriseCode": code, "kind": "SAMPLING_INSPECTION", "occurredOn": "2026-01-05"}
        return {"query": RECORD, "variables": {"i": {**event, **extra}}}

    sent = [
        (register(2, "\ud800"), "name"),
        (register(3, "a\x00b"), "name"),
        (record(attributes={"result": "FAIL", "note": ["ok", "\x00"]}), "attributes.note"),
        (record(externalId="\udfff"), "externalId"),
        ({"query": '{ enterprise(code: "\\u0000") { id } }'}, "code"),  # GraphQL escape of NUL
        ({"query": '{ enterprise(code: "\x00") { id } }'}, "code"),  # a raw NUL
        ({"query": '{ enterprise(code: "\\ud800") { id } }'}, "code"),  # escaped surrogate
        ({"query": '{ enterprise(code: "\ud800") { id } }'}, "code"),  # raw surrogate
        (
            {"query": '{ enterprises(filter: {nameContains: "x\\u0000"}) { totalCount } }'},
            "filter.nameContains",
        ),
        (
            {
                "query": "query($c: String!) { enterprise(code: $c) { id } }",
                "variables": {"c": "\ud83d"},
            },
            "code",
        ),
        ({"query": "query Q { policies { id } }", "operationName": "Q\ud800"}, "operationName"),
        ({"query": "query Q { policies { id } }", "operationName": "Q\x00"}, "operationName"),
    ]
    for body, field in sent:
        response = await post_raw(client, body)
        assert response.status_code == 200, (body, response.text)
        (error,) = response.json()["errors"]
        assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": field}, (body, error)
    assert await row_counts(db_engine) == before  # nothing written, NUL never stored
    # Ordinary non-ASCII text is stored as it is.
    fine = register(4, "甲\u200f😀")
    assert "errors" not in await gql(client, fine["query"], fine["variables"])


# -- rule 9 ---------------------------------------------------------------------------------------
async def test_out_of_range_numbers_are_not_found_not_a_crash(
    client: httpx.AsyncClient, db_engine: Any
) -> None:
    huge = str(1 << 70)
    past_63 = str(1 << 63)
    queries = [
        f'{{ node(id: "{b64("Enterprise:" + huge)}") {{ id }} }}',
        f'{{ node(id: "{b64("Product:" + past_63)}") {{ id }} }}',
        f'{{ node(id: "{b64("Event:-1")}") {{ id }} }}',
        f'{{ node(id: "{b64("Event:²")}") {{ id }} }}',
        '{ node(id: "%%%not-base64") { id } }',
        f'{{ product(id: "{huge}") {{ id }} }}',
        f'{{ product(id: "{b64("Product:" + huge)}") {{ id }} }}',
        '{ product(id: "３３") { id } }',
        '{ event(id: "²") { id } }',
        f'{{ event(id: "{past_63}") {{ id }} }}',
        f'{{ enterprises(after: "{b64("cursor:" + huge)}") {{ totalCount }} }}',
        f'{{ enterprises(after: "{b64("cursor:-5")}") {{ totalCount }} }}',
        f'{{ enterprises(after: "{b64("cursor:３３")}") {{ totalCount }} }}',
        '{ enterprises(after: "***") { totalCount } }',
        f'{{ gradeChanges(since: "{b64("cursor:" + huge)}") {{ endCursor }} }}',
        f'{{ storedInspectionPlan(id: "{huge}") {{ id }} }}',
        "{ enterprises(first: 9223372036854775808) { totalCount } }",
        f'mutation {{ correctEvent(input: {{eventId: "{huge}", action: REVOKE, reason: "x"}})'
        " { id } }",
        f'mutation {{ decideDisclosure(id: "{huge}", approve: true, reason: "x") {{ id }} }}',
        f'mutation {{ recordPlanResult(input: {{planItemId: "{huge}", result: "PASS"}}) '
        "{ id } }",
        f'mutation {{ registerProduct(input: {{enterpriseCode: "{credit_code(1)}", trademark: "x",'
        " niceClass: 99999999999}) { id } }",
    ]
    before = await row_counts(db_engine)
    for query in queries:
        response = await client.post("/graphql", json={"query": query})
        assert response.status_code == 200, (query, response.text)
        body = response.json()
        found = codes(body)
        assert "INTERNAL_SERVER_ERROR" not in found and None not in found, (query, body)
        assert set(found) <= {"NOT_FOUND", "BAD_USER_INPUT", "GRAPHQL_VALIDATION_FAILED"}, body
        data = body.get("data") or {}
        assert all(v is None for v in data.values()), (query, body)
    assert await row_counts(db_engine) == before


# -- rule 10 --------------------------------------------------------------------------------------
async def test_every_http_refusal_is_a_json_graphql_error_with_a_code(
    anonymous: httpx.AsyncClient,
) -> None:
    json_type = {"content-type": "application/json"}
    cases: list[tuple[str, dict[str, Any], int, str]] = [
        (
            "POST",
            {"content": b'{"query": "{ policies { id } }\xff"}', "headers": json_type},
            400,
            "BAD_REQUEST",
        ),
        ("POST", {"content": b"null", "headers": json_type}, 400, "BAD_REQUEST"),
        ("POST", {"content": b"42", "headers": json_type}, 400, "BAD_REQUEST"),
        ("POST", {"content": b'"x"', "headers": json_type}, 400, "BAD_REQUEST"),
        ("POST", {"content": b"[]", "headers": json_type}, 400, "BAD_REQUEST"),
        ("POST", {"json": [{"query": "{ policies { id } }"}] * 2}, 400, "BAD_REQUEST"),
        ("POST", {"content": b"{not json", "headers": json_type}, 400, "BAD_REQUEST"),
        ("POST", {"json": {"variables": {}}}, 400, "BAD_REQUEST"),
        ("POST", {"json": {"query": 42}}, 400, "BAD_REQUEST"),
        ("POST", {"json": {"query": "{ policies { id } }", "variables": [1]}}, 400, "BAD_REQUEST"),
        (
            "POST",
            {"json": {"query": "{ policies { id } }", "operationName": 7}},
            400,
            "BAD_REQUEST",
        ),
        (
            "POST",
            {
                "content": b'{"query": "{ policies { id } }"}',
                "headers": {"content-type": "text/plain"},
            },
            415,
            "UNSUPPORTED_MEDIA_TYPE",
        ),
        ("POST", {"content": b'{"query": "{ policies { id } }"}'}, 415, "UNSUPPORTED_MEDIA_TYPE"),
        ("GET", {"params": {"query": "mutation { __typename }"}}, 405, "METHOD_NOT_ALLOWED"),
        ("GET", {"headers": {"accept": "application/json"}}, 400, "BAD_REQUEST"),
        (
            "GET",
            {"params": {"query": "{ policies { id } }", "variables": "{bad"}},
            400,
            "BAD_REQUEST",
        ),
        ("PUT", {"json": {"query": "{ policies { id } }"}}, 405, "METHOD_NOT_ALLOWED"),
    ]
    for method, kw, status, code in cases:
        response = await anonymous.request(method, "/graphql", **kw)
        assert response.status_code == status, (method, kw, response.text)
        assert response.headers["content-type"].startswith("application/json"), response.text
        (error,) = response.json()["errors"]
        assert error["message"] and error["extensions"]["code"] == code, (kw, error)
        if status == 405 and method == "GET":
            assert response.headers["allow"] == "POST"
    # GraphQL over HTTP: a client accepting application/graphql-response+json gets that type,
    # and 4xx for a request that never executed; a good request is still 200.
    accept = {"accept": "application/graphql-response+json"}
    bad = await anonymous.post("/graphql", json={"query": "{ policies {"}, headers=accept)
    assert bad.status_code == 400
    assert bad.headers["content-type"].startswith("application/graphql-response+json")
    assert codes(bad.json()) == ["GRAPHQL_PARSE_FAILED"]
    refused = await anonymous.post("/graphql", content=b"null", headers={**accept, **json_type})
    assert refused.status_code == 400
    assert refused.headers["content-type"].startswith("application/graphql-response+json")
    good = await anonymous.post("/graphql", json={"query": "{ policies { id } }"}, headers=accept)
    assert good.status_code == 200 and good.json()["data"]["policies"]
    assert good.headers["content-type"].startswith("application/graphql-response+json")


async def test_graphql_over_http_status_follows_the_accepted_media_type(
    anonymous: httpx.AsyncClient,
) -> None:
    """4xx and no ``data`` for a request error under graphql-response+json, 200 under legacy
    JSON; 200 once execution began, even with data null; 406 for an unsupported Accept."""
    graphql = {"accept": "application/graphql-response+json"}
    legacy = {"accept": "application/json"}
    coercion = {"query": "query($n: Int) { enterprises(first: $n) { totalCount } }"}
    coercion["variables"] = {"n": "many"}  # type: ignore[assignment]
    for body, code in (
        ({"query": "{ policies {"}, "GRAPHQL_PARSE_FAILED"),
        ({"query": "{ noSuchField }"}, "GRAPHQL_VALIDATION_FAILED"),
        (coercion, "BAD_USER_INPUT"),
    ):
        strict = await anonymous.post("/graphql", json=body, headers=graphql)
        assert strict.status_code == 400, strict.text
        assert "data" not in strict.json() and codes(strict.json()) == [code]
        old = await anonymous.post("/graphql", json=body, headers=legacy)
        assert old.status_code == 200 and old.headers["content-type"].startswith("application/json")
        assert old.json()["data"] is None and codes(old.json()) == [code]
    # execution began: a field error that nulls the whole answer is still 200
    began = await anonymous.post(
        "/graphql",
        json={"query": "{ me { role } }"},
        headers={**graphql, "authorization": "Bearer x"},
    )
    assert began.status_code == 200 and began.json()["data"] is None
    assert codes(began.json()) == ["UNAUTHENTICATED"]
    # the more preferred of the two types wins; a wildcard means JSON
    for accept, media in (
        (
            "application/json;q=0.5, application/graphql-response+json",
            "application/graphql-response",
        ),
        ("application/graphql-response+json;q=0.4, application/json", "application/json"),
        ("*/*", "application/json"),
    ):
        r = await anonymous.post(
            "/graphql", json={"query": "{ __typename }"}, headers={"accept": accept}
        )
        assert r.status_code == 200 and r.headers["content-type"].startswith(media), accept
    refused = await anonymous.post(
        "/graphql", json={"query": "{ __typename }"}, headers={"accept": "text/plain"}
    )
    assert refused.status_code == 406 and codes(refused.json()) == ["NOT_ACCEPTABLE"]
    mutation = await anonymous.get(
        "/graphql", params={"query": "mutation { __typename }"}, headers=graphql
    )
    assert mutation.status_code == 405 and mutation.headers["allow"] == "POST"
    assert codes(mutation.json()) == ["METHOD_NOT_ALLOWED"]


# -- rule 13 --------------------------------------------------------------------------------------
def _maps(n: int, region: str) -> str:
    fields = " ".join(
        f'm{i}: regionMap(policy: "jiaxing", regionCode: {region}, asOf: "2025-0{i % 9 + 1}-01")'
        " { region { colour } }"
        for i in range(n)
    )
    return f"query($r: String!) {{ {fields} }}" if region.startswith("$") else f"{{ {fields} }}"


async def test_costly_fields_are_costed(anonymous: httpx.AsyncClient) -> None:
    from qcredit.api.graphql import cost

    def costly(body: dict[str, Any]) -> bool:
        return "QUERY_TOO_COSTLY" in codes(body)

    # 25 aliased province maps in one anonymous request: refused, never graded.
    body = await gql(anonymous, _maps(25, '"330000"'))
    assert costly(body) and body.get("data") is None
    assert body["errors"][0]["extensions"]["cost"] > body["errors"][0]["extensions"]["maxCost"]
    # The same with the province in a variable: costed with its value before execution.
    body = await gql(anonymous, _maps(6, "$r"), {"r": "330000"})
    assert costly(body) and body.get("data") is None
    assert not costly(await gql(anonymous, _maps(6, "$r"), {"r": "330402"}))
    # A province costs far more than a city, a city more than a county; today's map is cheap.
    weight = cost.region_weight
    assert weight("330000") > 5 * weight("330400") > 25 * weight("330402")
    province_sim = _one_cost(
        '{ simulate(policy: "p", parameters: {}, regionCode: "330000") { __typename } }'
    )
    county_sim = _one_cost(
        '{ simulate(policy: "p", parameters: {}, regionCode: "330402") { __typename } }'
    )
    assert province_sim > 5 * county_sim
    plan = (
        '{ inspectionPlan(policy: "p", regionCode: "%s", year: 2026, capacity: 1, seed: "s") '
        "{ seed } }"
    )
    assert _one_cost(plan % "330000") > 5 * _one_cost(plan % "330402")
    standing = _one_cost('{ regionMap(policy: "p", regionCode: "330000") { region { colour } } }')
    assert standing < _one_cost(_maps(1, '"330000"')) / 100
    # Past-date assessments under a page of many subjects grade each on demand.
    today = "{ enterprises(first: 100) { edges { node { assessments { level } } } } }"
    past = (
        '{ enterprises(first: 100) { edges { node { assessments(asOf: "2025-01-01") { level } } } '
        "} }"
    )
    assert _one_cost(past) > 3 * _one_cost(today)
    # The dashboard's own trend (eight quarters of a city's map, or of simulate) still passes.
    trend = " ".join(
        f'q{i}: simulate(policy: $p, regionCode: $r, parameters: {{}}, asOf: "2025-0{i + 1}-01") '
        "{ before { level count } }"
        for i in range(8)
    )
    body = await gql(
        anonymous, f"query($p: String!, $r: String!) {{ {trend} }}", {"p": "jiaxing", "r": "330400"}
    )
    assert not costly(body), body


def _one_cost(query: str) -> int:
    from graphql import OperationDefinitionNode, parse
    from qcredit.api.graphql import cost
    from qcredit.api.graphql.schema import build_schema

    (op,) = [d for d in parse(query).definitions if isinstance(d, OperationDefinitionNode)]
    return cost.estimate(build_schema()._schema, op, {})
