"""Bulk loading of validated ledger rows: COPY on PostgreSQL, executemany on SQLite.

The per-record importer (:mod:`qcredit.core.ledger.per_record`) checks each record inside its own
savepoint — a handful of statements per row, a few thousand rows a second.  This module keeps the
same checks (the ledger's own validators: vocabulary, dates, credit codes, region codes, Nice
classes) but runs them in Python over a whole batch and writes the accepted rows with one COPY
(asyncpg ``copy_records_to_table``) or one ``executemany``.  Idempotency on ``externalId`` is
kept by an anti-join: the batch's external ids are looked up in one statement, an identical event
already stored is a duplicate, a different one a ``CONFLICT`` — exactly the per-record rules of
:func:`qcredit.core.ledger.append.record_event`.

Only plain events take this path.  Events whose attributes refer to other events (e.g.
``RECTIFICATION.refersTo``) and corrections need ledger look-ups per row; the importer sends them
through the per-record path after the batch's bulk part.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import orjson
from qcredit.core import clock
from qcredit.core.errors import Conflict, InvalidInput, QcreditError
from qcredit.core.identifiers import validate_credit_code, validate_nice_class, validate_region_code
from qcredit.core.ledger.append import (
    CorrectionTarget,
    check_correction_request,
    check_date,
    content_digest,
    correction_of,
    same_content,
    validate_roles,
)
from qcredit.core.model import SubjectType
from qcredit.core.store.tables import EnterpriseRow, EventRow, ProductRow
from qcredit.core.texts import free_text
from qcredit.core.vocabulary import Vocabulary
from sqlalchemy import Date, DateTime, String, Table, any_, bindparam, select, text
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.dialects.postgresql import ARRAY, BIGINT
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.schema import AddConstraint, CreateIndex, ForeignKeyConstraint

# The columns a bulk insert of events writes (ids come from the table's sequence).
# The tables as Tables (a mapped class's __table__ is typed as any FromClause).
EVENTS = EventRow.metadata.tables[EventRow.__tablename__]
ENTERPRISES = EnterpriseRow.metadata.tables[EnterpriseRow.__tablename__]
PRODUCTS = ProductRow.metadata.tables[ProductRow.__tablename__]
EVENT_COLUMNS = (
    "enterprise_id",
    "product_id",
    "kind",
    "occurred_on",
    "recorded_at",
    "attributes",
    "external_id",
    "content_digest",
    "corrects_id",
    "correction_seq",
)
# Items per IN (…) look-up: asyncpg binds at most 32,767 parameters; SQLite's limit is lower.
LOOKUP_CHUNK = 900
POSTGRES_LOOKUP_CHUNK = 20_000


# -- validation (pure: the same checks as the ledger, without the database) ----------------------
@dataclass(frozen=True)
class CheckedEvent:
    """An event whose fields passed the ledger's checks; subject ids resolved by the caller."""

    kind: str
    occurred_on: date
    attributes: dict[str, Any]
    external_id: str | None


def refers_to_events(vocabulary: Vocabulary, kind: str) -> bool:
    """Whether events of this kind carry an event reference (these need the per-record path)."""
    spec = vocabulary.kinds.get(kind)
    return spec is not None and any(a.type == "event" for a in spec.all_attributes.values())


def check_event(
    vocabulary: Vocabulary,
    *,
    kind: Any,
    occurred_on: Any,
    attributes: Any,
    external_id: Any,
    on_product: bool,
    today: date,
) -> CheckedEvent:
    """The checks of :func:`qcredit.core.ledger.append.record_event` that need no database."""
    spec = vocabulary.get(kind, "kind")
    occurred = (
        _checked_day(occurred_on, today)
        if type(occurred_on) is str
        else check_date(occurred_on, "occurredOn", not_after=today)
    )
    attrs = spec.validate(attributes, "attributes")
    ext = free_text(external_id, "externalId", 128) if external_id is not None else None
    if on_product and SubjectType.PRODUCT not in spec.on:
        raise InvalidInput(
            f"{kind} is recorded on an enterprise, not on a product", field="productId"
        )
    return CheckedEvent(kind, occurred, attrs, ext)


@functools.lru_cache(maxsize=16_384)
def _checked_day(occurred_on: str, today: date) -> date:
    """:func:`check_date` of an event's day, remembered: a file's events fall on a few thousand
    days (a refusal is raised again each time, not remembered)."""
    return check_date(occurred_on, "occurredOn", not_after=today)


