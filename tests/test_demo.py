"""`qcredit demo` then `qcredit grade`: every level of every policy appears (issue: the five
policies, "Done when"), on SQLite and on PostgreSQL, and loading the demo twice adds nothing."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from qcredit.api.cli import main
from qcredit.core.model import SubjectType
from qcredit.core.plugins import Registry
from qcredit.core.store.db import create_engine
from qcredit.core.store.migrate import upgrade
from qcredit.core.store.tables import Base, EventRow, StandingGradeRow
from sqlalchemy import func, select


async def _reset(url: str) -> None:
    engine = create_engine(url)
    await upgrade(engine)
    async with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            await conn.execute(table.delete())
    await engine.dispose()


async def _levels(url: str) -> tuple[set[tuple[str, str, str]], int]:
    engine = create_engine(url)
    async with engine.connect() as conn:
        rows = await conn.execute(
            select(
                StandingGradeRow.policy_id, StandingGradeRow.subject_type, StandingGradeRow.level
            ).distinct()
        )
        found = {(p, s, lv) for p, s, lv in rows}
        events = (await conn.execute(select(func.count()).select_from(EventRow))).scalar_one()
    await engine.dispose()
    return found, events


@pytest.fixture(scope="module")
def demo_database(demo_database_url: str) -> str:
    assert main(["grade", "--database", demo_database_url]) == 0
    return demo_database_url


def test_every_level_of_every_policy_appears(demo_database: str) -> None:
    found, _ = asyncio.run(_levels(demo_database))
    registry = Registry.load()
    missing = []
    for policy in registry.all_policies():
        for subject_type in sorted(policy.subject_types):
            for level in policy.levels_for(SubjectType(subject_type)):
                if (policy.id, subject_type.value, level.code) not in found:
                    missing.append(f"{policy.id} {subject_type.value} {level.code}")
    assert not missing, f"levels never reached by the demo: {missing}"


def test_loading_the_demo_again_adds_nothing(demo_database: str, capsys: Any) -> None:
    _, before = asyncio.run(_levels(demo_database))
    assert main(["demo", "--database", demo_database]) == 0
    _, after = asyncio.run(_levels(demo_database))
    assert after == before
