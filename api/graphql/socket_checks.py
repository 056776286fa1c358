"""Each operation on a WebSocket checked as an HTTP request is: who the caller is now, and the
rate limit (docs/hardening.md, "How a revoked or expired token is cut off").

graphql-transport-ws runs every operation of a connection — queries and mutations as well as
subscriptions — with the one context made at the handshake. An HTTP request authenticates again
and takes from its rate-limit bucket each time. Without these checks a socket opened with a
token kept that token's rights after it was revoked or expired, and ran any number of operations
for the one request its handshake was counted as.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import AsyncIterator, MutableMapping
from contextlib import suppress
from typing import TYPE_CHECKING, Any

from graphql import GraphQLError
from qcredit.api.web.rate_limit import RATE_LIMIT_STATE
from qcredit.core.disclosure.callers import Principal
from starlette.websockets import WebSocket, WebSocketState
from strawberry.extensions import SchemaExtension

if TYPE_CHECKING:
    from qcredit.api.graphql.context import Context

CUT_OFF = 4403  # graphql-transport-ws: Forbidden
REVOKED = "token revoked or expired"


def credentials(c: Context) -> dict[str, str] | None:
    """The Authorization the connection authenticated with: ``connection_init``'s, else the
    handshake's; ``None`` for a PUBLIC caller."""
    params = getattr(c, "connection_params", None) or {}
    for key, value in params.items():
        if isinstance(key, str) and key.lower() == "authorization" and isinstance(value, str):
            return {"authorization": value}
    header = c.request.headers.get("authorization") if c.request is not None else None
    return {"authorization": header} if header else None


async def still_authorised(c: Context, given: dict[str, str] | None) -> Principal | None:
    """The caller as its token says *now* (through the token cache): ``None`` once the token is
    revoked or expired."""
    from qcredit.api.web.auth import InvalidCredentials, principal_for

    if given is None:
        return c.principal
    view = c.request.scope["app"].state.graphql
    try:
        return await principal_for(given, c.services.sessions, view.jwt, view.tokens)
    except InvalidCredentials:
        return None


async def close_for_revocation(c: Context) -> None:
    """Refuse identity from now on and close the socket (4403): every operation on it ends."""
    c.auth_error = REVOKED
    if c.request.application_state is WebSocketState.CONNECTED:
        with suppress(OSError, RuntimeError):  # the client went first
            await c.request.close(code=CUT_OFF, reason=REVOKED)


def _bucket(scope: MutableMapping[str, Any], accepted: dict[str, str] | None) -> str | None:
    """The bucket an operation takes from: the accepted token's (from ``connection_init`` too),
    else what the handshake was counted under (its address); ``None`` without a rate limit."""
    limit = scope.get("state", {}).get(RATE_LIMIT_STATE)
    if limit is None:
        return None
    key: str | None = limit.key(scope)
    if key is None:  # an exempt client
        return None
    if accepted is not None:
        scheme, _, token = accepted["authorization"].strip().partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            return "token:" + hashlib.sha256(token.strip().encode()).hexdigest()
    return key


class SocketOperationChecks(SchemaExtension):
    """Before each operation on a WebSocket executes: the token again, then one from the rate
    limit.

    A revoked or expired token closes the socket (4403) and the operation fails
    ``UNAUTHENTICATED``; an empty bucket fails it ``RATE_LIMITED`` with ``retryAfter``, the
    socket staying open. HTTP requests pass untouched: the middleware and
    :func:`~qcredit.api.web.auth.principal_for` check them already."""

    # In ``on_execute``, after parsing and validation: an exception raised there becomes the
    # operation's error on every path of strawberry's streaming execution (one raised in
    # ``on_operation`` escapes it and kills the operation's task).
    async def on_execute(self) -> AsyncIterator[None]:
        c = self.execution_context.context
        request = getattr(c, "request", None)
        if isinstance(request, WebSocket) and c.auth_error is None:
            given = credentials(c)
            principal = await still_authorised(c, given)
            if principal is None:
                await close_for_revocation(c)
                raise GraphQLError(REVOKED, extensions={"code": "UNAUTHENTICATED"})
            c._principal = principal
            key = _bucket(request.scope, given)  # the token was just accepted
            if key is not None:
                limit = request.scope["state"][RATE_LIMIT_STATE]
                wait = await limit.limiter.acquire(key)
                if wait > 0:
                    retry_after = max(1, math.ceil(wait))
                    raise GraphQLError(
                        f"Too many requests; retry after {retry_after} s.",
                        extensions={"code": "RATE_LIMITED", "retryAfter": retry_after},
                    )
        yield
