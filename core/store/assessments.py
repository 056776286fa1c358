"""Reading stored assessments by their keys, and what grades were graded from, in bounded
statements."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from qcredit.core.store import driver
from qcredit.core.store.statements import keys_in
from qcredit.core.store.tables import AssessmentRow, GradingInputRow, StandingGradeRow
from sqlalchemy import BigInteger, Date, Select, String, Text, bindparam, cast, func, select, tuple_
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

# (policy id, subject type, subject id, as of)
StoredKey = tuple[str, str, int, date]
CHUNK = 2000  # 4 parameters a key: well under PostgreSQL's 32,767 a statement


def chunks(items: Sequence[Any], size: int = CHUNK) -> list[Sequence[Any]]:
    """Bounded IN lists (PostgreSQL takes at most 32,767 parameters a statement; SQLite limits
    the depth of an expression)."""
    return [items[i : i + size] for i in range(0, len(items), size)]


# Built once: a statement made per call pays for its cache key and for the tuple's type
# resolution on every request that reads an assessment; an expanding parameter does neither.
_KEY = tuple_(
    AssessmentRow.policy_id,
    AssessmentRow.subject_type,
    AssessmentRow.subject_id,
    AssessmentRow.as_of,
)
_BY_KEY = _KEY.in_(bindparam("keys", expanding=True))
_STORED_BY_KEY = select(AssessmentRow).where(_BY_KEY)
# The same rows with the payload as its JSON text, left undecoded: a reader that already holds
# the grading the row stands for (the same key and digests) need not decode it again.
_STORED_TEXT = select(
    *(c for c in AssessmentRow.__table__.c if c.name != "payload"),
    cast(AssessmentRow.payload, Text).label("payload_text"),
)
_STORED_TEXT_BY_KEY = _STORED_TEXT.where(_BY_KEY)
# PostgreSQL: the keys as four arrays, one text for any number of keys (prepared once, run on
# the driver's connection by a read: core/store/driver.py).
_ARRAYS = ("policies", "types", "subjects", "dates")
_KEYS = (
    func.unnest(
        bindparam("policies", type_=ARRAY(String)),
        bindparam("types", type_=ARRAY(String)),
        bindparam("subjects", type_=ARRAY(BigInteger)),
        bindparam("dates", type_=ARRAY(Date)),
    )
    .table_valued("policy_id", "subject_type", "subject_id", "as_of")
    .render_derived()
)
_STORED_TEXT_BY_ARRAYS = _STORED_TEXT.where(_KEY.in_(select(*_KEYS.c)))


async def stored_assessment_rows(session: AsyncSession, keys: Iterable[StoredKey]) -> list[Any]:
    """Like :func:`stored_assessments`, as plain rows whose ``payload_text`` is the payload's
    JSON, undecoded (``convert.stored_assessment`` decodes it when it must)."""
    found: list[Any] = []
    postgresql = session.get_bind().dialect.name == "postgresql"
    for part in chunks(sorted(set(keys))):
        if postgresql:
            arrays = dict(zip(_ARRAYS, map(list, zip(*part, strict=True)), strict=True))
            found.extend(await driver.fetch(session, _STORED_TEXT_BY_ARRAYS, arrays))
        else:
            rows = await session.execute(_STORED_TEXT_BY_KEY, {"keys": list(part)})
            found.extend(rows.all())
    return found


async def stored_assessments(
    session: AsyncSession, keys: Iterable[StoredKey]
) -> list[AssessmentRow]:
    """The stored assessment rows of ``keys`` (those that exist), one statement per chunk."""
    found: list[AssessmentRow] = []
    for part in chunks(sorted(set(keys))):
        rows = await session.execute(_STORED_BY_KEY, {"keys": list(part)})
        found.extend(rows.scalars())
    return found


@dataclass(frozen=True)
class StoredInputs:
    """What one enterprise's grades under one policy were last graded from
    (:mod:`qcredit.core.grading.inputs`), and whether some of those grades are gone since."""

    ledger_digest: str
    grading_key: str
    missing: bool


@cache
def _inputs_statements(
    dialect: str,
) -> tuple[Select[int, str, int], Select[int, str, str, str, int]]:
    """The two statements of :func:`stored_inputs`, built once per dialect."""
    counted = (
        select(StandingGradeRow.enterprise_id, StandingGradeRow.policy_id, func.count())
        .where(keys_in(StandingGradeRow.enterprise_id, dialect))
        .group_by(StandingGradeRow.enterprise_id, StandingGradeRow.policy_id)
    )
    stored = select(
        GradingInputRow.enterprise_id,
        GradingInputRow.policy_id,
        GradingInputRow.ledger_digest,
        GradingInputRow.grading_key,
        GradingInputRow.standing,
    ).where(keys_in(GradingInputRow.enterprise_id, dialect))
    return counted, stored


async def stored_inputs(
    session: AsyncSession, enterprise_ids: Sequence[int]
) -> dict[tuple[int, str], StoredInputs]:
    """(enterprise id, policy id) → stored fingerprints, for a chunk of enterprises: two
    statements per chunk, neither of which reads an assessment."""
    counted, stored = _inputs_statements(session.get_bind().dialect.name)
    out: dict[tuple[int, str], StoredInputs] = {}
    for part in chunks(sorted(set(enterprise_ids))):
        keys = {"keys": list(part)}
        have = {(eid, pid): n for eid, pid, n in await driver.fetch(session, counted, keys)}
        for eid, pid, ledger, key, standing in await driver.fetch(session, stored, keys):
            out[(eid, pid)] = StoredInputs(ledger, key, have.get((eid, pid), 0) != standing)
    return out
