"""The write operations behind the mutations: authorise, append, re-grade, audit — one
transaction.  Authorisation comes first, so a refused caller learns nothing and writes nothing:
no token → UNAUTHENTICATED; a role that may not write, or a region outside the token's →
FORBIDDEN (core/access.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qcredit.core.disclosure import audit
from qcredit.core.errors import NotFound
from qcredit.core.identifiers import validate_credit_code, validate_region_code
from qcredit.core.ledger import append as ledger
from qcredit.core.model import Enterprise, Event, Product
from qcredit.core.store.tables import EnterpriseRow, EventRow, ProductRow
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

if TYPE_CHECKING:
    from qcredit.api.graphql.context import Context


def _region(row: EnterpriseRow) -> str:
    return row.town_code or row.region_code


async def _enterprise_region(s: AsyncSession, code: str, field: str) -> str:
    canonical = validate_credit_code(code, field)
    row = (
        await s.execute(select(EnterpriseRow).where(EnterpriseRow.code == canonical))
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(f"no enterprise with code {canonical}", field=field)
    return _region(row)


async def _product_region(s: AsyncSession, product_id: int) -> str:
    row = await s.get(ProductRow, product_id)
    if row is None:
        raise NotFound(f"no product {product_id}", field="productId")
    owner = await s.get(EnterpriseRow, row.enterprise_id)
    assert owner is not None
    return _region(owner)


async def _event_region(s: AsyncSession, event_id: int) -> str:
    row = await s.get(EventRow, event_id)
    if row is None:
        raise NotFound(f"no event {event_id}", field="eventId")
    owner = await s.get(EnterpriseRow, row.enterprise_id)
    assert owner is not None
    return _region(owner)


async def _finish(
    c: Context,
    s: AsyncSession,
    enterprise_id: int,
    target: str,
    detail: dict[str, Any],
    regrade: bool = True,
) -> None:
    await audit.record(s, c.principal, audit.Action.WRITE, target, detail)
    changes = await c.engine.regrade(s, [enterprise_id]) if regrade else []
    await s.commit()
    c.engine.announce(changes)


async def register_enterprise(c: Context, **fields: Any) -> Enterprise:
    principal = c.principal
    if not principal.authenticated:
        principal.require_write("")
    principal.require_write(validate_region_code(fields["region_code"], "regionCode"))
    async with c.db() as s:
        try:
            ent, created = await ledger.register_enterprise(s, **fields)
            if created:
                await _finish(c, s, ent.id, f"enterprise:{ent.code}", {"op": "registerEnterprise"})
        finally:
            if s.in_transaction():
                await s.rollback()
    return ent


async def register_product(c: Context, **fields: Any) -> Product:
    principal = c.principal
    if not principal.authenticated:
        principal.require_write("")
    async with c.db() as s:
        try:
            principal.require_write(
                await _enterprise_region(s, fields["enterprise_code"], "enterpriseCode"),
                "enterpriseCode",
            )
            prod, created = await ledger.register_product(s, **fields)
            if created:
                await _finish(
                    c,
                    s,
                    prod.enterprise_id,
                    f"product:{prod.id}",
                    {"op": "registerProduct", "enterprise": fields["enterprise_code"]},
                )
        finally:
            if s.in_transaction():
                await s.rollback()
    return prod


async def record_event(c: Context, **fields: Any) -> Event:
    principal = c.principal
    if not principal.authenticated:
        principal.require_write("")
    async with c.db() as s:
        try:
            if fields.get("product_id") is not None and fields.get("enterprise_code") is None:
                region = await _product_region(s, fields["product_id"])
                principal.require_write(region, "productId")
            elif fields.get("enterprise_code") is not None:
                region = await _enterprise_region(s, fields["enterprise_code"], "enterpriseCode")
                principal.require_write(region, "enterpriseCode")
            rec = await ledger.record_event(s, c.registry.vocabulary, **fields)
            if rec.created:
                await c.engine.invalidate(s, rec.event.enterprise_id, rec.event.occurred_on)
                await _finish(
                    c,
                    s,
                    rec.event.enterprise_id,
                    f"event:{rec.event.id}",
                    {"op": "recordEvent", "kind": rec.event.kind},
                )
        finally:
            if s.in_transaction():
                await s.rollback()
    return rec.event


async def correct_event(c: Context, **fields: Any) -> Event:
    principal = c.principal
    if not principal.authenticated:
        principal.require_write("")
    async with c.db() as s:
        try:
            principal.require_write(await _event_region(s, fields["event_id"]), "eventId")
            correction, target = await ledger.correct_event(s, c.registry.vocabulary, **fields)
            await c.engine.invalidate(s, target.enterprise_id, target.occurred_on)
            await _finish(
                c,
                s,
                target.enterprise_id,
                f"event:{target.id}",
                {"op": "correctEvent", "action": fields.get("action"), "correction": correction.id},
            )
        finally:
            if s.in_transaction():
                await s.rollback()
    return correction
