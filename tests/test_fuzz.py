"""Fuzzing the GraphQL endpoint as PUBLIC and as a partner DEPARTMENT (hypothesis-graphql).

The data holds only grades those callers may not see (佳木斯 B and C: internal only, 五（三）),
so any level, score or grade change in any response is a leak.  Every generated query and
mutation must answer without a server error, and anonymous mutations must write nothing.
Queries are generated deterministically (derandomize) so CI runs the same ones every time.
"""

from __future__ import annotations

import json
from typing import Any

import graphql
import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import mutations, nodes, queries
from qcredit.api.graphql.schema import build_schema
from qcredit.core.store.tables import EventRow
from sqlalchemy import func, select

from .conftest import issue_token
from .support import credit_code, gql

EXAMPLES = 250
HIDDEN = {"B", "C"}


def _json_object(items: dict[str, Any]) -> graphql.ObjectValueNode:
    fields = [
        graphql.ObjectFieldNode(
            name=graphql.NameNode(value=k),
            value=nodes.Int(v) if isinstance(v, int) else nodes.String(v),
        )
        for k, v in items.items()
    ]
    return nodes.Object(fields)


SCALARS = {
    "Date": st.dates().map(lambda d: nodes.String(d.isoformat())),
    "DateTime": st.datetimes().map(lambda d: nodes.String(d.isoformat())),
    "JSON": st.dictionaries(
        st.sampled_from(["result", "points", "x"]),
        st.one_of(st.integers(-5, 20), st.sampled_from(["PASS", "FAIL"])),
        max_size=2,
    ).map(_json_object),
}


def generate(strategy: st.SearchStrategy[Any], n: int) -> list[str]:
    found: list[str] = []

    @settings(
        max_examples=n,
        database=None,
        derandomize=True,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def collect(document: Any) -> None:
        found.append(str(document))

    collect()
    return found


SDL = build_schema().as_str()
QUERIES = generate(queries(SDL, custom_scalars=SCALARS), EXAMPLES)
MUTATIONS = generate(mutations(SDL, custom_scalars=SCALARS), EXAMPLES // 2)


def leaks(node: Any) -> list[str]:
    """Any grade value in a response: a level, a grade change, a score."""
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("level", "current", "previous") and value in HIDDEN:
                found.append(f"{key}={value}")
            if key in ("score", "scoreBefore", "scoreAfter") and value is not None:
                found.append(f"{key}={value}")
            found += leaks(value)
    elif isinstance(node, list):
        for item in node:
            found += leaks(item)
    return found


async def _seed(client: Any) -> None:
    for n, fails in ((1, ["2026-01-05"]), (2, ["2025-11-01"])):  # C and B today
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
        for on in fails:
            await gql(
                client,
                """mutation($i: RecordEventInput!) { recordEvent(input: $i) {
                id } }""",
                {
                    "i": {
                        "enterpriseCode": code,
                        "kind": "SAMPLING_INSPECTION",
                        "occurredOn": on,
                        "attributes": {"result": "FAIL"},
                    }
                },
            )


@pytest.mark.parametrize("role", ["PUBLIC", "DEPARTMENT"])
async def test_fuzzed_requests_never_fail_or_leak(
    app: Any, client: Any, db_engine: Any, role: str
) -> None:
    await _seed(client)
    token = await issue_token(app, "DEPARTMENT", department="税务") if role != "PUBLIC" else None
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with db_engine.connect() as conn:
        events_before = (
            await conn.execute(select(func.count()).select_from(EventRow))
        ).scalar_one()
    failures: list[tuple[str, str]] = []
    tried = 0
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t", headers=headers
    ) as caller:
        for document in QUERIES + MUTATIONS:
            tried += 1
            response = await caller.post("/graphql", json={"query": document})
            if response.status_code >= 500:
                failures.append((document, f"HTTP {response.status_code}"))
                continue
            body = response.json()
            codes = [e.get("extensions", {}).get("code") for e in body.get("errors") or []]
            if "INTERNAL_SERVER_ERROR" in codes or None in codes:
                failures.append((document, json.dumps(body, ensure_ascii=False)[:300]))
            leaked = leaks(body.get("data"))
            if leaked:
                failures.append((document, f"leak: {leaked}"))
    async with db_engine.connect() as conn:
        events_after = (await conn.execute(select(func.count()).select_from(EventRow))).scalar_one()
    print(f"\nfuzz as {role}: {tried} documents tried, {len(failures)} failures")
    assert not failures, failures[:3]
    assert events_after == events_before  # neither role may write
    assert tried == len(QUERIES) + len(MUTATIONS)
