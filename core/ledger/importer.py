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

import dataclasses
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

from qcredit.core.errors import InvalidInput
from qcredit.core.grading.engine import Engine
from qcredit.core.ledger.bulk_import import BulkImport
from qcredit.core.ledger.messages import in_chinese
from qcredit.core.ledger.per_record import ImportReport, Rejection, apply_record, import_records
from qcredit.core.ledger.readers import Row, Source
from qcredit.core.ledger.rows import RowReader
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
) -> FileImport:
    """Every row of ``source`` through the ledger's checks; accepted rows are written."""
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

    load = import_records_bulk if bulk else import_records
    report = await load(
        sessions,
        engine,
        records(),
        batch_size=batch_size or (20_000 if bulk else 1000),
        regrade=regrade,
        progress=progress,
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
async def import_records_bulk(
    sessions: async_sessionmaker[AsyncSession],
    engine: Engine,
    records: Iterable[tuple[int, dict[str, Any]]],
    *,
    batch_size: int = 20_000,
    regrade: bool = True,
    regrade_chunk: int = 500,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """The same records, checks and idempotency as :func:`import_records`, written in bulk
    (:mod:`qcredit.core.ledger.bulk`).  Records that need per-row ledger look-ups — events referring
    to other events, and corrections of events already corrected or corrected twice in one batch —
    go through the per-record path after their batch, so every record is judged as the per-record
    importer would judge it.  Touched enterprises are re-graded once, at the end."""
    job = BulkImport(sessions, engine.registry.vocabulary)
    batch: list[tuple[int, dict[str, Any]]] = []
    for item in records:
        batch.append(item)
        if len(batch) >= batch_size:
            await job.run_batch(batch, engine)
            if progress:
                progress(len(batch))
            batch = []
    if batch:
        await job.run_batch(batch, engine)
        if progress:
            progress(len(batch))
    if regrade and job.touched:
        ids = sorted(job.touched)
        for start in range(0, len(ids), regrade_chunk):
            part = ids[start : start + regrade_chunk]
            async with sessions() as session:
                for eid in part:  # cached assessments of these subjects may now be stale
                    await engine.invalidate(session, eid, date.min)
                changes = await engine.regrade(session, part)
                await session.commit()
            engine.announce(changes)
    job.report.rejected.sort(key=lambda r: r.line)
    return job.report
