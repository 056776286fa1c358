"""Bad input gets BAD_USER_INPUT naming the field, and writes nothing (issue: core platform)."""

from __future__ import annotations

from typing import Any

import pytest
from qcredit.core.store.tables import EnterpriseRow, EventRow, ProductRow
from sqlalchemy import func, select

from .support import credit_code, gql, only_error

REGISTER = """mutation($input: RegisterEnterpriseInput!) {
  registerEnterprise(input: $input) { id code } }"""
PRODUCT = """mutation($input: RegisterProductInput!) {
  registerProduct(input: $input) { id trademark niceClass } }"""
RECORD = """mutation($input: RecordEventInput!) {
  recordEvent(input: $input) { id kind status } }"""


async def counts(db_engine: Any) -> tuple[int, int, int]:
    async with db_engine.connect() as conn:
        found = [
            (await conn.execute(select(func.count()).select_from(t))).scalar_one()
            for t in (EnterpriseRow, ProductRow, EventRow)
        ]
    return found[0], found[1], found[2]


async def seeded(client: Any) -> tuple[str, str]:
    code = credit_code(1)
    r = await gql(
        client,
        REGISTER,
        {
            "input": {
                "code": code,
                "name": "北京测试有限公司",
                "regionCode": "110101",
                "establishedOn": "2015-03-01",
                "roles": ["PRODUCER"],
            }
        },
    )
    assert "errors" not in r, r
    p = await gql(
        client, PRODUCT, {"input": {"enterpriseCode": code, "trademark": "长城", "niceClass": 9}}
    )
    assert "errors" not in p, p
    return code, p["data"]["registerProduct"]["id"]


def wrong_check(code: str) -> str:
    return code[:17] + ("0" if code[17] != "0" else "1")


@pytest.mark.parametrize(
    ("mutation", "make_input", "field"),
    [
        pytest.param(
            REGISTER,
            lambda c, p: {
                "code": wrong_check(credit_code(2)),
                "name": "甲",
                "regionCode": "110101",
            },
            "code",
            id="wrong-check-character",
        ),
        pytest.param(
            REGISTER,
            lambda c, p: {"code": "91110101ABCDEFGHIO", "name": "甲", "regionCode": "110101"},
            "code",
            id="credit-code-forbidden-letters",
        ),
        pytest.param(
            REGISTER,
            lambda c, p: {"code": credit_code(3), "name": "甲", "regionCode": "999999"},
            "regionCode",
            id="unknown-province",
        ),
        pytest.param(
            REGISTER,
            lambda c, p: {
                "code": credit_code(3),
                "name": "甲",
                "regionCode": "110101",
                "establishedOn": "2021-02-29",
            },
            "establishedOn",
            id="impossible-established-date",
        ),
        pytest.param(
            REGISTER,
            lambda c, p: {
                "code": credit_code(3),
                "name": "甲",
                "regionCode": "110101",
                "roles": ["MAKER"],
            },
            "roles",
            id="unknown-role",
        ),
        pytest.param(
            PRODUCT,
            lambda c, p: {"enterpriseCode": c, "trademark": "甲", "niceClass": 0},
            "niceClass",
            id="nice-class-0",
        ),
        pytest.param(
            PRODUCT,
            lambda c, p: {"enterpriseCode": c, "trademark": "甲", "niceClass": 46},
            "niceClass",
            id="nice-class-46",
        ),
        pytest.param(
            RECORD,
            lambda c, p: {"enterpriseCode": c, "kind": "GOSSIP", "occurredOn": "2024-01-01"},
            "kind",
            id="unknown-event-kind",
        ),
        pytest.param(
            RECORD,
            lambda c, p: {
                "enterpriseCode": c,
                "kind": "SAMPLING_INSPECTION",
                "occurredOn": "2024-01-01",
                "attributes": {"result": "MAYBE"},
            },
            "attributes.result",
            id="disallowed-attribute-value",
        ),
        pytest.param(
            RECORD,
            lambda c, p: {
                "enterpriseCode": c,
                "kind": "SAMPLING_INSPECTION",
                "occurredOn": "2024-01-01",
                "attributes": {"result": "PASS", "colour": "red"},
            },
            "attributes.colour",
            id="unknown-attribute",
        ),
        pytest.param(
            RECORD,
            lambda c, p: {
                "enterpriseCode": c,
                "kind": "SAMPLING_INSPECTION",
                "occurredOn": "2024-01-01",
                "attributes": {},
            },
            "attributes.result",
            id="missing-required-attribute",
        ),
        pytest.param(
            RECORD,
            lambda c, p: {
                "enterpriseCode": c,
                "kind": "SAMPLING_INSPECTION",
                "occurredOn": "2023-02-30",
                "attributes": {"result": "PASS"},
            },
            "occurredOn",
            id="impossible-date",
        ),
        pytest.param(
            RECORD,
            lambda c, p: {
                "enterpriseCode": c,
                "productId": p,
                "kind": "SAMPLING_INSPECTION",
                "occurredOn": "2024-01-01",
                "attributes": {"result": "PASS"},
            },
            "productId",
            id="both-enterprise-and-product",
        ),
        pytest.param(
            RECORD,
            lambda c, p: {
                "kind": "SAMPLING_INSPECTION",
                "occurredOn": "2024-01-01",
                "attributes": {"result": "PASS"},
            },
            "enterpriseCode",
            id="neither-enterprise-nor-product",
        ),
        pytest.param(
            RECORD,
            lambda c, p: {
                "productId": p,
                "kind": "SUPERVISION_CHECK",
                "occurredOn": "2024-01-01",
                "attributes": {"result": "PASS"},
            },
            "productId",
            id="enterprise-only-kind-on-product",
        ),
        pytest.param(
            RECORD,
            lambda c, p: {
                "enterpriseCode": c,
                "kind": "SAMPLING_INSPECTION",
                "occurredOn": "2999-01-01",
                "attributes": {"result": "PASS"},
            },
            "occurredOn",
            id="future-date",
        ),
    ],
)
async def test_bad_input_is_refused_and_writes_nothing(
    client: Any, db_engine: Any, mutation: str, make_input: Any, field: str
) -> None:
    code, product_id = await seeded(client)
    before = await counts(db_engine)
    error = only_error(await gql(client, mutation, {"input": make_input(code, product_id)}))
    assert error["extensions"]["code"] == "BAD_USER_INPUT", error
    assert error["extensions"]["field"] == field, error
    assert await counts(db_engine) == before


