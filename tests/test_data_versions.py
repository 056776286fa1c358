"""A write retires only the cached answers that read what it touched (core/store/versioning.py).

Two app instances on one database stand for two workers: the versions live in the database, so
a write through one retires the other's entries for that enterprise — and only those."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from qcredit.api.app import create_app
from qcredit.api.settings import Settings
from qcredit.core import clock
from qcredit.core.disclosure.tokens import create_token
from qcredit.core.store import versioning
from qcredit.core.store.versioning import policy_scope, region_scope

from .support import credit_code, gql
from .test_statement_count import load

ONE = """query($code: String!) { enterprise(code: $code) { code name
  events { totalCount } assessments { policy { id } level reasons { rule } } } }"""
LIST = """{ enterprises(first: 5) { edges { node { code } } } }"""
RECORD = """mutation($i: RecordEventInput!) { recordEvent(input: $i) { id } }"""


async def _worker(database_url: str, registry: Any) -> Any:
    return create_app(
        Settings(
            database_url=database_url,
            migrate_on_start=False,
            rate_limit_per_minute=0,
            response_cache_entries=64,
        ),
        registry=registry,
    )


@pytest.fixture
async def workers(
    database_url: str, registry: Any, client: Any
) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient, Any]]:
    """Two ADMIN clients of two apps (workers) on the emptied database of ``client``."""
    apps = [await _worker(database_url, registry) for _ in range(2)]
    async with apps[0].state.services.sessions() as s:
        token, _ = await create_token(s, role="ADMIN")
        await s.commit()
    headers = {"Authorization": f"Bearer {token}"}
    clients = [
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=a), base_url="http://w", headers=headers
        )
        for a in apps
    ]
    try:
        yield clients[0], clients[1], apps[1].state.graphql.responses
    finally:
        for c, a in zip(clients, apps, strict=True):
            await c.aclose()
            await a.state.db_engine.dispose()


async def _record(c: httpx.AsyncClient, code: str) -> None:
    event = {
        "enterpriseCode": code,
        "kind": "SAMPLING_INSPECTION",
        "occurredOn": clock.today().isoformat(),
        "attributes": {"result": "FAIL"},
    }
    assert "errors" not in await gql(c, RECORD, {"i": event})


async def test_a_write_in_one_worker_retires_that_enterprise_in_the_other(
    client: Any, workers: Any
) -> None:
    await load(client, 2)
    first, second = credit_code(1), credit_code(2)
    writer, reader, cache = workers
    before = {c: await gql(reader, ONE, {"code": c}) for c in (first, second)}
    hits = cache.hits
    for c in (first, second):  # both answered from the cache
        assert await gql(reader, ONE, {"code": c}) == before[c]
    assert cache.hits == hits + 2

    await _record(writer, first)

    hits, misses = cache.hits, cache.misses
    fresh = await gql(reader, ONE, {"code": first})
    assert cache.misses == misses + 1  # retired: executed again, in the other worker
    events = fresh["data"]["enterprise"]["events"]["totalCount"]
    assert events == before[first]["data"]["enterprise"]["events"]["totalCount"] + 1
    assert await gql(reader, ONE, {"code": second}) == before[second]
    assert cache.hits == hits + 1  # the other enterprise's entry was kept


async def test_an_unknown_enterprise_and_a_list_retire_on_any_write(
    client: Any, workers: Any
) -> None:
    await load(client, 1)
    _writer, reader, cache = workers
    missing = credit_code(7)
    assert (await gql(reader, ONE, {"code": missing}))["data"]["enterprise"] is None
    listed = await gql(reader, LIST)
    await gql(
        client,
        """mutation($i: RegisterEnterpriseInput!) {
        registerEnterprise(input: $i) { id } }""",
        {
            "i": {
                "code": missing,
                "name": "企业7",
                "regionCode": "110101",
                "establishedOn": "2012-05-01",
            }
        },
    )
    misses = cache.misses
    assert (await gql(reader, ONE, {"code": missing}))["data"]["enterprise"]["code"] == missing
    assert await gql(reader, LIST) != listed
    assert cache.misses == misses + 2


async def test_region_aggregates_and_policies_retire_by_scope(app: Any, client: Any) -> None:
    """A write to an enterprise bumps its city's aggregates, not another city's; a policy's
    scope (bumped when its parameters change) is bumped alone."""
    await load(client, 1)
    here, elsewhere = region_scope("110101"), region_scope("120101")
    assert here is not None and elsewhere is not None and here != elsewhere
    scopes = [here, elsewhere, policy_scope("testland"), policy_scope("other")]
    sessions = app.state.services.sessions
    async with sessions() as s:
        before = await versioning.versions(s, scopes)
    await _record(client, credit_code(1))  # an enterprise of 110101
    async with sessions() as s:
        after = await versioning.versions(s, scopes)
        assert after[here] > before[here]
        assert after[elsewhere] == before[elsewhere]
        await versioning.bump(s, policies=["testland"])
        await s.commit()
        bumped = await versioning.versions(s, scopes)
    assert bumped[policy_scope("testland")] > after[policy_scope("testland")]
    assert bumped[policy_scope("other")] == after[policy_scope("other")]
    assert bumped[here] == after[here]


async def test_a_policy_bump_retires_the_enterprises_graded_under_it(
    app: Any, client: Any, workers: Any
) -> None:
    await load(client, 1)
    _writer, reader, cache = workers
    code = credit_code(1)
    answer = await gql(reader, ONE, {"code": code})
    assert answer["data"]["enterprise"]["assessments"]  # it read a testland assessment
    async with app.state.services.sessions() as s:
        await versioning.bump(s, policies=["testland"])
        await s.commit()
    misses = cache.misses
    assert await gql(reader, ONE, {"code": code}) == answer
    assert cache.misses == misses + 1
