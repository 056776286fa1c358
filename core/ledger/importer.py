"""Loading enterprises, products, events and corrections from an import file.

:func:`import_file` reads a file (:mod:`.readers`: xlsx, CSV in UTF-8 or GBK, JSON Lines), turns
its rows into records (:mod:`.rows`: Chinese headers and values, dates as bureaus write them) and
loads them through :func:`import_records_bulk` (the default, :mod:`.bulk_import`) or
:func:`import_records` (:mod:`.per_record`, one savepoint per record); both give the same verdicts.
Rejections come back in Chinese (:mod:`.messages`) with the rows they came from, for the rejects
file (:mod:`.rejects`).  :func:`rolled_back` runs an import that writes nothing (a dry run).

Record types (JSON Lines; CSV and sheets have the same keys, or their Chinese headers, as columns;
in CSV ``attributes`` is JSON text and ``roles`` are separated by ``;``)::

    {"type": "enterprise", "code": "…", "name": "…", "regionCode": "…", "establishedOn": "…",
     "roles": ["PRODUCER"]}
    {"type": "product", "enterpriseCode": "…", "trademark": "…", "niceClass": 9, "category": "…"}
    {"type": "event", "enterpriseCode": "…", "kind": "…", "occurredOn": "…", "attributes": {…},
     "externalId": "…"}                       # add "trademark" and "niceClass" for a product event
    (an event-reference attribute such as RECTIFICATION.refersTo may give the externalId of the
    event it refers to)
    {"type": "correction", "eventExternalId": "…", "action": "REVOKE", "reason": "…",
     "effectiveOn": "…", "attributes": {…}}
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from qcredit.core import clock
from qcredit.core.errors import InvalidInput
from qcredit.core.grading.engine import Engine
from qcredit.core.grading.run import grade_everything, grade_in_processes
from qcredit.core.ledger.bulk import (
    drop_deferrable_indexes,
    drop_deferrable_references,
    ledger_is_empty,
    rebuild_indexes,
    restore_references,
)
from qcredit.core.ledger.bulk_import import BulkImport
from qcredit.core.ledger.messages import in_chinese
from qcredit.core.ledger.per_record import ImportReport, Rejection, apply_record, import_records
from qcredit.core.ledger.readers import Row, Source
from qcredit.core.ledger.rows import RowReader
from qcredit.core.store.tables import AssessmentRow
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

__all__ = [
    "FileImport",
    "ImportReport",
    "Rejection",
    "apply_record",
    "import_file",
    "import_records",
    "import_records_bulk",
    "rolled_back",
]


@dataclass
class FileImport:
    report: ImportReport  # its rejections in Chinese, in file order
    rows: dict[int, Row]  # the rejected rows by line, for the rejects file

    def rejected_rows(self) -> list[tuple[Row, str]]:
        return [(self.rows[r.line], r.message) for r in self.report.rejected]


async def import_file(
    sessions: async_sessionmaker[AsyncSession],
    engine: Engine,
    source: Source,
    *,
    bulk: bool = True,
    batch_size: int | None = None,
    regrade: bool = True,
    progress: Callable[[int], None] | None = None,
    defer_indexes: bool = True,
    grade_jobs: int = 1,
    database_url: str | None = None,
) -> FileImport:
    """Every row of ``source`` through the ledger's checks; accepted rows are written.
    ``grade_jobs`` processes grade an initial load on PostgreSQL (``database_url``)."""
    reader = RowReader(engine.registry.vocabulary)
    unread: list[Rejection] = []

    def records() -> Iterator[tuple[int, dict[str, Any]]]:
        for row in source.rows():
            try:
                if row.error is not None:
                    raise InvalidInput(row.error, field="line")
                yield row.line, reader.record(row.cells, row.sheet_type)
            except InvalidInput as exc:  # already in Chinese, naming the column
                unread.append(
                    Rejection(row.line, exc.field, exc.code, f"{exc.message} [{exc.code}]")
                )
                if progress:
                    progress(1)

    options: dict[str, Any] = {}
    if bulk:
        options = {
            "defer_indexes": defer_indexes,
            "grade_jobs": grade_jobs,
            "database_url": database_url,
        }
    load = import_records_bulk if bulk else import_records
    report = await load(
        sessions,
        engine,
        records(),
        batch_size=batch_size or (20_000 if bulk else 1000),
        regrade=regrade,
        progress=progress,
        **options,
    )
    # The ledger judged records; a second pass finds their rows (files may exceed memory).
    judged = {r.line: r for r in report.rejected}
    wanted = judged.keys() | {r.line for r in unread}
    rows: dict[int, Row] = {}
    explained: list[Rejection] = []
    for row in source.rows(wanted) if wanted else ():
        rows[row.line] = row
        if row.line in judged:
            r = judged[row.line]
            record = reader.record(row.cells, row.sheet_type)  # read once already: reads again
            message = in_chinese(engine.registry.vocabulary, r.field, r.code, r.message, record)
            explained.append(dataclasses.replace(r, message=message))
    report.rejected = sorted(explained + unread, key=lambda r: r.line)
    return FileImport(report, rows)


@asynccontextmanager
async def rolled_back(
    sessions: async_sessionmaker[AsyncSession],
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions whose commits are savepoints of one transaction that is rolled back at the end:
    an import through them judges every row as a real one would and leaves the database as it
    was (``qcredit import --dry-run``)."""
    async with sessions.kw["bind"].connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            # pysqlite opens transactions itself, and RELEASE of a savepoint it did not nest
            # commits; so the driver is told to keep out and the transaction is begun here.
            await conn.execution_options(isolation_level="AUTOCOMMIT")
        outer = await conn.begin()
        if sqlite:
            await conn.exec_driver_sql("BEGIN")
        try:
            yield async_sessionmaker(
                bind=conn,
                class_=AsyncSession,
                expire_on_commit=False,
                join_transaction_mode="create_savepoint",
            )
        finally:
            if sqlite:
                await conn.exec_driver_sql("ROLLBACK")
            await outer.rollback()


