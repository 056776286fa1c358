"""``qcredit grade``: re-grade every subject and print the standing grades per level."""

from __future__ import annotations

import argparse
import asyncio
import time
from datetime import date
from typing import Any

from qcredit.api.cli.common import (
    Subparsers,
    console,
    database,
    opened,
    out,
    progress,
    with_db,
)
from qcredit.core import clock
from qcredit.core.policy import Policy
from rich.table import Table


def register(sub: Subparsers) -> None:
    g = with_db(sub.add_parser("grade", help="re-grade every subject"))
    g.add_argument("--policy", help="one policy id (default: all)")
    g.add_argument(
        "--as-of", help="YYYY-MM-DD (default: today, or the last day of an expired policy)"
    )
    g.add_argument(
        "--jobs",
        type=int,
        default=1,
        help="worker processes sharing the re-grade (PostgreSQL; SQLite grades in one)",
    )
    g.add_argument(
        "--force",
        action="store_true",
        help="grade every subject, even those whose inputs did not change",
    )
    g.set_defaults(func=run)


def _check_dates(policies: list[Policy], as_of: date | None) -> None:
    """A given date must be in force; without one, say which policies grade on another day."""
    from qcredit.core.grading.engine import standing_date

    for p in policies:
        if as_of is not None:
            p.check_in_force(as_of)
            continue
        on = standing_date(p, clock.today())
        if on is None:
            console.print(f"{p.id}: not yet in force (from {p.effective_from})")
        elif on != clock.today():
            console.print(f"{p.id}: expired on {p.effective_until}; graded as of {on}")


async def _grade(args: argparse.Namespace, as_of: date | None) -> tuple[int, list[Any]]:
    from qcredit.core.grading.run import grade_everything, level_summary

    async with opened(args) as (sessions, engine):
        registry = engine.registry
        policies = [registry.policy(args.policy)] if args.policy else registry.all_policies()
        _check_dates(policies, as_of)
        jobs = max(1, args.jobs)
        if jobs > 1 and database(args).startswith("sqlite"):
            # One writer at a time: more processes would only wait for each other's locks.
            console.print("SQLite: grading in one process (--jobs applies to PostgreSQL)")
            jobs = 1
        if jobs > 1:
            from qcredit.core.grading.run import grade_in_processes

            with console.status(f"grading with {jobs} processes"):
                count = await grade_in_processes(
                    database(args), sessions, registry, policies, as_of, jobs, force=args.force
                )
            async with sessions() as s:
                return count, await level_summary(s, registry, policies)
        with progress() as bar:
            task = bar.add_task("grading", total=None)
            count = await grade_everything(
                sessions,
                engine,
                policies,
                as_of,
                progress=lambda n, total: bar.update(task, completed=n, total=total),
                force=args.force,
            )
        async with sessions() as s:
            return count, await level_summary(s, registry, policies)


def run(args: argparse.Namespace) -> int:
    as_of = date.fromisoformat(args.as_of) if args.as_of else None
    started = time.perf_counter()
    count, summary = asyncio.run(_grade(args, as_of))
    took = time.perf_counter() - started
    table = Table(title=f"standing grades ({count} enterprises graded in {took:.1f}s)")
    for col in ("policy", "subject", "level", "label", "count"):
        table.add_column(col)
    for row in summary:
        table.add_row(*[str(c) for c in row])
    out.print(table)
    return 0
