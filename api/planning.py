"""(stub) — filled in by the planning work of issue 5."""

from __future__ import annotations

import strawberry


@strawberry.type
class PlanningQuery:
    pass


@strawberry.type
class PlanningMutation:
    pass
