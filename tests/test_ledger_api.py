"""The append-only ledger through the API: idempotency, corrections, derived status, re-grading.

Uses the test policy of ``support.py`` (level F after a failed sampling within a year), so these
tests exercise the core and not any jurisdiction's rules.
"""

from __future__ import annotations

from typing import Any

import pytest
from qcredit.api.graphql.schema import build_schema

from .support import credit_code, gql, only_error

REGISTER = """mutation($input: RegisterEnterpriseInput!) {
  registerEnterprise(input: $input) { id code } }"""
PRODUCT = """mutation($input: RegisterProductInput!) { registerProduct(input: $input) { id } }"""
RECORD = """mutation($input: RecordEventInput!) {
  recordEvent(input: $input) { id kind status externalId attributes } }"""
CORRECT = """mutation($input: CorrectEventInput!) {
  correctEvent(input: $input) { id kind attributes corrects { id status attributes } } }"""
GRADE = """query($code: String!, $asOf: Date) { enterprise(code: $code) {
  assessment(policy: "testland", asOf: $asOf) { level score asOf inputsDigest
    reasons { rule article text events { id kind } } supervision { kind minPerYear }
    publicity { audience allowed } } } }"""


async def enterprise(client: Any, n: int = 1, region: str = "110101") -> str:
    code = credit_code(n, region)
    r = await gql(
        client,
        REGISTER,
        {
            "input": {
                "code": code,
                "name": f"企业{n}",
                "regionCode": region,
                "establishedOn": "2010-01-01",
            }
        },
    )
    assert "errors" not in r, r
    return code


def sampling(code: str, on: str, result: str = "FAIL", ext: str | None = None) -> dict:
    return {
        "input": {
            "enterpriseCode": code,
            "kind": "SAMPLING_INSPECTION",
            "occurredOn": on,
            "attributes": {"result": result},
            "externalId": ext,
        }
    }


async def test_same_external_id_same_content_returns_existing(client: Any) -> None:
    code = await enterprise(client)
    first = await gql(client, RECORD, sampling(code, "2024-03-01", ext="SAMR-2024-001"))
    again = await gql(client, RECORD, sampling(code, "2024-03-01", ext="SAMR-2024-001"))
    assert first["data"]["recordEvent"]["id"] == again["data"]["recordEvent"]["id"]
    events = await gql(
        client, "query($c: String!) { enterprise(code: $c) { events { totalCount } } }", {"c": code}
    )
    assert events["data"]["enterprise"]["events"]["totalCount"] == 1


async def test_same_external_id_other_content_is_conflict(client: Any) -> None:
    code = await enterprise(client)
    await gql(client, RECORD, sampling(code, "2024-03-01", ext="SAMR-2024-001"))
    error = only_error(
        await gql(client, RECORD, sampling(code, "2024-03-01", "PASS", ext="SAMR-2024-001"))
    )
    assert error["extensions"] == {"code": "CONFLICT", "field": "externalId"}


async def test_recording_regrades_and_revoking_restores(client: Any) -> None:
    code = await enterprise(client)
    before = await gql(client, GRADE, {"code": code, "asOf": "2024-06-01"})
    assert before["data"]["enterprise"]["assessment"]["level"] == "P"
    recorded = await gql(client, RECORD, sampling(code, "2024-03-01"))
    event_id = recorded["data"]["recordEvent"]["id"]
    after = await gql(client, GRADE, {"code": code, "asOf": "2024-06-01"})
    assessment = after["data"]["enterprise"]["assessment"]
    assert assessment["level"] == "F"
    assert assessment["reasons"][0]["article"] == "第一条"
    assert assessment["reasons"][0]["events"] == [{"id": event_id, "kind": "SAMPLING_INSPECTION"}]
    revoked = await gql(
        client, CORRECT, {"input": {"eventId": event_id, "action": "REVOKE", "reason": "复议撤销"}}
    )
    assert revoked["data"]["correctEvent"]["corrects"]["status"] == "REVOKED"
    restored = await gql(client, GRADE, {"code": code, "asOf": "2024-06-01"})
    assert (
        restored["data"]["enterprise"]["assessment"] == before["data"]["enterprise"]["assessment"]
    )


