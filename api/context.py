"""Per-request context: one database session (used by one resolver at a time), the loaders."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from qcredit.core.engine import Engine
from qcredit.core.plugins import Registry
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from .settings import Settings

if TYPE_CHECKING:
    from .loaders import Loaders


@dataclass
class Services:
    """What lives as long as the app: settings, registry, engine, session factory."""

    settings: Settings
    registry: Registry
    engine: Engine
    sessions: async_sessionmaker


@dataclass
class Context:
    services: Services
    request: Any = None
    response: Any = None
    _session: AsyncSession | None = None
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _loaders: Loaders | None = None

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
            from .loaders import Loaders

            self._loaders = Loaders(self)
        return self._loaders

    @asynccontextmanager
    async def db(self) -> AsyncIterator[AsyncSession]:
        """The request's session.  Resolvers run concurrently and an AsyncSession must not, so
        each use holds a lock for its statements."""
        async with self._lock:
            if self._session is None:
                self._session = self.services.sessions()
            yield self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
