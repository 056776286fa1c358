"""The dashboard's distribution and trend: what it asked before ``levelCounts``, what it asks now.

    .venv/bin/qcredit synth --size S --seed 1 --database sqlite:////tmp/qc_s.db
    .venv/bin/python bench/level_counts.py --database sqlite:////tmp/qc_s.db --region 330400

In process (ASGI, no network), as ADMIN.  Distribution: one aliased ``totalCount`` per
enterprise level, against one ``levelCounts``.  Trend: eight ``regionMap(asOf:)`` at the last
quarter-ends (what ``loadTrend`` sent; a policy without a map sent ``simulate``, which grades
twice), against one ``levelCounts(groupBy: [QUARTER])`` — cold (the quarter-ends graded and
stored) and warm (read back).  The warm figure is the one a dashboard sees after the first
visit, until an event in the region invalidates what it rests on.  Name search: a 3-character
``nameContains`` through the index, against the same ``LIKE '%…%'`` scan.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import sys
import time
from typing import Any

# bench/http.py is named like the standard library's ``http``, which httpx imports: keep this
# directory (for ``_common``) behind the standard library on the path.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _HERE] + [_HERE]

import httpx  # noqa: E402
from _common import parser  # noqa: E402
from qcredit.api.app import create_app  # noqa: E402
from qcredit.api.settings import Settings  # noqa: E402
from qcredit.core import clock  # noqa: E402
from qcredit.core.disclosure.tokens import create_token  # noqa: E402
from qcredit.core.model import SubjectType  # noqa: E402
from qcredit.core.plugins import Registry  # noqa: E402
from qcredit.core.store.tables import AssessmentRow, EnterpriseRow  # noqa: E402
from sqlalchemy import delete, func, select  # noqa: E402


def quarter_ends(today: dt.date, n: int) -> list[dt.date]:
    """The last days of the ``n`` quarters before today's, oldest first (as dashboard.js)."""
    first_of_quarter = dt.date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    out = []
    for _ in range(n):
        end = first_of_quarter - dt.timedelta(days=1)
        out.insert(0, end)
        first_of_quarter = dt.date(end.year, (end.month - 1) // 3 * 3 + 1, 1)
    return out


async def timed(client: httpx.AsyncClient, query: str, variables: dict[str, Any]) -> float:
    start = time.perf_counter()
    response = await client.post("/graphql", json={"query": query, "variables": variables})
    elapsed = time.perf_counter() - start
    body = response.json()
    if body.get("errors"):
        raise SystemExit(f"{body['errors'][0]['message']}")
    return elapsed * 1000


async def main() -> None:
    p = parser(__doc__ or "")
    p.add_argument("--policy", default="jiaxing")
    p.add_argument("--region", default="330400")
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args()
    registry = Registry.load()
    policy = registry.policy(args.policy)
    app = create_app(
        Settings(
            database_url=args.database,
            migrate_on_start=False,
            rate_limit_per_minute=0,
            response_cache_entries=0,
        ),
        registry=registry,
    )
    async with app.state.services.sessions() as s:
        token, _ = await create_token(s, role="ADMIN")
        enterprises = (await s.execute(select(func.count()).select_from(EnterpriseRow))).scalar()
        await s.commit()
    headers = {"Authorization": f"Bearer {token}"}
    transport = httpx.ASGITransport(app=app)
    v = {"p": policy.id, "r": args.region}
    async with httpx.AsyncClient(
        transport=transport, base_url="http://bench", headers=headers, timeout=600
    ) as client:
        levels = [lv.code for lv in policy.levels_for(SubjectType.ENTERPRISE)]
        aliases = "\n".join(
            f'l{i}: enterprises(filter: {{policy: $p, regionCode: $r, level: "{lv}"}}, first: 1)'
            " { totalCount }"
            for i, lv in enumerate(levels)
        )
        old_dist = f"query($p: String!, $r: String!) {{ {aliases} }}"
        new_dist = """query($p: String!, $r: String!) { levelCounts(policy: $p, regionCode: $r) {
          total counts { level count } } }"""
        ends = [d for d in quarter_ends(clock.today(), 8) if policy.in_force(d)]
        maps = "\n".join(
            f'q{i}: regionMap(policy: $p, regionCode: $r, asOf: "{d}") '
            "{ region { counts { level count } } }"
            for i, d in enumerate(ends)
        )
        old_trend = f"query($p: String!, $r: String!) {{ {maps} }}"
        new_trend = """query($p: String!, $r: String!, $f: Date!, $d: Date!) { levelCounts(
          policy: $p, regionCode: $r, groupBy: [QUARTER], from: $f, asOf: $d) {
          periods counts { level periodEnd count } } }"""
        tv = {**v, "f": ends[0].isoformat(), "d": ends[-1].isoformat()}
        print(f"{enterprises} enterprises; {policy.id} {args.region}; {len(ends)} quarter-ends")
        for name, query, variables in (
            ("distribution, one totalCount per level", old_dist, v),
            ("distribution, levelCounts", new_dist, v),
            ("trend, regionMap(asOf:) per quarter-end", old_trend, v),
        ):
            ms = [await timed(client, query, variables) for _ in range(args.repeat)]
            print(f"{name:48s} best {min(ms):9.1f} ms")
        cold = []
        for _ in range(args.repeat):
            async with app.state.services.sessions() as s:
                await s.execute(delete(AssessmentRow).where(AssessmentRow.as_of.in_(ends)))
                await s.commit()
            cold.append(await timed(client, new_trend, tv))
        print(f"{'trend, levelCounts QUARTER (cold: grades, stores)':48s} best {min(cold):9.1f} ms")
        warm = [await timed(client, new_trend, tv) for _ in range(args.repeat)]
        print(f"{'trend, levelCounts QUARTER (warm: reads)':48s} best {min(warm):9.1f} ms")
        search = """query($q: String!) { enterprises(filter: {nameContains: $q}, first: 20) {
          totalCount nodes { code } } }"""
        async with app.state.services.sessions() as s:
            name = (await s.execute(select(EnterpriseRow.name).limit(1))).scalar() or "企业企业"
        fragment = name[1:4]
        ms = [await timed(client, search, {"q": fragment}) for _ in range(args.repeat)]
        print(f"{'name search ' + fragment + ' (index)':48s} best {min(ms):9.1f} ms")
        short = [await timed(client, search, {"q": fragment[:2]}) for _ in range(args.repeat)]
        print(
            f"{'name search ' + fragment[:2] + ' (2 characters: scan)':48s} "
            f"best {min(short):9.1f} ms"
        )
    await app.state.db_engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
