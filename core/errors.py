"""Domain errors.

Each error carries a stable ``code`` that the API copies into ``extensions.code`` and, where the
fault lies in one input, the ``field`` that names it.  The core raises these; the API layer only
translates them, so the command line and the GraphQL API report the same faults the same way.
"""

from __future__ import annotations

from datetime import date
from typing import Any


class QcreditError(Exception):
    """Base of every error the platform reports to a caller."""

    code = "INTERNAL_SERVER_ERROR"

    def __init__(self, message: str, *, field: str | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.extra = extra

    def extensions(self) -> dict[str, Any]:
        ext: dict[str, Any] = {"code": self.code}
        if self.field is not None:
            ext["field"] = self.field
        ext.update({k: v for k, v in self.extra.items() if v is not None})
        return ext


class InvalidInput(QcreditError):
    """The caller sent a value that breaks a rule of the model; nothing was written."""

    code = "BAD_USER_INPUT"


class NotFound(QcreditError):
    code = "NOT_FOUND"


class Conflict(QcreditError):
    """The request contradicts what is already recorded (e.g. a reused ``externalId``)."""

    code = "CONFLICT"


class Unauthenticated(QcreditError):
    code = "UNAUTHENTICATED"


class Forbidden(QcreditError):
    code = "FORBIDDEN"


class PolicyNotInForce(QcreditError):
    """Grading was asked for a date outside the policy's period of validity."""

    code = "POLICY_NOT_IN_FORCE"

    def __init__(
        self, policy_id: str, on: date, effective_from: date | None, effective_until: date | None
    ) -> None:
        start = effective_from.isoformat() if effective_from else "…"
        end = effective_until.isoformat() if effective_until else "…"
        super().__init__(
            f"policy {policy_id!r} is in force from {start} to {end}; {on.isoformat()} is outside",
            field="asOf",
            policy=policy_id,
            effectiveFrom=effective_from.isoformat() if effective_from else None,
            effectiveUntil=effective_until.isoformat() if effective_until else None,
        )


class PluginConflict(QcreditError):
    """Two plug-ins claim the same policy id or the same event kind."""

    code = "PLUGIN_CONFLICT"
