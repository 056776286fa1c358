"""INSERT … ON CONFLICT DO UPDATE for both databases (derived tables only; never the ledger)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Insert, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase


async def upsert(
    session: AsyncSession,
    model: type[DeclarativeBase],
    rows: Sequence[dict[str, Any]],
    keys: Sequence[str],
    chunk: int = 5000,
) -> None:
    """One statement compiled once and run as an executemany: SQLAlchemy batches the rows
    ("insertmanyvalues") instead of compiling a new multi-row VALUES for every chunk, which
    cost more than the database's work on large re-grades.  Every row must have the same keys."""
    if not rows:
        return
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    table = model.__table__
    assert isinstance(table, Table), f"{model.__name__} is not mapped to a table"
    stmt = _statement(dialect, table, tuple(keys), tuple(rows[0]))
    for start in range(0, len(rows), chunk):
        await session.execute(stmt, list(rows[start : start + chunk]))


@lru_cache(maxsize=64)
def _statement(
    dialect: str, table: Table, keys: tuple[str, ...], columns: tuple[str, ...]
) -> Insert:
    """The upsert of ``columns`` on ``keys``, built once: ``excluded`` makes an alias of the
    table with a proxy of every column, which cost a sixth of a ``recordEvent`` when built for
    each of its writes.  Statements are immutable, so one serves every session."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(table)
    update = {c: stmt.excluded[c] for c in columns if c not in keys}
    return stmt.on_conflict_do_update(index_elements=list(keys), set_=update)
