"""What the plain-ASGI middleware share: a request header, and GraphQL-shaped error answers
(``{"errors": [{"message": …, "extensions": {"code": …}}]}``) so a client reads a refusal by
the HTTP layer like one by the schema."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

Scope = dict[str, Any]
ASGIApp = Callable[..., Any]


def header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers") or ():
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def error_body(code: str, message: str, **extensions: Any) -> bytes:
    return json.dumps(
        {"errors": [{"message": message, "extensions": {"code": code, **extensions}}]},
        ensure_ascii=False,
    ).encode()


async def send_error(
    send: Callable[..., Any],
    status: int,
    code: str,
    message: str,
    headers: Iterable[tuple[bytes, bytes]] = (),
    **extensions: Any,
) -> None:
    """Answer an HTTP request with a GraphQL-style error body."""
    body = error_body(code, message, **extensions)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
