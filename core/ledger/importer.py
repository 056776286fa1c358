"""Loading enterprises, products, events and corrections from CSV or JSON Lines.

:func:`read_records` reads a file; :func:`import_records` (:mod:`~qcredit.core.ledger.per_record`)
applies its records one by one, each in its own savepoint, and :func:`import_records_bulk` writes
them in bulk with the same verdicts (:mod:`~qcredit.core.ledger.bulk_import`).

Record types (JSON Lines; CSV has the same keys as columns, ``attributes`` as JSON text and
``roles`` separated by ``;``)::

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

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

from qcredit.core.grading.engine import Engine
from qcredit.core.ledger.bulk_import import BulkImport
from qcredit.core.ledger.per_record import ImportReport, Rejection, apply_record, import_records
from sqlalchemy.ext.asyncio import async_sessionmaker

__all__ = [
    "ImportReport",
    "Rejection",
    "apply_record",
    "import_records",
    "import_records_bulk",
    "read_records",
]


def read_records(path: str | Path, fmt: str | None = None) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, record) pairs from a CSV or JSON Lines file; unparsable lines are
    yielded as records with an ``_error``."""
    path = Path(path)
    fmt = fmt or ("csv" if path.suffix.lower() == ".csv" else "jsonl")
    with open(path, encoding="utf-8-sig", newline="") as fh:
        if fmt == "csv":
            yield from _csv_records(fh)
        else:
            for number, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    yield number, {"_error": f"not JSON: {exc.msg}"}
                    continue
                yield number, record if isinstance(record, dict) else {"_error": "not an object"}


def _csv_records(fh: io.TextIOBase) -> Iterator[tuple[int, dict[str, Any]]]:
    reader = csv.DictReader(fh)  # type: ignore[arg-type]
    for number, row in enumerate(reader, start=2):
        record: dict[str, Any] = {k: v for k, v in row.items() if k and v not in (None, "")}
        try:
            if "attributes" in record:
                record["attributes"] = json.loads(record["attributes"])
            if "roles" in record:
                record["roles"] = [r for r in record["roles"].split(";") if r]
            if "niceClass" in record:
                record["niceClass"] = int(record["niceClass"])
        except (ValueError, json.JSONDecodeError) as exc:
            record = {"_error": f"bad cell: {exc}"}
        yield number, record


# -- the bulk path ---------------------------------------------------------------------------------
async def import_records_bulk(
    sessions: async_sessionmaker,
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
