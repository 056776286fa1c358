"""Reads on the driver's own connection give what the session gives (core/store/driver.py).

The hot lookups skip ``Session.execute`` on PostgreSQL's read sessions. The rows must not
change because of that: the same values of the same types, JSON decoded, parameters bound
through the column types. A session that runs a transaction must keep every statement inside it.
And whatever listens to the engine must still see each statement.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from qcredit.core.store import driver
from qcredit.core.store.assessments import stored_assessment_rows
from qcredit.core.store.db import read_sessionmaker, sessionmaker
from qcredit.core.store.statements import rows_where_in
from qcredit.core.store.tables import AssessmentRow, AuditRow, EnterpriseRow, EventRow
from sqlalchemy import delete, event, func, insert, select
from sqlalchemy.ext.asyncio import create_async_engine

from .support import credit_code

NOW = datetime(2026, 3, 1, 8, 30, tzinfo=UTC)


async def _seed(db_engine: Any) -> int:
    async with sessionmaker(db_engine)() as s, s.begin():
        eid = (
            await s.execute(
                insert(EnterpriseRow)
                .values(
                    code=credit_code(9101),
                    name="驱动测试企业",
                    region_code="330402",
                    town_code=None,
                    established_on=date(2012, 5, 1),
                    roles="",
                    created_at=NOW,
                )
                .returning(EnterpriseRow.id)
            )
        ).scalar_one()
        await s.execute(
            insert(EventRow).values(
                enterprise_id=eid,
                product_id=None,
                kind="SAMPLING_INSPECTION",
                occurred_on=date(2026, 2, 1),
                recorded_at=NOW,
                attributes={"result": "FAIL", "批次": ["一", 2, 3.5, None]},
                external_id=None,
                content_digest="x" * 64,
            )
        )
        await s.execute(
            insert(AssessmentRow).values(
                policy_id="wugang",
                subject_type="ENTERPRISE",
                subject_id=eid,
                enterprise_id=eid,
                as_of=date(2026, 3, 1),
                level="B",
                score=87.5,
                payload={"reasons": [{"article": "第八条"}]},
                policy_version="v1",
                parameters_digest="p",
                inputs_digest="i",
                graded_at=NOW,
            )
        )
    return int(eid)


async def _unseed(db_engine: Any, eid: int) -> None:
    async with sessionmaker(db_engine)() as s, s.begin():
        for table in (AssessmentRow, EventRow):
            await s.execute(delete(table).where(table.enterprise_id == eid))
        await s.execute(delete(EnterpriseRow).where(EnterpriseRow.id == eid))


def _plain(rows: Any) -> list[tuple[tuple[str, Any, type], ...]]:
    """Each row as (column, value, type) triples, so a float that came back a Decimal, or a
    date that came back a string, shows up."""
    return [tuple((k, v, type(v)) for k, v in row._mapping.items()) for row in rows]


def _driver_plain(rows: Any) -> list[tuple[tuple[str, Any, type], ...]]:
    out = []
    for row in rows:
        items = row.items() if hasattr(row, "items") else row._mapping.items()
        out.append(tuple((k, v, type(v)) for k, v in items))
    return out


async def test_a_read_sessions_rows_are_the_sessions_rows(db_engine: Any) -> None:
    eid = await _seed(db_engine)
    try:
        dialect = db_engine.dialect.name
        for table, column, keys in (
            (EnterpriseRow.__table__, "id", [eid, 10**12]),
            (EventRow.__table__, "enterprise_id", [eid]),
        ):
            stmt = rows_where_in(table, column, dialect=dialect)
            async with sessionmaker(db_engine)() as ordinary:
                expected = _plain((await ordinary.execute(stmt, {"keys": keys})).all())
            async with read_sessionmaker(db_engine)() as read:
                got = await driver.fetch(read, stmt, {"keys": keys})
                assert _driver_plain(got) == expected
                # Attribute access, as the converters read rows.
                assert all(getattr(r, column) in keys for r in got)
                # And on PostgreSQL it did run on the driver (its own row type).
                assert all(isinstance(r, driver.Row) for r in got) == (dialect == "postgresql")
        event_row = got[0]
        assert event_row.attributes == {"result": "FAIL", "批次": ["一", 2, 3.5, None]}

        key = ("wugang", "ENTERPRISE", eid, date(2026, 3, 1))
        async with read_sessionmaker(db_engine)() as read:
            (row,) = await stored_assessment_rows(read, [key, ("wugang", "PRODUCT", eid, key[3])])
        assert (row.level, row.score, type(row.score), row.as_of) == ("B", 87.5, float, key[3])
        assert row.payload_text is not None and "第八条" in row.payload_text
    finally:
        await _unseed(db_engine, eid)


async def test_a_transactions_statements_stay_in_the_transaction(db_engine: Any) -> None:
    # Before SQLAlchemy has begun the transaction on the driver, a statement on the driver
    # would run outside it: it goes through the session (which begins it).  After, the
    # driver's statements are inside it, and see its uncommitted writes.
    eid = await _seed(db_engine)
    postgresql = db_engine.dialect.name == "postgresql"
    stmt = rows_where_in(EnterpriseRow.__table__, "code", dialect=db_engine.dialect.name)
    try:
        async with sessionmaker(db_engine)() as s:
            first = await driver.fetch(s, stmt, {"keys": [credit_code(9101)]})
            assert [r.id for r in first] == [eid]
            assert not any(isinstance(r, driver.Row) for r in first)  # through the session
            await s.execute(
                insert(EnterpriseRow).values(
                    code=credit_code(9102),
                    name="未提交",
                    region_code="330402",
                    roles="",
                    created_at=NOW,
                )
            )
            rows = await driver.fetch(s, stmt, {"keys": [credit_code(9102)]})
            assert [r.name for r in rows] == ["未提交"]  # inside the transaction
            assert all(isinstance(r, driver.Row) for r in rows) == postgresql
            await s.rollback()
        async with read_sessionmaker(db_engine)() as read:
            assert await driver.fetch(read, stmt, {"keys": [credit_code(9102)]}) == []
    finally:
        await _unseed(db_engine, eid)


async def test_the_engines_listeners_see_every_driver_statement(db_engine: Any) -> None:
    seen: list[str] = []

    def before(_c: Any, _cur: Any, statement: str, *_: Any) -> None:
        seen.append(statement.split(None, 1)[0].upper())

    event.listen(db_engine.sync_engine, "before_cursor_execute", before)
    try:
        async with read_sessionmaker(db_engine)() as read:
            stmt = rows_where_in(EnterpriseRow.__table__, "id", dialect=db_engine.dialect.name)
            await driver.fetch(read, stmt, {"keys": [1]})
            await driver.fetch(read, stmt, {"keys": [2, 3]})
    finally:
        event.remove(db_engine.sync_engine, "before_cursor_execute", before)
    assert seen.count("SELECT") == 2


async def test_audit_entries_written_on_the_driver_read_back_whole(db_engine: Any) -> None:
    entries = [
        {
            "at": NOW,
            "actor": "token:驱动",
            "role": "ADMIN",
            "action": "READ_NONPUBLIC",
            "target": f"assessment:wugang:ENTERPRISE:{n}:2026-03-01",
            "detail": {"count": 1, "targets": ["甲", n], "nested": {"k": None}},
        }
        for n in (1, 2)
    ]
    async with read_sessionmaker(db_engine)() as read:
        await driver.insert_many(read, insert(AuditRow.__table__), entries)
        if read.in_transaction():
            await read.commit()
    async with sessionmaker(db_engine)() as s:
        rows = (
            await s.execute(
                select(AuditRow.target, AuditRow.detail, AuditRow.at)
                .where(AuditRow.actor == "token:驱动")
                .order_by(AuditRow.id)
            )
        ).all()
        assert [(r.target, r.detail) for r in rows] == [(e["target"], e["detail"]) for e in entries]
        assert all(r.at.replace(tzinfo=UTC) == NOW for r in rows)
        await s.execute(delete(AuditRow).where(AuditRow.actor == "token:驱动"))
        await s.commit()


def test_a_statement_rendered_per_call_goes_through_the_session(db_engine: Any) -> None:
    # An expanding IN is rendered for each number of keys: there is no one text to run.
    expanding = rows_where_in(EnterpriseRow.__table__, "id", dialect="sqlite")
    assert driver.compiled(expanding, db_engine.dialect).sql is None
    if db_engine.dialect.name == "postgresql":
        arrays = rows_where_in(EnterpriseRow.__table__, "id", dialect="postgresql")
        assert "ANY" in (driver.compiled(arrays, db_engine.dialect).sql or "")


async def test_a_statements_own_values_are_bound_with_the_callers(db_engine: Any) -> None:
    # A literal in a statement (a separator, a constant) is a parameter the caller does not
    # give: the driver binds the statement's own value, as the session does.
    from qcredit.core.store.statements import keys_in
    from sqlalchemy import literal

    eid = await _seed(db_engine)
    try:
        stmt = select(EnterpriseRow.id, EnterpriseRow.code + literal("·甲")).where(
            keys_in(EnterpriseRow.id, db_engine.dialect.name)
        )
        async with sessionmaker(db_engine)() as ordinary:
            expected = [tuple(r) for r in (await ordinary.execute(stmt, {"keys": [eid]})).all()]
        async with read_sessionmaker(db_engine)() as read:
            got = [tuple(r) for r in await driver.fetch(read, stmt, {"keys": [eid]})]
        assert got == expected == [(eid, credit_code(9101) + "·甲")]
    finally:
        await _unseed(db_engine, eid)


async def test_a_read_session_gives_back_what_it_borrowed_before_taking_its_own(
    db_engine: Any,
) -> None:
    # One connection in the pool: a request that held its borrowed connection while the
    # session took one of its own would wait for itself until the pool timed out.
    if db_engine.dialect.driver != "asyncpg":
        pytest.skip("only PostgreSQL's read sessions borrow a connection")
    eid = await _seed(db_engine)
    small = create_async_engine(db_engine.url, pool_size=1, max_overflow=0, pool_timeout=2)
    stmt = rows_where_in(EnterpriseRow.__table__, "id", dialect="postgresql")
    try:
        async with read_sessionmaker(small)() as read:
            assert isinstance(read, driver.ReadSession)
            first = await driver.fetch(read, stmt, {"keys": [eid]})
            assert [type(r) for r in first] == [driver.Row]  # on the borrowed connection
            assert small.pool.checkedout() == 1
            # A statement the driver does not run: the session takes the pool's one connection.
            name = await read.execute(select(EnterpriseRow.name).where(EnterpriseRow.id == eid))
            assert name.scalar_one() == "驱动测试企业"
            again = await driver.fetch(read, stmt, {"keys": [eid]})
            assert [r.id for r in again] == [eid] and small.pool.checkedout() == 1
        assert small.pool.checkedout() == 0
    finally:
        await small.dispose()
        await _unseed(db_engine, eid)


async def test_a_borrowed_connection_the_server_closed_is_not_lent_again(db_engine: Any) -> None:
    if db_engine.dialect.driver != "asyncpg":
        pytest.skip("only PostgreSQL's read sessions borrow a connection")
    small = create_async_engine(db_engine.url, pool_size=1, max_overflow=0, pool_timeout=2)
    stmt = select(func.pg_backend_pid())
    try:
        async with read_sessionmaker(small)() as read:
            (held,) = await driver.fetch(read, stmt, {})
            async with db_engine.connect() as other:
                await other.execute(select(func.pg_terminate_backend(held[0])))
            # The driver's words for a lost connection vary with timing.
            with pytest.raises(Exception):  # noqa: B017
                await driver.fetch(read, stmt, {})
        async with read_sessionmaker(small)() as read:
            (fresh,) = await driver.fetch(read, stmt, {})
            assert fresh[0] != held[0]
    finally:
        await small.dispose()