# -- the bulk path ---------------------------------------------------------------------------------
# Records read between two hand-backs to the event loop (~1 ms of parsing).
_READ_STRIDE = 256


async def in_batches(
    records: Iterable[tuple[int, dict[str, Any]]], batch_size: int
) -> AsyncIterator[list[tuple[int, dict[str, Any]]]]:
    """Batches of ``records``, read (parsed, turned into records) in this thread, handing the
    event loop back every few hundred records so that a batch being written goes on meanwhile.

    The reading used to run in a second thread.  Python runs one thread at a time, and the two
    traded the interpreter lock at every socket call of the writer: the same work cost more
    CPU, and the writer waited for the lock after each send (docs/scaling.md)."""
    batch: list[tuple[int, dict[str, Any]]] = []
    for item in records:
        batch.append(item)
        if len(batch) >= batch_size:
            yield batch
            batch = []
        elif len(batch) % _READ_STRIDE == 0:
            await asyncio.sleep(0)
    if batch:
        yield batch


async def _write_overlapped(
    job: BulkImport,
    batches: AsyncIterator[list[tuple[int, dict[str, Any]]]],
    engine: Engine,
    progress: Callable[[int], None] | None,
) -> None:
    """Write the batches in order, each prepared (the checks that need no database) while the
    one before it is written.  Writing a batch is mostly waiting: on COPY, the anti-join and
    the commit, while PostgreSQL maintains the indexes on the other core.  The next batch's
    checks fill that wait in this thread, rather than in a second one that would contend for
    the GIL.  One write runs at a time, in file order, so every verdict is the sequential one."""
    writing: asyncio.Task[None] | None = None
    written = 0
    try:
        async for batch in batches:
            prepared = await job.prepare(batch)
            if writing is not None:
                await writing
                if progress:
                    progress(written)
            writing = asyncio.create_task(job.write(prepared, engine))
            written = len(batch)
        if writing is not None:
            await writing
            if progress:
                progress(written)
    except Exception:
        # Reading or checking a later batch failed: the batch being written is whole, and is
        # written, as a sequential import writes every batch before the failing one.
        if writing is not None and not writing.done():
            await writing
        raise
    finally:
        if writing is not None and not writing.done():  # cancelled: the write stops with it
            writing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await writing