def check_enterprise(record: dict[str, Any], today: date) -> tuple[Any, ...]:
    """(code, name, county, town, established, roles) as :func:`ledger.register_enterprise`
    would store them."""
    code = validate_credit_code(record.get("code", ""), "code")
    name = free_text(record.get("name", ""), "name", 200)
    region = validate_region_code(record.get("regionCode", ""), "regionCode")
    county, town = (region[:6], region) if len(region) == 9 else (region, None)
    raw = record.get("establishedOn")
    established = check_date(raw, "establishedOn", not_after=today) if raw is not None else None
    roles = ",".join(sorted(validate_roles(record.get("roles"))))
    return code, name, county, town, established, roles


def check_product(record: dict[str, Any]) -> tuple[str, str, int, str | None]:
    """(owner code, trademark, Nice class, category) as :func:`ledger.register_product` checks."""
    mark = free_text(record.get("trademark", ""), "trademark", 200)
    nice = validate_nice_class(record.get("niceClass"), "niceClass")
    raw = record.get("category")
    cat = free_text(raw, "category", 64) if raw is not None else None
    owner = validate_credit_code(record.get("enterpriseCode", ""), "enterpriseCode")
    return owner, mark, nice, cat


# -- writing -------------------------------------------------------------------------------------
@dataclass
class BatchResult:
    """Per input position: inserted, already present, or refused (with the error)."""

    inserted: list[int] = field(default_factory=list)
    duplicates: list[int] = field(default_factory=list)
    refused: dict[int, QcreditError] = field(default_factory=dict)


