"""Per-request context: one database session (used by one resolver at a time, shared by the
loaders, and the one that writes the request's audit entries), the loaders."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from qcredit.api.graphql.loaders import Loaders
from qcredit.api.settings import Settings
from qcredit.core.disclosure import audit
from qcredit.core.disclosure.callers import PUBLIC, Principal
from qcredit.core.errors import Unauthenticated
from qcredit.core.grading.engine import Engine
from qcredit.core.plugins import Registry
from qcredit.core.store import driver
from qcredit.core.store.tables import AuditRow
from sqlalchemy import Select, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

log = logging.getLogger(__name__)

# Core insert, built once: the ORM's bulk path costs more than the row for a read's one entry.
_AUDIT_INSERT = insert(AuditRow)


@dataclass
class Services:
    """What lives as long as the app: settings, registry, engine, session factory."""

    settings: Settings
    registry: Registry
    engine: Engine
    sessions: async_sessionmaker[AsyncSession]
    # Sessions of query operations (core/store/db.py:read_sessionmaker); the ordinary ones if unset.
    read_sessions: async_sessionmaker[AsyncSession] | None = None


@dataclass
class Context:
    services: Services
    request: Any = None
    response: Any = None
    _session: AsyncSession | None = None
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _loaders: Loaders | None = None
    _principal: Principal = PUBLIC
    auth_error: str | None = None  # a token was sent but not accepted
    audit_entries: list[dict[str, Any]] = field(default_factory=list)
    _nonpublic_reads: set[str] = field(default_factory=set)
    # The data-version scopes the loaders read (core/store/versioning.py), for the cache.
    scopes: set[int] = field(default_factory=set)
    # A query operation (set before anything reads): its session runs without a transaction.
    read_only: bool = False

    @property
    def principal(self) -> Principal:
        """The caller.  A request whose token was refused fails wherever identity matters."""
        if self.auth_error is not None:
            raise Unauthenticated(self.auth_error)
        return self._principal

    def audit(
        self, action: audit.Action, target: str, detail: dict[str, Any] | None = None
    ) -> None:
        """Note an entry for the audit log; written once, after the request."""
        self.audit_entries.append(audit.entry(self.principal, action, target, detail))

    def note_nonpublic_read(self, target: str) -> None:
        """Reads of non-public data are logged as one entry per request listing what was read."""
        self._nonpublic_reads.add(target)

    @property
    def registry(self) -> Registry:
        return self.services.registry

    @property
    def engine(self) -> Engine:
        return self.services.engine

    @property
    def settings(self) -> Settings:
        return self.services.settings

    @property
    def loaders(self) -> Loaders:
        if self._loaders is None:
            self._loaders = Loaders(self.db, self.engine, self.scopes.add)
        return self._loaders

    @asynccontextmanager
    async def db(self) -> AsyncIterator[AsyncSession]:
        """The request's session.  Resolvers run concurrently and an AsyncSession must not, so
        each use holds a lock for its statements."""
        async with self._lock:
            if self._session is None:
                reads = self.services.read_sessions if self.read_only else None
                self._session = (reads or self.services.sessions)()
            yield self._session

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """The request's session for one write: whatever is not committed is rolled back.

        A query's session has no transaction to roll back, so a query that writes (an inspection
        plan drawn without storing it fills the grading cache) gets a session of its own."""
        if self.read_only and self.services.read_sessions is not None:
            async with self._lock:
                own = self.services.sessions()
                try:
                    yield own
                finally:
                    if own.in_transaction():
                        await own.rollback()
                    await own.close()
            return
        async with self.db() as s:
            try:
                yield s
            finally:
                if s.in_transaction():
                    await s.rollback()

    def counter(self, statement: Select[Any]) -> Callable[[], Awaitable[int]]:
        """A connection's ``totalCount``: the rows of ``statement``, counted only when asked."""

        async def count() -> int:
            stmt = select(func.count()).select_from(statement.subquery())
            async with self.db() as s:
                return int((await s.execute(stmt)).scalar_one())

        return count

    def abandon(self) -> None:
        """Forget what :meth:`close` could not write: the answer those reads belong to was
        withheld, so the audit log must not record them as seen on a later attempt."""
        self.audit_entries = []
        self._nonpublic_reads = set()

    async def close(self) -> None:
        """End the request on its one connection: the audit entries and the derived rows the
        loaders stored (graded assessments) commit together, in one round trip."""
        if self._nonpublic_reads and self.auth_error is None:
            targets = sorted(self._nonpublic_reads)
            self.audit_entries.append(
                audit.entry(
                    self._principal,
                    audit.Action.READ_NONPUBLIC,
                    targets[0],
                    {"count": len(targets), "targets": targets[:1000]},
                )
            )
            self._nonpublic_reads = set()
        session, self._session = self._session, None
        if session is None and not self.audit_entries:
            return
        if session is None:
            session = self.services.sessions()
        try:
            try:
                if self.audit_entries:
                    await driver.insert_many(session, _AUDIT_INSERT, self.audit_entries)
                if session.in_transaction():
                    await session.commit()
            except Exception:
                # The request's transaction failed (a statement error): its derived rows are
                # lost, its audit entries are not.
                await session.rollback()
                if not self.audit_entries:
                    # Only derived rows (a cache of gradings) were pending; the request already
                    # reported its failed statement as a field error, so nothing else is lost.
                    log.warning("derived rows of a failed request were not stored", exc_info=True)
                    return
                await session.execute(_AUDIT_INSERT, self.audit_entries)
                await session.commit()
            self.audit_entries = []
        finally:
            await session.close()
