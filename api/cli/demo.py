"""``qcredit demo``: every policy's demo records, graded, with inspectors and a local token."""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

from qcredit.api.cli import common
from qcredit.api.cli.common import Subparsers, console, with_db
from qcredit.core import clock


def register(sub: Subparsers) -> None:
    with_db(sub.add_parser("demo", help="load the demo dataset")).set_defaults(func=run)


async def _load(args: argparse.Namespace, numbered: list[tuple[int, Any]]) -> tuple[Any, str]:
    from qcredit.core.disclosure.tokens import create_token
    from qcredit.core.grading.run import grade_everything
    from qcredit.core.ledger.importer import import_records_bulk
    from qcredit.core.supervision.demo_inspectors import register_demo_inspectors

    async with common.opened(args) as (sessions, engine):
        # Load everything through the bulk path (one batch: the same verdicts as per record),
        # then grade once; `make serve` waits for this.
        report = await common.load_records(
            import_records_bulk,
            sessions,
            engine,
            numbered,
            label="loading demo data",
            total=len(numbered),
            batch_size=20_000,
            regrade=False,
        )
        await grade_everything(sessions, engine, engine.registry.all_policies())
        await register_demo_inspectors(sessions, engine.registry)
        # Most grades are not public: a local token lets a developer see them in GraphiQL.
        async with sessions() as s:
            token, _ = await create_token(s, role="ADMIN", expires_days=30, label="demo")
            await s.commit()
    return report, token


def run(args: argparse.Namespace) -> int:
    from qcredit.core.plugins import Registry

    numbered = list(enumerate(Registry.load().demo_records(clock.today()), start=1))
    started = time.perf_counter()
    report, token = asyncio.run(_load(args, numbered))
    console.print(
        "demo ADMIN token (30 days; in GraphiQL's Headers pane put "
        f'{{"Authorization": "Bearer {token}"}}):\n{token}'
    )
    console.print(
        f"demo: {report.accepted} records loaded ({report.by_type}), "
        f"{report.duplicates} already present, in {time.perf_counter() - started:.1f}s"
    )
    common.print_rejections(report)
    return 1 if report.rejected else 0
