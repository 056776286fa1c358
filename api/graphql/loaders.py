"""DataLoaders: every list of N things costs a constant number of SQL statements.

One instance per request (strawberry's advice), so caching never crosses callers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING

from qcredit.core.contract import Assessment
from qcredit.core.disclosure.reviews import SubjectKey, approved_for
from qcredit.core.errors import QcreditError
from qcredit.core.grading.engine import AssessmentKey
from qcredit.core.ledger import append as ledger
from qcredit.core.model import Enterprise, Event, EventStatus, Product
from qcredit.core.store import convert
from qcredit.core.store.tables import EnterpriseRow, EventRow, ProductRow
from sqlalchemy import select
from strawberry.dataloader import DataLoader

if TYPE_CHECKING:
    from qcredit.api.graphql.context import Context


class Loaders:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.enterprise = DataLoader(self._enterprises)
        self.enterprise_by_code = DataLoader(self._enterprises_by_code)
        self.product = DataLoader(self._products)
        self.products_of = DataLoader(self._products_of)
        self.event = DataLoader(self._events)
        self.events_of_enterprise = DataLoader(self._events_of_enterprise)
        self.events_of_product = DataLoader(self._events_of_product)
        self.status = DataLoader(self._statuses)
        self.assessment = DataLoader(self._assessments)
        self.approvals = DataLoader(self._approvals)

    async def _enterprises(self, ids: Sequence[int]) -> list[Enterprise | None]:
        async with self.ctx.db() as s:
            rows = (
                await s.execute(select(EnterpriseRow).where(EnterpriseRow.id.in_(ids)))
            ).scalars()
            found = {r.id: convert.enterprise(r) for r in rows}
        for e in found.values():
            self.enterprise_by_code.prime(e.code, e)
        return [found.get(i) for i in ids]

    async def _enterprises_by_code(self, codes: Sequence[str]) -> list[Enterprise | None]:
        async with self.ctx.db() as s:
            rows = (
                await s.execute(select(EnterpriseRow).where(EnterpriseRow.code.in_(codes)))
            ).scalars()
            found = {r.code: convert.enterprise(r) for r in rows}
        for e in found.values():
            self.enterprise.prime(e.id, e)
        return [found.get(c) for c in codes]

    async def _products(self, ids: Sequence[int]) -> list[Product | None]:
        async with self.ctx.db() as s:
            rows = (await s.execute(select(ProductRow).where(ProductRow.id.in_(ids)))).scalars()
            found = {r.id: convert.product(r) for r in rows}
        return [found.get(i) for i in ids]

    async def _products_of(self, enterprise_ids: Sequence[int]) -> list[list[Product]]:
        async with self.ctx.db() as s:
            rows = (
                await s.execute(
                    select(ProductRow)
                    .where(ProductRow.enterprise_id.in_(enterprise_ids))
                    .order_by(ProductRow.id)
                )
            ).scalars()
            grouped: dict[int, list[Product]] = defaultdict(list)
            for r in rows:
                p = convert.product(r)
                grouped[p.enterprise_id].append(p)
                self.product.prime(p.id, p)
        return [grouped[i] for i in enterprise_ids]

    async def _events(self, ids: Sequence[int]) -> list[Event | None]:
        async with self.ctx.db() as s:
            rows = (await s.execute(select(EventRow).where(EventRow.id.in_(ids)))).scalars()
            found = {r.id: convert.event(r) for r in rows}
        return [found.get(i) for i in ids]

    async def _events_of_enterprise(self, enterprise_ids: Sequence[int]) -> list[list[Event]]:
        async with self.ctx.db() as s:
            rows = (
                await s.execute(
                    select(EventRow)
                    .where(EventRow.enterprise_id.in_(enterprise_ids))
                    .order_by(EventRow.id)
                )
            ).scalars()
            grouped: dict[int, list[Event]] = defaultdict(list)
            for r in rows:
                e = convert.event(r)
                grouped[e.enterprise_id].append(e)
                self.event.prime(e.id, e)
        return [grouped[i] for i in enterprise_ids]

    async def _events_of_product(self, product_ids: Sequence[int]) -> list[list[Event]]:
        async with self.ctx.db() as s:
            rows = (
                await s.execute(
                    select(EventRow)
                    .where(EventRow.product_id.in_(product_ids))
                    .order_by(EventRow.id)
                )
            ).scalars()
            grouped: dict[int, list[Event]] = defaultdict(list)
            for r in rows:
                e = convert.event(r)
                assert e.product_id is not None
                grouped[e.product_id].append(e)
                self.event.prime(e.id, e)
        return [grouped[i] for i in product_ids]

    async def _statuses(self, ids: Sequence[int]) -> list[EventStatus]:
        async with self.ctx.db() as s:
            found = await ledger.event_statuses(s, ids)
        return [found[i] for i in ids]

    async def _approvals(self, keys: Sequence[SubjectKey]) -> list[set[tuple[str, str]]]:
        async with self.ctx.db() as s:
            found = await approved_for(s, keys)
        return [found.get(k, set()) for k in keys]

    async def _assessments(
        self, keys: Sequence[AssessmentKey]
    ) -> list[Assessment | QcreditError | None]:
        async with self.ctx.db() as s:
            results = await self.ctx.engine.assessments(s, keys)
            if s.in_transaction():
                await s.commit()  # the derived cache rows just written
        return results
