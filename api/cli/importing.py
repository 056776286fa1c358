"""``qcredit import FILE``: CSV or JSON Lines records into the ledger."""

from __future__ import annotations

import argparse
import asyncio
import time
from pathlib import Path
from typing import Any

from qcredit.api.cli import common
from qcredit.api.cli.common import Subparsers, console, with_db


def register(sub: Subparsers) -> None:
    i = with_db(sub.add_parser("import", help="import CSV or JSON Lines"))
    i.add_argument("file")
    i.add_argument("--format", choices=["csv", "jsonl"])
    i.add_argument("--batch", type=int, help="records per batch (default 1000; --bulk 20000)")
    i.add_argument("--bulk", action="store_true", help="bulk path: COPY on PostgreSQL")
    i.add_argument("--no-regrade", action="store_true", help="load only; grade later")
    i.add_argument("--strict", action="store_true", help="exit 1 when any row is rejected")
    i.set_defaults(func=run)


async def _load(args: argparse.Namespace, path: Path) -> Any:
    from qcredit.core.ledger.importer import import_records, import_records_bulk, read_records

    async with common.opened(args) as (sessions, engine):
        # --bulk: the same checks and verdicts, written by COPY / executemany (core/bulk.py).
        return await common.load_records(
            import_records_bulk if args.bulk else import_records,
            sessions,
            engine,
            read_records(path, args.format),
            label=f"importing {path.name}",
            total=sum(1 for _ in read_records(path, args.format)),
            batch_size=args.batch if args.batch else (20_000 if args.bulk else 1000),
            regrade=not args.no_regrade,
        )


def run(args: argparse.Namespace) -> int:
    path = Path(args.file)
    if not path.exists():
        console.print(f"[red]no file {path}")
        return 2
    started = time.perf_counter()
    report = asyncio.run(_load(args, path))
    took = time.perf_counter() - started
    console.print(
        f"accepted {report.accepted} ({report.by_type}), already present "
        f"{report.duplicates}, rejected {len(report.rejected)} in {took:.1f}s"
    )
    common.print_rejections(report)
    return 1 if report.rejected and args.strict else 0
