"""(stub) — filled in by the warnings work of issue 5."""

from __future__ import annotations

import strawberry


@strawberry.type
class WarningQuery:
    pass


@strawberry.type
class WarningMutation:
    pass
