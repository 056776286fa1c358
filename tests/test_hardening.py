"""Hardening (docs/hardening.md): body size, rate limit, query cost, the built-in limits,
introspection and GraphiQL off, CORS and WebSocket origins, trusted documents."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import socket
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import parse
from graphql.language import FragmentDefinitionNode, OperationDefinitionNode
from qcredit.api.app import create_app
from qcredit.api.graphql import cost
from qcredit.api.graphql.schema import build_schema
from qcredit.api.settings import Settings
from qcredit.api.web import trusted
from qcredit.api.web.body_limit import BodyLimitMiddleware
from qcredit.api.web.rate_limit import (
    MemoryRateLimiter,
    RateLimiter,
    RedisRateLimiter,
    rate_limit_key,
)

from .conftest import issue_token
from .support import gql

OUTSIDE = ("203.0.113.7", 40000)  # a client address that is not exempt from rate limiting
POLICIES = "{ policies { id } }"


@pytest.fixture
def make_client(app: Any, database_url: str, registry: Any) -> Callable[..., Any]:
    """A client on an app of its own Settings (the session's ``app`` has migrated the DB)."""

    @contextlib.asynccontextmanager
    async def make(
        client: tuple[str, int] = OUTSIDE, **overrides: Any
    ) -> AsyncIterator[httpx.AsyncClient]:
        settings = Settings(database_url=database_url, migrate_on_start=False, **overrides)
        application = create_app(settings, registry=registry)
        transport = httpx.ASGITransport(app=application, client=client)
        try:
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
                yield c
        finally:
            await application.state.db_engine.dispose()

    return make


def code_of(body: dict[str, Any]) -> str:
    assert body.get("errors"), body
    return body["errors"][0]["extensions"]["code"]


# -- body size --------------------------------------------------------------------------------


async def test_body_above_the_limit_is_413_by_content_length(make_client: Any) -> None:
    async with make_client(max_body_bytes=1000) as c:
        r = await c.post("/graphql", json={"query": POLICIES, "variables": {"x": "y" * 2000}})
        assert r.status_code == 413
        assert code_of(r.json()) == "PAYLOAD_TOO_LARGE"
        assert r.headers["content-type"].startswith("application/json")
        strict = await c.post(
            "/graphql",
            json={"query": POLICIES, "variables": {"x": "y" * 2000}},
            headers={"accept": "application/graphql-response+json"},
        )  # a refusal before the view is in the media type the client asked for
        assert strict.status_code == 413 and code_of(strict.json()) == "PAYLOAD_TOO_LARGE"
        assert strict.headers["content-type"].startswith("application/graphql-response+json")
        ok = await c.post("/graphql", json={"query": POLICIES})
        assert ok.status_code == 200 and ok.json()["data"]["policies"]


async def test_streamed_body_is_counted_and_not_read_past_the_limit() -> None:
    called = False

    async def app(scope: Any, receive: Any, send: Any) -> None:
        nonlocal called
        called = True

    chunks = [{"type": "http.request", "body": b"x" * 400, "more_body": True}] * 10
    taken = 0

    async def receive() -> dict[str, Any]:
        nonlocal taken
        taken += 1
        return chunks[taken - 1]

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/graphql", "headers": []}
    await BodyLimitMiddleware(app, max_bytes=1000)(scope, receive, send)
    assert not called
    assert taken == 3  # 1200 bytes > 1000: stopped there, 7 chunks never read
    assert sent[0]["status"] == 413
    assert code_of(json.loads(sent[1]["body"])) == "PAYLOAD_TOO_LARGE"


async def test_body_within_the_limit_is_replayed_whole() -> None:
    seen: list[bytes] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        while True:
            m = await receive()
            seen.append(m["body"])
            if not m.get("more_body"):
                break

    parts = iter(
        [
            {"type": "http.request", "body": b"a" * 500, "more_body": True},
            {"type": "http.request", "body": b"b" * 500, "more_body": False},
        ]
    )

    async def receive() -> dict[str, Any]:
        return next(parts)

    async def send(message: dict[str, Any]) -> None:
        raise AssertionError("nothing is sent for a body within the limit")

    scope = {"type": "http", "method": "POST", "path": "/graphql", "headers": []}
    await BodyLimitMiddleware(app, max_bytes=1000)(scope, receive, send)
    assert b"".join(seen) == b"a" * 500 + b"b" * 500


# -- rate limit -------------------------------------------------------------------------------


async def test_rate_limit_429_with_retry_after_per_token_and_per_address(
    make_client: Any, app: Any
) -> None:
    async with make_client(rate_limit_per_minute=60, rate_limit_burst=2) as c:
        # A token the server has accepted has a bucket of its own, whatever the address; its
        # first request, before it is known, counts on the address's (tests/test_trust_identity.py).
        token = {"Authorization": "Bearer " + await issue_token(app, "ADMIN")}
        for _ in range(3):
            r = await c.post("/graphql", json={"query": POLICIES}, headers=token)
            assert r.status_code != 429
        r = await c.post("/graphql", json={"query": POLICIES}, headers=token)
        assert r.status_code == 429 and r.headers["retry-after"] == "1"
        assert (await c.post("/graphql", json={"query": POLICIES})).status_code == 200
        r = await c.post("/graphql", json={"query": POLICIES})
        assert r.status_code == 429
        assert r.headers["retry-after"] == "1"
        assert code_of(r.json()) == "RATE_LIMITED"


async def test_nobody_is_exempt_by_default_and_exemptions_are_configurable(
    make_client: Any,
) -> None:
    # No default exemption: behind a proxy on the same host every client would look like
    # loopback, so exempting loopback by default would switch the limit off for everyone.
    # One a minute: no refill between the two requests however slow the first one is.
    async with make_client(
        client=("127.0.0.1", 5000), rate_limit_burst=1, rate_limit_per_minute=1
    ) as c:
        assert (await c.post("/graphql", json={"query": POLICIES})).status_code == 200
        assert (await c.post("/graphql", json={"query": POLICIES})).status_code == 429
    async with make_client(
        client=("127.0.0.1", 5000), rate_limit_burst=1, rate_limit_exempt=("127.0.0.1",)
    ) as c:
        for _ in range(3):
            assert (await c.post("/graphql", json={"query": POLICIES})).status_code == 200
    async with make_client(rate_limit_burst=1, rate_limit_exempt=("203.0.113.0/24",)) as c:
        for _ in range(3):
            assert (await c.post("/graphql", json={"query": POLICIES})).status_code == 200


async def test_rate_limit_off() -> None:
    from qcredit.api.web.rate_limit import make_rate_limiter

    assert make_rate_limiter(Settings(rate_limit_per_minute=0)) is None


async def test_token_bucket_refills_over_time() -> None:
    now = [1000.0]
    limiter = MemoryRateLimiter(per_minute=60, burst=3, clock=lambda: now[0])
    assert [await limiter.acquire("k") for _ in range(3)] == [0, 0, 0]
    assert await limiter.acquire("k") == pytest.approx(1.0)
    now[0] += 0.5
    assert await limiter.acquire("k") == pytest.approx(0.5)
    now[0] += 1.0
    assert await limiter.acquire("k") == 0
    assert await limiter.acquire("other") == 0  # keys are independent


async def test_memory_limiter_stays_bounded() -> None:
    now = [0.0]
    limiter = MemoryRateLimiter(per_minute=60, burst=5, clock=lambda: now[0], max_keys=100)
    for i in range(1000):
        await limiter.acquire(f"ip:{i}")
        now[0] += 0.001
    assert len(limiter.buckets) <= 100


def test_tokens_are_hashed_never_kept_in_clear() -> None:
    secret = "s3cr3t-" + uuid.uuid4().hex
    scope = {"type": "http", "headers": [(b"authorization", f"Bearer {secret}".encode())]}
    key = rate_limit_key(scope, vouched=lambda digest: True)
    assert secret not in key and key.startswith("token:") and len(key) == 6 + 64
    assert rate_limit_key(scope) == "ip:unknown"  # a token nobody vouched for: the address's
    assert rate_limit_key({"type": "http", "headers": [], "client": ("198.51.100.1", 1)}) == (
        "ip:198.51.100.1"
    )
    assert rate_limit_key({"type": "http", "headers": [(b"authorization", b"Basic x")]}) == (
        "ip:unknown"
    )


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


needs_redis = pytest.mark.skipif(not _redis_up(), reason="Redis not running at 127.0.0.1:6379")


@needs_redis
async def test_redis_token_bucket() -> None:
    limiter = RedisRateLimiter("redis://127.0.0.1:6379/0", per_minute=60, burst=2)
    limiter.prefix = f"qcredit:test:{uuid.uuid4().hex}:"
    try:
        assert await limiter.acquire("k") == 0
        assert await limiter.acquire("k") == 0
        wait = await limiter.acquire("k")
        assert 0 < wait <= 1.0
        assert await limiter.acquire("k2") == 0
        ttl = await limiter.redis.pttl(limiter.prefix + "k")
        assert 0 < ttl <= 3000  # buckets expire once they would be full again
    finally:
        await limiter.close()


@needs_redis
async def test_redis_backend_through_the_app(make_client: Any) -> None:
    async with make_client(
        rate_limit_per_minute=60,
        rate_limit_burst=1,
        rate_limit_redis_url="redis://127.0.0.1:6379/0",
        client=(f"198.51.100.{uuid.uuid4().int % 250 + 1}", 1),
    ) as c:
        token = {"Authorization": "Bearer " + uuid.uuid4().hex}
        assert (
            await c.post("/graphql", json={"query": POLICIES}, headers=token)
        ).status_code == 200
        r = await c.post("/graphql", json={"query": POLICIES}, headers=token)
        assert r.status_code == 429 and code_of(r.json()) == "RATE_LIMITED"


async def test_redis_unreachable_lets_requests_through() -> None:
    limiter = RedisRateLimiter("redis://127.0.0.1:1/0", per_minute=60, burst=1)
    assert await limiter.acquire("k") == 0
    assert await limiter.acquire("k") == 0
    with pytest.raises(ValueError):
        RedisRateLimiter("http://127.0.0.1", per_minute=60, burst=1)


def test_rate_limiter_is_an_interface() -> None:
    class Always(RateLimiter):
        async def acquire(self, key: str) -> float:
            return 0.0

    assert asyncio.run(Always(60, 1).acquire("x")) == 0.0


# -- query cost -------------------------------------------------------------------------------

BIG_PAGE = """{ enterprises(first: 100) { totalCount edges { cursor node {
  code name assessments { level reasons { article } }
  products(first: 5) { edges { node { trademark } } } } } } }"""


def _cost(query: str, **kw: Any) -> int:
    doc = parse(query)
    frags = {d.name.value: d for d in doc.definitions if isinstance(d, FragmentDefinitionNode)}
    (op,) = [d for d in doc.definitions if isinstance(d, OperationDefinitionNode)]
    return cost.estimate(build_schema()._schema, op, frags, **kw)


def test_cost_estimate() -> None:
    assert _cost("{ enterprises(first: 2) { totalCount edges { node { code } } } }") == 1 + 1 + (
        1 + 2 * 2
    )
    # absent first: the default page size; a variable: the maximum page size
    assert _cost("{ enterprises { edges { node { code } } } }") == 1 + 1 + 20 * 2
    assert _cost("query($n: Int) { enterprises(first: $n) { edges { node { code } } } }") == (
        1 + 1 + 100 * 2
    )
    # fragments count like the fields they stand for
    assert _cost(
        "query { enterprises(first: 2) { edges { node { ...E } } } } fragment E on Enterprise "
        "{ code }"
    ) == _cost("{ enterprises(first: 2) { edges { node { code } } } }")
    # weighted fields
    assert _cost('{ simulate(policy: "p", parameters: {}, regionCode: "1") { __typename } }') > 1000
    # introspection is not counted
    assert _cost("{ __schema { types { fields { name } } } }") == 1


async def test_a_page_of_100_enterprises_with_assessments_and_products_passes(client: Any) -> None:
    assert _cost(BIG_PAGE) < Settings().max_cost
    result = await gql(client, BIG_PAGE)
    assert "errors" not in result, result
    assert result["data"]["enterprises"]["totalCount"] == 0


async def test_a_costly_query_is_refused_with_its_cost(client: Any) -> None:
    query = """{ enterprises(first: 100) { edges { node { products(first: 100) { edges { node {
      events(first: 100) { edges { node { kind } } } } } } } } } }"""
    result = await gql(client, query)
    assert result.get("data") is None
    (error,) = result["errors"]
    assert error["extensions"]["code"] == "QUERY_TOO_COSTLY"
    assert error["extensions"]["cost"] > error["extensions"]["maxCost"] == 50_000


async def test_max_cost_is_a_setting(make_client: Any) -> None:
    async with make_client(max_cost=20) as c:
        result = await gql(c, "{ enterprises(first: 10) { edges { node { code } } } }")
        assert code_of(result) == "QUERY_TOO_COSTLY"
        assert result["errors"][0]["extensions"]["cost"] == 1 + 1 + 10 * 2
        assert "errors" not in await gql(c, POLICIES)


def test_cost_rule_is_built_once_per_limit() -> None:
    assert cost.cost_rule(50_000, 20, 100) is cost.cost_rule(50_000, 20, 100)
    assert cost.cost_rule(10, 20, 100) is not cost.cost_rule(50_000, 20, 100)


async def test_validation_cache_is_hit_on_a_repeated_query(
    client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import strawberry.schema.schema as strawberry_schema

    real = strawberry_schema.validate
    calls: list[tuple[Any, ...]] = []

    def spy(schema: Any, document: Any, rules: Any, *args: Any, **kw: Any) -> Any:
        calls.append(tuple(rules))
        return real(schema, document, rules, *args, **kw)

    monkeypatch.setattr(strawberry_schema, "validate", spy)
    query = f"query Q{uuid.uuid4().hex} {{ policies {{ id }} }}"
    for _ in range(3):
        assert "errors" not in await gql(client, query)
    assert len(calls) == 1, "validation ran again: the ValidationCache key is not stable"
    assert any(r.__name__.startswith("QueryCostRule") for r in calls[0])


async def test_a_refused_query_is_refused_again_from_the_validation_cache(
    client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The cache is keyed by the query text (api/graphql/extensions.py, ValidationByText): a
    # repeat gets the errors of the first validation, not an empty list.
    import strawberry.schema.schema as strawberry_schema
    from qcredit.api.graphql import extensions

    real = strawberry_schema.validate
    calls: list[int] = []

    def spy(schema: Any, document: Any, rules: Any, *args: Any, **kw: Any) -> Any:
        calls.append(1)
        return real(schema, document, rules, *args, **kw)

    monkeypatch.setattr(strawberry_schema, "validate", spy)
    query = f"query Q{uuid.uuid4().hex} {{ policies {{ noSuchField }} }}"
    for _ in range(2):
        result = await gql(client, query)
        assert result.get("data") is None
        assert code_of(result) == "GRAPHQL_VALIDATION_FAILED"
    assert len(calls) == 1
    for n in range(extensions._VALIDATED_KEPT + 5):  # bounded: distinct texts cannot grow it
        await gql(client, f"query B{n} {{ policies {{ id }} }}")
    assert len(extensions._VALIDATED) <= extensions._VALIDATED_KEPT


# -- the built-in limits ----------------------------------------------------------------------


async def test_too_deep_is_refused(client: Any) -> None:
    inner = "code"
    for _ in range(8):
        inner = f"products {{ edges {{ node {{ enterprise {{ {inner} }} }} }} }}"
    result = await gql(client, f'{{ enterprise(code: "x") {{ {inner} }} }}')
    assert result.get("data") is None
    assert code_of(result) == "GRAPHQL_VALIDATION_FAILED"
    assert "depth" in result["errors"][0]["message"]


async def test_too_many_aliases_are_refused(client: Any) -> None:
    aliases = " ".join(f"a{i}: policies {{ id }}" for i in range(31))
    result = await gql(client, f"{{ {aliases} }}")
    assert result.get("data") is None
    assert code_of(result) == "GRAPHQL_VALIDATION_FAILED"
    assert "aliases" in result["errors"][0]["message"].lower()
    fine = " ".join(f"a{i}: policies {{ id }}" for i in range(5))
    assert "errors" not in await gql(client, f"{{ {fine} }}")


async def test_too_many_tokens_are_refused(client: Any) -> None:
    result = await gql(client, "{ " + "__typename " * 5001 + "}")
    assert result.get("data") is None
    assert code_of(result) in {"GRAPHQL_VALIDATION_FAILED", "GRAPHQL_PARSE_FAILED"}
    assert "token" in result["errors"][0]["message"].lower()


async def test_every_parse_before_the_schema_stops_at_the_token_limit(
    client: Any, monkeypatch: Any
) -> None:
    """The server reads a request's operation type (for the cache and the read-only session)
    before strawberry parses it: that parse must stop at QCREDIT_MAX_TOKENS as well, or a 1 MiB
    body of tokens costs seconds of CPU before the limit refuses it."""
    from qcredit.api.graphql import cache, extensions

    limits: list[int | None] = []
    real = cache.parse

    def recording(source: Any, **options: Any) -> Any:
        limits.append(options.get("max_tokens"))
        return real(source, **options)

    monkeypatch.setattr(cache, "parse", recording)
    monkeypatch.setattr(extensions, "parse", recording)
    huge = "query Huge { " + "__typename " * 20_000 + "}"
    result = await gql(client, huge)
    assert code_of(result) in {"GRAPHQL_VALIDATION_FAILED", "GRAPHQL_PARSE_FAILED"}
    # A lone surrogate makes the parse fail first; the field is found by parsing again.
    await gql(client, 'query Odd { enterprise(code: "\\ud800") { code } ' + "a " * 6000 + "}")
    assert limits and all(limit == 5000 for limit in limits), limits


async def test_normal_queries_pass(client: Any) -> None:
    result = await gql(
        client,
        "query { policies { id levels { code } } enterprises(first: 10) { totalCount } }",
    )
    assert "errors" not in result, result


# -- introspection, suggestions, GraphiQL -----------------------------------------------------


async def test_introspection_suggestions_and_graphiql_off(make_client: Any) -> None:
    async with make_client(introspection=False, graphiql=False) as c:
        result = await gql(c, "{ __schema { types { name } } }")
        assert result.get("data") is None and result["errors"]
        assert code_of(result)
        result = await gql(c, "{ polices { id } enterprise(cod: 1) { nam } }")
        assert result["errors"]
        assert not any("did you mean" in e["message"].lower() for e in result["errors"])
        r = await c.get("/graphql", headers={"Accept": "text/html"})
        assert r.status_code != 200 and "graphiql" not in r.text.lower()
        assert "errors" not in await gql(c, POLICIES)


async def test_introspection_suggestions_and_graphiql_on_in_development(client: Any) -> None:
    assert "errors" not in await gql(client, "{ __schema { queryType { name } } }")
    result = await gql(client, "{ polices { id } }")
    assert "did you mean" in result["errors"][0]["message"].lower()
    r = await client.get("/graphql", headers={"Accept": "text/html"})
    assert r.status_code == 200 and "graphiql" in r.text.lower()


# -- CORS and WebSocket origins ---------------------------------------------------------------


async def test_cors_allows_only_the_configured_origins(make_client: Any) -> None:
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    }
    async with make_client(cors_origins=("https://app.example.cn",)) as c:
        r = await c.options(
            "/graphql",
            headers={"Origin": "https://app.example.cn", **preflight},
        )
        assert r.status_code == 200
        assert r.headers["access-control-allow-origin"] == "https://app.example.cn"
        r = await c.options("/graphql", headers={"Origin": "https://evil.example", **preflight})
        assert "access-control-allow-origin" not in r.headers
        r = await c.post(
            "/graphql", json={"query": POLICIES}, headers={"Origin": "https://app.example.cn"}
        )
        assert r.headers["access-control-allow-origin"] == "https://app.example.cn"


async def test_no_cors_by_default(client: Any) -> None:
    r = await client.post(
        "/graphql", json={"query": POLICIES}, headers={"Origin": "https://app.example.cn"}
    )
    assert r.status_code == 200 and "access-control-allow-origin" not in r.headers


async def _ws_accepted(app: Any, origin: str) -> bool:
    """Whether the app accepts a graphql-transport-ws handshake from a page on ``origin``."""
    messages = iter([{"type": "websocket.connect"}])
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return next(messages, {"type": "websocket.disconnect", "code": 1000})

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "websocket",
        "asgi": {"version": "3.0"},
        "scheme": "ws",
        # /graphql/ (the Mount): the plain /graphql Route is HTTP-only
        "path": "/graphql/",
        "raw_path": b"/graphql/",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"api.test"), (b"origin", origin.encode())],
        "client": OUTSIDE,
        "server": ("api.test", 80),
        "subprotocols": ["graphql-transport-ws"],
        "state": {},
    }
    await app(scope, receive, send)
    return any(m["type"] == "websocket.accept" for m in sent)


