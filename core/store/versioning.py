"""The data version: a counter every write bumps, in its own transaction.

Responses may be cached under (query, variables, the caller's rights, today, data version): a
write anywhere — in any worker — bumps the version and so retires every cached response at once.
"""

from __future__ import annotations

from qcredit.core.store.tables import DataVersionRow
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession


async def bump(session: AsyncSession) -> None:
    """Increase the version inside the caller's transaction (commits with the write)."""
    result = await session.execute(
        update(DataVersionRow)
        .where(DataVersionRow.id == 1)
        .values(version=DataVersionRow.version + 1)
    )
    if result.rowcount == 0:  # type: ignore[attr-defined]  # an UPDATE gives a CursorResult
        session.add(DataVersionRow(id=1, version=1))
        await session.flush()


async def current(conn: AsyncConnection | AsyncSession) -> int:
    value = (
        await conn.execute(select(DataVersionRow.version).where(DataVersionRow.id == 1))
    ).scalar_one_or_none()
    return int(value or 0)
