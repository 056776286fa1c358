"""Database URLs and engines.

Users give plain URLs (``sqlite:///qcredit.db``, ``postgresql://user@host:5432/db``); the project
chooses the async driver (aiosqlite, asyncpg), so nobody has to know SQLAlchemy's dialect names.
"""

from __future__ import annotations

import os
from pathlib import Path

from qcredit.core.errors import InvalidInput
from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry

DATABASE_ENV = "QCREDIT_DATABASE_URL"
DEFAULT_SQLITE_FILE = "qcredit.db"

_ASYNC_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
}


def default_url() -> str:
    """``QCREDIT_DATABASE_URL``, else a SQLite file in the working directory."""
    return os.environ.get(DATABASE_ENV) or f"sqlite:///{Path.cwd() / DEFAULT_SQLITE_FILE}"


def async_url(raw: str) -> URL:
    """The URL with this project's async driver for its database."""
    try:
        url = make_url(raw)
    except Exception as exc:
        raise InvalidInput(f"not a database URL: {raw!r}", field="database") from exc
    backend = url.get_backend_name()
    if backend not in _ASYNC_DRIVERS:
        raise InvalidInput(
            f"unsupported database {backend!r}; use sqlite:///FILE or postgresql://…",
            field="database",
        )
    return url.set(drivername=_ASYNC_DRIVERS[backend])


def create_engine(raw: str | None = None, **kwargs: object) -> AsyncEngine:
    url = async_url(raw or default_url())
    if url.get_backend_name() == "sqlite":
        engine = create_async_engine(url, **kwargs)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(
            dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry
        ) -> None:
            # WAL lets readers go on while one writer writes; foreign keys are off by default.
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 10)
    return create_async_engine(url, **kwargs)


def sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
