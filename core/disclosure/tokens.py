"""Bearer tokens: created once and shown once, stored as SHA-256 only, listable and revocable.

A token is 32 random bytes (``secrets.token_urlsafe``), so a plain SHA-256 is enough to store it:
there is nothing to brute-force, unlike a password.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from qcredit.core import clock
from qcredit.core.disclosure.callers import CallerRole, Principal, checked_principal
from qcredit.core.errors import InvalidInput, NotFound
from qcredit.core.store.convert import aware
from qcredit.core.store.tables import TokenRow
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

PREFIX = "qc_"
# What create_token makes: the prefix and 32 random bytes in URL-safe base64 (43 characters).
# Anything else is refused without asking the database.
TOKEN_FORMAT = re.compile(r"qc_[A-Za-z0-9_-]{43}")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class TokenInfo:
    id: int
    role: CallerRole
    regions: tuple[str, ...]
    department: str | None
    enterprise_code: str | None
    label: str | None
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        now = clock.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


def _info(row: TokenRow) -> TokenInfo:
    return TokenInfo(
        id=row.id,
        role=CallerRole(row.role),
        regions=tuple(r for r in row.regions.split(",") if r),
        department=row.department,
        enterprise_code=row.enterprise_code,
        label=row.label,
        created_at=aware(row.created_at),
        expires_at=aware(row.expires_at) if row.expires_at else None,
        revoked_at=aware(row.revoked_at) if row.revoked_at else None,
    )


def well_formed(token: str) -> bool:
    return TOKEN_FORMAT.fullmatch(token) is not None


def principal_of(info: TokenInfo) -> Principal:
    """The caller a token stands for; the audit log names it ``token:<id>``.  Its stored claims
    are checked again (:class:`InvalidInput` for a row no check would let in today)."""
    return checked_principal(
        role=info.role.value,
        regions=info.regions,
        department=info.department,
        enterprise_code=info.enterprise_code,
        token_id=info.id,
        subject=f"token:{info.id}",
    )


async def create_token(
    session: AsyncSession,
    *,
    role: str,
    regions: Iterable[str] = (),
    department: str | None = None,
    enterprise_code: str | None = None,
    expires_days: int | None = None,
    label: str | None = None,
) -> tuple[str, TokenInfo]:
    """A new token (returned once, in clear) and what it allows.  Its claims pass the same
    checks as a JWT's (:func:`checked_principal`)."""
    claimed = checked_principal(
        role=role, regions=list(regions), department=department, enterprise_code=enterprise_code
    )
    if expires_days is not None and expires_days <= 0:
        raise InvalidInput("--expires must be a positive number of days", field="expires")
    token = PREFIX + secrets.token_urlsafe(32)
    now = clock.now()
    row = TokenRow(
        token_hash=token_hash(token),
        role=claimed.role.value,
        regions=",".join(claimed.regions),
        department=claimed.department,
        enterprise_code=claimed.enterprise_code,
        label=label,
        created_at=now,
        expires_at=now + timedelta(days=expires_days) if expires_days else None,
    )
    session.add(row)
    await session.flush()
    return token, _info(row)


async def verify_token(session: AsyncSession, token: str) -> TokenInfo | None:
    """The token's info when it exists, is not revoked and has not expired."""
    row = (
        await session.execute(select(TokenRow).where(TokenRow.token_hash == token_hash(token)))
    ).scalar_one_or_none()
    if row is None:
        return None
    info = _info(row)
    return info if info.active else None


async def list_tokens(session: AsyncSession) -> list[TokenInfo]:
    rows = (await session.execute(select(TokenRow).order_by(TokenRow.id))).scalars()
    return [_info(r) for r in rows]


async def revoke_token(session: AsyncSession, token_id: int) -> TokenInfo:
    row = await session.get(TokenRow, token_id)
    if row is None:
        raise NotFound(f"no token {token_id}", field="id")
    if row.revoked_at is None:
        row.revoked_at = clock.now()
        await session.flush()
    return _info(row)