async def test_websocket_origins(make_client: Any, database_url: str, registry: Any) -> None:
    settings = Settings(
        database_url=database_url, migrate_on_start=False, ws_origins=("https://app.example.cn",)
    )
    app = create_app(settings, registry=registry)
    default = create_app(Settings(database_url=database_url, migrate_on_start=False), registry)
    try:
        assert await _ws_accepted(app, "https://app.example.cn")
        assert not await _ws_accepted(app, "https://evil.example")
        assert not await _ws_accepted(default, "https://app.example.cn")
        assert await _ws_accepted(default, "http://api.test")  # same origin
    finally:
        await app.state.db_engine.dispose()
        await default.state.db_engine.dispose()


# -- trusted documents ------------------------------------------------------------------------


@pytest.fixture
def manifest(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    docs = tmp_path / "documents"
    (docs / "nested").mkdir(parents=True)
    (docs / "policies.graphql").write_text("query Policies { policies { id } }\n")
    (docs / "nested" / "kinds.graphql").write_text("query Kinds { eventKinds { code } }\n")
    (docs / "notes.txt").write_text("not a document")
    path = tmp_path / "manifest.json"
    built = trusted.write_manifest(docs, path)
    return path, built


def _hash(text: str) -> str:
    return trusted.document_hash(text)


POLICIES_DOC = "query Policies { policies { id } }\n"


def test_manifest_from_a_folder(manifest: tuple[Path, dict[str, str]]) -> None:
    path, built = manifest
    assert sorted(built.values()) == sorted([POLICIES_DOC, "query Kinds { eventKinds { code } }\n"])
    assert trusted.load_manifest(path) == built
    assert all(re.fullmatch(r"[0-9a-f]{64}", k) for k in built)


def test_manifest_is_checked_and_apollo_form_accepted(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"0" * 64: "{ policies { id } }"}))
    with pytest.raises(ValueError):
        trusted.load_manifest(bad)
    apollo = {
        "format": "apollo-persisted-query-manifest",
        "version": 1,
        "operations": [{"id": "ABC", "name": "P", "type": "query", "body": "{ policies { id } }"}],
    }
    assert trusted.parse_manifest(apollo) == {"abc": "{ policies { id } }"}


