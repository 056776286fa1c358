"""The audit log: who did what, when — append-only, like the ledger.

Recorded: every write, every disclosure decision, every export, and every read of data that is
not public (an assessment or ledger entry shown to a caller because of their role).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from qcredit.core import clock
from qcredit.core.disclosure.callers import Principal
from qcredit.core.store.tables import AuditRow
from sqlalchemy.ext.asyncio import AsyncSession


class Action(StrEnum):
    WRITE = "WRITE"
    DISCLOSURE_REQUEST = "DISCLOSURE_REQUEST"
    DISCLOSURE_DECISION = "DISCLOSURE_DECISION"
    EXPORT = "EXPORT"
    READ_NONPUBLIC = "READ_NONPUBLIC"
    TOKEN = "TOKEN"


def entry(
    principal: Principal, action: Action, target: str, detail: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    return {
        "at": clock.now(),
        "actor": principal.subject,
        "role": principal.role.value,
        "action": action.value,
        "target": target[:200],
        "detail": dict(detail or {}),
    }


async def record(
    session: AsyncSession,
    principal: Principal,
    action: Action,
    target: str,
    detail: Mapping[str, Any] | None = None,
) -> None:
    session.add(AuditRow(**entry(principal, action, target, detail)))
