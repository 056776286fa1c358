"""Domain types of the core model: enterprises, products and ledger events.

These are plain frozen values; the store maps them to tables and the API to GraphQL types.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any


class EnterpriseRole(StrEnum):
    """What an enterprise does with products: 生产者 / 销售者 / 用产品提供经营性服务."""

    PRODUCER = "PRODUCER"
    SELLER = "SELLER"
    SERVICE = "SERVICE"


Role = EnterpriseRole  # deprecated alias, one release: plug-ins written for 0.1 import Role


class SubjectType(StrEnum):
    ENTERPRISE = "ENTERPRISE"
    PRODUCT = "PRODUCT"


class EventStatus(StrEnum):
    """Status of a ledger event, derived from the corrections that refer to it."""

    ACTIVE = "ACTIVE"
    REVOKED = "REVOKED"
    AMENDED = "AMENDED"
    ERRONEOUS = "ERRONEOUS"
    REPAIRED = "REPAIRED"


class CorrectionAction(StrEnum):
    """The four ways a recorded fact stops counting as it was."""

    REVOKE = "REVOKE"  # the act was revoked or cancelled (撤销)
    AMEND = "AMEND"  # the act was changed or partly revoked (变更、部分撤销)
    ERRONEOUS = "ERRONEOUS"  # found to be a misjudgement, error or slip (误判、错误、笔误)
    REPAIR = "REPAIR"  # credit repaired: no effect from the repair date on (信用修复)

    @property
    def status(self) -> EventStatus:
        return {
            CorrectionAction.REVOKE: EventStatus.REVOKED,
            CorrectionAction.AMEND: EventStatus.AMENDED,
            CorrectionAction.ERRONEOUS: EventStatus.ERRONEOUS,
            CorrectionAction.REPAIR: EventStatus.REPAIRED,
        }[self]


CORRECTION_KIND = "CORRECTION"


@dataclass(frozen=True)
class Enterprise:
    id: int
    code: str
    name: str
    region_code: str
    town_code: str | None = None
    established_on: date | None = None
    roles: frozenset[EnterpriseRole] = frozenset()


@dataclass(frozen=True)
class Product:
    id: int
    enterprise_id: int
    trademark: str
    nice_class: int
    category: str | None = None


@dataclass(frozen=True)
class Event:
    """One ledger entry as recorded.  Never changed after it is written."""

    id: int
    kind: str
    enterprise_id: int
    occurred_on: date
    recorded_at: datetime
    attributes: dict[str, Any] = field(default_factory=dict)
    product_id: int | None = None
    external_id: str | None = None
    corrects_id: int | None = None  # set on CORRECTION events: the event corrected