def test_manifest_command(
    manifest: tuple[Path, dict[str, str]], tmp_path: Path, capsys: Any
) -> None:
    out = tmp_path / "again.json"
    assert trusted.main([str(tmp_path / "documents"), str(out)]) == 0
    assert json.loads(out.read_text()) == manifest[1]
    assert trusted.main([]) == 2


async def test_trusted_documents_run_by_hash(
    make_client: Any, manifest: tuple[Path, dict[str, str]]
) -> None:
    path, _ = manifest
    h = _hash(POLICIES_DOC)
    async with make_client(trusted_documents=str(path)) as c:
        for body in (
            {"documentId": h},
            {"documentId": f"sha256:{h}"},
            {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": h}}},
            {"query": POLICIES_DOC},  # the very text of a trusted document
            {"query": POLICIES_DOC, "extensions": {"persistedQuery": {"sha256Hash": h}}},
        ):
            r = await c.post("/graphql", json=body)
            assert r.status_code == 200, (body, r.text)
            assert r.json()["data"]["policies"], body
        r = await c.get("/graphql", params={"documentId": h})
        assert r.status_code == 200 and r.json()["data"]["policies"]
        ext = json.dumps({"persistedQuery": {"version": 1, "sha256Hash": h}})
        r = await c.get("/graphql", params={"extensions": ext})
        assert r.status_code == 200 and r.json()["data"]["policies"]


async def test_trusted_documents_refuse_the_rest(
    make_client: Any, manifest: tuple[Path, dict[str, str]]
) -> None:
    path, _ = manifest
    async with make_client(trusted_documents=str(path)) as c:
        r = await c.post("/graphql", json={"documentId": "f" * 64})
        assert r.status_code == 400 and code_of(r.json()) == "PERSISTED_QUERY_NOT_FOUND"
        r = await c.post(
            "/graphql", json={"extensions": {"persistedQuery": {"sha256Hash": "f" * 64}}}
        )
        assert code_of(r.json()) == "PERSISTED_QUERY_NOT_FOUND"
        r = await c.post("/graphql", json={"query": POLICIES})
        assert r.status_code == 400 and code_of(r.json()) == "PERSISTED_QUERY_REQUIRED"
        r = await c.get("/graphql", params={"query": POLICIES})
        assert r.status_code == 400 and code_of(r.json()) == "PERSISTED_QUERY_REQUIRED"
        r = await c.post("/graphql", json=[{"query": POLICIES}])
        assert r.status_code == 400 and code_of(r.json()) == "PERSISTED_QUERY_REQUIRED"
        r = await c.post("/graphql", json={"query": POLICIES, "documentId": _hash(POLICIES_DOC)})
        assert r.status_code == 400 and code_of(r.json()) == "BAD_REQUEST"
        r = await c.post(
            "/graphql", content=POLICIES.encode(), headers={"Content-Type": "text/plain"}
        )
        assert r.status_code == 400
        assert (await c.get("/health")).status_code == 200


async def test_trusted_documents_allow_arbitrary(
    make_client: Any, manifest: tuple[Path, dict[str, str]]
) -> None:
    path, _ = manifest
    async with make_client(
        trusted_documents=str(path), trusted_documents_allow_arbitrary=True
    ) as c:
        assert "errors" not in await gql(c, POLICIES)
        r = await c.post("/graphql", json={"documentId": _hash(POLICIES_DOC)})
        assert r.json()["data"]["policies"]
        r = await c.post("/graphql", json={"documentId": "f" * 64})
        assert code_of(r.json()) == "PERSISTED_QUERY_NOT_FOUND"


async def test_trusted_documents_refuse_websockets(
    app: Any, database_url: str, registry: Any, manifest: tuple[Path, dict[str, str]]
) -> None:
    settings = Settings(
        database_url=database_url,
        migrate_on_start=False,
        trusted_documents=str(manifest[0]),
        ws_origins=("https://app.example.cn",),
    )
    trusted_app = create_app(settings, registry=registry)
    try:
        assert not await _ws_accepted(trusted_app, "https://app.example.cn")
    finally:
        await trusted_app.state.db_engine.dispose()


# -- documentation ----------------------------------------------------------------------------


def test_every_setting_is_read_and_documented() -> None:
    """Every ``QCREDIT_*`` switch api/settings.py reads is documented for whoever deploys."""
    import re

    root = Path(__file__).resolve().parent.parent
    settings = (root / "api" / "settings.py").read_text()
    names = set(re.findall(r'"(QCREDIT_[A-Z_]+)"', settings))
    assert {"QCREDIT_PUBLIC_URL", "QCREDIT_MAX_COST", "QCREDIT_FORWARDED_ALLOW_IPS"} <= names
    docs = "".join((root / name).read_text() for name in ("docs/hardening.md", "README.md"))
    missing = sorted(n for n in names if f"`{n}`" not in docs)
    assert not missing, missing


def test_variables_are_costed_again_only_where_a_weight_reads_them() -> None:
    """VariableCost skips the second estimate when no weighted field takes a variable: the
    values could not change the figure (a ``first: $n`` is costed at the maximum page anyway)."""

    def weighs(query: str) -> bool:
        doc = parse(query)
        (op,) = [d for d in doc.definitions if isinstance(d, OperationDefinitionNode)]
        return cost._weighs_variables(doc, op)

    assert not weighs('{ regionMap(policy: "p", regionCode: "330000") { __typename } }')
    assert not weighs(
        "query($c: String!, $n: Int) { enterprise(code: $c) { code products(first: $n) "
        "{ totalCount } assessments { level } } }"
    )
    assert weighs('query($r: String!) { regionMap(policy: "p", regionCode: $r) { __typename } }')
    # inside a fragment, a list or an input object: still found
    assert weighs(
        "query($d: Date) { enterprises(first: 1) { edges { node { ...A } } } } "
        "fragment A on Enterprise { assessments(asOf: $d) { level } }"
    )
    assert weighs(
        'query($r: String!) { drawInspectionPlan(input: {policy: "p", regionCode: $r, '
        'year: 2026, capacity: 1, seed: "s"}) { seed } }'
    )
    assert weighs(
        'query($g: LevelCountGrouping!) { levelCounts(policy: "p", groupBy: [$g]) { __typename } }'
    )


async def test_a_weighted_variable_is_costed_with_each_requests_value(make_client: Any) -> None:
    """The verdict is kept per parsed document, the estimate is not: the same query text with a
    province and then a county is refused and then answered (rule 13)."""
    query = (
        'query($r: String!) { regionMap(policy: "jiaxing", regionCode: $r, '
        'asOf: "2025-01-01") { region { colour } } }'
    )
    async with make_client(max_cost=500) as c:
        assert code_of(await gql(c, query, {"r": "330000"})) == "QUERY_TOO_COSTLY"
        assert "errors" not in await gql(c, query, {"r": "330402"})
        assert code_of(await gql(c, query, {"r": "330000"})) == "QUERY_TOO_COSTLY"
