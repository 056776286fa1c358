"""A page of enterprises with their assessments costs a constant number of SQL statements."""

from __future__ import annotations

from typing import Any

from qcredit.core import clock
from sqlalchemy import event, text

from .support import credit_code, gql

PAGE = """query($first: Int) { enterprises(first: $first) { totalCount edges { node {
  code name products(first: 5) { totalCount edges { node { trademark } } }
  assessments { level score reasons { article } supervision { kind } publicity { audience } }
  assessment(policy: "testland") { level }
} } } }"""


async def load(client: Any, n: int) -> None:
    records = []
    for i in range(1, n + 1):
        code = credit_code(i)
        records.append(code)
        await gql(
            client,
            """mutation($i: RegisterEnterpriseInput!) {
            registerEnterprise(input: $i) { id } }""",
            {
                "i": {
                    "code": code,
                    "name": f"企业{i}",
                    "regionCode": "110101",
                    "establishedOn": "2012-05-01",
                }
            },
        )
        await gql(
            client,
            """mutation($i: RecordEventInput!) { recordEvent(input: $i) { id } }""",
            {
                "i": {
                    "enterpriseCode": code,
                    "kind": "SAMPLING_INSPECTION",
                    "occurredOn": clock.today().isoformat(),
                    "attributes": {"result": "FAIL" if i % 2 else "PASS"},
                }
            },
        )


async def clear_assessments(db_engine: Any) -> None:
    async with db_engine.begin() as conn:
        await conn.execute(text("DELETE FROM assessments"))


async def count_statements(client: Any, db_engine: Any, first: int) -> tuple[int, dict]:
    statements: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(db_engine.sync_engine, "before_cursor_execute", before)
    try:
        result = await gql(client, PAGE, {"first": first})
    finally:
        event.remove(db_engine.sync_engine, "before_cursor_execute", before)
    assert "errors" not in result, result
    return len(statements), result


async def test_page_of_100_costs_constant_statements(
    client: Any, db_engine: Any, record_property: Any
) -> None:
    await load(client, 100)
    # Cold: no stored assessment, so each is graded (subjects loaded in bulk) and stored.
    await clear_assessments(db_engine)
    cold_small, _ = await count_statements(client, db_engine, 10)
    await clear_assessments(db_engine)
    cold_large, result = await count_statements(client, db_engine, 100)
    warm_large, _ = await count_statements(client, db_engine, 100)
    assert len(result["data"]["enterprises"]["edges"]) == 100
    assert result["data"]["enterprises"]["totalCount"] == 100
    levels = {e["node"]["assessment"]["level"] for e in result["data"]["enterprises"]["edges"]}
    assert levels == {"P", "F"}
    record_property("statements_page_100_warm", warm_large)
    record_property("statements_page_100_cold", cold_large)
    print(
        f"\nSQL statements for a page of 100 enterprises with assessments: "
        f"{warm_large} warm, {cold_large} cold (page of 10: {cold_small})"
    )
    assert warm_large <= 8
    assert cold_large <= 12
    assert cold_large <= cold_small + 2  # independent of the page size
