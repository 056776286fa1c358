"""``qcredit synth``: deterministic synthetic data for load tests (core/ledger/synth.py)."""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

from qcredit.api.cli import common
from qcredit.api.cli.common import Subparsers, console, with_db
from qcredit.core import clock


def register(sub: Subparsers) -> None:
    sy = with_db(sub.add_parser("synth", help="load deterministic synthetic data (load tests)"))
    sy.add_argument("--size", choices=["S", "M", "L"], default="S")
    sy.add_argument("--seed", type=int, default=1)
    sy.add_argument("--batch", type=int, default=20_000, help="records per bulk batch")
    sy.add_argument("--no-grade", action="store_true", help="load only; grade later")
    sy.set_defaults(func=run)


async def _load(args: argparse.Namespace) -> tuple[Any, float, float]:
    """The import report, the seconds loading took and those grading took (0 when skipped)."""
    from qcredit.core.grading.run import grade_everything
    from qcredit.core.ledger.importer import import_records_bulk
    from qcredit.core.ledger.synth import Generator

    async with common.opened(args) as (sessions, engine):
        gen = Generator(engine.registry, args.size, args.seed, clock.today())
        started = time.perf_counter()
        report = await common.load_records(
            import_records_bulk,
            sessions,
            engine,
            enumerate(gen.records(), start=1),
            label="loading",
            total=None,
            batch_size=args.batch,
            regrade=False,
        )
        loaded = time.perf_counter() - started
        graded = 0.0
        if not args.no_grade:
            started = time.perf_counter()
            await grade_everything(sessions, engine, engine.registry.all_policies())
            graded = time.perf_counter() - started
    return report, loaded, graded


def run(args: argparse.Namespace) -> int:
    from qcredit.core.ledger.synth import SIZES

    enterprises, products, events = SIZES[args.size]
    console.print(
        f"synth {args.size} (seed {args.seed}): about {enterprises:,} enterprises, "
        f"{products:,} products, {events:,} events"
    )
    report, loaded, graded = asyncio.run(_load(args))
    console.print(
        f"loaded {report.accepted:,} records ({report.by_type}) in {loaded:.1f}s, "
        f"{report.duplicates:,} already present, {len(report.rejected)} rejected"
        + (f"; graded in {graded:.1f}s" if graded else "")
    )
    common.print_rejections(report)
    return 1 if report.rejected else 0