async def test_amend_changes_attributes_and_status(client: Any) -> None:
    code = await enterprise(client)
    recorded = await gql(client, RECORD, sampling(code, "2024-03-01"))
    event_id = recorded["data"]["recordEvent"]["id"]
    amended = await gql(
        client,
        CORRECT,
        {
            "input": {
                "eventId": event_id,
                "action": "AMEND",
                "reason": "复检合格",
                "attributes": {"result": "PASS"},
            }
        },
    )
    corrected = amended["data"]["correctEvent"]["corrects"]
    assert corrected["status"] == "AMENDED"
    assert corrected["attributes"] == {"result": "FAIL"}  # the ledger keeps what was recorded
    grade = await gql(client, GRADE, {"code": code, "asOf": "2024-06-01"})
    assert grade["data"]["enterprise"]["assessment"]["level"] == "P"


async def test_repair_ends_effect_from_its_date(client: Any) -> None:
    code = await enterprise(client)
    recorded = await gql(client, RECORD, sampling(code, "2024-03-01"))
    event_id = recorded["data"]["recordEvent"]["id"]
    await gql(
        client,
        CORRECT,
        {
            "input": {
                "eventId": event_id,
                "action": "REPAIR",
                "reason": "信用修复",
                "effectiveOn": "2024-09-01",
            }
        },
    )
    on_eve = await gql(client, GRADE, {"code": code, "asOf": "2024-08-31"})
    on_day = await gql(client, GRADE, {"code": code, "asOf": "2024-09-01"})
    assert on_eve["data"]["enterprise"]["assessment"]["level"] == "F"
    assert on_day["data"]["enterprise"]["assessment"]["level"] == "P"


async def test_revoked_event_cannot_be_corrected_again(client: Any) -> None:
    code = await enterprise(client)
    event_id = (await gql(client, RECORD, sampling(code, "2024-03-01")))["data"]["recordEvent"][
        "id"
    ]
    await gql(
        client, CORRECT, {"input": {"eventId": event_id, "action": "REVOKE", "reason": "撤销"}}
    )
    error = only_error(
        await gql(
            client,
            CORRECT,
            {
                "input": {
                    "eventId": event_id,
                    "action": "AMEND",
                    "reason": "x",
                    "attributes": {"result": "PASS"},
                }
            },
        )
    )
    assert error["extensions"]["code"] == "CONFLICT"


async def test_amend_with_bad_attribute_is_refused(client: Any) -> None:
    code = await enterprise(client)
    event_id = (await gql(client, RECORD, sampling(code, "2024-03-01")))["data"]["recordEvent"][
        "id"
    ]
    error = only_error(
        await gql(
            client,
            CORRECT,
            {
                "input": {
                    "eventId": event_id,
                    "action": "AMEND",
                    "reason": "x",
                    "attributes": {"result": "MEH"},
                }
            },
        )
    )
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "attributes.result"}


async def test_product_events_count_toward_enterprise(client: Any) -> None:
    code = await enterprise(client)
    product = await gql(
        client,
        PRODUCT,
        {
            "input": {
                "enterpriseCode": code,
                "trademark": "长城",
                "niceClass": 9,
                "category": "电线电缆",
            }
        },
    )
    pid = product["data"]["registerProduct"]["id"]
    await gql(
        client,
        RECORD,
        {
            "input": {
                "productId": pid,
                "kind": "SAMPLING_INSPECTION",
                "occurredOn": "2024-03-01",
                "attributes": {"result": "FAIL"},
            }
        },
    )
    grade = await gql(client, GRADE, {"code": code, "asOf": "2024-06-01"})
    assert grade["data"]["enterprise"]["assessment"]["level"] == "F"


async def test_policy_not_in_force_names_period(client: Any) -> None:
    code = await enterprise(client)
    error = only_error(await gql(client, GRADE, {"code": code, "asOf": "2031-01-01"}))
    assert error["extensions"]["code"] == "POLICY_NOT_IN_FORCE"
    assert error["extensions"]["effectiveFrom"] == "2020-01-01"
    assert error["extensions"]["effectiveUntil"] == "2030-12-31"
    assert "2020-01-01" in error["message"] and "2030-12-31" in error["message"]


async def test_out_of_region_subject_gets_null(client: Any) -> None:
    code = await enterprise(client, 5, region="310101")  # Shanghai: outside the test policy
    r = await gql(client, GRADE, {"code": code, "asOf": "2024-06-01"})
    assert r == {"data": {"enterprise": {"assessment": None}}}


async def test_same_inputs_same_assessment(client: Any) -> None:
    code = await enterprise(client)
    await gql(client, RECORD, sampling(code, "2024-03-01"))
    one = await gql(client, GRADE, {"code": code, "asOf": "2024-06-01"})
    two = await gql(client, GRADE, {"code": code, "asOf": "2024-06-01"})
    assert one == two
    assert len(one["data"]["enterprise"]["assessment"]["inputsDigest"]) == 64


