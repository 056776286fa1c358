"""A graphql-transport-ws client that talks to an ASGI app in-process (same event loop), so a
subscriber and a writer can share one app — or two apps on one database."""

from __future__ import annotations

import asyncio
import json
from typing import Any


class Closed(Exception):
    def __init__(self, code: int, reason: str = "") -> None:
        super().__init__(f"closed {code} {reason}")
        self.code = code
        self.reason = reason


class WsClient:
    def __init__(self, app: Any, headers: dict[str, str] | None = None) -> None:
        self.app = app
        self.headers = headers or {}
        self.to_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.from_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.task: asyncio.Task | None = None

    async def __aenter__(self) -> WsClient:
        scope = {
            "type": "websocket",
            "asgi": {"version": "3.0"},
            "scheme": "ws",
            "path": "/graphql",
            "raw_path": b"/graphql",
            "root_path": "",
            "query_string": b"",
            "headers": [(b"host", b"test"), (b"sec-websocket-protocol", b"graphql-transport-ws")]
            + [(k.lower().encode(), v.encode()) for k, v in self.headers.items()],
            "subprotocols": ["graphql-transport-ws"],
            "client": ("127.0.0.1", 40000),
            "server": ("test", 80),
            "state": {},
        }
        await self.to_app.put({"type": "websocket.connect"})
        self.task = asyncio.create_task(self.app(scope, self.to_app.get, self.from_app.put))
        message = await asyncio.wait_for(self.from_app.get(), 10)
        if message["type"] != "websocket.accept":
            raise Closed(message.get("code", 0), str(message))
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.to_app.put({"type": "websocket.disconnect", "code": 1000})
        if self.task is not None:
            try:
                await asyncio.wait_for(self.task, 5)
            except (TimeoutError, Exception):
                self.task.cancel()

    async def send(self, message: dict[str, Any]) -> None:
        await self.to_app.put({"type": "websocket.receive", "text": json.dumps(message)})

    async def receive(self, timeout: float = 10) -> dict[str, Any]:
        get = asyncio.ensure_future(self.from_app.get())
        assert self.task is not None
        done, _ = await asyncio.wait(
            {get, self.task}, timeout=timeout, return_when="FIRST_COMPLETED"
        )
        if get not in done:
            get.cancel()
            if self.task in done:  # the app ended the connection without closing it: say why
                raise Closed(1011, repr(self.task.exception()))
            raise TimeoutError
        message = get.result()
        if message["type"] == "websocket.close":
            raise Closed(message.get("code", 1000), message.get("reason", ""))
        return json.loads(message.get("text") or message["bytes"])

    async def init(self, payload: dict[str, Any] | None = None) -> dict[str, Any]:
        await self.send({"type": "connection_init", "payload": payload or {}})
        return await self.receive()

    async def subscribe(self, op_id: str, query: str, variables: dict[str, Any]) -> None:
        await self.send(
            {"id": op_id, "type": "subscribe", "payload": {"query": query, "variables": variables}}
        )
