"""One ``qcredit import`` batch through the bulk path (see :func:`importer.import_records_bulk`).

A batch is taken type by type — enterprises, products, events, corrections — in the order a file
lists them within each type; a file names an enterprise before its products and events, so the
order of dependencies is kept.  Each record gets the verdict the per-record importer would give:
accepted, already present (same data again), or rejected with the same code and field.

A batch is taken in two steps: :meth:`BulkImport.prepare` makes the checks that need no
database (credit codes, vocabulary, dates, attributes), and :meth:`BulkImport.write` resolves
the subjects, writes, and judges what needs the stored ledger (idempotency, products,
corrections).  The importer prepares the next batch while the database writes this one.
"""

from __future__ import annotations

import asyncio
import sqlite3
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import asyncpg
from qcredit.core import clock
from qcredit.core.errors import Conflict, InvalidInput, NotFound, QcreditError
from qcredit.core.grading.engine import Engine
from qcredit.core.identifiers import validate_credit_code
from qcredit.core.ledger.bulk import (
    ENTERPRISES,
    EVENT_COLUMNS,
    EVENTS,
    PRODUCTS,
    BulkWriter,
    CheckedEvent,
    Target,
    attributes_json,
    check_correction,
    check_enterprise,
    check_event,
    check_product,
    correction_targets,
    refers_to_events,
)
from qcredit.core.ledger.per_record import ImportReport, Rejection, import_records
from qcredit.core.model import CORRECTION_KIND
from qcredit.core.store import versioning
from qcredit.core.vocabulary import Vocabulary
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

Numbered = tuple[int, dict[str, Any]]
# What the drivers raise when a bulk insert breaks a unique index (the bulk path writes through
# the driver's own connection, below SQLAlchemy's exception wrapping).
UNIQUE_VIOLATIONS = (sqlite3.IntegrityError, asyncpg.UniqueViolationError)
# (line, target, (effective date, correction attributes, externalId, content digest))
CheckedCorrection = tuple[int, Target, tuple[date, dict[str, Any], str | None, str]]


# Records checked between two hand-backs to the event loop while a batch is prepared (~2 ms).
_PREPARE_STRIDE = 256


@dataclass
class PreparedBatch:
    """A batch after the checks that need no database (:meth:`BulkImport.prepare`), by type in
    file order: what is left to judge needs the stored subjects."""

    today: date
    enterprises: list[tuple[int, tuple[Any, ...]]] = field(default_factory=list)
    products: list[tuple[int, dict[str, Any], tuple[str, str, int, str | None]]] = field(
        default_factory=list
    )
    # (line, record, canonical enterprise code, the event's own checks or their refusal)
    events: list[tuple[int, dict[str, Any], str, CheckedEvent | QcreditError]] = field(
        default_factory=list
    )
    deferred: list[Numbered] = field(default_factory=list)  # events that refer to events
    corrections: list[Numbered] = field(default_factory=list)


