"""The bulk import's initial load: into an empty ledger the events' secondary indexes are dropped
and built once at the end (and rebuilt by the next import if a load dies on the way); the next
batch is read and checked while this one is written, and a reader's error still reaches the
caller."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from qcredit.core.ledger import bulk_import
from qcredit.core.ledger.bulk import (
    DEFERRABLE_INDEXES,
    DEFERRABLE_REFERENCES,
    drop_deferrable_indexes,
    drop_deferrable_references,
)
from qcredit.core.ledger.importer import import_records_bulk
from qcredit.core.store.tables import EventRow
from qcredit.core.testing.demo import numbered_credit_code
from sqlalchemy import func, inspect, select

REGION = "410481"


def _records(first: int, count: int, prefix: str) -> list[tuple[int, dict[str, Any]]]:
    """``count`` enterprises, each with two events, and a correction of the first event."""
    out: list[dict[str, Any]] = []
    for n in range(first, first + count):
        code = numbered_credit_code(n, REGION)
        out.append({"type": "enterprise", "code": code, "name": f"测试{n}厂", "regionCode": REGION})
        for k, result in enumerate(("PASS", "FAIL")):
            out.append(
                {
                    "type": "event",
                    "enterpriseCode": code,
                    "kind": "SUPERVISION_CHECK",
                    "occurredOn": f"2024-0{k + 1}-15",
                    "attributes": {"result": result},
                    "externalId": f"{prefix}-{n}-{k}",
                }
            )
        out.append(
            {
                "type": "correction",
                "eventExternalId": f"{prefix}-{n}-1",
                "action": "REVOKE",
                "reason": "经复议撤销",
                "externalId": f"{prefix}-{n}-fix",
            }
        )
    return list(enumerate(out, start=1))


async def _indexes(sessions: Any) -> set[str]:
    async with sessions() as session:
        conn = await session.connection()
        names = await conn.run_sync(
            lambda sync: {i["name"] for i in inspect(sync).get_indexes(EventRow.__tablename__)}
        )
    return set(names) & set(DEFERRABLE_INDEXES)


async def _references(sessions: Any) -> set[str]:
    """The columns of the events' deferrable references present now."""
    async with sessions() as session:
        conn = await session.connection()
        keys = await conn.run_sync(
            lambda sync: inspect(sync).get_foreign_keys(EventRow.__tablename__)
        )
    return {c for k in keys for c in k["constrained_columns"]} & set(DEFERRABLE_REFERENCES)


def _deferred_references(sessions: Any) -> set[str]:
    """What an initial load leaves out while it runs: the references, on PostgreSQL only."""
    postgresql = sessions.kw["bind"].dialect.name == "postgresql"
    return set() if postgresql else set(DEFERRABLE_REFERENCES)


@pytest.fixture
def seen_during_batches(monkeypatch: pytest.MonkeyPatch) -> list[set[str]]:
    """The deferrable indexes present while each batch is written."""
    seen: list[set[str]] = []
    write = bulk_import.BulkImport.write

    async def watched(self: Any, prepared: Any, engine: Any) -> None:
        seen.append(await _indexes(self.sessions) | await _references(self.sessions))
        await write(self, prepared, engine)

    monkeypatch.setattr(bulk_import.BulkImport, "write", watched)
    return seen


async def _events(sessions: Any) -> int:
    async with sessions() as session:
        return int((await session.execute(select(func.count()).select_from(EventRow))).scalar())


async def test_initial_load_builds_deferred_indexes_at_its_end(
    app: Any, empty: None, seen_during_batches: list[set[str]]
) -> None:
    services = app.state.services
    records = _records(0, 30, "IL")
    report = await import_records_bulk(
        services.sessions, services.engine, records, batch_size=25, regrade=True
    )
    assert not report.rejected
    assert report.by_type == {"enterprise": 30, "event": 60, "correction": 30}
    during = _deferred_references(services.sessions)
    assert len(seen_during_batches) > 1 and all(s == during for s in seen_during_batches)
    assert await _indexes(services.sessions) == set(DEFERRABLE_INDEXES)
    assert await _references(services.sessions) == set(DEFERRABLE_REFERENCES)
    # Idempotency holds across the read-ahead batches: the same file again adds nothing.
    again = await import_records_bulk(
        services.sessions, services.engine, records, batch_size=25, regrade=False
    )
    assert (again.accepted, again.duplicates, again.rejected) == (0, len(records), [])
    assert await _events(services.sessions) == 90


