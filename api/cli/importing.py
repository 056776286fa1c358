"""``qcredit import FILE``: a bureau's spreadsheet (xlsx, CSV in UTF-8 or GBK) or JSON Lines into
the ledger, with its rejected rows written back for the clerk to fix and import again."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from contextlib import AbstractAsyncContextManager, nullcontext
from pathlib import Path
from typing import Any

from qcredit.api.cli import common
from qcredit.api.cli.common import Subparsers, console, with_db
from rich.text import Text

ALL_ACCEPTED, SOME_REJECTED, UNREADABLE = 0, 1, 2
MAX_DEFAULT_JOBS = 4
EXIT_CODES = """exit status:
  0  every row accepted (or already present)
  1  some rows rejected (they are listed, and written to --rejects PATH)
  2  the file cannot be read (missing, empty, not the format it claims, no header row) or bad usage
"""


def register(sub: Subparsers) -> None:
    i = with_db(
        sub.add_parser(
            "import",
            help="import an xlsx, CSV or JSON Lines file",
            description="Import enterprises, products, events and corrections "
            "(docs/import-format.md). Column headers may be Chinese "
            "(统一社会信用代码, 企业名称 …).",
            epilog=EXIT_CODES,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
    )
    i.add_argument("file")
    i.add_argument("--format", choices=["xlsx", "csv", "jsonl"], help="default: from the file")
    i.add_argument(
        "--encoding", help="CSV encoding (default: UTF-8 with or without BOM, else GB18030/GBK)"
    )
    i.add_argument("--dry-run", action="store_true", help="check every row and write nothing")
    i.add_argument(
        "--rejects",
        metavar="PATH",
        help="write the rejected rows, in the input's format, with a 错误原因 column",
    )
    i.add_argument("--batch", type=int, help="records per batch (default 20000; per record 1000)")
    i.add_argument(
        "--bulk", action="store_true", help="accepted and ignored: the bulk path is the default"
    )
    i.add_argument(
        "--per-record",
        action="store_true",
        help="one savepoint per record (slower; the same verdicts as the default bulk path)",
    )
    i.add_argument("--no-regrade", action="store_true", help="load only; grade later")
    i.add_argument(
        "--jobs",
        type=int,
        help="processes grading an initial load (PostgreSQL; default: one per core, at most "
        f"{MAX_DEFAULT_JOBS}; SQLite grades in one)",
    )
    i.add_argument(
        "--strict", action="store_true", help="accepted and ignored: any rejection exits 1"
    )
    i.set_defaults(func=run)


async def _load(args: argparse.Namespace, source: Any) -> Any:
    from qcredit.core.ledger.importer import import_file, rolled_back
    from qcredit.core.ledger.rows import RowReader

    async with common.opened(args) as (sessions, engine):
        reader = RowReader(engine.registry.vocabulary)
        for sheet in source.sheets:
            unknown = [h for h in sheet.headers if h and not reader.known(h)]
            if unknown:
                where = f"工作表 {sheet.name}：" if sheet.name else ""
                _say(f"{where}忽略不认识的列 {'、'.join(unknown)}")
        for name in source.skipped:
            _say(f"工作表 {name} 的第一行没有可识别的列名，已跳过")
        scope: AbstractAsyncContextManager[Any] = (
            rolled_back(sessions) if args.dry_run else nullcontext(sessions)
        )
        async with scope as target:
            with common.progress() as bar:
                task = bar.add_task(f"importing {source.path.name}", total=source.total)
                return await import_file(
                    target,
                    engine,
                    source,
                    bulk=not args.per_record,
                    batch_size=args.batch,
                    regrade=not (args.no_regrade or args.dry_run),
                    defer_indexes=not args.dry_run,  # a dry run writes nothing to index
                    progress=lambda n: bar.advance(task, n),
                    grade_jobs=_jobs(args),
                    database_url=common.database(args),
                )


def _jobs(args: argparse.Namespace) -> int:
    """Grading processes for an initial load: as asked, else one per core (a first load is a
    batch job on a machine given to it); SQLite grades in one whatever is asked."""
    from qcredit.core.store.db import async_url

    if async_url(common.database(args)).get_backend_name() == "sqlite":
        return 1
    if args.jobs is not None:
        return max(1, int(args.jobs))
    return max(1, min(os.cpu_count() or 1, MAX_DEFAULT_JOBS))


def run(args: argparse.Namespace) -> int:
    from qcredit.core.ledger.headers import TYPE_LABELS
    from qcredit.core.ledger.readers import UnreadableFile, open_source
    from qcredit.core.ledger.rejects import write_rejects

    try:
        source = open_source(Path(args.file), args.format, args.encoding)
    except UnreadableFile as exc:
        print(f"qcredit import: {exc}", file=sys.stderr)
        return UNREADABLE
    started = time.perf_counter()
    try:
        result = asyncio.run(_load(args, source))
    except UnreadableFile as exc:  # changed on disk since it was checked
        print(f"qcredit import: {exc}", file=sys.stderr)
        return UNREADABLE
    took = time.perf_counter() - started
    report = result.report
    verb = "试导入（未写入）：可接受" if args.dry_run else "接受"
    types = "，".join(f"{TYPE_LABELS.get(t, t)} {n}" for t, n in report.by_type.items())
    _say(
        f"{source.path.name}：{verb} {report.accepted} 行{f'（{types}）' if types else ''}，"
        f"已存在 {report.duplicates} 行，拒绝 {len(report.rejected)} 行，用时 {took:.1f} 秒"
    )
    _print_rejections(source, report)
    if args.rejects:
        written = write_rejects(source, result.rejected_rows(), args.rejects)
        _say(f"被拒绝的 {written} 行已写入 {args.rejects}（改正后可再次导入）")
    return SOME_REJECTED if report.rejected else ALL_ACCEPTED


def _say(text: str) -> None:
    # Text: the [CODE] of a message is not markup; soft wrap: one line per message, for grep.
    console.print(Text(text), soft_wrap=True)


def _print_rejections(source: Any, report: Any, limit: int = 200) -> None:
    for r in report.rejected[:limit]:
        _say(f"{source.where(r.line)}：{r.message}")
    if len(report.rejected) > limit:
        _say(f"…… 另有 {len(report.rejected) - limit} 行被拒绝（全部见 --rejects 文件）")
