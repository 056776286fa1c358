"""DataLoaders: every list of N things costs a constant number of SQL statements.

One instance per request (strawberry's advice), so caching never crosses callers. The loaders
get the request's session and the engine, not the request context, which builds them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Sequence
from contextlib import AbstractAsyncContextManager
from functools import cache
from typing import Any, TypeVar

from qcredit.core.contract import Assessment
from qcredit.core.disclosure.reviews import SubjectKey, approved_for
from qcredit.core.errors import QcreditError
from qcredit.core.grading.engine import AssessmentKey, Engine
from qcredit.core.ledger import append as ledger
from qcredit.core.model import Enterprise, Event, EventStatus, Product
from qcredit.core.store import convert, versioning
from qcredit.core.store.tables import EnterpriseRow, EventRow, ProductRow
from sqlalchemy import Select, Table, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

RequestSession = Callable[[], AbstractAsyncContextManager[AsyncSession]]
M = TypeVar("M")


@cache
def _rows_where_in(table: Table, column: str, ordered: bool = False) -> Select[Any]:
    """``SELECT * FROM table WHERE column IN (:keys)``, built once per (table, column): a
    statement built per request pays for its cache key every time; an expanding parameter
    renders the request's keys."""
    stmt = select(table).where(table.c[column].in_(bindparam("keys", expanding=True)))
    return stmt.order_by(table.c.id) if ordered else stmt


class Loaders:
    def __init__(
        self, db: RequestSession, engine: Engine, note_scope: Callable[[int], object] = id
    ) -> None:
        """``note_scope`` hears the data-version scope of everything loaded: the enterprise each
        row belongs to, the policy of each assessment, and the write sequence for a key that
        found nothing (only a write can make it appear, and no scope names it yet)."""
        self.db = db
        self.engine = engine
        self.note_scope = note_scope
        self.enterprise: DataLoader[int, Enterprise | None] = self._by(
            EnterpriseRow,
            "id",
            convert.enterprise,
            lambda e: self.enterprise_by_code.prime(e.code, e),
            lambda e: e.id,
        )
        self.enterprise_by_code: DataLoader[str, Enterprise | None] = self._by(
            EnterpriseRow,
            "code",
            convert.enterprise,
            lambda e: self.enterprise.prime(e.id, e),
            lambda e: e.id,
        )
        self.product: DataLoader[int, Product | None] = self._by(
            ProductRow, "id", convert.product, owner=lambda p: p.enterprise_id
        )
        self.products_of: DataLoader[int, list[Product]] = self._of(
            ProductRow, "enterprise_id", convert.product, self.product
        )
        self.event: DataLoader[int, Event | None] = self._by(
            EventRow, "id", convert.event, owner=lambda e: e.enterprise_id
        )
        self.events_of_enterprise: DataLoader[int, list[Event]] = self._of(
            EventRow, "enterprise_id", convert.event, self.event
        )
        self.events_of_product: DataLoader[int, list[Event]] = self._of(
            EventRow, "product_id", convert.event, self.event
        )
        self.status = DataLoader(self._statuses)
        self.assessment = DataLoader(self._assessments)
        self.approvals = DataLoader(self._approvals)

    def _by(
        self,
        row: Any,
        column: str,
        to_model: Callable[[Any], M],
        prime: Callable[[M], object] = lambda _: None,
        owner: Callable[[M], int] | None = None,
    ) -> DataLoader[Any, M | None]:
        """Rows by a unique column; each one found primes the other loader of the same rows.
        ``owner`` is the enterprise a row belongs to (its data-version scope)."""

        async def load(keys: Sequence[Hashable]) -> list[M | None]:
            # Plain rows from the table: no identity map or instrumentation to build.
            stmt = _rows_where_in(row.__table__, column)
            async with self.db() as s:
                rows = (await s.execute(stmt, {"keys": list(keys)})).all()
                found = {getattr(r, column): to_model(r) for r in rows}
            for model in found.values():
                prime(model)
                if owner is not None:
                    self.note_scope(versioning.enterprise_scope(owner(model)))
            if len(found) < len(keys):
                self.note_scope(versioning.SEQUENCE)
            return [found.get(k) for k in keys]

        return DataLoader(load)

    def _of(
        self, row: Any, column: str, to_model: Callable[[Any], M], by_id: DataLoader[int, Any]
    ) -> DataLoader[int, list[M]]:
        """The rows of each owner (``column`` is its id), in id order; each primes ``by_id``."""

        async def load(owners: Sequence[int]) -> list[list[M]]:
            stmt = _rows_where_in(row.__table__, column, ordered=True)
            async with self.db() as s:
                rows = (await s.execute(stmt, {"keys": list(owners)})).all()
                grouped: dict[int, list[M]] = defaultdict(list)
                for r in rows:
                    model = to_model(r)
                    grouped[getattr(r, column)].append(model)
                    by_id.prime(r.id, model)
            return [grouped[i] for i in owners]

        return DataLoader(load)

    async def _statuses(self, ids: Sequence[int]) -> list[EventStatus]:
        async with self.db() as s:
            found = await ledger.event_statuses(s, ids)
        return [found[i] for i in ids]

    async def _approvals(self, keys: Sequence[SubjectKey]) -> list[set[tuple[str, str]]]:
        async with self.db() as s:
            found = await approved_for(s, keys)
        return [found.get(k, set()) for k in keys]

    async def _assessments(
        self, keys: Sequence[AssessmentKey]
    ) -> list[Assessment | QcreditError | None]:
        for k in keys:  # the subjects themselves were loaded (and noted) by the loaders above
            self.note_scope(versioning.policy_scope(k.policy_id))
        async with self.db() as s:
            # The derived rows graded here commit with the request (Context.close).
            return await self.engine.assessments(s, keys)
