"""The hottest reads run on the driver's own connection (PostgreSQL through asyncpg).

An uncached lookup of one enterprise runs two or three short statements. Most of each one's
CPU went to the session's machinery around the driver's call: the greenlet hop,
connection-for-bind, the execution context, the compiled-cache lookup and result wrapping.
That came to a fifth of the request. Here a built statement is compiled once per dialect, and
its text and parameter order are kept. It runs as ``asyncpg.Connection.fetch`` on the
connection the session already holds: the same connection, snapshot and prepared statement
that ``Session.execute`` would have used.

This is done only where it is exactly equivalent:

* the statement is the session's own: its connection is in autocommit (the read sessions of
  ``db.read_sessionmaker``), or in a transaction SQLAlchemy has already begun on the driver
  (a re-grade's reads of events, after its first statement took the enterprises);
* the statement needs no per-call rendering (no expanding IN: PostgreSQL takes arrays);
* SQLAlchemy would convert no result value. This is checked once per statement, from its
  columns' result processors, for the column types the server reports when it prepares the
  statement. JSON passes: the codec SQLAlchemy installs on every asyncpg connection decodes it.

Parameters go through the types' own bind processors, as with ``Session.execute``. The
engine's ``before_cursor_execute`` and ``after_cursor_execute`` listeners hear each statement.
Anywhere else (SQLite, a transaction SQLAlchemy has not begun yet, a statement that fails the
check) it is ``Session.execute``, and the rows are the same.

A read session (:class:`ReadSession`, made by ``db.read_sessionmaker``) need not hold a
connection of its own for that: it borrows one from the engine's pool, without the Session's
transaction and Connection machinery (about a tenth of an uncached lookup's CPU). Its statements
are autocommit either way, each with its own snapshot, so which pooled connection runs them does
not change what they see. When the session needs a connection of its own (a statement the
driver cannot run), the borrowed one goes back to the pool first: a request never waits for a
second connection while holding one, so a full pool cannot deadlock.

The statement runs through asyncpg's own statement cache, and the check prepares it once by
name. Behind PgBouncer in transaction mode, asyncpg's cache must be off, as it must be for
SQLAlchemy's: ``connect_args={"statement_cache_size": 0}``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import asyncpg
from sqlalchemy import event
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import Session, SessionTransaction
from sqlalchemy.pool import PoolProxiedConnection
from sqlalchemy.sql import ClauseElement, Executable
from sqlalchemy.sql.compiler import SQLCompiler


class Row(asyncpg.Record):
    """A driver row read like SQLAlchemy's: ``row.code`` as well as ``row["code"]``.  A column
    named like one of the record's own methods (``keys``, ``values``, ``items``, ``get``) is
    read by key: its attribute is the method (no table here has one)."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


@dataclass(frozen=True)
class Compiled:
    """A statement's text for one dialect and how to bind its parameters, or ``None`` text
    when it must go through the session."""

    sql: str | None
    names: tuple[str, ...] = ()
    processors: tuple[Callable[[Any], Any] | None, ...] = ()
    # The statement's own value of each parameter (a literal such as a separator), used when
    # the call does not give one; ``_GIVEN`` where the call must.
    defaults: tuple[Any, ...] = ()

    def arguments(self, params: Mapping[str, Any]) -> list[Any]:
        out = []
        for name, process, default in zip(self.names, self.processors, self.defaults, strict=True):
            value = params[name] if default is _GIVEN or name in params else default
            out.append(value if process is None or value is None else process(value))
        return out


_GIVEN = object()


# Keyed by the statement object itself (statements are built once, module-level or cached) and
# the dialect's name; bounded because a caller could build statements per call by mistake.
_COMPILED: dict[tuple[int, str, tuple[str, ...]], tuple[Executable, Compiled]] = {}
_COMPILED_KEPT = 512


def compiled(stmt: Executable, dialect: Dialect, column_keys: tuple[str, ...] = ()) -> Compiled:
    """The driver's text of ``stmt`` (an INSERT of ``column_keys`` only, when given)."""
    key = (id(stmt), dialect.name, column_keys)
    found = _COMPILED.get(key)
    if found is not None and found[0] is stmt:
        return found[1]
    made = _compile(stmt, dialect, column_keys)
    if len(_COMPILED) >= _COMPILED_KEPT:
        _COMPILED.clear()
    _COMPILED[key] = (stmt, made)  # the statement is held, so its id is not reused
    return made


