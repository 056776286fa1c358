"""Statements built once and run with parameters.

A statement built per call pays for its construction (coercing every column and operator) and
for its cache key each time; a write's few statements were a fifth of its CPU that way.  Core
statements are immutable, so one object serves every session and every database: the dialect
compiles it (once, through SQLAlchemy's compiled cache) when it runs.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Select, Table, any_, bindparam, select
from sqlalchemy.dialects.postgresql import ARRAY


def keys_in(column: Any, dialect: str = "") -> ColumnElement[bool]:
    """``column IN (:keys)``, run with ``{"keys": [...]}``: one array on PostgreSQL
    (``column = ANY($1)``, rendered and prepared once for any number of keys), an expanding IN
    elsewhere.  Rendering an expanding IN of 500 keys cost a whole-ledger re-grade with nothing
    to do a fifth of its CPU."""
    if dialect == "postgresql":
        return column == any_(bindparam("keys", type_=ARRAY(column.type)))  # type: ignore[no-any-return]
    return column.in_(bindparam("keys", expanding=True))  # type: ignore[no-any-return]


@cache
def rows_where_in(
    table: Table, column: str, ordered: bool = False, dialect: str = ""
) -> Select[Any]:
    """``SELECT * FROM table WHERE column IN (:keys)`` (in id order if ``ordered``), run as
    ``session.execute(stmt, {"keys": [...]})``.

    On PostgreSQL (``dialect="postgresql"``) the keys are one array, ``column = ANY($1)``: the
    statement's text is the same for any number of keys, so it is rendered once and prepared
    once, where an expanding IN is rendered again for every call and prepared once per length.
    Elsewhere it is an expanding IN."""
    stmt = select(table).where(keys_in(table.c[column], dialect))
    return stmt.order_by(table.c.id) if ordered else stmt
