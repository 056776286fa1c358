"""Shared fixtures: every database test runs on SQLite and on PostgreSQL.

PostgreSQL: a throw-away database is created for the run on the server named by
``QCREDIT_TEST_PG_URL`` (default ``postgresql://postgres@127.0.0.1:5432/test``) and dropped after.
Outside CI an unreachable server skips the PostgreSQL half; in CI (``CI=true``) it fails the run,
so PostgreSQL is never silently left out.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from qcredit.api.app import create_app
from qcredit.api.settings import Settings
from qcredit.core.disclosure.tokens import create_token
from qcredit.core.plugins import Registry
from qcredit.core.store.db import create_engine
from qcredit.core.store.migrate import upgrade
from qcredit.core.store.tables import Base
from sqlalchemy import text
from sqlalchemy.engine import make_url

from .support import TEST_PLUGIN

PG_URL = os.environ.get("QCREDIT_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() == "true"
# Children before parents, so that emptying them between tests respects foreign keys.
TABLES = [t.name for t in reversed(Base.metadata.sorted_tables)]


async def pg_admin(sql: str) -> None:
    """One statement on the test server's maintenance database (CREATE / DROP DATABASE)."""
    import asyncpg

    url = make_url(PG_URL)
    conn = await asyncpg.connect(
        host=url.host or "127.0.0.1",
        port=url.port or 5432,
        user=url.username or "postgres",
        password=url.password,
        database=url.database or "postgres",
        timeout=5,
    )
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def _pg_admin(sql: str) -> None:
    """:func:`pg_admin` from synchronous fixtures (outside any running event loop)."""
    asyncio.run(pg_admin(sql))


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'qcredit-test.db'}"
        return
    name = f"qcredit_test_{uuid.uuid4().hex[:10]}"
    try:
        _pg_admin(f'CREATE DATABASE "{name}"')
    except Exception as exc:
        if IN_CI:
            pytest.fail(f"PostgreSQL at {PG_URL} is required in CI and unreachable: {exc}")
        pytest.skip(f"PostgreSQL unreachable at {PG_URL}: {exc}")
    yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def demo_database_url(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A second database of the same kind holding the demo data, loaded and graded once."""
    from qcredit.api.cli import main

    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'qcredit-demo.db'}"
        name = None
    else:
        name = f"qcredit_demo_{uuid.uuid4().hex[:10]}"
        _pg_admin(f'CREATE DATABASE "{name}"')
        url = make_url(database_url).set(database=name).render_as_string(hide_password=False)
    assert main(["demo", "--database", url]) == 0
    yield url
    if name is not None:
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def registry() -> Registry:
    return Registry.load(extra_plugins=[TEST_PLUGIN])


@pytest.fixture(scope="session")
async def app(database_url: str, registry: Registry) -> AsyncIterator[Any]:
    engine = create_engine(database_url)
    await upgrade(engine)
    await engine.dispose()
    application = create_app(
        # The suite sends hundreds of requests a second from one address: no rate limit here
        # (tests/test_hardening.py checks the limiter on apps of its own).
        Settings(
            database_url=database_url,
            migrate_on_start=False,
            rate_limit_per_minute=0,
            # The core tests measure the real read path (statement counts, loaders); the
            # response cache has tests of its own.
            response_cache_entries=0,
            token_cache_seconds=0,
        ),
        registry=registry,
    )
    yield application
    await application.state.db_engine.dispose()


@pytest.fixture(scope="module")
async def demo_app(demo_database_url: str, registry: Any) -> Any:
    """An app on the demo data (read by the list and count tests), rate limit off."""
    app = create_app(
        Settings(database_url=demo_database_url, migrate_on_start=False, rate_limit_per_minute=0),
        registry=registry,
    )
    yield app
    await app.state.db_engine.dispose()


async def issue_token(app: Any, role: str, **kwargs: Any) -> str:
    """A token straight from the token store, as ``qcredit token create`` makes it."""
    sessions = app.state.services.sessions
    async with sessions() as session:
        token, _ = await create_token(session, role=role, **kwargs)
        await session.commit()
    return token


@pytest.fixture
async def empty(app: Any) -> None:
    async with app.state.db_engine.begin() as conn:
        for table in TABLES:
            await conn.execute(text(f"DELETE FROM {table}"))


@pytest.fixture
async def client(app: Any, empty: None) -> AsyncIterator[httpx.AsyncClient]:
    """An ADMIN client (acting everywhere) on an empty database."""
    token = await issue_token(app, "ADMIN")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://test", headers={"Authorization": f"Bearer {token}"}
    ) as c:
        yield c


@pytest.fixture
async def anonymous(app: Any, empty: None) -> AsyncIterator[httpx.AsyncClient]:
    """A client without a token: PUBLIC."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


@pytest.fixture
def db_engine(app: Any) -> Any:
    return app.state.db_engine
