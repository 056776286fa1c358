"""The response cache never serves a stale or foreign answer (api/cache.py).

Keyed on the query, its variables, the caller's rights, today and the data version that every
write bumps: a write in between, or another caller's rights, means a fresh execution; a hit is
audited like the read it replaces.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from qcredit.api.app import create_app
from qcredit.api.settings import Settings
from qcredit.api.web.auth import TokenCache
from qcredit.core.disclosure.callers import CallerRole, Principal
from qcredit.core.disclosure.tokens import create_token
from qcredit.core.store.tables import AuditRow
from sqlalchemy import func, select

from .support import credit_code, gql, only_error

LEVEL_C = """{ enterprises(filter: {policy: "jiamusi", level: "C"}) { totalCount
  edges { node { code assessment(policy: "jiamusi") { level } } } } }"""
RECORD = """mutation($i: RecordEventInput!) { recordEvent(input: $i) { id } }"""


@pytest.fixture
async def cached_app(database_url: str, registry: Any, client: Any) -> Any:
    """An app with the response cache on, sharing the (emptied) database of ``client``."""
    app = create_app(
        Settings(
            database_url=database_url,
            migrate_on_start=False,
            rate_limit_per_minute=0,
            response_cache_entries=64,
        ),
        registry=registry,
    )
    yield app
    await app.state.db_engine.dispose()


async def _as(app: Any, role: str | None, **spec: Any) -> httpx.AsyncClient:
    headers = {}
    if role:
        async with app.state.services.sessions() as s:
            token, _ = await create_token(s, role=role, **spec)
            await s.commit()
        headers = {"Authorization": f"Bearer {token}"}
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t", headers=headers
    )


async def _jiamusi_c(client: Any, n: int) -> str:
    code = credit_code(n, "230803")
    await gql(
        client,
        """mutation($i: RegisterEnterpriseInput!) {
        registerEnterprise(input: $i) { id } }""",
        {
            "i": {
                "code": code,
                "name": f"企业{n}",
                "regionCode": "230803",
                "establishedOn": "2010-01-01",
            }
        },
    )
    await gql(
        client,
        RECORD,
        {
            "i": {
                "enterpriseCode": code,
                "kind": "SAMPLING_INSPECTION",
                "occurredOn": "2026-01-05",
                "attributes": {"result": "FAIL"},
            }
        },
    )
    return code


async def test_hits_and_a_write_retires_them(cached_app: Any, client: Any) -> None:
    await _jiamusi_c(client, 1)
    cache = cached_app.state.graphql.responses
    async with await _as(cached_app, "ADMIN") as admin:
        first = await gql(admin, LEVEL_C)
        second = await gql(admin, LEVEL_C)
        assert first == second and first["data"]["enterprises"]["totalCount"] == 1
        assert cache.hits == 1
        await _jiamusi_c(client, 2)  # a write through another app: the version moves
        third = await gql(admin, LEVEL_C)
    assert third["data"]["enterprises"]["totalCount"] == 2


async def test_callers_with_other_rights_never_share_an_answer(
    cached_app: Any, client: Any
) -> None:
    await _jiamusi_c(client, 1)
    async with await _as(cached_app, "ADMIN") as admin, await _as(cached_app, None) as public:
        for _ in range(2):  # alternate, so that each would hit the other's entry if shared
            assert (await gql(admin, LEVEL_C))["data"]["enterprises"]["totalCount"] == 1
            assert (await gql(public, LEVEL_C))["data"]["enterprises"]["totalCount"] == 0
    async with await _as(cached_app, "REGULATOR", regions=["330400"]) as elsewhere:
        assert (await gql(elsewhere, LEVEL_C))["data"]["enterprises"]["totalCount"] == 0


async def test_a_hit_is_audited_like_the_read_it_replaces(
    cached_app: Any, client: Any, db_engine: Any
) -> None:
    code = await _jiamusi_c(client, 1)
    query = '{ enterprise(code: "%s") { assessment(policy: "jiamusi") { level } } }'.replace(
        "%s", code
    )

    async def reads() -> int:
        async with db_engine.connect() as conn:
            return int(
                (
                    await conn.execute(
                        select(func.count())
                        .select_from(AuditRow)
                        .where(AuditRow.action == "READ_NONPUBLIC")
                    )
                ).scalar_one()
            )

    async with await _as(cached_app, "REGULATOR", regions=["230800"]) as regulator:
        await gql(regulator, query)
        after_first = await reads()
        await gql(regulator, query)
        assert cached_app.state.graphql.responses.hits == 1
    assert await reads() == after_first + 1


async def test_mutations_and_errors_are_not_cached(cached_app: Any, client: Any) -> None:
    cache = cached_app.state.graphql.responses
    async with await _as(cached_app, None) as public:
        for _ in range(2):
            only_error(
                await gql(public, '{ policy(id: "x") { id } enterprise(code: "1") { code } }')
            )
            only_error(
                await gql(
                    public,
                    RECORD,
                    {"i": {"kind": "X", "occurredOn": "2024-01-01", "enterpriseCode": "1"}},
                )
            )
    assert cache.hits == 0


def test_token_cache_forgets_after_its_time(monkeypatch: Any) -> None:
    now = [1000.0]
    monkeypatch.setattr("qcredit.api.web.auth.time.monotonic", lambda: now[0])
    cache = TokenCache(10)
    principal = Principal(role=CallerRole.ADMIN)
    cache.put("qc_x", principal, None)
    assert cache.get("qc_x") is principal
    now[0] += 11
    assert cache.get("qc_x") is None
    assert TokenCache(0).get("qc_x") is None