async def test_impossible_date_inline_literal_names_field(client: Any, db_engine: Any) -> None:
    code, _ = await seeded(client)
    before = await counts(db_engine)
    query = (
        'mutation { recordEvent(input: {enterpriseCode: "%s", kind: "SAMPLING_INSPECTION", '
        'occurredOn: "2023-02-30", attributes: {result: "PASS"}}) { id } }'.replace("%s", code)
    )
    error = only_error(await gql(client, query))
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == "occurredOn"
    assert await counts(db_engine) == before


@pytest.mark.parametrize("first", [101, 1000])
async def test_page_size_above_cap(client: Any, first: int) -> None:
    await seeded(client)
    error = only_error(
        await gql(client, "query($f: Int) { enterprises(first: $f) { totalCount } }", {"f": first})
    )
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "first", "maximum": 100}


async def test_nested_page_size_above_cap(client: Any) -> None:
    code, _ = await seeded(client)
    error = only_error(
        await gql(
            client,
            'query { enterprise(code: "%s") { events(first: 500) { totalCount } } }'.replace(
                "%s", code
            ),
        )
    )
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == "first"


async def test_product_of_unknown_enterprise_is_not_found(client: Any, db_engine: Any) -> None:
    before = await counts(db_engine)
    error = only_error(
        await gql(
            client,
            PRODUCT,
            {"input": {"enterpriseCode": credit_code(77), "trademark": "甲", "niceClass": 9}},
        )
    )
    assert error["extensions"] == {"code": "NOT_FOUND", "field": "enterpriseCode"}
    assert await counts(db_engine) == before


async def test_internal_errors_are_masked(client: Any) -> None:
    result = await gql(client, "{ __typename }")
    assert result == {"data": {"__typename": "Query"}}
