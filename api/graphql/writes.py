"""The write operations behind the mutations: authorise, append, re-grade, audit — one
transaction.  Authorisation comes first, so a refused caller learns nothing and writes nothing:
no token → UNAUTHENTICATED; a role that may not write, or a region outside the token's →
FORBIDDEN (core/access.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Set
from contextlib import asynccontextmanager
from datetime import date
from typing import TYPE_CHECKING, Any

from qcredit.core.disclosure import audit
from qcredit.core.disclosure.callers import Principal
from qcredit.core.errors import NotFound
from qcredit.core.identifiers import validate_region_code
from qcredit.core.ledger import append as ledger
from qcredit.core.model import Enterprise, Event, Product, SubjectType
from qcredit.core.store.tables import EnterpriseRow, EventRow, ProductRow
from sqlalchemy.ext.asyncio import AsyncSession

if TYPE_CHECKING:
    from qcredit.api.graphql.context import Context


def _region(row: EnterpriseRow) -> str:
    return row.town_code or row.region_code


async def _enterprise_region(s: AsyncSession, code: str, field: str) -> str:
    return _region(await ledger.enterprise_by_code(s, code, field))


async def _owner_region(s: AsyncSession, row_type: Any, row_id: int, what: str, field: str) -> str:
    """The region of the enterprise owning a product or an event."""
    row = await s.get(row_type, row_id)
    if row is None:
        raise NotFound(f"no {what} {row_id}", field=field)
    owner = await s.get(EnterpriseRow, row.enterprise_id)
    assert owner is not None
    return _region(owner)


@asynccontextmanager
async def _writing(c: Context) -> AsyncIterator[tuple[Principal, AsyncSession]]:
    """The caller and the request's session for one write; what is not committed is rolled back.
    An anonymous caller is refused before anything is read."""
    principal = c.principal
    if not principal.authenticated:
        principal.require_write("")
    async with c.transaction() as s:
        yield principal, s


async def _finish(
    c: Context,
    s: AsyncSession,
    enterprise_id: int,
    target: str,
    detail: dict[str, Any],
    subjects: Set[tuple[SubjectType, int]] | None = None,
) -> None:
    """Audit, re-grade (``subjects`` only, when given) and commit."""
    await audit.record(s, c.principal, audit.Action.WRITE, target, detail)
    changes = await c.engine.regrade(s, [enterprise_id], only=subjects)
    await s.commit()
    c.engine.announce(changes)


def touched_by(event: Event) -> set[tuple[SubjectType, int]]:
    """The subjects whose ledger an event (or a correction of it, which carries its subject) is
    part of: its enterprise, and its product if it is about one.  A product is graded on its own
    events only, so an event about the enterprise leaves its products' grades as they are."""
    touched = {(SubjectType.ENTERPRISE, event.enterprise_id)}
    if event.product_id is not None:
        touched.add((SubjectType.PRODUCT, event.product_id))
    return touched


async def register_enterprise(c: Context, **fields: Any) -> Enterprise:
    async with _writing(c) as (principal, s):
        principal.require_write(validate_region_code(fields["region_code"], "regionCode"))
        ent, created = await ledger.register_enterprise(s, **fields)
        if created:
            await _finish(c, s, ent.id, f"enterprise:{ent.code}", {"op": "registerEnterprise"})
    return ent


async def register_product(c: Context, **fields: Any) -> Product:
    async with _writing(c) as (principal, s):
        principal.require_write(
            await _enterprise_region(s, fields["enterprise_code"], "enterpriseCode"),
            "enterpriseCode",
        )
        prod, created = await ledger.register_product(s, **fields)
        if created:
            # A policy may grade an enterprise by its products (its scope, exclusions by
            # category), which carry no date: what was kept for any date may change.
            await c.engine.invalidate(s, prod.enterprise_id, date.min)
            await _finish(
                c,
                s,
                prod.enterprise_id,
                f"product:{prod.id}",
                {"op": "registerProduct", "enterprise": fields["enterprise_code"]},
            )
    return prod


async def record_event(c: Context, **fields: Any) -> Event:
    async with _writing(c) as (principal, s):
        if fields.get("product_id") is not None and fields.get("enterprise_code") is None:
            region = await _owner_region(
                s, ProductRow, fields["product_id"], "product", "productId"
            )
            principal.require_write(region, "productId")
        elif fields.get("enterprise_code") is not None:
            owner = await ledger.enterprise_by_code(s, fields["enterprise_code"], "enterpriseCode")
            principal.require_write(_region(owner), "enterpriseCode")
            fields["enterprise"] = owner  # looked up once
        rec = await ledger.record_event(s, c.registry.vocabulary, **fields)
        if rec.created:
            touched = touched_by(rec.event)
            await c.engine.invalidate(s, rec.event.enterprise_id, rec.event.occurred_on, touched)
            await _finish(
                c,
                s,
                rec.event.enterprise_id,
                f"event:{rec.event.id}",
                {"op": "recordEvent", "kind": rec.event.kind},
                touched,
            )
    return rec.event


async def correct_event(c: Context, **fields: Any) -> Event:
    async with _writing(c) as (principal, s):
        region = await _owner_region(s, EventRow, fields["event_id"], "event", "eventId")
        principal.require_write(region, "eventId")
        correction, target = await ledger.correct_event(s, c.registry.vocabulary, **fields)
        touched = touched_by(target)
        await c.engine.invalidate(s, target.enterprise_id, target.occurred_on, touched)
        await _finish(
            c,
            s,
            target.enterprise_id,
            f"event:{target.id}",
            {"op": "correctEvent", "action": fields.get("action"), "correction": correction.id},
            touched,
        )
    return correction
