"""Statements built once and run with parameters.

A statement built per call pays for its construction (coercing every column and operator) and
for its cache key each time; a write's few statements were a fifth of its CPU that way.  Core
statements are immutable, so one object serves every session and every database: the dialect
compiles it (once, through SQLAlchemy's compiled cache) when it runs.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Select, Table, bindparam, select


@cache
def rows_where_in(table: Table, column: str, ordered: bool = False) -> Select[Any]:
    """``SELECT * FROM table WHERE column IN (:keys)`` (in id order if ``ordered``); the keys
    are an expanding parameter: ``session.execute(stmt, {"keys": [...]})``."""
    stmt = select(table).where(table.c[column].in_(bindparam("keys", expanding=True)))
    return stmt.order_by(table.c.id) if ordered else stmt
