"""Fuzzing the GraphQL endpoint as PUBLIC and as a partner DEPARTMENT (hypothesis-graphql), every
string argument of the schema with edge-case strings, and the HTTP layer with malformed bodies.

The data holds only grades those callers may not see (佳木斯 B and C: internal only, 五（三）),
so any level, score or grade change in any response is a leak.  Every generated query and
mutation must answer without a server error, and anonymous mutations must write nothing.
Queries are generated deterministically (derandomize) so CI runs the same ones every time.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import graphql
import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import mutations, nodes, queries
from qcredit.api.graphql.schema import build_schema
from qcredit.core.store.tables import EventRow
from sqlalchemy import func, select, text

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


# -- string edge cases on every string argument of the schema ------------------------------------
EDGE_STRINGS = {
    "lone high surrogate": "\ud800",
    "lone low surrogate": "ok\udfff",
    "NUL": "a\x00b",
    "100 KB": "x" * 100_000,
    "Arabic-Indic digits": "3304٠٠",
    "full-width digits": "３３",
    "RTL marks": "\u202e230803\u200f",
    "emoji": "😀👍🏽",
}
UNSTORABLE_EDGES = {"lone high surrogate", "lone low surrogate", "NUL"}
# A valid value for each argument type an operation needs besides the one being fuzzed.
FILLERS: dict[str, Any] = {
    "String": "230803",
    "ID": "1",
    "Int": 1,
    "Float": 1.0,
    "Boolean": True,
    "Date": "2026-01-05",
    "DateTime": "2026-01-05T00:00:00",
    "JSON": {},
}


def _filler(type_: Any) -> Any:
    named = graphql.get_named_type(type_)
    if graphql.is_list_type(graphql.get_nullable_type(type_)):
        return [_filler(graphql.get_nullable_type(type_).of_type)]
    if isinstance(named, graphql.GraphQLEnumType):
        return next(iter(named.values))
    if isinstance(named, graphql.GraphQLInputObjectType):
        return {
            name: _filler(f.type)
            for name, f in named.fields.items()
            if graphql.is_non_null_type(f.type)
        }
    return FILLERS.get(named.name, "x")


def _string_places(type_: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every place a String or ID goes in a value of ``type_`` (input fields, lists)."""
    named = graphql.get_named_type(type_)
    if named.name in ("String", "ID"):
        return [path]
    if isinstance(named, graphql.GraphQLInputObjectType):
        return [
            p for name, f in named.fields.items() for p in _string_places(f.type, (*path, name))
        ]
    return []


def _with(value: Any, path: tuple[str, ...], edge: str, type_: Any) -> Any:
    if graphql.is_list_type(graphql.get_nullable_type(type_)):
        return [_with(value[0], path, edge, graphql.get_nullable_type(type_).of_type)]
    if not path:
        return edge
    named = graphql.get_named_type(type_)
    head, *rest = path
    inner = value.get(head, _filler(named.fields[head].type))
    return {**value, head: _with(inner, tuple(rest), edge, named.fields[head].type)}


def _selection(type_: Any) -> str:
    named = graphql.get_named_type(type_)
    return "" if graphql.is_leaf_type(named) else "{ __typename }"


def string_cases(schema: graphql.GraphQLSchema) -> list[tuple[str, str, dict[str, Any], str]]:
    """(operation, document, variables, edge name) for every string place of every root field."""
    cases = []
    for kind, root in (("query", schema.query_type), ("mutation", schema.mutation_type)):
        for name, field in root.fields.items():
            params = ", ".join(f"${a}: {arg.type}" for a, arg in field.args.items())
            args = ", ".join(f"{a}: ${a}" for a in field.args)
            document = (
                f"{kind}({params}) {{ {name}({args}) {_selection(field.type)} }}"
                if args
                else f"{kind} {{ {name} {_selection(field.type)} }}"
            )
            base = {a: _filler(arg.type) for a, arg in field.args.items()}
            for a, arg in field.args.items():
                for place in _string_places(arg.type):
                    for edge_name, edge in EDGE_STRINGS.items():
                        variables = {**base, a: _with(base[a], place, edge, arg.type)}
                        cases.append((kind, document, variables, edge_name))
    return cases


