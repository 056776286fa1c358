"""The per-record import path: each record is checked by the same ledger functions the API uses,
inside its own savepoint.  A bad record is reported (line, field, reason) and skipped; accepted
records are committed in batches, and subjects touched by a batch are re-graded once per batch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from qcredit.core.errors import InvalidInput, NotFound, QcreditError
from qcredit.core.grading.engine import Engine
from qcredit.core.ledger import append as ledger
from qcredit.core.store import versioning
from qcredit.core.store.tables import EventRow, ProductRow
from qcredit.core.vocabulary import Vocabulary
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker


@dataclass(frozen=True)
class Rejection:
    line: int
    field: str | None
    code: str
    message: str


@dataclass
class ImportReport:
    accepted: int = 0
    duplicates: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    by_type: dict[str, int] = field(default_factory=dict)


async def _product_id(session: AsyncSession, record: dict[str, Any]) -> int:
    owner = await ledger.enterprise_by_code(session, record.get("enterpriseCode", ""))
    nice = record.get("niceClass")
    pid = (
        await session.execute(
            select(ProductRow.id).where(
                ProductRow.enterprise_id == owner.id,
                ProductRow.trademark == record.get("trademark"),
                ProductRow.nice_class == nice,
            )
        )
    ).scalar_one_or_none()
    if pid is None:
        raise NotFound("no such product: register it before its events", field="trademark")
    return pid


async def _resolve_references(
    session: AsyncSession, vocabulary: Vocabulary, record: dict[str, Any]
) -> dict[str, Any]:
    """A file cannot know ledger ids in advance, so an event-reference attribute (such as
    RECTIFICATION.refersTo) may name the referred event by its externalId instead."""
    spec = vocabulary.kinds.get(record.get("kind", ""))
    attributes = record.get("attributes")
    if spec is None or not isinstance(attributes, dict):
        return record
    resolved = dict(attributes)
    for name, attr in spec.all_attributes.items():
        value = resolved.get(name)
        if attr.type == "event" and isinstance(value, str) and not value.isdigit():
            found = (
                await session.execute(select(EventRow.id).where(EventRow.external_id == value))
            ).scalar_one_or_none()
            if found is not None:
                resolved[name] = found
    return {**record, "attributes": resolved}


async def apply_record(
    session: AsyncSession, vocabulary: Vocabulary, record: dict[str, Any]
) -> tuple[int | None, bool]:
    """Apply one record; returns (enterprise id touched, created?)."""
    kind = record.get("type")
    if "_error" in record:
        raise InvalidInput(record["_error"], field="line")
    if kind == "enterprise":
        ent, created = await ledger.register_enterprise(
            session,
            code=record.get("code", ""),
            name=record.get("name", ""),
            region_code=record.get("regionCode", ""),
            established_on=record.get("establishedOn"),
            roles=record.get("roles"),
        )
        return ent.id, created
    if kind == "product":
        prod, created = await ledger.register_product(
            session,
            enterprise_code=record.get("enterpriseCode", ""),
            trademark=record.get("trademark", ""),
            nice_class=record.get("niceClass"),  # type: ignore[arg-type]
            category=record.get("category"),
        )
        return prod.enterprise_id, created
    if kind == "event":
        product_id = await _product_id(session, record) if record.get("trademark") else None
        record = await _resolve_references(session, vocabulary, record)
        rec = await ledger.record_event(
            session,
            vocabulary,
            kind=record.get("kind", ""),
            occurred_on=record.get("occurredOn"),  # type: ignore[arg-type]
            enterprise_code=None if product_id else record.get("enterpriseCode"),
            product_id=product_id,
            attributes=record.get("attributes"),
            external_id=record.get("externalId"),
        )
        return rec.event.enterprise_id, rec.created
    if kind == "correction":
        return await _apply_correction(session, vocabulary, record)
    raise InvalidInput("type must be enterprise, product, event or correction", field="type")


async def _apply_correction(
    session: AsyncSession, vocabulary: Vocabulary, record: dict[str, Any]
) -> tuple[int, bool]:
    """A correction names its event by externalId; it counts as created when it changed the
    event's status, or when it carries no externalId of its own (nothing to be idempotent on)."""
    ext = record.get("eventExternalId")
    target = (
        await session.execute(select(EventRow.id).where(EventRow.external_id == ext))
    ).scalar_one_or_none()
    if target is None:
        raise NotFound(f"no event with externalId {ext!r}", field="eventExternalId")
    before = await ledger.event_statuses(session, [target])
    _, corrected = await ledger.correct_event(
        session,
        vocabulary,
        event_id=target,
        action=record.get("action", ""),
        reason=record.get("reason", ""),
        attributes=record.get("attributes"),
        effective_on=record.get("effectiveOn"),
        external_id=record.get("externalId"),
    )
    after = await ledger.event_statuses(session, [target])
    return corrected.enterprise_id, before != after or record.get("externalId") is None


async def import_records(
    sessions: async_sessionmaker[AsyncSession],
    engine: Engine,
    records: Iterable[tuple[int, dict[str, Any]]],
    *,
    batch_size: int = 1000,
    regrade: bool = True,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    report = ImportReport()
    batch: list[tuple[int, dict[str, Any]]] = []

    async def flush() -> None:
        touched: set[int] = set()
        async with sessions() as session:
            for number, record in batch:
                try:
                    async with session.begin_nested():
                        eid, created = await apply_record(
                            session, engine.registry.vocabulary, record
                        )
                except QcreditError as exc:
                    report.rejected.append(Rejection(number, exc.field, exc.code, exc.message))
                    continue
                if created:
                    report.accepted += 1
                    t = str(record.get("type"))
                    report.by_type[t] = report.by_type.get(t, 0) + 1
                    if eid is not None:
                        touched.add(eid)
                else:
                    report.duplicates += 1
            if regrade and touched:
                await engine.hold(session, touched)  # in id order, before the invalidations
                for eid in touched:  # cached assessments of these subjects may now be stale
                    await engine.invalidate(session, eid, date.min)
                await engine.regrade(session, touched)
            await versioning.bump(session)
            await session.commit()
        if progress:
            progress(len(batch))
        batch.clear()

    for item in records:
        batch.append(item)
        if len(batch) >= batch_size:
            await flush()
    if batch:
        await flush()
    return report
