"""Relay cursor connections with ``totalCount``, ``nodes`` and a hard cap on page size.

Cursors are opaque (base64 of a row's key); a page asks for ``first`` rows after one, or for
``last`` rows before one.  Asking for more than the cap is an error, not a silent truncation
(docs/api-lists.md); so is asking for ``first`` and ``last`` at once (the Relay specification
discourages it and no front end needs it).  A key a caller writes (in a cursor or an id) is read
by :func:`row_key`: ASCII digits within the 64 bits a key column holds, so no other text ever
reaches a database driver as a number.

Strawberry's own ``relay.ListConnection`` writes its cursors as offsets into the list
(``arrayconnection:N``); the cursors here name a row's key, so that a page stays where it was
when rows are added before it, and the cursors issued before ``last``/``before`` existed stay
valid.  What is taken from strawberry is :class:`relay.PageInfo`, the shape clients know.

A list ordered by something other than its key (``enterprises(orderBy:)``) keeps the same
cursors: the row a cursor names is looked up and its sort values are the keyset bound
(:func:`keyset_after`), so a cursor works whatever ordering it is used with.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, TypeVar

import strawberry
from qcredit.api.settings import Settings
from qcredit.core.errors import InvalidInput
from sqlalchemy import Select, and_, false, or_
from strawberry import relay

T = TypeVar("T")
CURSOR_PREFIX = "cursor:"
#: The largest key a BIGINT column (PostgreSQL) or an INTEGER one (SQLite) holds.
MAX_KEY = (1 << 63) - 1
# A statement a page is cut from, whatever its columns (Select is generic in its row type).
_Page = TypeVar("_Page", bound="Select[*tuple[Any, ...]]")
_ASCII_DIGITS = re.compile(r"[0-9]{1,19}")


def row_key(text: str) -> int | None:
    """A row's key written in ASCII digits and within 64 bits; ``None`` for anything else
    (``str.isdigit`` also takes "３３" and "²", and a larger number overflows the driver)."""
    if not _ASCII_DIGITS.fullmatch(text):
        return None
    key = int(text)
    return key if key <= MAX_KEY else None


def encode_cursor(key: int) -> str:
    return base64.b64encode(f"{CURSOR_PREFIX}{key}".encode()).decode()


def decode_cursor(cursor: str | None, field: str = "after") -> int | None:
    if cursor is None:
        return None
    try:
        text = base64.b64decode(cursor, validate=True).decode()
    except Exception:
        text = ""
    key = row_key(text[len(CURSOR_PREFIX) :]) if text.startswith(CURSOR_PREFIX) else None
    if key is None:
        raise InvalidInput(f"{field} is not a cursor this API issued", field=field)
    return key


def page_size(first: int | None, default: int, maximum: int, field: str = "first") -> int:
    if first is None:
        return default
    if first < 0:
        raise InvalidInput(f"{field} must not be negative", field=field)
    if first > maximum:
        raise InvalidInput(f"{field} may be at most {maximum}", field=field, maximum=maximum)
    return first


@dataclass(frozen=True)
class Window:
    """The rows a page asks for: ``limit`` of them, between the keys ``after`` and ``before``
    (both exclusive), from the start of that range (``first``) or from its end (``last``)."""

    limit: int
    after: int | None = None
    before: int | None = None
    backward: bool = False


def window(
    settings: Settings,
    first: int | None,
    after: str | None,
    last: int | None = None,
    before: str | None = None,
) -> Window:
    """The page ``first``/``after`` or ``last``/``before`` ask for, within the settings' bounds."""
    if first is not None and last is not None:
        raise InvalidInput(
            "first and last cannot be used together: page forwards or backwards", field="last"
        )
    if last is not None:
        limit = page_size(last, settings.default_page_size, settings.max_page_size, "last")
    else:
        limit = page_size(first, settings.default_page_size, settings.max_page_size)
    return Window(limit, decode_cursor(after), decode_cursor(before, "before"), last is not None)


@strawberry.type(description="One item of a page with the cursor that points at it.")
class Edge(Generic[T]):
    cursor: str = strawberry.field(
        description="Opaque position of this item: pass it as after (the items following it) "
        "or before (the items preceding it)."
    )
    node: T = strawberry.field(description="The item.")


@strawberry.type(description="A page of a list, Relay style, with the size of the whole list.")
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(
        description="The items of this page with their cursors, in the list's order."
    )
    nodes: list[T] = strawberry.field(
        description="The items of this page without cursors, in the same order as edges."
    )
    page_info: relay.PageInfo = strawberry.field(
        description="Whether pages exist before and after this one, and the cursors to reach them."
    )
    _count: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(
        description="Number of items in the whole list (every page, as filtered), counted only "
        "when asked; never counts an item the caller could not be shown."
    )
    async def total_count(self) -> int:
        return await self._count()


