"""Searching enterprises by a fragment of their name through an index, not a scan.

SQLite: an FTS5 table ``enterprise_names`` with the ``trigram`` tokenizer (SQLite 3.34 or later)
indexes every three-character run of every name.  FTS5's default tokenizer splits on spaces and
punctuation, which Chinese names do not have; trigrams find any substring of three characters or
more, 中文 or Latin, case-insensitively.  It is an external-content table over ``enterprises``,
kept in step by triggers on insert, update of ``name`` and delete — so every write path
(registration, the bulk import, upserts, a clerk's SQL) keeps it current without knowing it.

PostgreSQL: a GIN index with ``gin_trgm_ops`` (the ``pg_trgm`` extension) on ``enterprises.name``,
which answers ``ILIKE '%…%'``.  Where the extension cannot be installed, migration 0011 builds a
b-tree on ``lower(name)`` instead and a search matches names that *begin* with the fragment (the
one question a b-tree answers); :func:`postgres_mode` tells which one the database holds.

A fragment of one or two characters holds no trigram, so no trigram index can answer it: it is
matched as a substring by reading the names (a scan, but still paged).  Migration 0011 builds all
of this; the structures are not declared on the models (neither database can declare them there),
so :func:`include_name` keeps them out of the comparison of models and migrations.  A later SQLite
migration that recreates ``enterprises`` (a batch ALTER) must recreate the triggers.
"""

from __future__ import annotations

from typing import Any

from qcredit.core.store.tables import EnterpriseRow
from sqlalchemy import Select, func, literal_column, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ColumnElement

#: SQLite's FTS5 table of enterprise names and the prefix of the shadow tables FTS5 adds.
FTS_TABLE = "enterprise_names"
#: PostgreSQL's trigram index, and the b-tree built where pg_trgm is not available.
TRIGRAM_INDEX = "ix_enterprises_name_trgm"
PREFIX_INDEX = "ix_enterprises_name_lower"
#: The shortest fragment an index of trigrams can answer.
MIN_INDEXED_LENGTH = 3

TRIGRAM = "trigram"
PREFIX = "prefix"
_modes: dict[str, str] = {}


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    """For Alembic's comparison: leave out the search structures migration 0011 builds."""
    if name is None:
        return True
    if type_ == "table":
        return not (name == FTS_TABLE or name.startswith(FTS_TABLE + "_"))
    if type_ == "index":
        return name not in (TRIGRAM_INDEX, PREFIX_INDEX)
    return True


async def postgres_mode(session: AsyncSession) -> str:
    """Which index a PostgreSQL database holds for names (read once per database)."""
    bind = session.get_bind()
    key = bind.engine.url.render_as_string(hide_password=True)
    if key not in _modes:
        found = await session.execute(
            text("SELECT 1 FROM pg_indexes WHERE indexname = :name"), {"name": TRIGRAM_INDEX}
        )
        _modes[key] = TRIGRAM if found.first() is not None else PREFIX
    return _modes[key]


def _like_escaped(fragment: str) -> str:
    return fragment.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def fts_phrase(fragment: str) -> str:
    """An FTS5 query for ``fragment`` as one phrase: quoted, its quotes doubled, so that no
    operator (OR, NEAR, *, column filters) in what a caller typed is read as syntax."""
    return '"' + fragment.replace('"', '""') + '"'


def name_condition(dialect: str, fragment: str, mode: str = TRIGRAM) -> ColumnElement[bool]:
    """SQL condition: the enterprise's name holds ``fragment`` (ASCII letters in any case)."""
    if len(fragment) < MIN_INDEXED_LENGTH:
        pattern = f"%{_like_escaped(fragment)}%"
        if dialect == "postgresql":
            return EnterpriseRow.name.ilike(pattern, escape="\\")
        return EnterpriseRow.name.like(pattern, escape="\\")
    if dialect == "sqlite":
        matches: Select[Any] = (
            select(literal_column("rowid"))
            .select_from(text(FTS_TABLE))
            .where(
                text(f"{FTS_TABLE} MATCH :fts_phrase").bindparams(fts_phrase=fts_phrase(fragment))
            )
        )
        return EnterpriseRow.id.in_(matches)
    if dialect == "postgresql" and mode == PREFIX:
        return func.lower(EnterpriseRow.name).like(
            func.lower(_like_escaped(fragment)) + "%", escape="\\"
        )
    return EnterpriseRow.name.ilike(f"%{_like_escaped(fragment)}%", escape="\\")