async def test_a_load_into_a_non_empty_ledger_keeps_its_indexes(
    app: Any, empty: None, seen_during_batches: list[set[str]]
) -> None:
    services = app.state.services
    await import_records_bulk(services.sessions, services.engine, _records(0, 3, "A"))
    seen_during_batches.clear()
    await import_records_bulk(
        services.sessions, services.engine, _records(3, 10, "B"), batch_size=10, regrade=False
    )
    kept = set(DEFERRABLE_INDEXES) | set(DEFERRABLE_REFERENCES)
    assert seen_during_batches and all(s == kept for s in seen_during_batches)


async def test_the_next_import_rebuilds_indexes_a_killed_load_left_missing(
    app: Any, empty: None
) -> None:
    services = app.state.services
    await import_records_bulk(services.sessions, services.engine, _records(0, 3, "K"))
    async with services.sessions() as session:  # as a load killed after its first batch leaves it
        await drop_deferrable_indexes(await session.connection())
        await drop_deferrable_references(await session.connection())
        await session.commit()
    assert await _indexes(services.sessions) == set()
    assert await _references(services.sessions) == _deferred_references(services.sessions)
    report = await import_records_bulk(
        services.sessions, services.engine, _records(3, 2, "K"), regrade=False
    )
    assert not report.rejected
    assert await _indexes(services.sessions) == set(DEFERRABLE_INDEXES)
    assert await _references(services.sessions) == set(DEFERRABLE_REFERENCES)


async def test_a_reader_error_reaches_the_caller_and_indexes_are_rebuilt(
    app: Any, empty: None
) -> None:
    services = app.state.services

    def broken() -> Iterator[tuple[int, dict[str, Any]]]:
        yield from _records(0, 10, "E")
        raise OSError("the file vanished")

    with pytest.raises(OSError, match="vanished"):
        await import_records_bulk(services.sessions, services.engine, broken(), batch_size=8)
    assert await _indexes(services.sessions) == set(DEFERRABLE_INDEXES)
    assert await _references(services.sessions) == set(DEFERRABLE_REFERENCES)
    # Every batch read before the error is written, the one in flight included: 10 enterprises,
    # each with two events and a correction.
    assert await _events(services.sessions) == 30


async def test_a_row_that_breaks_a_deferred_reference_stops_its_restoring(
    app: Any, empty: None
) -> None:
    """The deferred references are checked when they come back: a row naming no enterprise is
    refused then (and by every later import), not kept because no trigger saw it."""
    from qcredit.core.ledger.bulk import restore_references
    from sqlalchemy.exc import IntegrityError

    services = app.state.services
    if services.sessions.kw["bind"].dialect.name != "postgresql":
        pytest.skip("SQLite keeps its references: it cannot drop a constraint")
    await import_records_bulk(services.sessions, services.engine, _records(0, 1, "R"))
    async with services.sessions() as session:
        conn = await session.connection()
        await drop_deferrable_references(conn)
        row = (await conn.execute(select(EventRow.__table__).limit(1))).mappings().one()
        orphan = {**row, "id": row["id"] + 1000, "enterprise_id": 999_999, "external_id": None}
        await conn.execute(EventRow.__table__.insert().values(**orphan))
        await session.commit()
    try:
        with pytest.raises(IntegrityError):
            async with services.sessions() as session:
                await restore_references(await session.connection())
        assert await _references(services.sessions) == set()
    finally:  # the next tests have the references back
        async with services.sessions() as session:
            conn = await session.connection()
            await conn.execute(EventRow.__table__.delete().where(EventRow.id == orphan["id"]))
            await restore_references(conn)
            await session.commit()
    assert await _references(services.sessions) == set(DEFERRABLE_REFERENCES)
