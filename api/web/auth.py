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
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jwt
from qcredit.core import clock
from qcredit.core.disclosure.callers import PUBLIC, Principal, checked_principal
from qcredit.core.disclosure.tokens import (
    PREFIX,
    TokenInfo,
    principal_of,
    token_hash,
    verify_token,
    well_formed,
)
from qcredit.core.errors import InvalidInput
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker


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
    return str(token).strip()


def principal_from_jwt(token: str, settings: JwtSettings) -> Principal:
    """The caller of a signed JWT.  Its signature, ``exp``, issuer and audience are PyJWT's to
    check; its claims are validated like any input (:func:`checked_principal`), so a correctly
    signed token that claims ``"regions": [""]`` or no region for a REGULATOR is refused."""
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
    sub = claims["sub"]
    if not isinstance(sub, str) or not sub.strip():
        raise InvalidCredentials("token rejected: sub must be a non-blank string")
    try:
        return checked_principal(
            role=claims.get("role"),
            regions=claims.get("regions", ()),
            department=claims.get("department"),
            enterprise_code=claims.get("enterprise"),
            subject=f"jwt:{sub}",
        )
    except InvalidInput as exc:
        raise InvalidCredentials(f"token rejected: claim {exc.field}: {exc.message}") from None


class TokenCache:
    """What is known of bearer tokens, by their hash, so that most requests need no database
    round trip:

    * accepted tokens, trusted for ``seconds`` (a revoked token stops working within that time);
      they are also *vouched for*: the rate limit gives a token a bucket of its own only once it
      was accepted here, never to an invented one (:mod:`.rate_limit`);
    * refused tokens (unknown, revoked, expired), remembered for ``REFUSED_SECONDS``: asking
      again cannot make them valid — a token is random and shown only when it is created, and
      revocation and expiry are final — so a caller repeating one costs no query.
    """

    REFUSED_SECONDS = 300.0
    MAX_ENTRIES = 10_000

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._known: dict[str, tuple[Principal, float, datetime | None]] = {}
        self._refused: dict[str, float] = {}

    def get(self, token: str) -> Principal | None:
        if self.seconds <= 0:
            return None
        found = self._known.get(token_hash(token))
        if found is None:
            return None
        principal, until, expires_at = found
        if time.monotonic() > until or (expires_at is not None and expires_at <= clock.now()):
            return None
        return principal

    def put(self, token: str, principal: Principal, expires_at: datetime | None) -> None:
        if len(self._known) > self.MAX_ENTRIES:
            self._known.clear()
        self._known[token_hash(token)] = (principal, time.monotonic() + self.seconds, expires_at)

    def vouches_for(self, digest: str) -> bool:
        """Whether the token of this SHA-256 was accepted and has not been refused since."""
        found = self._known.get(digest)
        return found is not None and (found[2] is None or found[2] > clock.now())

    def refuse(self, token: str) -> None:
        digest = token_hash(token)
        self._known.pop(digest, None)
        if len(self._refused) > self.MAX_ENTRIES:
            self._refused.clear()
        self._refused[digest] = time.monotonic() + self.REFUSED_SECONDS

    def refused(self, token: str) -> bool:
        until = self._refused.get(token_hash(token))
        return until is not None and time.monotonic() <= until


def _jwt_expiry(token: str) -> datetime | None:
    exp = jwt.decode(token, options={"verify_signature": False}).get("exp")
    return datetime.fromtimestamp(exp, UTC) if isinstance(exp, int | float) else None


async def _principal_of_bearer(
    token: str, sessions: async_sessionmaker[AsyncSession], cache: TokenCache | None
) -> Principal:
    if not well_formed(token):  # not one of ours: no query
        raise InvalidCredentials("token unknown, revoked or expired")
    if cache is not None:
        known = cache.get(token)
        if known is not None:
            return known
        if cache.refused(token):
            raise InvalidCredentials("token unknown, revoked or expired")
    async with sessions() as session:
        stored = _stored(await verify_token(session, token))
    if stored is None:
        if cache is not None:
            cache.refuse(token)
        raise InvalidCredentials("token unknown, revoked or expired")
    if cache is not None:
        cache.put(token, *stored)
    return stored[0]


def _stored(info: TokenInfo | None) -> tuple[Principal, datetime | None] | None:
    """An active token's caller and expiry; ``None`` for none, or for a row stored before its
    claims were checked that no check would let in today."""
    if info is None:
        return None
    try:
        return principal_of(info), info.expires_at
    except InvalidInput:
        return None


async def principal_for(
    headers: Any,
    sessions: async_sessionmaker[AsyncSession],
    jwt_settings: JwtSettings,
    cache: TokenCache | None = None,
) -> Principal:
    token = bearer(headers)
    if token is None:
        return PUBLIC
    if token.startswith(PREFIX):
        return await _principal_of_bearer(token, sessions, cache)
    principal = principal_from_jwt(token, jwt_settings)
    if cache is not None:  # vouched for, for the rate limit; JWTs are checked every time
        cache.put(token, principal, _jwt_expiry(token))
    return principal
