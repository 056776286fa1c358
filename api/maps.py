"""(stub) — filled in by the maps work of issue 5."""

from __future__ import annotations

import strawberry


@strawberry.type
class MapQuery:
    pass


@strawberry.type
class MapMutation:
    pass
