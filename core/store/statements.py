"""Statements built once and run with parameters.

A statement built per call pays for its construction (coercing every column and operator) and
for its cache key each time; a write's few statements were a fifth of its CPU that way.  Core
statements are immutable, so one object serves every session and every database: the dialect
compiles it (once, through SQLAlchemy's compiled cache) when it runs.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Select, Table, any_, bindparam, select
from sqlalchemy.dialects.postgresql import ARRAY


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
    col = table.c[column]
    if dialect == "postgresql":
        stmt = select(table).where(col == any_(bindparam("keys", type_=ARRAY(col.type))))
    else:
        stmt = select(table).where(col.in_(bindparam("keys", expanding=True)))
    return stmt.order_by(table.c.id) if ordered else stmt
