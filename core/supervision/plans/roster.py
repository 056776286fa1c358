"""The inspector list: registering inspectors, their declared conflicts of interest, and the
inspectors of a region."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from qcredit.core.disclosure.callers import CallerRole, Principal
from qcredit.core.errors import Forbidden, InvalidInput, NotFound
from qcredit.core.identifiers import region_covers, validate_region_code
from qcredit.core.store import versioning
from qcredit.core.store.tables import EnterpriseRow, InspectorConflictRow, InspectorRow
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

# The command-line loaders (``qcredit demo``) act for every region.
LOADER = Principal(CallerRole.ADMIN, subject="loader")


def require_roster_of(principal: Principal, inspector: InspectorRow, field: str) -> None:
    """An inspector belongs to the roster of their region (双随机: each bureau draws from its own
    pool): only a planner of that region renames, moves, deactivates them or declares their
    conflicts.  The refusal says nothing of the inspector's name or region."""
    if not principal.covers(inspector.region_code):
        raise Forbidden(f"inspector {inspector.code!r} is on another region's roster", field=field)


async def register_inspector(
    session: AsyncSession,
    code: str,
    name: str,
    region_code: str,
    active: bool = True,
    *,
    by: Principal,
) -> InspectorRow:
    """Register an inspector, or update the name, region and active flag of a known code of the
    caller's own roster."""
    code = (code or "").strip()
    if not code or len(code) > 32:
        raise InvalidInput("inspector code must be 1–32 characters", field="code")
    if not (name or "").strip() or len(name) > 100:
        raise InvalidInput("name must be 1–100 characters", field="name")
    region = validate_region_code(region_code, "regionCode")
    row = (
        await session.execute(select(InspectorRow).where(InspectorRow.code == code))
    ).scalar_one_or_none()
    if row is None:
        row = InspectorRow(code=code, name=name.strip(), region_code=region, active=active)
        session.add(row)
    else:
        require_roster_of(by, row, "code")
        row.name, row.region_code, row.active = name.strip(), region, active
    await session.flush()
    await versioning.bump(session)
    return row


async def inspector_by_code(session: AsyncSession, code: str) -> InspectorRow:
    row = (
        await session.execute(select(InspectorRow).where(InspectorRow.code == code))
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(f"no inspector {code!r}", field="inspectorCode")
    return row


async def declare_conflict(
    session: AsyncSession, inspector: InspectorRow, enterprise: EnterpriseRow, reason: str
) -> InspectorConflictRow:
    """A declared conflict of interest (idempotent; a new reason replaces the old one)."""
    row = await session.get(InspectorConflictRow, (inspector.id, enterprise.id))
    if row is None:
        row = InspectorConflictRow(
            inspector_id=inspector.id, enterprise_id=enterprise.id, reason=reason.strip()
        )
        session.add(row)
    else:
        row.reason = reason.strip()
    await session.flush()
    await versioning.bump(session)
    return row


async def inspectors_in(session: AsyncSession, region_codes: Sequence[str] | None) -> list[Any]:
    rows = (await session.execute(select(InspectorRow).order_by(InspectorRow.code))).scalars().all()
    if region_codes is None:
        return list(rows)
    return [r for r in rows if any(region_covers(c, r.region_code) for c in region_codes)]