async def import_records_bulk(
    sessions: async_sessionmaker[AsyncSession],
    engine: Engine,
    records: Iterable[tuple[int, dict[str, Any]]],
    *,
    batch_size: int = 20_000,
    regrade: bool = True,
    regrade_chunk: int = 500,
    progress: Callable[[int], None] | None = None,
    defer_indexes: bool = True,
    grade_jobs: int = 1,
    database_url: str | None = None,
) -> ImportReport:
    """The same records, checks and idempotency as :func:`import_records`, written in bulk
    (:mod:`qcredit.core.ledger.bulk`).  Records that need per-row ledger look-ups — events referring
    to other events, and corrections of events already corrected or corrected twice in one batch —
    go through the per-record path after their batch, so every record is judged as the per-record
    importer would judge it.  Touched enterprises are re-graded once, at the end.

    Into an empty ledger (an initial load, with ``defer_indexes``) the events' secondary indexes
    that no check reads are dropped first and built once after the last batch, before the
    re-grade reads them (:data:`qcredit.core.ledger.bulk.DEFERRABLE_INDEXES`), and on PostgreSQL
    the events' references to their enterprise and product are checked once, at the end, rather
    than per row (:data:`~qcredit.core.ledger.bulk.DEFERRABLE_REFERENCES`); if the load is killed
    on the way, the next import restores both before it loads.  An initial load is then
    graded as ``qcredit grade --jobs`` grades: by ``grade_jobs`` processes sharing the work
    queue on PostgreSQL (``database_url``; the same grades as one process), else in this one."""
    job = BulkImport(sessions, engine.registry.vocabulary)
    async with sessions() as session:
        conn = await session.connection()
        await rebuild_indexes(conn)
        await restore_references(conn)
        initial = await ledger_is_empty(conn)
        deferred = defer_indexes and initial
        if deferred:
            await drop_deferrable_indexes(conn)
            await drop_deferrable_references(conn)
        await session.commit()
    try:
        await _write_overlapped(job, in_batches(records, batch_size), engine, progress)
    finally:
        if deferred:
            async with sessions() as session:
                conn = await session.connection()
                await rebuild_indexes(conn)
                await restore_references(conn)
                await session.commit()
    if regrade and job.touched:
        if initial:  # every enterprise is new: grade the ledger as `qcredit grade` does
            policies = engine.registry.all_policies()
            on_postgresql = sessions.kw["bind"].dialect.name == "postgresql"
            if grade_jobs > 1 and database_url and on_postgresql:
                await grade_in_processes(
                    database_url, sessions, engine.registry, policies, None, grade_jobs
                )
            else:
                await grade_everything(sessions, engine, policies)
        else:
            await _regrade_touched(sessions, engine, sorted(job.touched), regrade_chunk)
    job.report.rejected.sort(key=lambda r: r.line)
    return job.report


async def _regrade_touched(
    sessions: async_sessionmaker[AsyncSession], engine: Engine, ids: list[int], chunk: int
) -> None:
    """Re-grade the touched enterprises in chunks; regional tallies are reconciled once at the
    end (as :func:`grade_everything` does), not after every chunk."""
    from qcredit.core.supervision.notices import reconcile_deferred

    deferred: dict[str, set[tuple[str, str | None]]] = {}
    engine.deferred_scopes = deferred
    try:
        for start in range(0, len(ids), chunk):
            part = ids[start : start + chunk]
            async with sessions() as session:
                await engine.hold(session, part)  # before its rows are touched (Engine.hold)
                # Cached assessments of these subjects may now be stale: one statement a chunk
                # (Engine.invalidate from the first day, for all of them at once).
                await session.execute(
                    delete(AssessmentRow).where(AssessmentRow.enterprise_id.in_(part))
                )
                changes = await engine.regrade(session, part)
                await session.commit()
            engine.announce(changes)
    finally:
        engine.deferred_scopes = None
    if deferred:
        async with sessions() as session:
            await reconcile_deferred(session, engine.registry, deferred, clock.today())
            await session.commit()
