"""HTTP 413 above ``QCREDIT_MAX_BODY_BYTES`` (docs/hardening.md)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from qcredit.api.web.bodies import ASGIApp, Scope, header, send_error


class BodyLimitMiddleware:
    """Refuses HTTP bodies above ``max_bytes`` with 413 ``PAYLOAD_TOO_LARGE``.

    The body is read here (at most ``max_bytes`` plus one chunk) and replayed to the app, so an
    oversized body is refused before anything downstream reads or parses it.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def _too_large(self, scope: Scope, send: Callable[..., Any]) -> None:
        await send_error(
            send,
            413,
            "PAYLOAD_TOO_LARGE",
            f"The request body is larger than {self.max_bytes} bytes.",
            maxBytes=self.max_bytes,
            accept=header(scope, b"accept"),
        )

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or self.max_bytes <= 0:
            await self.app(scope, receive, send)
            return
        declared = header(scope, b"content-length")
        if declared is not None and declared.strip().isdigit():
            if int(declared) > self.max_bytes:
                await self._too_large(scope, send)
                return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # http.disconnect: the client has gone
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._too_large(scope, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> dict[str, Any]:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            message: dict[str, Any] = await receive()
            return message

        await self.app(scope, replay, send)
