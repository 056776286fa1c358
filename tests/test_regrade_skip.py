"""A whole re-grade skips the enterprises whose inputs did not change, and only those.

Each test grades a small synthetic ledger once, marks every stored grade with an old
``graded_at``, changes one thing, grades again and looks at which grades were written again:

* nothing changed → nothing is written;
* a new event → its enterprise is graded again, the others are not;
* a correction → the corrected event's enterprise is graded again;
* a policy's parameters → every subject under that policy, and nothing under the others;
* a deleted standing grade → its enterprise is graded again (the fingerprint alone is not trusted);
* ``qcredit grade --jobs 2`` gives the grades of one process (PostgreSQL: two workers; SQLite:
  one, said so).
"""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from qcredit.core import clock
from qcredit.core.grading.engine import Engine
from qcredit.core.grading.run import grade_everything
from qcredit.core.ledger import append as ledger
from qcredit.core.ledger.importer import import_records_bulk
from qcredit.core.plugins import Registry
from qcredit.core.store.db import sessionmaker
from qcredit.core.store.tables import (
    AssessmentRow,
    EnterpriseRow,
    EventRow,
    GradingInputRow,
    StandingGradeRow,
)
from sqlalchemy import delete, func, select, update

from .test_scale import standing, synth

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
REPO = Path(__file__).resolve().parents[1]
OLD = datetime(2001, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def plain_registry() -> Registry:
    return Registry.load()


@pytest.fixture
async def graded(app: Any, empty: None, db_engine: Any, plain_registry: Registry) -> Any:
    """Sessions and an engine over 30 synthetic enterprises, graded once and marked old."""
    sessions = sessionmaker(db_engine)
    engine = Engine(plain_registry)
    items = list(enumerate(synth(plain_registry, 30), start=1))
    report = await import_records_bulk(sessions, engine, items, regrade=False)
    assert not report.rejected
    await grade_everything(sessions, engine, plain_registry.all_policies())
    await mark_old(sessions)
    return sessions, engine


async def mark_old(sessions: Any) -> None:
    async with sessions() as s:
        await s.execute(update(StandingGradeRow).values(graded_at=OLD))
        await s.execute(update(AssessmentRow).values(graded_at=OLD))
        await s.commit()


async def rewritten(sessions: Any) -> set[tuple[str, int]]:
    """(policy, enterprise) of every standing grade written since :func:`mark_old`."""
    async with sessions() as s:
        rows = await s.execute(
            select(
                StandingGradeRow.policy_id,
                StandingGradeRow.enterprise_id,
                StandingGradeRow.graded_at,
            )
        )
        return {(p, e) for p, e, at in rows if at.replace(tzinfo=UTC) != OLD}


async def all_pairs(sessions: Any) -> set[tuple[str, int]]:
    async with sessions() as s:
        rows = await s.execute(select(StandingGradeRow.policy_id, StandingGradeRow.enterprise_id))
        return set(rows.tuples())


async def test_nothing_changed_writes_nothing(graded: Any, plain_registry: Registry) -> None:
    sessions, engine = graded
    before = await standing(sessions)
    async with sessions() as s:
        fingerprints = (await s.execute(select(func.count()).select_from(GradingInputRow))).scalar()
    assert fingerprints
    await grade_everything(sessions, engine, plain_registry.all_policies())
    assert await rewritten(sessions) == set()
    assert await standing(sessions) == before
    # --force grades everything again, to the same grades.
    await grade_everything(sessions, engine, plain_registry.all_policies(), force=True)
    assert await rewritten(sessions) == await all_pairs(sessions)
    assert await standing(sessions) == before


async def _graded_enterprise(sessions: Any) -> EnterpriseRow:
    async with sessions() as s:
        eid = (
            (
                await s.execute(
                    select(StandingGradeRow.enterprise_id).order_by(StandingGradeRow.enterprise_id)
                )
            )
            .scalars()
            .first()
        )
        row = await s.get(EnterpriseRow, eid)
        assert row is not None
        return row


async def test_a_new_event_regrades_its_enterprise_only(
    graded: Any, plain_registry: Registry
) -> None:
    sessions, engine = graded
    ent = await _graded_enterprise(sessions)
    async with sessions() as s:
        rec = await ledger.record_event(
            s,
            plain_registry.vocabulary,
            kind="SUPERVISION_CHECK",
            occurred_on=clock.today(),
            enterprise_code=ent.code,
            attributes={"result": "FAIL"},
        )
        assert rec.created
        await s.commit()
    await grade_everything(sessions, engine, plain_registry.all_policies())
    again = await rewritten(sessions)
    assert again and {e for _, e in again} == {ent.id}
    assert {p for p, e in await all_pairs(sessions) if e == ent.id} == {p for p, _ in again}


async def test_a_correction_regrades_its_enterprise(graded: Any, plain_registry: Registry) -> None:
    sessions, engine = graded
    ent = await _graded_enterprise(sessions)
    async with sessions() as s:
        event_id = (
            (
                await s.execute(
                    select(EventRow.id).where(
                        EventRow.enterprise_id == ent.id, EventRow.corrects_id.is_(None)
                    )
                )
            )
            .scalars()
            .first()
        )
        assert event_id is not None
        await ledger.correct_event(
            s, plain_registry.vocabulary, event_id=event_id, action="REVOKE", reason="录入错误"
        )
        await s.commit()
    await grade_everything(sessions, engine, plain_registry.all_policies())
    assert {e for _, e in await rewritten(sessions)} == {ent.id}


async def test_a_parameter_change_regrades_every_subject_under_that_policy(
    graded: Any, plain_registry: Registry
) -> None:
    sessions, engine = graded
    pairs = await all_pairs(sessions)
    policy_id = max({p for p, _ in pairs}, key=lambda p: sum(1 for q, _ in pairs if q == p))
    policy = plain_registry.policy(policy_id)
    name, value = next(
        (p.name, p.value)
        for p in policy.parameters.all()
        if isinstance(p.value, int) and not isinstance(p.value, bool)
    )
    original = policy.parameters
    policy.parameters = original.with_overrides({name: value + 1})
    try:
        await grade_everything(sessions, engine, plain_registry.all_policies())
    finally:
        policy.parameters = original
    again = await rewritten(sessions)
    assert {p for p, _ in again} == {policy_id}
    assert again == {(p, e) for p, e in await all_pairs(sessions) if p == policy_id}


async def test_missing_standing_grades_are_graded_again(
    graded: Any, plain_registry: Registry
) -> None:
    sessions, engine = graded
    before = await standing(sessions)
    ent = await _graded_enterprise(sessions)
    async with sessions() as s:
        await s.execute(delete(StandingGradeRow).where(StandingGradeRow.enterprise_id == ent.id))
        await s.commit()
    await grade_everything(sessions, engine, plain_registry.all_policies())
    assert {e for _, e in await rewritten(sessions)} == {ent.id}
    assert await standing(sessions) == before


async def test_grade_jobs_gives_the_grades_of_one_process(graded: Any, database_url: str) -> None:
    sessions, _engine = graded
    before = await standing(sessions)
    qcredit = str(Path(sys.executable).with_name("qcredit"))
    proc = await asyncio.create_subprocess_exec(
        *(qcredit, "grade", "--jobs", "2", "--force", "--database", database_url),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "COLUMNS": "200"},
        cwd=REPO,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=300)
    assert proc.returncode == 0, err.decode()
    if database_url.startswith("sqlite"):
        assert "one process" in out.decode() + err.decode()
    assert await standing(sessions) == before
    assert await rewritten(sessions) == await all_pairs(sessions)


