"""Applying the Alembic migrations, on start and from ``qcredit db upgrade``."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if url:
        cfg.set_main_option("sqlalchemy.url", url)
    return cfg


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the schema of ``engine``'s database to ``revision``."""

    def _run(sync_connection: Connection) -> None:
        cfg = alembic_config()
        cfg.attributes["connection"] = sync_connection
        command.upgrade(cfg, revision)

    async with engine.begin() as conn:
        await conn.run_sync(_run)


async def current_revision(engine: AsyncEngine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    def _read(sync_connection: Connection) -> str | None:
        return MigrationContext.configure(sync_connection).get_current_revision()

    async with engine.connect() as conn:
        return await conn.run_sync(_read)


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def require_current(engine: AsyncEngine, shown_url: str) -> None:
    """Raise :class:`~qcredit.core.store.db.DatabaseUnavailable` unless the schema is at the
    head revision — for a server that does not migrate on start (``QCREDIT_MIGRATE_ON_START=0``)
    and would otherwise fail on its first query."""
    from qcredit.core.store.db import DatabaseUnavailable

    current, head = await current_revision(engine), head_revision()
    if current != head:
        raise DatabaseUnavailable(
            f"the database at {shown_url} is at migration {current or 'none'}, not {head}: "
            "run `qcredit db upgrade` (QCREDIT_MIGRATE_ON_START=0 does not migrate on start)"
        )
