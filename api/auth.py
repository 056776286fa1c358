"""Who is calling: a bearer token issued by ``qcredit token create``, or a signed JWT from an
outside identity provider, mapped onto the same roles.  No token: PUBLIC.

JWTs are verified with PyJWT (no hand-rolled crypto).  Configure with
``QCREDIT_JWT_PUBLIC_KEY`` (PEM text or a path to it), optionally ``QCREDIT_JWT_ALGORITHMS``
(default ``RS256,ES256``), ``QCREDIT_JWT_ISSUER`` and ``QCREDIT_JWT_AUDIENCE``.  Claims used:
``role``, ``regions`` (list), ``department``, ``enterprise`` (统一社会信用代码) and ``sub``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
from qcredit.core.access import PUBLIC, Principal, Role
from qcredit.core.tokens import PREFIX, principal_of, verify_token
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
        role = Role(str(claims.get("role", "")).upper())
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


async def principal_for(
    headers: Any, sessions: async_sessionmaker, jwt_settings: JwtSettings
) -> Principal:
    token = bearer(headers)
    if token is None:
        return PUBLIC
    if token.startswith(PREFIX):
        async with sessions() as session:
            info = await verify_token(session, token)
        if info is None:
            raise InvalidCredentials("token unknown, revoked or expired")
        return principal_of(info)
    return principal_from_jwt(token, jwt_settings)
