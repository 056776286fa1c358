"""Role × policy × level × field: who sees which grade, for every level of every policy.

Generated over the demo data (every level of every policy is present there).  For each cell
the expected answer comes from the policy texts where they speak (PUBLIC and DEPARTMENT tables
below, article by article) and, for the other audiences, from the rule every role maps to:
the bureau in charge and ADMIN see everything; an enterprise sees its own grades as SUBJECT and
others' as PUBLIC; a regulator of another region is a partner department.  A hidden cell must
answer ``null`` with ``FORBIDDEN`` and carry none of level, score, reasons, measures or details.
No disclosure request is approved in the demo, so anything that needs a review stays hidden.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from qcredit.api.app import create_app
from qcredit.api.settings import Settings
from qcredit.core import clock
from qcredit.core.disclosure.tokens import create_token
from qcredit.core.grading.engine import standing_date
from qcredit.core.store.tables import EnterpriseRow, StandingGradeRow
from sqlalchemy import select

# What the texts say the public may see without any review (level → visible).
PUBLIC_FROM_TEXT = {
    "haojiang": {"A": True, "B": False, "C": False, "D": False, "O": False},  # 四（一）
    "jiamusi": {"A": False, "B": False, "C": False, "D": False, "N": False},  # 三（五）, 五（三）
    "wugang": {"A": False, "B": False, "C": False, "D": False},  # silent → not public
    "bingtuan": {"A": False, "B": False, "C": False, "D": False},  # 第七条 deleted → silent
    "jiaxing": {lv: False for lv in ("AA", "A", "B", "C", "GENERAL", "ELEVATED", "HIGH")},
}
# Partner departments without any review.
DEPARTMENT_FROM_TEXT = {
    "haojiang": {"A": True, "B": True, "C": True, "D": True, "O": True},  # 四（三）
    # 五（三）; A and D only after review
    "jiamusi": {"A": False, "B": False, "C": False, "D": False, "N": False},
    "jiaxing": {lv: True for lv in ("AA", "A", "B", "C", "GENERAL", "ELEVATED", "HIGH")},
    "wugang": {"A": False, "B": False, "C": False, "D": False},  # after the bureau's review
    "bingtuan": {"A": False, "B": False, "C": False, "D": False},  # 第五条, after review
}
ROLES = [
    "public",
    "own-subject",
    "other-subject",
    "department",
    "industry",
    "regulator",
    "regulator-elsewhere",
    "reviewer",
    "admin",
]
FIELDS = (
    "level score reasons { text } whyNotBetter { text } supervision { kind } "
    "publicity { audience } details"
)


def expected(policy: str, level: str, role: str, industry_rule: bool) -> bool:
    if role in ("regulator", "reviewer", "admin", "own-subject"):
        return True
    if role in ("public", "other-subject"):
        return PUBLIC_FROM_TEXT[policy][level]
    if role in ("department", "regulator-elsewhere"):
        return DEPARTMENT_FROM_TEXT[policy][level]
    return industry_rule  # INDUSTRY: checked against the policy's own declaration


async def _cells(url: str) -> list[dict[str, Any]]:
    from qcredit.core.store.db import create_engine

    engine = create_engine(url)
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                select(
                    StandingGradeRow.policy_id,
                    StandingGradeRow.subject_type,
                    StandingGradeRow.subject_id,
                    StandingGradeRow.level,
                    StandingGradeRow.as_of,
                    StandingGradeRow.open_to,
                    EnterpriseRow.code,
                    EnterpriseRow.region_code,
                )
                .join(EnterpriseRow, EnterpriseRow.id == StandingGradeRow.enterprise_id)
                .order_by(
                    StandingGradeRow.policy_id,
                    StandingGradeRow.subject_type,
                    StandingGradeRow.level,
                    StandingGradeRow.subject_id,
                )
            )
        ).all()
    await engine.dispose()
    cells: dict[tuple[str, str, str], dict[str, Any]] = {}
    for policy, st, sid, level, as_of, open_to, code, region in rows:
        cells.setdefault(
            (policy, st, level),
            {
                "policy": policy,
                "subject_type": st,
                "subject_id": sid,
                "level": level,
                "as_of": as_of.isoformat(),
                "code": code,
                "region": region,
                "industry": "INDUSTRY" in open_to.split(","),
            },
        )
    return list(cells.values())


@pytest.fixture(scope="module")
async def matrix_app(demo_database_url: str, registry: Any) -> Any:
    app = create_app(
        Settings(database_url=demo_database_url, migrate_on_start=False, rate_limit_per_minute=0),
        registry=registry,
    )
    yield app
    await app.state.db_engine.dispose()


async def _token(app: Any, **spec: Any) -> str:
    async with app.state.services.sessions() as s:
        token, _ = await create_token(s, **spec)
        await s.commit()
    return token


def _query(cell: dict[str, Any]) -> str:
    if cell["subject_type"] == "PRODUCT":
        from strawberry.relay import to_base64

        pid = to_base64("Product", cell["subject_id"])
        head = f'product(id: "{pid}")'
    else:
        head = f'enterprise(code: "{cell["code"]}")'
    return (
        f'{{ {head} {{ assessment(policy: "{cell["policy"]}", asOf: "{cell["as_of"]}") '
        f"{{ {FIELDS} }} }} }}"
    )


async def test_every_cell_of_the_matrix(
    matrix_app: Any, demo_database_url: str, registry: Any
) -> None:
    cells = await _cells(demo_database_url)
    # Every level of every policy is a row of the matrix.
    for policy in registry.all_policies():
        if policy.id not in PUBLIC_FROM_TEXT:
            continue  # the core tests' own policy has no demo data
        for level in {lv.code for lv in policy.levels}:
            assert any(c["policy"] == policy.id and c["level"] == level for c in cells), (
                policy.id,
                level,
            )
    checked = 0
    failures = []
    for cell in [c for c in cells if c["policy"] in PUBLIC_FROM_TEXT]:
        specs: dict[str, dict[str, Any] | None] = {
            "public": None,
            "own-subject": dict(role="SUBJECT", enterprise_code=cell["code"]),
            "other-subject": dict(role="SUBJECT", enterprise_code="911101010000000015"),
            "department": dict(role="DEPARTMENT", department="发展改革委"),
            "industry": dict(role="INDUSTRY"),
            "regulator": dict(role="REGULATOR", regions=[cell["region"]]),
            "regulator-elsewhere": dict(role="REGULATOR", regions=["110000"]),
            "reviewer": dict(role="REVIEWER", regions=[cell["region"]]),
            "admin": dict(role="ADMIN"),
        }
        for role in ROLES:
            spec = specs[role]
            token = await _token(matrix_app, **spec) if spec else None
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=matrix_app), base_url="http://t", headers=headers
            ) as c:
                result = (await c.post("/graphql", json={"query": _query(cell)})).json()
            holder = next(iter(result["data"].values())) if result.get("data") else None
            got = holder.get("assessment") if holder else None
            want = expected(cell["policy"], cell["level"], role, cell["industry"])
            checked += 1
            if want:
                if got is None or got["level"] != cell["level"]:
                    failures.append((cell["policy"], cell["level"], role, "hidden", result))
            else:
                codes = [e["extensions"]["code"] for e in result.get("errors", [])]
                leaked = (
                    got is not None or '"score"' in str(result) or "reasons" in str(result["data"])
                )
                if leaked or codes != ["FORBIDDEN"]:
                    failures.append((cell["policy"], cell["level"], role, "shown", result))
    assert not failures, failures[:5]
    assert checked >= 29 * len(ROLES)
    print(
        f"\n{checked} matrix cells checked ({len(cells)} policy×subject×level rows × "
        f"{len(ROLES)} roles × 7 fields)"
    )


def test_standing_dates_are_today_or_the_last_day_in_force(registry: Any) -> None:
    wugang = registry.policy("wugang")
    assert standing_date(wugang, clock.today()) == wugang.effective_until
    _ = asyncio  # keep the import for readers running pieces of this module by hand