def _compile(stmt: Executable, dialect: Dialect, column_keys: tuple[str, ...]) -> Compiled:
    if dialect.name != "postgresql" or dialect.driver != "asyncpg":
        return Compiled(None)
    assert isinstance(stmt, ClauseElement)
    c = stmt.compile(dialect=dialect, column_keys=list(column_keys) or None)
    assert isinstance(c, SQLCompiler)
    if "POSTCOMPILE" in c.string or c.positiontup is None:
        return Compiled(None)  # rendered per call (expanding IN): the session's path
    names = tuple(c.positiontup)
    processors = tuple(c.binds[n].type.dialect_impl(dialect).bind_processor(dialect) for n in names)
    defaults = tuple(_GIVEN if c.binds[n].required else c.binds[n].effective_value for n in names)
    return Compiled(c.string, names, processors, defaults)


# Where a statement on the driver runs: the dialect, what hears the engine's cursor events (the
# session's Connection, or the engine for a borrowed connection) and the asyncpg connection.
_Held = tuple[Dialect, Any, Any]


async def _driver(session: AsyncSession) -> _Held | None:
    """Where a statement on the driver is the session's own, or ``None`` if nowhere.

    A :class:`ReadSession` with no connection of its own runs it on a borrowed one. On an
    autocommit connection every statement stands alone, so it is always the session's.
    On a connection in a transaction it is the session's only once SQLAlchemy has begun the
    transaction on the driver, which it does at its first statement. Before that, a statement
    on the driver would run outside the transaction. The adapter's ``_transaction`` says which
    applies; if a later SQLAlchemy no longer has it, everything goes through the session.

    The pair is kept with the session's transaction, which holds that one connection until it
    ends, so a request's later statements skip the lookup."""
    sync = session.sync_session
    if isinstance(session, ReadSession) and sync.get_transaction() is None:
        return await session.borrowed()
    kept = sync.info.get(_KEPT)
    if kept is None or kept[0] is not sync.get_transaction():
        if session.get_bind().dialect.driver != "asyncpg":
            return None
        connection = (await session.connection()).sync_connection
        assert connection is not None
        kept = sync.info[_KEPT] = (sync.get_transaction(), connection)
    connection = kept[1]
    fairy = connection.connection  # the pool's proxy of the DBAPI connection
    adapted = fairy.dbapi_connection
    if getattr(adapted, "isolation_level", None) == "autocommit":
        return connection.dialect, connection, fairy.driver_connection
    if getattr(adapted, "_transaction", None) is not None:
        return connection.dialect, connection, fairy.driver_connection
    return None


_KEPT = "qcredit.driver"
_BORROWED = "qcredit.driver.borrowed"
_SPOILT = "qcredit.driver.spoilt"


class _ReadSyncSession(Session):
    """The synchronous side of a :class:`ReadSession` (what its events are registered on)."""


class ReadSession(AsyncSession):
    """A read session on PostgreSQL through asyncpg: autocommit, and its driver statements run
    on a connection borrowed from the pool until the session takes one of its own."""

    sync_session_class = _ReadSyncSession

    async def borrowed(self) -> _Held:
        """The borrowed connection, taken from the pool at the first statement."""
        fairy = self.sync_session.info.get(_BORROWED)
        if fairy is None:
            bind = self.bind
            assert isinstance(bind, AsyncEngine)  # read_sessionmaker binds the engine
            fairy = self.sync_session.info[_BORROWED] = await bind.raw_connection()
        engine = self.sync_session.get_bind()
        return engine.dialect, engine, fairy.driver_connection

    async def close(self) -> None:
        try:
            await super().close()
        finally:
            _give_back(self.sync_session)


def _give_back(sync: Session) -> None:
    """Return the borrowed connection to the pool; one the server or the network broke is
    discarded, not handed to the next request."""
    fairy: PoolProxiedConnection | None = sync.info.pop(_BORROWED, None)
    spoilt = sync.info.pop(_SPOILT, False)
    if fairy is None:
        return
    if spoilt or fairy.driver_connection is None or fairy.driver_connection.is_closed():
        fairy.invalidate()
    # With no transaction begun on it, the pool's reset on return awaits nothing.
    fairy.close()


