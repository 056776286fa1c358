"""Who is calling: a bearer token issued by ``qcredit token create``, or a signed JWT from an
outside identity provider, mapped onto the same roles.  No token: PUBLIC.

JWTs are verified with PyJWT (no hand-rolled crypto).  Configure with
``QCREDIT_JWT_PUBLIC_KEY`` (PEM text or a path to it), optionally ``QCREDIT_JWT_ALGORITHMS``
(default ``RS256,ES256``), ``QCREDIT_JWT_ISSUER`` and ``QCREDIT_JWT_AUDIENCE``.  Claims used:
``role``, ``regions`` (list), ``department``, ``enterprise`` (统一社会信用代码) and ``sub``.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import jwt
from qcredit.core import clock
from qcredit.core.disclosure.callers import PUBLIC, CallerRole, Principal
from qcredit.core.disclosure.tokens import PREFIX, principal_of, token_hash, verify_token
from sqlalchemy.ext.asyncio import async_sessionmaker


@dataclass(frozen=True)
class JwtSettings:
    public_key: str | None = field(
        default_factory=lambda: _key(os.environ.get("QCREDIT_JWT_PUBLIC_KEY"))
    )
    algorithms: tuple[str, ...] = field(
        default_factory=lambda: tuple(
            a.strip()
            for a in os.environ.get("QCREDIT_JWT_ALGORITHMS", "RS256,ES256").split(",")
            if a.strip()
        )
    )
    issuer: str | None = field(default_factory=lambda: os.environ.get("QCREDIT_JWT_ISSUER"))
    audience: str | None = field(default_factory=lambda: os.environ.get("QCREDIT_JWT_AUDIENCE"))


def _key(raw: str | None) -> str | None:
    if not raw:
        return None
    if "-----BEGIN" in raw:
        return raw
    return Path(raw).read_text(encoding="utf-8")


class InvalidCredentials(Exception):
    """The request carried a token that is unknown, revoked, expired or badly signed."""


def bearer(headers: Any) -> str | None:
    value = headers.get("authorization") if headers is not None else None
    if not value:
        return None
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise InvalidCredentials("Authorization must be 'Bearer <token>'")
    return token.strip()


def principal_from_jwt(token: str, settings: JwtSettings) -> Principal:
    if not settings.public_key:
        raise InvalidCredentials("unknown token")
    try:
        claims = jwt.decode(
            token,
            settings.public_key,
            algorithms=list(settings.algorithms),
            issuer=settings.issuer,
            audience=settings.audience,
            options={"require": ["exp", "sub"], "verify_aud": settings.audience is not None},
        )
    except jwt.PyJWTError as exc:
        raise InvalidCredentials(f"token rejected: {exc}") from None
    try:
        role = CallerRole(str(claims.get("role", "")).upper())
    except ValueError:
        raise InvalidCredentials("token has no known role") from None
    regions = claims.get("regions") or []
    if not isinstance(regions, list):
        raise InvalidCredentials("regions must be a list")
    return Principal(
        role=role,
        regions=tuple(str(r) for r in regions),
        department=claims.get("department"),
        enterprise_code=claims.get("enterprise"),
        subject=f"jwt:{claims['sub']}",
    )


class TokenCache:
    """Verified tokens, trusted for a few seconds without a database round trip.  Keyed by the
    token's hash; only accepted tokens are kept, so unknown ones always reach the database."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._known: dict[str, tuple[Principal, float, datetime | None]] = {}

    def get(self, token: str) -> Principal | None:
        if self.seconds <= 0:
            return None
        found = self._known.get(token_hash(token))
        if found is None:
            return None
        principal, until, expires_at = found
        if time.monotonic() > until or (expires_at is not None and expires_at <= clock.now()):
            self._known.pop(token_hash(token), None)
            return None
        return principal

    def put(self, token: str, principal: Principal, expires_at: datetime | None) -> None:
        if self.seconds <= 0:
            return
        if len(self._known) > 10_000:
            self._known.clear()
        self._known[token_hash(token)] = (principal, time.monotonic() + self.seconds, expires_at)


async def principal_for(
    headers: Any,
    sessions: async_sessionmaker,
    jwt_settings: JwtSettings,
    cache: TokenCache | None = None,
) -> Principal:
    token = bearer(headers)
    if token is None:
        return PUBLIC
    if token.startswith(PREFIX):
        known = cache.get(token) if cache is not None else None
        if known is not None:
            return known
        async with sessions() as session:
            info = await verify_token(session, token)
        if info is None:
            raise InvalidCredentials("token unknown, revoked or expired")
        principal = principal_of(info)
        if cache is not None:
            cache.put(token, principal, info.expires_at)
        return principal
    return principal_from_jwt(token, jwt_settings)
