"""Inputs are validated to their meaning: a Date is a calendar date written YYYY-MM-DD in ASCII
digits, a conflict-of-interest reason is non-blank and bounded, region and credit codes are ASCII
digits — each refusal BAD_USER_INPUT naming the field, with nothing written."""

from __future__ import annotations

import httpx
import pytest
from qcredit.core.store.tables import InspectorConflictRow
from sqlalchemy import func, select

from .support import credit_code, gql

REGISTER = """mutation($i: RegisterEnterpriseInput!) { registerEnterprise(input: $i) { code } }"""
INSPECTOR = """mutation($i: RegisterInspectorInput!) { registerInspector(input: $i) { code } }"""
CONFLICT = """mutation($i: DeclareConflictInput!) {
  declareConflictOfInterest(input: $i) { reason } }"""


def _refused(body: dict, field: str) -> None:
    assert body.get("data") in (None, {}) or not any((body.get("data") or {}).values()), body
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT", error
    assert field in str(error["extensions"].get("field", "")), error


@pytest.mark.parametrize(
    "raw",
    ["2023-W01-1", "２０２３-05-01", "2023-5-1", "2023-05-01T00:00", "20230501", "2023-02-30"],
)
async def test_a_date_is_only_yyyy_mm_dd(client: httpx.AsyncClient, raw: str) -> None:
    body = await gql(
        client,
        REGISTER,
        {"i": {"code": credit_code(1, "330402"), "name": "甲", "regionCode": "330402",
               "establishedOn": raw, "roles": ["PRODUCER"]}},
    )  # fmt: skip
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT", error
    ok = await gql(
        client, "{ enterprise(code: $c) { code } }".replace("$c", f'"{credit_code(1, "330402")}"')
    )
    assert ok["data"]["enterprise"] is None  # nothing written


@pytest.mark.parametrize("reason", ["", "   ", "因" * 501])
async def test_a_conflict_reason_is_non_blank_and_bounded(
    client: httpx.AsyncClient, db_engine: object, reason: str
) -> None:
    code = credit_code(2, "330402")
    made = await gql(
        client,
        REGISTER,
        {"i": {"code": code, "name": "乙", "regionCode": "330402", "establishedOn": "2015-01-01",
               "roles": ["PRODUCER"]}},
    )  # fmt: skip
    assert "errors" not in made, made
    made = await gql(
        client, INSPECTOR, {"i": {"code": "JX-001", "name": "张三", "regionCode": "330402"}}
    )
    assert "errors" not in made, made
    body = await gql(
        client,
        CONFLICT,
        {"i": {"inspectorCode": "JX-001", "enterpriseCode": code, "reason": reason}},
    )
    _refused(body, "reason")
    async with db_engine.connect() as conn:  # type: ignore[attr-defined]
        count = await conn.scalar(select(func.count()).select_from(InspectorConflictRow))
    assert count == 0
    fine = await gql(
        client,
        CONFLICT,
        {"i": {"inspectorCode": "JX-001", "enterpriseCode": code, "reason": "亲属"}},
    )
    assert fine["data"]["declareConflictOfInterest"]["reason"] == "亲属"