def _chunks(items: Sequence[Any], size: int = LOOKUP_CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class BulkWriter:
    """Writes batches of rows on one connection (inside the caller's transaction)."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn
        self.postgres = conn.dialect.name == "postgresql"
        self.chunk = POSTGRES_LOOKUP_CHUNK if self.postgres else LOOKUP_CHUNK

    async def analyze(self) -> None:
        """Refresh planner statistics: a table that grew from nothing in this transaction still
        looks empty to PostgreSQL, which then scans it whole for every look-up."""
        for name in ("enterprises", "products", "events"):
            await self.conn.execute(text(f"ANALYZE {name}"))

    async def _raw(self) -> Any:
        raw = await self.conn.get_raw_connection()
        return raw.driver_connection

    async def copy(self, table: Table, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        """Append rows: COPY on PostgreSQL, one executemany on SQLite."""
        if not rows:
            return
        if self.postgres:
            raw = await self._raw()
            await raw.copy_records_to_table(table.name, records=rows, columns=list(columns))
            return
        placeholders = ", ".join("?" for _ in columns)
        sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({placeholders})"
        raw = await self._raw()
        # aiosqlite: the driver connection runs executemany in its own thread, in one call.
        await raw.executemany(sql, _sqlite_rows(table, columns, rows))

    def _member(self, column: Any, values: Sequence[Any]) -> Any:
        """``column IN (…)``; on PostgreSQL ``= ANY($1)`` with one array parameter, so that a
        20,000-item look-up is one small prepared statement rather than 20,000 placeholders."""
        if self.postgres:
            kind = BIGINT() if isinstance(values[0], int) else String()
            return column == any_(bindparam("members", list(values), type_=ARRAY(kind)))
        return column.in_(values)

    async def existing_events(self, external_ids: Sequence[str]) -> dict[str, tuple[int, str]]:
        """externalId → (id, content digest) of the events already stored (the anti-join)."""
        out: dict[str, tuple[int, str]] = {}
        t = EventRow.__table__
        for part in _chunks(list(external_ids), self.chunk):
            rows = await self.conn.execute(
                select(t.c.external_id, t.c.id, t.c.content_digest).where(
                    self._member(t.c.external_id, part)
                )
            )
            for ext, eid, digest in rows:
                out[ext] = (eid, digest)
        return out

    async def enterprise_ids(self, codes: Sequence[str]) -> dict[str, tuple[Any, ...]]:
        """code → (id, name, county, town, established, roles) of registered enterprises."""
        t = EnterpriseRow.__table__
        out: dict[str, tuple[Any, ...]] = {}
        for part in _chunks(sorted(set(codes)), self.chunk):
            rows = await self.conn.execute(
                select(
                    t.c.code,
                    t.c.id,
                    t.c.name,
                    t.c.region_code,
                    t.c.town_code,
                    t.c.established_on,
                    t.c.roles,
                ).where(self._member(t.c.code, part))
            )
            for code, *rest in rows:
                out[code] = tuple(rest)
        return out

    async def product_ids(
        self, enterprise_ids: Sequence[int]
    ) -> dict[tuple[int, str, int], tuple[int, str | None]]:
        """(enterprise id, trademark, Nice class) → (product id, category)."""
        t = ProductRow.__table__
        out: dict[tuple[int, str, int], tuple[int, str | None]] = {}
        for part in _chunks(sorted(set(enterprise_ids)), self.chunk):
            rows = await self.conn.execute(
                select(
                    t.c.enterprise_id, t.c.trademark, t.c.nice_class, t.c.id, t.c.category
                ).where(self._member(t.c.enterprise_id, part))
            )
            for eid, mark, nice, pid, cat in rows:
                out[(eid, mark, nice)] = (pid, cat)
        return out

    async def events(
        self,
        rows: Sequence[tuple[int, int | None, CheckedEvent]],
    ) -> BatchResult:
        """Insert checked events ``(enterprise id, product id, event)``; idempotent on
        externalId."""
        result = BatchResult()
        now = clock.now()
        staged: dict[str, str] = {}  # externalId → digest, for repeats inside the batch
        digests = [
            content_digest(eid, pid, ev.kind, ev.occurred_on, ev.attributes)
            for eid, pid, ev in rows
        ]
        existing = await self.existing_events(
            [ev.external_id for _, _, ev in rows if ev.external_id is not None]
        )
        out: list[tuple[Any, ...]] = []
        for i, ((eid, pid, ev), digest) in enumerate(zip(rows, digests, strict=True)):
            ext = ev.external_id
            if ext is not None:
                seen = existing.get(ext)
                have = seen[1] if seen is not None else staged.get(ext)
                if have is not None:
                    if have == digest or (
                        seen is not None
                        and same_content(
                            have, digest, eid, pid, ev.kind, ev.occurred_on, ev.attributes
                        )
                    ):
                        result.duplicates.append(i)
                    else:
                        what = f" (id {seen[0]})" if seen is not None else ""
                        result.refused[i] = Conflict(
                            f"externalId {ext!r} was already used for a different event{what}",
                            field="externalId",
                        )
                    continue
                staged[ext] = digest
            out.append(
                (
                    eid,
                    pid,
                    ev.kind,
                    ev.occurred_on,
                    now,
                    attributes_json(ev.attributes),
                    ext,
                    digest,
                    None,
                    None,
                )
            )
            result.inserted.append(i)
        await self.copy(EVENTS, EVENT_COLUMNS, out)
        return result


def attributes_json(value: dict[str, Any]) -> str:
    """Compact JSON text of checked attributes (orjson; the standard library for what orjson
    refuses, such as integers beyond 64 bits inside an object attribute)."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:  # orjson.JSONEncodeError
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _sqlite_rows(
    table: Table, columns: Sequence[str], rows: list[tuple[Any, ...]]
) -> list[tuple[Any, ...]] | list[list[Any]]:
    """Rows with their date and time columns as SQLite stores them; only those columns are
    visited, and a value seen before (a batch's one recording time, its events' few days) is
    converted once."""
    dated = [i for i, name in enumerate(columns) if isinstance(table.c[name].type, Date | DateTime)]
    if not dated:
        return rows
    seen: dict[Any, Any] = {None: None}
    out = []
    for row in rows:
        values = list(row)
        for i in dated:
            v = values[i]
            text = seen.get(v)
            if text is None and v is not None:
                text = seen[v] = _sqlite_value(v)
            values[i] = text
        out.append(values)
    return out


def _sqlite_value(value: Any) -> Any:
    # The sqlite3 module's default date adapters are deprecated; store ISO text like SQLAlchemy.
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    return value


# -- corrections ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Target(CorrectionTarget):
    """The stored event a correction names, as :func:`ledger.correct_event` reads it."""

    corrected: bool  # some correction of it is already stored


async def correction_targets(
    conn: AsyncConnection, external_ids: Sequence[str]
) -> dict[str, Target]:
    """externalId → the event it names, with whether a correction of it already exists."""
    t = EventRow.__table__
    out: dict[str, Target] = {}
    for part in _chunks(sorted(set(external_ids))):
        rows = (
            await conn.execute(
                select(
                    t.c.external_id,
                    t.c.id,
                    t.c.enterprise_id,
                    t.c.product_id,
                    t.c.kind,
                    t.c.occurred_on,
                    t.c.attributes,
                ).where(t.c.external_id.in_(part))
            )
        ).all()
        ids = [r[1] for r in rows]
        corrected = (
            set(
                (
                    await conn.execute(select(t.c.corrects_id).where(t.c.corrects_id.in_(ids)))
                ).scalars()
            )
            if ids
            else set()
        )
        for ext, eid, ent, prod, kind, occurred, attrs in rows:
            if isinstance(attrs, str):
                attrs = json.loads(attrs)
            out[ext] = Target(eid, ent, prod, kind, occurred, dict(attrs or {}), eid in corrected)
    return out


def check_correction(
    vocabulary: Vocabulary, record: dict[str, Any], target: Target, today: date
) -> tuple[date, dict[str, Any], str | None, str]:
    """The checks of :func:`ledger.correct_event` on a target that has no correction yet:
    (effective date, correction attributes, externalId, content digest)."""
    act, why, on, ext = check_correction_request(
        record.get("action", ""),
        record.get("reason", ""),
        record.get("effectiveOn"),
        record.get("externalId"),
        today,
    )
    corr, digest = correction_of(vocabulary, target, act, why, on, record.get("attributes"))
    return on, corr, ext, digest


# -- an initial load ------------------------------------------------------------------------------
# The events table's secondary indexes that no check of the bulk path reads: the external-id
# index (idempotency), the primary key and the correction-sequence index (one correction per
# state, and the corrections of an event) stay.  Maintaining the others row by row costs a load
# into an empty ledger more than building them once at its end.
DEFERRABLE_INDEXES = (
    "ix_events_enterprise_occurred",
    "ix_events_product_occurred",
    "ix_events_kind",
    "ix_events_recorded_at",
    "ix_events_corrects_id",
)


def _deferrable() -> list[Any]:
    return [index for index in EVENTS.indexes if index.name in DEFERRABLE_INDEXES]


async def ledger_is_empty(conn: AsyncConnection) -> bool:
    return (await conn.execute(select(EVENTS.c.id).limit(1))).first() is None


async def drop_deferrable_indexes(conn: AsyncConnection) -> None:
    """Drop the deferrable indexes (an initial load; :func:`rebuild_indexes` builds them again)."""
    for index in _deferrable():
        await conn.execute(text(f"DROP INDEX IF EXISTS {index.name}"))


async def rebuild_indexes(conn: AsyncConnection) -> None:
    """Create whichever deferrable index is missing (``IF NOT EXISTS``: two loads may finish at
    once).  Every bulk import calls it before it loads, so an initial load that was killed before
    its end is repaired by the next import.  Only missing ones: a CREATE INDEX, even one that
    finds its index, waits for every writer of the table (its lock)."""
    present = await conn.run_sync(
        lambda sync: {i["name"] for i in sa_inspect(sync).get_indexes(EVENTS.name)}
    )
    for index in _deferrable():
        if index.name not in present:
            await conn.execute(CreateIndex(index, if_not_exists=True))


# An event's references to its enterprise and its product, checked once at the end of an initial
# load on PostgreSQL rather than by a trigger per row: the bulk path finds every id it writes in
# those tables itself, and enterprises and products are never deleted.  Measured on M's 991,378
# events: a binary COPY took 9.4 s with the two references and 3.9 s without, and adding them
# back afterwards (which checks every row) 0.3 s.  The reference of a correction to the event it
# corrects stays: a correction's target is read back in the same load.
DEFERRABLE_REFERENCES = ("enterprise_id", "product_id")


def _deferrable_references() -> list[ForeignKeyConstraint]:
    return [
        fk
        for fk in EVENTS.foreign_key_constraints
        if len(fk.column_keys) == 1 and fk.column_keys[0] in DEFERRABLE_REFERENCES
    ]


async def _present_references(conn: AsyncConnection) -> dict[str, str]:
    """Constrained column → name of each deferrable reference the events table has now."""
    keys = await conn.run_sync(lambda sync: sa_inspect(sync).get_foreign_keys(EVENTS.name))
    return {
        fk["constrained_columns"][0]: str(fk["name"])
        for fk in keys
        if len(fk["constrained_columns"]) == 1
        and fk["constrained_columns"][0] in DEFERRABLE_REFERENCES
    }


async def drop_deferrable_references(conn: AsyncConnection) -> None:
    """Drop the deferrable references (an initial load on PostgreSQL; SQLite cannot drop a
    constraint, and checks one per row cheaply); :func:`restore_references` adds them back."""
    if conn.dialect.name != "postgresql":
        return
    for name in (await _present_references(conn)).values():
        await conn.execute(text(f'ALTER TABLE {EVENTS.name} DROP CONSTRAINT IF EXISTS "{name}"'))


async def restore_references(conn: AsyncConnection) -> None:
    """Add back whichever deferrable reference is missing, checking every row (a row that broke
    one would make this fail, and every later import with it, rather than be kept quietly).
    Called before and after every bulk load, like :func:`rebuild_indexes`."""
    if conn.dialect.name != "postgresql":
        return
    present = await _present_references(conn)
    for fk in _deferrable_references():
        if fk.column_keys[0] not in present:
            await conn.execute(AddConstraint(fk))