async def test_an_initial_load_graded_by_two_processes_grades_as_one(
    app: Any,
    empty: None,
    db_engine: Any,
    database_url: str,
    plain_registry: Registry,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``qcredit import`` grades an initial load with one process per core on PostgreSQL (the
    work queue of ``qcredit grade --jobs``); SQLite grades it in one.  Either way the standing
    grades are those of one process grading the same ledger."""
    from qcredit.core.ledger import importer

    jobs: list[int] = []
    in_processes = importer.grade_in_processes

    async def counted(*args: Any, **kwargs: Any) -> int:
        jobs.append(args[5])
        return await in_processes(*args, **kwargs)

    monkeypatch.setattr(importer, "grade_in_processes", counted)
    sessions = sessionmaker(db_engine)
    engine = Engine(plain_registry)
    items = list(enumerate(synth(plain_registry, 30), start=1))
    report = await import_records_bulk(
        sessions, engine, items, grade_jobs=2, database_url=database_url
    )
    assert not report.rejected
    assert jobs == ([] if database_url.startswith("sqlite") else [2])
    by_jobs = await standing(sessions)
    assert by_jobs, "the load was graded"
    async with sessions() as s:
        await s.execute(delete(StandingGradeRow))
        await s.commit()
    await grade_everything(sessions, engine, plain_registry.all_policies(), force=True)
    assert await standing(sessions) == by_jobs
