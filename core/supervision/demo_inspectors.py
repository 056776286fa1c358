"""Demo inspectors: twelve for each region a loaded policy covers, and two declared conflicts of
interest, so that a demo plan draws inspectors (双随机) and shows conflicts honoured."""

from __future__ import annotations

from qcredit.core.identifiers import region_prefix
from qcredit.core.plugins import Registry
from qcredit.core.store import versioning
from qcredit.core.store.tables import EnterpriseRow, InspectorRow
from qcredit.core.supervision.plans import roster
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["伟", "芳", "娜", "敏", "静", "磊", "洋", "勇", "艳", "杰", "军", "强"]


async def register_demo_inspectors(
    sessions: async_sessionmaker[AsyncSession], registry: Registry
) -> None:
    """The region's first inspector declares a conflict with its first two enterprises.

    Written as one batch (a demo has a couple of thousand inspectors; one statement each was most
    of ``qcredit demo`` after its records); a run on a loaded demo updates them in place."""
    async with sessions() as s:
        known = {r.code: r for r in (await s.execute(select(InspectorRow))).scalars()}
        first_of: dict[str, InspectorRow] = {}
        for policy in registry.all_policies():
            for region in policy.region_codes:
                for n in range(12):
                    code = f"{region}-{n + 1:02d}"
                    name = SURNAMES[(n * 7 + len(region)) % len(SURNAMES)] + GIVEN[n]
                    row = known.get(code)
                    if row is None:
                        row = known[code] = InspectorRow(code=code, region_code=region)
                        s.add(row)
                    row.name, row.region_code, row.active = f"{name}（{region}）", region, True
                    first_of.setdefault(region, row)
        await s.flush()
        await versioning.bump(s)
        for region, inspector in first_of.items():
            first = (
                await s.execute(
                    select(EnterpriseRow)
                    .where(EnterpriseRow.region_code.startswith(region_prefix(region)))
                    .order_by(EnterpriseRow.id)
                    .limit(2)
                )
            ).scalars()
            for ent in first.all():
                await roster.declare_conflict(s, inspector, ent, "亲属在该企业任职")
        await s.commit()
