"""What every ``qcredit`` command shares: the two consoles, the database option, the progress bar
and an opened database with the registry and the grading engine."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from qcredit.core.grading.engine import Engine
from qcredit.core.store.db import DATABASE_ENV, default_url
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

console = Console(stderr=True)  # messages and progress
out = Console()  # the result a script reads

Subparsers = Any  # argparse's private _SubParsersAction
Register = Callable[[argparse.ArgumentParser], argparse.ArgumentParser]


def with_db(sp: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the ``--database`` option to a command."""
    sp.add_argument(
        "--database",
        help=f"database URL (default: ${DATABASE_ENV} or "
        "./qcredit.db), e.g. postgresql://user@host:5432/db",
    )
    return sp


def database(args: argparse.Namespace) -> str:
    """The database URL, also exported so that code reading the environment agrees."""
    url = getattr(args, "database", None) or default_url()
    os.environ[DATABASE_ENV] = url
    return url


class CannotStart(Exception):
    """The command cannot run for a reason outside it (a port in use …); said in one line."""


def progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=not console.is_terminal and os.environ.get("CI") == "true",
    )


@asynccontextmanager
async def opened(
    args: argparse.Namespace,
) -> AsyncIterator[tuple[async_sessionmaker[AsyncSession], Engine]]:
    """The database of ``--database``, migrated, with the installed policies' engine."""
    from qcredit.core.plugins import Registry
    from qcredit.core.store.db import check_reachable, create_engine, sessionmaker
    from qcredit.core.store.migrate import upgrade

    url = database(args)
    await check_reachable(url)
    db = create_engine(url)
    try:
        await upgrade(db)
        yield sessionmaker(db), Engine(Registry.load())
    finally:
        await db.dispose()


async def load_records(
    load: Callable[..., Awaitable[Any]],
    sessions: async_sessionmaker[AsyncSession],
    engine: Engine,
    records: Iterable[Any],
    *,
    label: str,
    total: int | None,
    batch_size: int,
    regrade: bool,
) -> Any:
    """Records through ``load`` (core/ledger/importer.py: one by one or bulk) under a progress
    bar; the import report."""
    with progress() as bar:
        task = bar.add_task(label, total=total)
        return await load(
            sessions,
            engine,
            records,
            batch_size=batch_size,
            regrade=regrade,
            progress=lambda n: bar.advance(task, n),
        )


def print_rejections(report: Any) -> None:
    """The first 200 rejected rows of an import report, as a table."""
    if not report.rejected:
        return
    table = Table(title=f"{len(report.rejected)} rejected rows")
    for col in ("line", "code", "field", "reason"):
        table.add_column(col)
    for r in report.rejected[:200]:
        table.add_row(str(r.line), r.code, r.field or "", r.message)
    console.print(table)
    if len(report.rejected) > 200:
        console.print(f"… and {len(report.rejected) - 200} more")


def write_output(data: bytes, output: str | None) -> None:
    """To the file ``--output`` names, or standard output for none or ``-``."""
    if output in (None, "-"):
        sys.stdout.buffer.write(data)
    else:
        Path(output).write_bytes(data)