STRING_CASES = string_cases(build_schema()._schema)


async def _rows(db_engine: Any) -> int:
    from .conftest import TABLES

    total = " + ".join(f"(SELECT count(*) FROM {t})" for t in TABLES if t != "audit_log")
    async with db_engine.connect() as conn:
        return int((await conn.execute(text(f"SELECT {total}"))).scalar_one())


@pytest.mark.parametrize("role", ["PUBLIC", "REGULATOR"])
async def test_string_edge_cases_on_every_string_argument(
    app: Any, client: Any, db_engine: Any, role: str
) -> None:
    await _seed(client)
    token = await issue_token(app, "REGULATOR", regions=["230803"]) if role != "PUBLIC" else None
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    failures: list[tuple[str, str, str]] = []
    refused: Counter[str] = Counter()
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t", headers=headers
    ) as caller:
        for kind, document, variables, edge in STRING_CASES:
            before = await _rows(db_engine) if kind == "mutation" else None
            response = await caller.post(
                "/graphql",
                content=json.dumps({"query": document, "variables": variables}).encode(),
                headers={"content-type": "application/json"},
            )
            if response.status_code >= 500:
                failures.append((document, edge, f"HTTP {response.status_code}"))
                continue
            body = response.json()
            codes = [e.get("extensions", {}).get("code") for e in body.get("errors") or []]
            refused.update(c or "none" for c in codes[:1])
            if "INTERNAL_SERVER_ERROR" in codes or None in codes:
                failures.append((document, edge, json.dumps(body)[:300]))
            if edge in UNSTORABLE_EDGES and codes != ["BAD_USER_INPUT"]:
                failures.append((document, edge, f"not BAD_USER_INPUT: {codes}"))
            if before is not None and codes and before != await _rows(db_engine):
                failures.append((document, edge, "a refused request wrote"))
    print(f"\nstring edges as {role}: {len(STRING_CASES)} requests, refused: {dict(refused)}")
    assert not failures, failures[:3]
    assert refused["BAD_USER_INPUT"] >= sum(e in UNSTORABLE_EDGES for *_, e in STRING_CASES)


# -- malformed HTTP bodies ----------------------------------------------------------------------
MALFORMED_BODIES: list[bytes] = [
    b"",
    b"null",
    b"42",
    b'"x"',
    b"[]",
    b"{}",
    b"[{}]",
    b'[{"query": "{ policies { id } }"}]',
    b'{"query": null}',
    b'{"query": ""}',
    b'{"query": {"a": 1}}',
    b'{"query": "{ policies { id } }", "variables": "x"}',
    b'{"query": "{ policies { id } }", "extensions": 1}',
    b'{"query": "{ policies { id } }", "operationName": []}',
    b'{"query": "{ policies { id } }\xff"}',
    b"\xef\xbb\xbf{}",
    b"{not json",
    b'{"query": "\\ud800"}',
]


def _random_bodies(n: int) -> list[bytes]:
    found: list[bytes] = []

    @settings(max_examples=n, database=None, derandomize=True, deadline=None)
    @given(st.binary(max_size=200))
    def collect(body: bytes) -> None:
        found.append(body)

    collect()
    return found


RANDOM_BODIES = _random_bodies(60)


async def test_malformed_bodies_get_coded_json_errors(anonymous: Any) -> None:
    failures: list[tuple[bytes, str]] = []
    statuses: Counter[str] = Counter()
    sent = 0
    for body in MALFORMED_BODIES + RANDOM_BODIES:
        for content_type in ("application/json", "text/plain"):
            sent += 1
            response = await anonymous.post(
                "/graphql", content=body, headers={"content-type": content_type}
            )
            try:
                errors = response.json()["errors"]
                code = errors[0]["extensions"]["code"]
            except (ValueError, KeyError, IndexError, TypeError):
                failures.append((body, f"HTTP {response.status_code}: {response.text[:200]}"))
                continue
            statuses[f"{response.status_code} {code}"] += 1
            if response.status_code >= 500:
                failures.append((body, response.text[:200]))
    print(f"\nmalformed bodies: {sent} requests, answers: {dict(statuses)}")
    assert not failures, failures[:3]
