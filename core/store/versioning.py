"""Data versions: counters that writes bump in their own transaction, read by response caches.

Rows of the ``data_version`` table (migration 0007), one per scope, each id naming what it
counts.  A write bumps the write sequence and either the scopes it touched (an enterprise, the
region aggregates of its city) or, when it does not say, ``EVERYTHING``.  A cached response keeps
the versions of the scopes it read, and is served only while all of them are unchanged:

* ``SEQUENCE`` (1): every write.  A response that read something no scope describes depends on
  it, so any write retires it (the behaviour of a single global counter).  A reader also compares
  it before and after executing: a write that committed in between may be half seen, and such a
  response is not kept.
* ``EVERYTHING`` (2): writes that name no scope (imports, plans, disclosure reviews, whole runs).
  Every narrowed response depends on it.
* an enterprise: ``-id``; a city's region aggregates: ``1e9 + its 4-digit prefix``; a policy and
  its parameters: ``2e9 + a 27-bit hash of its id`` (two policies sharing a hash only retire
  each other's entries).

Being rows of the database, the versions are shared by every worker and every replica.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from functools import cache, lru_cache

from qcredit.core.store import driver
from qcredit.core.store.statements import keys_in
from qcredit.core.store.tables import DataVersionRow
from sqlalchemy import Insert, Select, Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

SEQUENCE = 1
EVERYTHING = 2
_REGION = 1_000_000_000
_POLICY = 2_000_000_000


def enterprise_scope(enterprise_id: int) -> int:
    return -enterprise_id


def region_scope(region_code: str) -> int | None:
    """The aggregates of the city (first four digits) a region code lies in; ``None`` for a
    code above a city (a province), whose aggregates no single scope covers."""
    prefix = region_code[:4]
    if len(prefix) < 4 or not prefix.isdigit() or prefix.endswith("00"):
        return None
    return _REGION + int(prefix)


def policy_scope(policy_id: str) -> int:
    return _POLICY + zlib.crc32(policy_id.encode()) % (1 << 27)


async def bump(
    session: AsyncSession,
    *,
    enterprises: Iterable[int] = (),
    regions: Iterable[str] = (),
    policies: Iterable[str] = (),
) -> None:
    """Increase the versions inside the caller's transaction (they commit with the write).

    Without a scope the write retires every cached response; with scopes, the responses that
    read them (and those that read what no scope describes)."""
    scopes = {enterprise_scope(e) for e in enterprises} | {policy_scope(p) for p in policies}
    for r in regions:
        scope = region_scope(r)
        scopes.add(EVERYTHING if scope is None else scope)
    # One order for every writer (the sequence first), so concurrent writes never deadlock.
    ids = [SEQUENCE, *sorted(scopes or {EVERYTHING})]
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    # One statement per scope, in that order, in one executemany (a pipeline on asyncpg).
    await session.execute(_bump_statement(dialect), [{"id": i, "version": 1} for i in ids])


@lru_cache(maxsize=4)
def _bump_statement(dialect: str) -> Insert:
    """``INSERT … ON CONFLICT (id) DO UPDATE SET version = version + 1``, built once."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = DataVersionRow.__table__
    assert isinstance(table, Table)
    return insert(table).on_conflict_do_update(
        index_elements=["id"], set_={"version": table.c.version + 1}
    )


@cache
def _versions_of(dialect: str) -> Select[int, int]:
    # One array on PostgreSQL: every response-cache hit reads its versions, and an expanding IN
    # was rendered again on each.
    return select(DataVersionRow.id, DataVersionRow.version).where(
        keys_in(DataVersionRow.id, dialect)
    )


async def versions(conn: AsyncConnection | AsyncSession, scopes: Iterable[int]) -> dict[int, int]:
    """The current version of each scope (0 for one never bumped)."""
    wanted = sorted(set(scopes))
    dialect = conn.get_bind().dialect.name if isinstance(conn, AsyncSession) else conn.dialect.name
    if isinstance(conn, AsyncSession):  # a request's session: on its driver connection
        rows = await driver.fetch(conn, _versions_of(dialect), {"keys": wanted})
    else:
        rows = (await conn.execute(_versions_of(dialect), {"keys": wanted})).all()
    found = {int(i): int(v) for i, v in rows}
    return {s: found.get(s, 0) for s in wanted}


async def current(conn: AsyncConnection | AsyncSession) -> int:
    """The write sequence: how many writes have committed."""
    return (await versions(conn, [SEQUENCE]))[SEQUENCE]
