"""Free text a person types (names, reasons, numbers of documents): non-blank and bounded.

Every free-text input has a documented maximum (docs/hardening.md), so no field can carry a
megabyte into the ledger, an audit row or a page.
"""

from __future__ import annotations

from typing import Any

from qcredit.core.errors import InvalidInput


def free_text(value: Any, field: str, max_len: int) -> str:
    """``value`` stripped, or ``InvalidInput`` naming ``field`` when it is blank or too long."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{field} must not be empty", field=field)
    if len(value.strip()) > max_len:
        raise InvalidInput(f"{field} must have at most {max_len} characters", field=field)
    return value.strip()
