"""Reading stored assessments by their keys, in bounded statements."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from qcredit.core.store.tables import AssessmentRow
from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

# (policy id, subject type, subject id, as of)
StoredKey = tuple[str, str, int, date]
CHUNK = 2000  # 4 parameters a key: well under PostgreSQL's 32,767 a statement


def chunks(items: Sequence[Any], size: int = CHUNK) -> list[Sequence[Any]]:
    """Bounded IN lists (PostgreSQL takes at most 32,767 parameters a statement; SQLite limits
    the depth of an expression)."""
    return [items[i : i + size] for i in range(0, len(items), size)]


async def stored_assessments(
    session: AsyncSession, keys: Iterable[StoredKey]
) -> list[AssessmentRow]:
    """The stored assessment rows of ``keys`` (those that exist), one statement per chunk."""
    found: list[AssessmentRow] = []
    for part in chunks(sorted(set(keys))):
        rows = await session.execute(
            select(AssessmentRow).where(
                tuple_(
                    AssessmentRow.policy_id,
                    AssessmentRow.subject_type,
                    AssessmentRow.subject_id,
                    AssessmentRow.as_of,
                ).in_(part)
            )
        )
        found.extend(rows.scalars())
    return found
