"""DataLoaders: every list of N things costs a constant number of SQL statements.

One instance per request (strawberry's advice), so caching never crosses callers. The loaders
get the request's session and the engine, not the request context, which builds them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Sequence
from contextlib import AbstractAsyncContextManager
from functools import cached_property
from typing import Any, TypeVar

from qcredit.core.contract import Assessment
from qcredit.core.disclosure.reviews import SubjectKey, approved_for
from qcredit.core.errors import QcreditError
from qcredit.core.grading.engine import AssessmentKey, Engine
from qcredit.core.ledger import append as ledger
from qcredit.core.model import Enterprise, Event, EventStatus, Product
from qcredit.core.store import convert, driver, versioning
from qcredit.core.store.statements import rows_where_in
from qcredit.core.store.tables import EnterpriseRow, EventRow, ProductRow
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

RequestSession = Callable[[], AbstractAsyncContextManager[AsyncSession]]
M = TypeVar("M")


class Loaders:
    """The request's DataLoaders, each built on first use: most requests touch two or three of
    them, and building all of them was a tenth of a one-enterprise request's time."""

    def __init__(
        self, db: RequestSession, engine: Engine, note_scope: Callable[[int], object] = id
    ) -> None:
        """``note_scope`` hears the data-version scope of everything loaded: the enterprise each
        row belongs to, the policy of each assessment, and the write sequence for a key that
        found nothing (only a write can make it appear, and no scope names it yet)."""
        self.db = db
        self.engine = engine
        self.note_scope = note_scope

    @cached_property
    def enterprise(self) -> DataLoader[int, Enterprise | None]:
        return self._by(
            EnterpriseRow,
            "id",
            convert.enterprise,
            lambda e: self.enterprise_by_code.prime(e.code, e),
            lambda e: e.id,
        )

    @cached_property
    def enterprise_by_code(self) -> DataLoader[str, Enterprise | None]:
        return self._by(
            EnterpriseRow,
            "code",
            convert.enterprise,
            lambda e: self.enterprise.prime(e.id, e),
            lambda e: e.id,
        )

    @cached_property
    def product(self) -> DataLoader[int, Product | None]:
        return self._by(ProductRow, "id", convert.product, owner=lambda p: p.enterprise_id)

    @cached_property
    def products_of(self) -> DataLoader[int, list[Product]]:
        return self._of(ProductRow, "enterprise_id", convert.product, self.product)

    @cached_property
    def event(self) -> DataLoader[int, Event | None]:
        return self._by(EventRow, "id", convert.event, owner=lambda e: e.enterprise_id)

    @cached_property
    def events_of_enterprise(self) -> DataLoader[int, list[Event]]:
        return self._of(EventRow, "enterprise_id", convert.event, self.event)

    @cached_property
    def events_of_product(self) -> DataLoader[int, list[Event]]:
        return self._of(EventRow, "product_id", convert.event, self.event)

    @cached_property
    def status(self) -> DataLoader[int, EventStatus]:
        return DataLoader(self._statuses)

    @cached_property
    def assessment(self) -> DataLoader[AssessmentKey, Assessment | QcreditError | None]:
        return DataLoader(self._assessments)

    @cached_property
    def approvals(self) -> DataLoader[SubjectKey, set[tuple[str, str]]]:
        return DataLoader(self._approvals)

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
            async with self.db() as s:
                stmt = rows_where_in(row.__table__, column, dialect=s.get_bind().dialect.name)
                rows = await driver.fetch(s, stmt, {"keys": list(keys)})
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
            async with self.db() as s:
                stmt = rows_where_in(
                    row.__table__, column, ordered=True, dialect=s.get_bind().dialect.name
                )
                rows = await driver.fetch(s, stmt, {"keys": list(owners)})
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