@event.listens_for(_ReadSyncSession, "after_transaction_create")
def _before_own_connection(session: Session, transaction: SessionTransaction) -> None:
    """The session is about to take a connection of its own: the borrowed one goes back first."""
    if transaction.parent is None:
        _give_back(session)


# Per statement text: whether the driver's values are SQLAlchemy's (no result processor for
# any column, given the column types the server reports).  Learnt once, from a prepare.
_SAME_VALUES: dict[str, bool] = {}


async def _same_values(driver: Any, stmt: Executable, sql: str, dialect: Dialect) -> bool:
    known = _SAME_VALUES.get(sql)
    if known is None:
        columns = list(getattr(stmt, "selected_columns", ()))
        attributes = (await driver.prepare(sql)).get_attributes()
        known = len(columns) == len(attributes) and all(
            _unconverted(column.type, attribute.type.oid, dialect)
            for column, attribute in zip(columns, attributes, strict=True)
        )
        _SAME_VALUES[sql] = known
    return known


def _unconverted(type_: Any, oid: int, dialect: Dialect) -> bool:
    try:
        return type_.dialect_impl(dialect).result_processor(dialect, oid) is None
    except Exception:  # a type SQLAlchemy does not expect here: leave it to SQLAlchemy
        return False


async def fetch(
    session: AsyncSession, stmt: Executable, params: Mapping[str, Any]
) -> Sequence[Any]:
    """The rows of ``stmt`` (attribute access, as ``Session.execute(...).all()`` gives)."""
    held = await _driver(session)
    if held is not None:
        dialect, heard, driver = held
        made = compiled(stmt, dialect)
        with _kept_sound(session, heard):
            if made.sql is not None and await _same_values(driver, stmt, made.sql, dialect):
                arguments = made.arguments(params)
                with _observed(heard, made.sql, arguments, executemany=False):
                    return await driver.fetch(made.sql, *arguments, record_class=Row)  # type: ignore[no-any-return]
    return (await session.execute(stmt, params)).all()


async def insert_many(
    session: AsyncSession, stmt: Executable, rows: Sequence[Mapping[str, Any]]
) -> None:
    """``Session.execute(insert, rows)``; where :func:`fetch` would run on the driver, one
    pipelined ``executemany`` there (when every row has the keys of the first)."""
    held = await _driver(session)
    keys = tuple(rows[0]) if rows else ()
    if held is not None and all(tuple(r) == keys for r in rows):
        dialect, heard, driver = held
        made = compiled(stmt, dialect, keys)
        if made.sql is not None:
            arguments = [made.arguments(r) for r in rows]
            with (
                _kept_sound(session, heard),
                _observed(heard, made.sql, arguments, executemany=True),
            ):
                await driver.executemany(made.sql, arguments)
            return
    await session.execute(stmt, list(rows))


@contextmanager
def _kept_sound(session: AsyncSession, heard: Any) -> Iterator[None]:
    """A borrowed connection that a statement left in an unknown state (the network or the
    server went away, the request was cancelled: anything but the statement's own error) is
    discarded when it is given back, not lent to the next request."""
    try:
        yield
    except asyncpg.PostgresError:
        raise
    except BaseException:
        if not isinstance(heard, Connection):
            session.sync_session.info[_SPOILT] = True
        raise


@contextmanager
def _observed(heard: Any, sql: str, arguments: Any, *, executemany: bool) -> Iterator[None]:
    """SQLAlchemy's ``before_cursor_execute`` / ``after_cursor_execute`` events around a
    statement on the driver, so whatever listens to the engine (statement counts, timing,
    logging) sees it like any other. ``heard`` is the session's Connection, or the Engine for a
    borrowed connection; the listeners then get no Connection (``None``), and there is never a
    cursor or execution context to pass."""
    if isinstance(heard, Connection):
        connection: Connection | None = heard
        listening = heard._has_events or heard.engine._has_events
    else:
        connection, listening = None, heard._has_events
    if not listening:
        yield
        return
    dispatch = heard.dispatch
    dispatch.before_cursor_execute(connection, None, sql, arguments, None, executemany)
    yield
    dispatch.after_cursor_execute(connection, None, sql, arguments, None, executemany)