async def test_unknown_policy_is_not_found(client: Any) -> None:
    code = await enterprise(client)
    error = only_error(
        await gql(
            client,
            'query($c: String!) { enterprise(code: $c) { assessment(policy: "nowhere") '
            "{ level } } }",
            {"c": code},
        )
    )
    assert error["extensions"] == {"code": "NOT_FOUND", "field": "policy"}


async def test_filter_by_region_name_and_level(client: Any) -> None:
    a = await enterprise(client, 1, "110101")
    await enterprise(client, 2, "110102")
    await enterprise(client, 3, "310101")
    await gql(client, RECORD, sampling(a, "2026-01-05"))
    query = """query($f: EnterpriseFilter) { enterprises(filter: $f, first: 10) {
      totalCount edges { node { code } } } }"""
    beijing = await gql(client, query, {"f": {"regionCode": "110000"}})
    assert beijing["data"]["enterprises"]["totalCount"] == 2
    dongcheng = await gql(client, query, {"f": {"regionCode": "110101"}})
    assert [e["node"]["code"] for e in dongcheng["data"]["enterprises"]["edges"]] == [a]
    by_name = await gql(client, query, {"f": {"nameContains": "企业3"}})
    assert by_name["data"]["enterprises"]["totalCount"] == 1
    error = only_error(await gql(client, query, {"f": {"policy": "testland", "level": "Z"}}))
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "filter.level"}


