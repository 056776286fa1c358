"""Database URLs and engines.

Users give plain URLs (``sqlite:///qcredit.db``, ``postgresql://user@host:5432/db``); the project
chooses the async driver (aiosqlite, asyncpg), so nobody has to know SQLAlchemy's dialect names.
"""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path
from typing import Any

import orjson
from qcredit.core.errors import InvalidInput
from qcredit.core.store.driver import ReadSession
from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import DBAPIError
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


class DatabaseUnavailable(Exception):
    """The database cannot be used: the message names it (never its password) and the cause,
    in one line for the person starting the server."""


def shown(raw: str) -> str:
    """The URL as it may be printed: the password masked."""
    try:
        return make_url(raw).render_as_string(hide_password=True)
    except Exception:
        return raw


def _cause(exc: BaseException) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, socket.gaierror):
        return "unknown host"
    if isinstance(exc, TimeoutError):
        return "timed out"
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        exc = exc.orig
    text = (exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)) or repr(exc)
    return text.strip().splitlines()[0]


async def check_reachable(raw: str) -> None:
    """Connect once, or raise :class:`DatabaseUnavailable` saying why (refused, unknown host,
    no such database, wrong role …)."""
    url = async_url(raw)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        folder = Path(url.database).expanduser().resolve().parent
        if not folder.is_dir():  # checked first: aiosqlite's failure leaves a thread behind
            raise DatabaseUnavailable(
                f"cannot open the database at {shown(raw)}: no directory {folder}"
            )
    engine = create_engine(raw)
    try:
        async with engine.connect():
            pass
    except (OSError, DBAPIError) as exc:
        raise DatabaseUnavailable(
            f"cannot reach the database at {shown(raw)}: {_cause(exc)}"
        ) from exc
    finally:
        await engine.dispose()


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


def json_loads(text: str | bytes) -> Any:
    """Stored JSON back to values. Stored assessments are JSON columns read on every uncached
    request, and orjson decodes them several times faster than the standard library; what orjson
    refuses but ``json.dumps`` may have written (``NaN``, integers past 64 bits, in a SQLite
    file) is read by the standard library, so no stored row becomes unreadable."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def json_dumps(value: Any) -> str:
    """Values to stored JSON: a grading writes one assessment payload per subject, and the
    standard library's encoder was a twentieth of a first grading's time.  What orjson refuses
    (a key that is not a string, an integer past 64 bits) goes through the standard library,
    which wrote every column before."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return json.dumps(value)


def create_engine(raw: str | None = None, **kwargs: object) -> AsyncEngine:
    url = async_url(raw or default_url())
    kwargs.setdefault("json_deserializer", json_loads)
    kwargs.setdefault("json_serializer", json_dumps)
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


def read_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions for a read (a GraphQL query): on PostgreSQL without BEGIN and COMMIT, each
    statement its own transaction, as it already sees its own snapshot under READ COMMITTED
    (through asyncpg, a :class:`~qcredit.core.store.driver.ReadSession`).
    That is two round trips of a one-enterprise lookup's five; what a read writes (its audit
    entry, the gradings it stored) is one statement each.  SQLite's driver begins a transaction
    only before a write anyway, so there the sessions are the ordinary ones."""
    if engine.dialect.name != "postgresql":
        return sessionmaker(engine)
    autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
    if engine.dialect.driver == "asyncpg":  # its driver statements on a borrowed connection
        return async_sessionmaker(autocommit, expire_on_commit=False, class_=ReadSession)
    return sessionmaker(autocommit)