def make_connection(
    nodes: Sequence[T],
    keys: Sequence[int],
    w: Window,
    count: Callable[[], Awaitable[int]],
) -> Connection[T]:
    """``nodes`` come in scan order — the list's order for ``first``, reversed for ``last`` —
    and may hold one more row than the page: that is how a further page is detected."""
    more = len(nodes) > w.limit
    nodes, keys = list(nodes[: w.limit]), list(keys[: w.limit])
    if w.backward:
        nodes.reverse()
        keys.reverse()
        has_previous, has_next = more or w.after is not None, w.before is not None
    else:
        has_previous, has_next = w.after is not None, more or w.before is not None
    edges = [Edge(cursor=encode_cursor(k), node=n) for n, k in zip(nodes, keys, strict=True)]
    return Connection(
        edges=edges,
        nodes=nodes,
        page_info=relay.PageInfo(
            has_next_page=has_next,
            has_previous_page=has_previous,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        _count=count,
    )


def slice_page(items: Sequence[T], key: Callable[[T], int], w: Window) -> tuple[list[T], list[int]]:
    """Take a page out of an in-memory list ordered by ``key`` (for small nested lists)."""
    rest = [
        i
        for i in items
        if (w.after is None or key(i) > w.after) and (w.before is None or key(i) < w.before)
    ]
    page = rest[::-1][: w.limit + 1] if w.backward else rest[: w.limit + 1]
    return page, [key(i) for i in page]


def id_page(stmt: _Page, column: Any, w: Window, *, descending: bool = False) -> _Page:
    """``stmt`` cut to the window of a list ordered by its key ``column``, in scan order."""
    if w.after is not None:
        stmt = stmt.where(column < w.after if descending else column > w.after)
    if w.before is not None:
        stmt = stmt.where(column > w.before if descending else column < w.before)
    scan_descending = descending != w.backward
    return stmt.order_by(column.desc() if scan_descending else column.asc()).limit(w.limit + 1)


@dataclass(frozen=True)
class SortKey:
    """One term of an ordering; the terms together must order rows totally (end with a unique
    column) and hold no NULL (a keyset comparison with NULL is never true)."""

    expression: Any  # a column or a SQL expression
    descending: bool = False


def keyset_after(keys: Sequence[SortKey], values: Sequence[Any], *, before: bool = False) -> Any:
    """SQL condition: a row comes after (or ``before``) the row whose sort values are
    ``values`` — ``(k1 > v1) OR (k1 = v1 AND k2 > v2) OR …``, each term in its own direction."""
    terms = []
    for i, key in enumerate(keys):
        later = key.descending == before  # ascending and after, or descending and before
        step = key.expression > values[i] if later else key.expression < values[i]
        equal = [keys[j].expression == values[j] for j in range(i)]
        terms.append(and_(*equal, step))
    return or_(*terms) if terms else false()


def ordered_page(stmt: _Page, keys: Sequence[SortKey], w: Window) -> _Page:
    """``stmt`` ordered by ``keys`` in scan order (reversed for ``last``), one row more than
    the page; the caller has added the keyset bounds of the cursors."""
    order = [
        k.expression.desc() if k.descending != w.backward else k.expression.asc() for k in keys
    ]
    return stmt.order_by(*order).limit(w.limit + 1)


#: The page arguments every list takes, described once.
FIRST = strawberry.argument(
    description="Page forwards: at most this many items (default 20, at most the page cap, 100 "
    "unless configured; more is a BAD_USER_INPUT error naming first). Not with last."
)
AFTER = strawberry.argument(
    description="With first: the items after this cursor (an edge's cursor or pageInfo.endCursor)."
)
LAST = strawberry.argument(
    description="Page backwards: at most this many items, the last ones of the list or of the "
    "items before `before` (same cap as first). Not with first."
)
BEFORE = strawberry.argument(
    description="The items before this cursor (an edge's cursor or pageInfo.startCursor)."
)
OCCURRED_FROM = strawberry.argument(
    description="Only events that occurred on or after this day (inclusive)."
)
OCCURRED_TO = strawberry.argument(
    description="Only events that occurred on or before this day (inclusive)."
)


def check_date_range(
    start: date | None, end: date | None, fields: tuple[str, str] = ("occurredFrom", "occurredTo")
) -> None:
    """A range whose end comes before its start is an error, not an empty list."""
    if start is not None and end is not None and end < start:
        raise InvalidInput(
            f"{fields[1]} ({end.isoformat()}) is before {fields[0]} ({start.isoformat()})",
            field=fields[1],
        )


def in_date_range(day: date, start: date | None, end: date | None) -> bool:
    """``day`` within the inclusive range (an open end bounds nothing)."""
    return (start is None or day >= start) and (end is None or day <= end)