async def test_pagination_walks_every_enterprise_once(client: Any) -> None:
    codes = [await enterprise(client, n) for n in range(1, 8)]
    query = """query($after: String) { enterprises(first: 3, after: $after) {
      totalCount pageInfo { hasNextPage endCursor } edges { node { code } } } }"""
    seen, after = [], None
    while True:
        page = (await gql(client, query, {"after": after}))["data"]["enterprises"]
        assert page["totalCount"] == 7
        seen += [e["node"]["code"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == codes


async def test_node_resolves_global_ids(client: Any) -> None:
    code = await enterprise(client)
    ent = await gql(client, "query($c: String!) { enterprise(code: $c) { id } }", {"c": code})
    gid = ent["data"]["enterprise"]["id"]
    node = await gql(
        client, "query($id: ID!) { node(id: $id) { ... on Enterprise { code } } }", {"id": gid}
    )
    assert node["data"]["node"]["code"] == code


def test_schema_has_no_update_or_delete_path() -> None:
    """Append-only: the only ledger writes are register, record and correct (and no delete)."""
    mutation = build_schema()._schema.mutation_type
    assert mutation is not None
    ledger_writes = {"correctEvent", "recordEvent", "registerEnterprise", "registerProduct"}
    assert ledger_writes <= set(mutation.fields)
    for name in mutation.fields:
        assert not name.lower().startswith(("update", "delete", "remove")), name


@pytest.mark.parametrize("action", ["REVOKE", "ERRONEOUS"])
async def test_void_corrections_exclude_event_on_every_date(client: Any, action: str) -> None:
    code = await enterprise(client)
    event_id = (await gql(client, RECORD, sampling(code, "2024-03-01")))["data"]["recordEvent"][
        "id"
    ]
    await gql(client, CORRECT, {"input": {"eventId": event_id, "action": action, "reason": "x"}})
    for on in ("2024-03-01", "2024-06-01"):
        r = await gql(client, GRADE, {"code": code, "asOf": on})
        assert r["data"]["enterprise"]["assessment"]["level"] == "P"


async def test_resending_a_revocation_with_its_external_id_is_idempotent(client: Any) -> None:
    code = await enterprise(client)
    event_id = (await gql(client, RECORD, sampling(code, "2024-03-01")))["data"]["recordEvent"][
        "id"
    ]
    revoke = {
        "input": {
            "eventId": event_id,
            "action": "REVOKE",
            "reason": "撤销",
            "externalId": "REVOKE-1",
        }
    }
    first = await gql(client, CORRECT, revoke)
    again = await gql(client, CORRECT, revoke)
    assert "errors" not in again, again
    assert again["data"]["correctEvent"]["id"] == first["data"]["correctEvent"]["id"]


def test_the_content_digest_is_the_one_stored_events_carry() -> None:
    """Idempotency on externalId compares a repeated event's digest with the stored one, so a
    digest's text must never change under an event once stored: this value is SHA-256 of the
    text orjson writes (keys sorted, compact), and the older one of what json.dumps(sort_keys=
    True, ensure_ascii=False, default=str) wrote for events recorded before 2026-12-04."""
    from datetime import date

    from qcredit.core.ledger.append import content_digest, legacy_content_digest

    attributes = {"result": "FAIL", "items": ["二", 3, 1.5], "a": None}
    on = date(2024, 5, 1)
    assert content_digest(7, 42, "SAMPLING_INSPECTION", on, attributes) == (
        "1232f0a3b08de7a480b3dd246f3c496d6d2cc1afa7f706df16f6adf567094b5d"
    )
    assert legacy_content_digest(7, 42, "SAMPLING_INSPECTION", on, attributes) == (
        "a6a75c16416f111c6f147ed52473c8f7ff72c1cae2bdb7441e5d649fac5873a9"
    )


async def _as_recorded_before_the_new_digest(db_engine: Any, external_id: str) -> None:
    """Give a stored event the digest an older release wrote for it."""
    from qcredit.core.ledger.append import legacy_content_digest
    from qcredit.core.store.tables import EventRow
    from sqlalchemy import select, update

    async with db_engine.begin() as conn:
        row = (
            await conn.execute(select(EventRow).where(EventRow.external_id == external_id))
        ).one()
        legacy = legacy_content_digest(
            row.enterprise_id, row.product_id, row.kind, row.occurred_on, row.attributes,
            row.corrects_id,
        )  # fmt: skip
        assert legacy != row.content_digest
        await conn.execute(
            update(EventRow).where(EventRow.id == row.id).values(content_digest=legacy)
        )


async def test_an_event_stored_with_the_older_digest_is_still_a_repeat(
    client: Any, db_engine: Any
) -> None:
    """An event recorded before the digest moved to orjson: re-sending it (the API, a
    correction) is the same event, and other content under its externalId is still CONFLICT."""
    code = await enterprise(client)
    first = await gql(client, RECORD, sampling(code, "2024-03-01", ext="OLD-1"))
    await _as_recorded_before_the_new_digest(db_engine, "OLD-1")
    again = await gql(client, RECORD, sampling(code, "2024-03-01", ext="OLD-1"))
    assert again["data"]["recordEvent"]["id"] == first["data"]["recordEvent"]["id"]
    error = only_error(await gql(client, RECORD, sampling(code, "2024-03-01", "PASS", ext="OLD-1")))
    assert error["extensions"] == {"code": "CONFLICT", "field": "externalId"}

    revoke = {
        "input": {
            "eventId": first["data"]["recordEvent"]["id"],
            "action": "REVOKE",
            "reason": "撤销",
            "externalId": "OLD-REVOKE-1",
        }
    }
    done = await gql(client, CORRECT, revoke)
    assert "errors" not in done, done
    await _as_recorded_before_the_new_digest(db_engine, "OLD-REVOKE-1")
    repeated = await gql(client, CORRECT, revoke)
    assert repeated["data"]["correctEvent"]["id"] == done["data"]["correctEvent"]["id"]


async def test_a_bulk_import_repeats_an_event_stored_with_the_older_digest(
    client: Any, db_engine: Any, database_url: str, tmp_path: Any
) -> None:
    """The bulk path (``qcredit import``) judges a repeat the same way: a file re-imported after
    the upgrade adds nothing, and refuses a changed event under an old externalId."""
    import asyncio
    import json

    from qcredit.api.cli import main

    code = await enterprise(client, 2)
    await gql(client, RECORD, sampling(code, "2024-03-01", ext="OLD-2"))
    await _as_recorded_before_the_new_digest(db_engine, "OLD-2")
    record = {
        "type": "event",
        "enterpriseCode": code,
        "kind": "SAMPLING_INSPECTION",
        "occurredOn": "2024-03-01",
        "attributes": {"result": "FAIL"},
        "externalId": "OLD-2",
    }
    same, changed = tmp_path / "same.jsonl", tmp_path / "changed.jsonl"
    same.write_text(json.dumps(record) + "\n", encoding="utf-8")
    record["attributes"] = {"result": "PASS"}
    changed.write_text(json.dumps(record) + "\n", encoding="utf-8")
    base = ["--database", database_url, "--no-regrade"]
    assert await asyncio.to_thread(main, ["import", str(same), *base]) == 0
    assert await asyncio.to_thread(main, ["import", str(changed), *base]) == 1
    events = await gql(
        client, "query($c: String!) { enterprise(code: $c) { events { totalCount } } }", {"c": code}
    )
    assert events["data"]["enterprise"]["events"]["totalCount"] == 1
