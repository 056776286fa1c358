"""INSERT … ON CONFLICT DO UPDATE for both databases (derived tables only; never the ledger)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase


async def upsert(
    session: AsyncSession,
    model: type[DeclarativeBase],
    rows: Sequence[dict[str, Any]],
    keys: Sequence[str],
    chunk: int = 500,
) -> None:
    if not rows:
        return
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = model.__table__  # type: ignore[attr-defined]
    for start in range(0, len(rows), chunk):
        part = rows[start : start + chunk]
        stmt = insert(table).values(list(part))
        update = {c: stmt.excluded[c] for c in part[0] if c not in keys}
        await session.execute(stmt.on_conflict_do_update(index_elements=list(keys), set_=update))
