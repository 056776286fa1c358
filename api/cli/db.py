"""``qcredit db upgrade``: apply the migrations."""

from __future__ import annotations

import argparse
import asyncio

from qcredit.api.cli.common import Subparsers, console, database, with_db


def register(sub: Subparsers) -> None:
    db = sub.add_parser("db", help="database maintenance")
    dbsub = db.add_subparsers(dest="db_command", required=True)
    with_db(dbsub.add_parser("upgrade", help="apply migrations")).set_defaults(func=upgrade)


def upgrade(args: argparse.Namespace) -> int:
    from qcredit.core.store import migrate
    from qcredit.core.store.db import check_reachable, create_engine

    async def run() -> str | None:
        url = database(args)
        await check_reachable(url)
        engine = create_engine(url)
        await migrate.upgrade(engine)
        rev = await migrate.current_revision(engine)
        await engine.dispose()
        return rev

    console.print(f"database at revision {asyncio.run(run())}")
    return 0