class BulkImport:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], vocabulary: Vocabulary) -> None:
        self.sessions = sessions
        self.vocabulary = vocabulary
        self.report = ImportReport()
        self.touched: set[int] = set()
        # Enterprise code → id and (enterprise id, trademark, class) → product id, across batches.
        self.enterprise_of: dict[str, int] = {}
        self.product_of: dict[tuple[int, str, int], int] = {}
        self._products_known: set[int] = set()
        # Per-kind and per-code answers that every record would otherwise recompute.
        self._refers: dict[str, bool] = {}
        self._codes: dict[str, str] = {}
        # Rows written since the planner statistics were last refreshed, and the size then.
        self._since_analyze = 0
        self._at_analyze = 0

    # -- verdicts ------------------------------------------------------------------------------
    def _reject(self, line: int, exc: QcreditError) -> None:
        self.report.rejected.append(Rejection(line, exc.field, exc.code, exc.message))

    def _accept(self, kind: str, count: int = 1) -> None:
        if count:
            self.report.accepted += count
            self.report.by_type[kind] = self.report.by_type.get(kind, 0) + count

    # -- a batch -------------------------------------------------------------------------------
    async def prepare(self, batch: list[Numbered]) -> PreparedBatch:
        """The checks of a batch that need no database, record by record, in the order the
        per-record importer makes them; what fails here is rejected now.  The importer runs this
        for the next batch while the database writes the previous one, so it hands the event loop
        back every few hundred records: the write's COPY goes on meanwhile."""
        today = clock.today()
        prepared = PreparedBatch(today)
        for i, (number, record) in enumerate(batch):
            if i % _PREPARE_STRIDE == _PREPARE_STRIDE - 1:
                await asyncio.sleep(0)
            if "_error" in record:
                self._reject(number, InvalidInput(record["_error"], field="line"))
                continue
            kind = record.get("type")
            try:
                if kind == "event":
                    self._prepare_event(prepared, number, record, today)
                elif kind == "enterprise":
                    prepared.enterprises.append((number, check_enterprise(record, today)))
                elif kind == "product":
                    prepared.products.append((number, record, check_product(record)))
                elif kind == "correction":
                    prepared.corrections.append((number, record))
                else:
                    raise InvalidInput(
                        "type must be enterprise, product, event or correction", field="type"
                    )
            except QcreditError as exc:
                self._reject(number, exc)
        return prepared

    def _prepare_event(
        self, prepared: PreparedBatch, number: int, record: dict[str, Any], today: date
    ) -> None:
        """Sort an event to the bulk or the per-record path, and check what the ledger checks
        without the database.  A product event's own checks are judged after its product is
        found (:meth:`_event`), so their verdict is kept, not raised, until then."""
        kind = record.get("kind", "")
        refers = self._refers.get(kind) if isinstance(kind, str) else False
        if refers is None:
            refers = self._refers[kind] = refers_to_events(self.vocabulary, kind)
        if refers:
            prepared.deferred.append((number, record))
            return
        code = _canonical(record.get("enterpriseCode"))
        if record.get("trademark"):
            try:
                checked: CheckedEvent | QcreditError = self._checked(record, today, on_product=True)
            except QcreditError as exc:
                checked = exc.with_traceback(None)  # kept until the batch is written
        else:
            if record.get("enterpriseCode") is None:
                raise InvalidInput(
                    "give exactly one of enterpriseCode and productId", field="enterpriseCode"
                )
            checked = self._checked(record, today, on_product=False)
        prepared.events.append((number, record, code, checked))

    async def write(self, prepared: PreparedBatch, engine: Engine) -> None:
        """Resolve a prepared batch's subjects, write it in one transaction, then send the
        records the bulk path cannot judge through the per-record importer."""
        today = prepared.today
        deferred = list(prepared.deferred)
        accepted_before = self.report.accepted
        async with self.sessions() as session:
            conn = await session.connection()
            writer = BulkWriter(conn)
            await self._enterprises(writer, prepared.enterprises)
            await self._products(writer, prepared.products)
            await self._events(writer, prepared.events)
            deferred += await self._corrections(writer, prepared.corrections, today)
            self._since_analyze += self.report.accepted - accepted_before
            # Doubling: O(log n) ANALYZE runs keep look-ups on their indexes as tables grow.
            if self._since_analyze >= max(10_000, self._at_analyze):
                await writer.analyze()
                self._at_analyze += self._since_analyze
                self._since_analyze = 0
            await versioning.bump(session)
            await session.commit()
        if deferred:
            deferred.sort()
            sub = await import_records(self.sessions, engine, deferred, regrade=False)
            self.report.accepted += sub.accepted
            self.report.duplicates += sub.duplicates
            self.report.rejected += sub.rejected
            for k, n in sub.by_type.items():
                self.report.by_type[k] = self.report.by_type.get(k, 0) + n
            await self._touch_deferred(deferred)

    async def _enterprises(
        self, writer: BulkWriter, checked: list[tuple[int, tuple[Any, ...]]]
    ) -> None:
        stored = await writer.enterprise_ids([c[1][0] for c in checked])
        new: dict[str, tuple[Any, ...]] = {}
        now = clock.now()
        for number, wanted in checked:
            code = wanted[0]
            have = stored[code][1:] if code in stored else new.get(code)
            if have is not None:
                if tuple(have) != wanted[1:]:
                    self._reject(
                        number,
                        Conflict(
                            f"enterprise {code} is already registered with other data",
                            field="code",
                        ),
                    )
                else:
                    self.report.duplicates += 1
                continue
            new[code] = wanted[1:]
        await writer.copy(
            ENTERPRISES,
            ("code", "name", "region_code", "town_code", "established_on", "roles", "created_at"),
            [(code, *rest, now) for code, rest in new.items()],
        )
        self._accept("enterprise", len(new))
        for code, row in (await writer.enterprise_ids(list(new))).items():
            self.enterprise_of[code] = row[0]
            self.touched.add(row[0])
        for code, row in stored.items():
            self.enterprise_of[code] = row[0]

    async def _resolve_enterprises(self, writer: BulkWriter, codes: list[str]) -> None:
        missing = [c for c in set(codes) if c not in self.enterprise_of]
        if missing:
            for code, row in (await writer.enterprise_ids(missing)).items():
                self.enterprise_of[code] = row[0]

    def _owner(self, raw: Any) -> int:
        """The enterprise id of a code, as :func:`ledger.enterprise_by_code` judges it."""
        code = self._codes.get(raw) if isinstance(raw, str) else None
        if code is None:
            code = validate_credit_code(raw, "enterpriseCode")
            self._codes[raw] = code
        eid = self.enterprise_of.get(code)
        if eid is None:
            raise NotFound(f"no enterprise with code {code}", field="enterpriseCode")
        return eid

    async def _resolve_products(self, writer: BulkWriter, enterprise_ids: set[int]) -> None:
        todo = [e for e in enterprise_ids if e not in self._products_known]
        if todo:
            for key, (pid, _cat) in (await writer.product_ids(todo)).items():
                self.product_of[key] = pid
            self._products_known.update(todo)

    async def _products(
        self,
        writer: BulkWriter,
        items: list[tuple[int, dict[str, Any], tuple[str, str, int, str | None]]],
    ) -> None:
        await self._resolve_enterprises(
            writer, [_canonical(r.get("enterpriseCode")) for _, r, _ in items]
        )
        checked: list[tuple[int, int, str, int, str | None, str]] = []
        for number, record, (owner_code, mark, nice, cat) in items:
            try:
                owner = self._owner(record.get("enterpriseCode", ""))
                checked.append((number, owner, mark, nice, cat, owner_code))
            except QcreditError as exc:
                self._reject(number, exc)
        stored = await writer.product_ids([c[1] for c in checked])
        new: dict[tuple[int, str, int], str | None] = {}
        now = clock.now()
        for number, eid, mark, nice, cat, owner_code in checked:
            key = (eid, mark, nice)
            if key in stored or key in new:
                have = stored[key][1] if key in stored else new[key]
                if have != cat:
                    self._reject(
                        number,
                        Conflict(
                            f"product {mark} / class {nice} of {owner_code} is registered with "
                            f"category {have!r}",
                            field="category",
                        ),
                    )
                else:
                    self.report.duplicates += 1
                continue
            new[key] = cat
        await writer.copy(
            PRODUCTS,
            ("enterprise_id", "trademark", "nice_class", "category", "created_at"),
            [(*key, cat, now) for key, cat in new.items()],
        )
        self._accept("product", len(new))
        owners = {k[0] for k in new} | {k[0] for k in stored}
        self._products_known.difference_update(owners)
        await self._resolve_products(writer, owners)
        self.touched.update(k[0] for k in new)

    async def _events(
        self,
        writer: BulkWriter,
        items: list[tuple[int, dict[str, Any], str, CheckedEvent | QcreditError]],
    ) -> None:
        await self._resolve_enterprises(writer, [code for _, _, code, _ in items])
        owners = set()
        for _, record, code, _ in items:
            if record.get("trademark") and code in self.enterprise_of:
                owners.add(self.enterprise_of[code])
        await self._resolve_products(writer, owners)
        rows: list[tuple[int, int | None, CheckedEvent]] = []
        numbers: list[int] = []
        for number, record, _, checked in items:
            try:
                rows.append(self._event(record, checked))
                numbers.append(number)
            except QcreditError as exc:
                self._reject(number, exc)
        result = await writer.events(rows)
        for i, refusal in result.refused.items():
            self._reject(numbers[i], refusal)
        self.report.duplicates += len(result.duplicates)
        self._accept("event", len(result.inserted))
        self.touched.update(rows[i][0] for i in result.inserted)

    def _event(
        self, record: dict[str, Any], checked: CheckedEvent | QcreditError
    ) -> tuple[int, int | None, CheckedEvent]:
        """The per-record importer's order: a product event finds its product first, then its
        own checks' verdict counts; an enterprise event was checked (:meth:`_prepare_event`),
        then its owner is found."""
        if record.get("trademark"):
            eid = self._owner(record.get("enterpriseCode", ""))
            nice = record.get("niceClass")
            key = (eid, str(record["trademark"]), nice if isinstance(nice, int) else -1)
            pid = self.product_of.get(key)
            if pid is None:
                raise NotFound("no such product: register it before its events", field="trademark")
            if isinstance(checked, QcreditError):
                raise checked
            return eid, pid, checked
        assert not isinstance(checked, QcreditError)  # raised when it was prepared
        return self._owner(record.get("enterpriseCode", "")), None, checked

    def _checked(self, record: dict[str, Any], today: date, *, on_product: bool) -> CheckedEvent:
        return check_event(
            self.vocabulary,
            kind=record.get("kind", ""),
            occurred_on=record.get("occurredOn"),
            attributes=record.get("attributes"),
            external_id=record.get("externalId"),
            on_product=on_product,
            today=today,
        )

    async def _corrections(
        self, writer: BulkWriter, items: list[Numbered], today: date
    ) -> list[Numbered]:
        """Corrections of events with no correction yet, one per event in the batch; any other
        goes through the per-record path (its status depends on the corrections before it)."""
        if not items:
            return []
        targets = await correction_targets(
            writer.conn, [str(r.get("eventExternalId")) for _, r in items]
        )
        checked = self._check_corrections(items, targets, today)
        existing = await writer.existing_events([c[2][2] for c in checked if c[2][2] is not None])
        fresh, deferred = _needing_history(items, targets, checked, existing)
        lost = await self._write_corrections(writer, fresh, existing)
        # Another writer corrected one of these events since they were read (the database's one
        # correction per state refused the batch): the per-record path judges each record
        # against what is stored now — CONFLICT, a repeat, or a correction of the new state.
        by_number = dict(items)
        return deferred + [(number, by_number[number]) for number in lost]

    def _check_corrections(
        self, items: list[Numbered], targets: dict[str, Target], today: date
    ) -> list[CheckedCorrection]:
        checked: list[CheckedCorrection] = []
        for number, record in items:
            ext = record.get("eventExternalId")
            target = targets.get(str(ext))
            if target is None:
                self._reject(
                    number, NotFound(f"no event with externalId {ext!r}", field="eventExternalId")
                )
                continue
            try:
                verdict = check_correction(self.vocabulary, record, target, today)
            except QcreditError as exc:
                self._reject(number, exc)
                continue
            checked.append((number, target, verdict))
        return checked

    async def _write_corrections(
        self,
        writer: BulkWriter,
        checked: list[CheckedCorrection],
        existing: dict[str, tuple[int, str]],
    ) -> list[int]:
        """Repeats are duplicates, an externalId reused for other data is refused, the rest is
        written in one go; if a concurrent writer stored a correction of one of these events
        first, none is written and their record numbers are returned."""
        now = clock.now()
        rows = []
        numbers = []
        for number, target, (on, corr, ext, digest) in checked:
            if ext is not None and ext in existing:
                if existing[ext][1] == digest:
                    self.report.duplicates += 1
                else:
                    self._reject(
                        number,
                        Conflict(
                            f"externalId {ext!r} was already used for a different event "
                            f"(id {existing[ext][0]})",
                            field="externalId",
                        ),
                    )
                continue
            rows.append(
                (
                    target.enterprise_id,
                    target.product_id,
                    CORRECTION_KIND,
                    on,
                    now,
                    attributes_json(corr),
                    ext,
                    digest,
                    target.id,
                    1,  # the bulk path writes only first corrections (see _needing_history)
                )
            )
            numbers.append(number)
            self.touched.add(target.enterprise_id)
        try:
            async with writer.conn.begin_nested():
                await writer.copy(EVENTS, EVENT_COLUMNS, rows)
        except UNIQUE_VIOLATIONS:
            return numbers
        self._accept("correction", len(rows))
        return []

    async def _touch_deferred(self, deferred: list[Numbered]) -> None:
        async with self.sessions() as session:
            writer = BulkWriter(await session.connection())
            codes = [_canonical(r.get("enterpriseCode")) for _, r in deferred]
            await self._resolve_enterprises(writer, [c for c in codes if c])
            self.touched.update(self.enterprise_of[c] for c in codes if c in self.enterprise_of)
            targets = await correction_targets(
                writer.conn,
                [str(r["eventExternalId"]) for _, r in deferred if "eventExternalId" in r],
            )
            self.touched.update(t.enterprise_id for t in targets.values())


def _needing_history(
    items: list[Numbered],
    targets: dict[str, Target],
    checked: list[CheckedCorrection],
    existing: dict[str, tuple[int, str]],
) -> tuple[list[CheckedCorrection], list[Numbered]]:
    """(corrections the bulk path can judge, records for the per-record path).

    Idempotency comes before the status check (as in ledger.correct_event): a repeat is a repeat
    even of a corrected event.  A new correction of an event corrected before, or twice in this
    batch, depends on the corrections before it: the per-record path."""
    seen: dict[int, int] = {}
    for _, record in items:
        t = targets.get(str(record.get("eventExternalId")))
        if t is not None:
            seen[t.id] = seen.get(t.id, 0) + 1
    items_by_number = dict(items)
    fresh: list[CheckedCorrection] = []
    deferred: list[Numbered] = []
    for number, target, verdict in checked:
        ext = verdict[2]
        repeat = ext is not None and ext in existing
        if not repeat and (target.corrected or seen[target.id] > 1):
            deferred.append((number, items_by_number[number]))
        else:
            fresh.append((number, target, verdict))
    return fresh, deferred


def _canonical(raw: Any) -> str:
    return raw.strip().upper() if isinstance(raw, str) else ""
