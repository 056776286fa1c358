"""Relay cursor connections with ``totalCount`` and a hard cap on page size.

Cursors are opaque (base64 of the last row's key); a page asks for ``first`` rows after one.
Asking for more than the cap is an error, not a silent truncation (graphql.md §4).  A key a
caller writes (in a cursor or an id) is read by :func:`row_key`: ASCII digits within the 64 bits a
key column holds, so no other text ever reaches a database driver as a number.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

import strawberry
from qcredit.api.settings import Settings
from qcredit.core.errors import InvalidInput
from strawberry import relay

T = TypeVar("T")
CURSOR_PREFIX = "cursor:"
#: The largest key a BIGINT column (PostgreSQL) or an INTEGER one (SQLite) holds.
MAX_KEY = (1 << 63) - 1
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


def decode_cursor(cursor: str | None) -> int | None:
    if cursor is None:
        return None
    try:
        text = base64.b64decode(cursor, validate=True).decode()
    except Exception:
        text = ""
    key = row_key(text[len(CURSOR_PREFIX) :]) if text.startswith(CURSOR_PREFIX) else None
    if key is None:
        raise InvalidInput("after is not a cursor this API issued", field="after")
    return key


def page_size(first: int | None, default: int, maximum: int) -> int:
    if first is None:
        return default
    if first < 0:
        raise InvalidInput("first must not be negative", field="first")
    if first > maximum:
        raise InvalidInput(f"first may be at most {maximum}", field="first", maximum=maximum)
    return first


@strawberry.type(description="One item of a page, with the cursor to continue from it.")
class Edge(Generic[T]):
    cursor: str = strawberry.field(description="Opaque cursor of the item (after: continues).")
    node: T = strawberry.field(description="The item.")


@strawberry.type(description="A page of a list, Relay style, with the size of the whole list.")
class Connection(Generic[T]):
    """A page of a list, Relay style, with the size of the whole list."""

    edges: list[Edge[T]] = strawberry.field(description="The page's items, in the list's order.")
    page_info: relay.PageInfo = strawberry.field(description="Where the page is in the list.")
    _count: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="Number of items in the whole list, across all pages.")
    async def total_count(self) -> int:
        return await self._count()


def window(settings: Settings, first: int | None, after: str | None) -> tuple[int, int | None]:
    """The rows a page asks for, within the settings' bounds, and the key it starts after."""
    return page_size(first, settings.default_page_size, settings.max_page_size), decode_cursor(
        after
    )


def make_connection(
    nodes: Sequence[T],
    keys: Sequence[int],
    limit: int,
    after: int | None,
    count: Callable[[], Awaitable[int]],
) -> Connection[T]:
    """``nodes`` may hold one more row than ``limit``: that is how a next page is detected."""
    has_next = len(nodes) > limit
    nodes, keys = list(nodes[:limit]), list(keys[:limit])
    edges = [Edge(cursor=encode_cursor(k), node=n) for n, k in zip(nodes, keys, strict=True)]
    return Connection(
        edges=edges,
        page_info=relay.PageInfo(
            has_next_page=has_next,
            has_previous_page=after is not None,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        _count=count,
    )


def slice_page(
    items: Sequence[T], key: Callable[[T], int], limit: int, after: int | None
) -> tuple[list[T], list[int]]:
    """Take a page out of an in-memory list ordered by ``key`` (for small nested lists)."""
    rest = [i for i in items if after is None or key(i) > after]
    page = rest[: limit + 1]
    return page, [key(i) for i in page]
