"""HTTP hardening before the GraphQL view: body size, rate limit, CORS (docs/hardening.md).

Plain ASGI middleware, outermost first (:func:`middleware`):

1. CORS (Starlette's ``CORSMiddleware``), only when ``QCREDIT_CORS_ORIGINS`` names origins, so
   that even a 413 or 429 reaches a browser page it is meant for;
2. :class:`RateLimitMiddleware` — a token bucket per bearer token (hashed; never kept in clear) or
   per client address, answering HTTP 429 with ``Retry-After``. The bucket store is behind
   :class:`RateLimiter`: in-process (:class:`MemoryRateLimiter`) or shared through Redis
   (:class:`RedisRateLimiter`, ``QCREDIT_RATE_LIMIT_REDIS_URL``);
3. :class:`BodyLimitMiddleware` — HTTP 413 above ``QCREDIT_MAX_BODY_BYTES``, by ``Content-Length``
   and by counting the streamed chunks, never holding more than the limit;
4. trusted documents (:mod:`.trusted`), when ``QCREDIT_TRUSTED_DOCUMENTS`` names a manifest.

Errors are GraphQL-shaped: ``{"errors": [{"message": …, "extensions": {"code": …}}]}``.
"""

from __future__ import annotations

import abc
import asyncio
import hashlib
import ipaddress
import json
import logging
import math
import re
import ssl
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import unquote, urlsplit

from graphql import GraphQLError
from qcredit.api.settings import Settings
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from strawberry.extensions import SchemaExtension
from strawberry.extensions.parser_cache import DEFAULT_MAXSIZE, _get_parse_cache

log = logging.getLogger("qcredit.api")

Scope = dict[str, Any]
ASGIApp = Callable[..., Any]


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


def header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers") or ():
        if key.lower() == name:
            return value.decode("latin-1")
    return None


class ParseErrorCodes(SchemaExtension):
    """``GRAPHQL_PARSE_FAILED`` on syntax errors; goes right before ``ParserCache``.

    With ParserCache a syntax error (including ``MaxTokensLimiter``'s "more than N tokens")
    escapes the operation hook, so :class:`~qcredit.api.graphql.errors.ErrorCodes` never sees it.
    This parses first through ParserCache's own shared LRU cache (so ParserCache then hits it) and
    gives a failure its code.
    """

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.graphql_document is None and context.query:
            try:
                _get_parse_cache(DEFAULT_MAXSIZE)(context.query, **context.parse_options)
            except GraphQLError as error:
                if error.extensions and "code" in error.extensions:
                    raise
                raise GraphQLError(
                    error.message,
                    error.nodes,
                    error.source,
                    error.positions,
                    error.path,
                    error,
                    {**(error.extensions or {}), "code": "GRAPHQL_PARSE_FAILED"},
                ) from error
        yield


_SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")


class NoSuggestions(SchemaExtension):
    """Removes every "Did you mean …?" from error messages (introspection off).

    ``StrawberryConfig(disable_field_suggestions=True)`` covers field names only; graphql-core
    still suggests argument names, enum values and types, which is enough for clairvoyance-style
    schema recovery (graphql.md §3.3).
    """

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is None or not result.errors:
            return
        result.errors = [
            GraphQLError(
                _SUGGESTION.sub("", e.message),
                e.nodes,
                e.source,
                e.positions,
                e.path,
                e.original_error,
                e.extensions,
            )
            if "Did you mean" in e.message
            else e
            for e in result.errors
        ]


# -- body size --------------------------------------------------------------------------------


class BodyLimitMiddleware:
    """Refuses HTTP bodies above ``max_bytes`` with 413 ``PAYLOAD_TOO_LARGE``.

    The body is read here (at most ``max_bytes`` plus one chunk) and replayed to the app, so an
    oversized body is refused before anything downstream reads or parses it.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def _too_large(self, send: Callable[..., Any]) -> None:
        await send_error(
            send,
            413,
            "PAYLOAD_TOO_LARGE",
            f"The request body is larger than {self.max_bytes} bytes.",
            maxBytes=self.max_bytes,
        )

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or self.max_bytes <= 0:
            await self.app(scope, receive, send)
            return
        declared = header(scope, b"content-length")
        if declared is not None and declared.strip().isdigit():
            if int(declared) > self.max_bytes:
                await self._too_large(send)
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
                await self._too_large(send)
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
            return await receive()

        await self.app(scope, replay, send)


# -- rate limit -------------------------------------------------------------------------------


class RateLimiter(abc.ABC):
    """A token bucket per key: ``per_minute`` tokens a minute, at most ``burst`` saved up."""

    def __init__(self, per_minute: int, burst: int) -> None:
        self.rate = per_minute / 60.0  # tokens per second
        self.burst = max(1, burst)

    @abc.abstractmethod
    async def acquire(self, key: str) -> float:
        """Take a token for ``key``: 0 when allowed, else the seconds until one is available."""

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections, if any."""


class MemoryRateLimiter(RateLimiter):
    """Buckets in this process (one worker; with several, each counts on its own)."""

    def __init__(
        self,
        per_minute: int,
        burst: int,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 100_000,
    ) -> None:
        super().__init__(per_minute, burst)
        self.clock = clock
        self.max_keys = max_keys
        self.buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, at), oldest first

    def _prune(self, now: float) -> None:
        # A bucket that has refilled is the same as no bucket: forget those, then the oldest.
        for key, (tokens, at) in list(self.buckets.items()):
            if tokens + (now - at) * self.rate >= self.burst:
                del self.buckets[key]
        while len(self.buckets) >= self.max_keys:
            del self.buckets[next(iter(self.buckets))]

    async def acquire(self, key: str) -> float:
        now = self.clock()
        tokens, at = self.buckets.pop(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + max(0.0, now - at) * self.rate)
        wait = 0.0
        if tokens >= 1:
            tokens -= 1
        else:
            wait = (1 - tokens) / self.rate
        if len(self.buckets) >= self.max_keys:
            self._prune(now)
        self.buckets[key] = (tokens, now)
        return wait


# Atomic refill-and-take in Redis, on the server's clock. Returns the wait as a string (a Lua
# number would be truncated to an integer in the reply).
_REDIS_SCRIPT = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local b = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(b[1]) or burst
local at = tonumber(b[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = (1 - tokens) / rate end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.6f', tokens),
           'at', string.format('%.6f', now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return string.format('%.6f', wait)
"""
_REDIS_SHA = hashlib.sha1(_REDIS_SCRIPT.encode()).hexdigest()


class RedisError(Exception):
    pass


class RedisRateLimiter(RateLimiter):
    """Buckets in Redis, shared by every worker and host (``redis://[:password@]host:port/db``).

    A minimal RESP client over one connection (no extra dependency). If Redis cannot be reached
    the request is let through and a warning logged: an outage of the limiter is not an outage of
    the API.
    """

    def __init__(self, url: str, per_minute: int, burst: int, prefix: str = "qcredit:rl:") -> None:
        super().__init__(per_minute, burst)
        parts = urlsplit(url)
        if parts.scheme not in {"redis", "rediss"}:
            raise ValueError(f"not a redis:// URL: {url!r}")
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 6379
        self.tls = parts.scheme == "rediss"
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        path = parts.path.strip("/")
        self.db = int(path) if path.isdigit() else 0
        self.prefix = prefix
        self._conn: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        self._lock = asyncio.Lock()

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(
                self.host, self.port, ssl=ssl.create_default_context() if self.tls else None
            ),
            timeout=2,
        )
        self._conn = (reader, writer)
        if self.password is not None:
            auth = [self.username, self.password] if self.username else [self.password]
            await self._command("AUTH", *auth)
        if self.db:
            await self._command("SELECT", str(self.db))
        return reader, writer

    async def _read(self, reader: asyncio.StreamReader) -> Any:
        line = await reader.readline()
        if not line:
            raise ConnectionError("Redis closed the connection")
        kind, rest = line[:1], line[1:-2]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            raise RedisError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            return None if n < 0 else (await reader.readexactly(n + 2))[:-2].decode()
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [await self._read(reader) for _ in range(n)]
        raise RedisError(f"unexpected reply {line!r}")

    async def _command(self, *args: str) -> Any:
        reader, writer = self._conn or await self._connect()
        out = [f"*{len(args)}\r\n".encode()]
        for a in args:
            data = a.encode()
            out.append(b"$%d\r\n%s\r\n" % (len(data), data))
        writer.write(b"".join(out))
        await writer.drain()
        return await asyncio.wait_for(self._read(reader), timeout=2)

    async def acquire(self, key: str) -> float:
        args = ("1", self.prefix + key, repr(self.rate), str(self.burst))
        async with self._lock:
            try:
                try:
                    reply = await self._command("EVALSHA", _REDIS_SHA, *args)
                except RedisError as exc:
                    if not str(exc).startswith("NOSCRIPT"):
                        raise
                    reply = await self._command("EVAL", _REDIS_SCRIPT, *args)
                return float(reply)
            except (TimeoutError, OSError, RedisError, ValueError) as exc:
                log.warning("rate limiter: Redis unavailable, letting the request through: %s", exc)
                await self._drop()
                return 0.0

    async def _drop(self) -> None:
        if self._conn is not None:
            writer = self._conn[1]
            self._conn = None
            writer.close()
            try:
                await writer.wait_closed()
            except Exception:
                pass

    async def close(self) -> None:
        async with self._lock:
            await self._drop()


def rate_limit_key(scope: Scope) -> str:
    """``token:<sha256>`` for a bearer token, else ``ip:<client address>``."""
    auth = header(scope, b"authorization")
    if auth:
        scheme, _, token = auth.strip().partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            return "token:" + hashlib.sha256(token.strip().encode()).hexdigest()
    client = scope.get("client")
    return f"ip:{client[0] if client else 'unknown'}"


def _networks(entries: Iterable[str]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(e.strip(), strict=False) for e in entries if e.strip()]


class RateLimitMiddleware:
    """HTTP 429 ``RATE_LIMITED`` with ``Retry-After`` once a caller's bucket is empty.

    Clients whose address is in ``exempt`` (addresses or networks) are not counted at all.
    WebSocket handshakes count as one request; a refused one is closed (HTTP 403).
    """

    def __init__(self, app: ASGIApp, limiter: RateLimiter, exempt: Iterable[str] = ()) -> None:
        self.app = app
        self.limiter = limiter
        self.exempt = _networks(exempt)

    def _exempt(self, scope: Scope) -> bool:
        client = scope.get("client")
        if not client or not self.exempt:
            return False
        try:
            address = ipaddress.ip_address(client[0])
        except ValueError:
            return False
        return any(address in net for net in self.exempt)

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] not in {"http", "websocket"} or self._exempt(scope):
            await self.app(scope, receive, send)
            return
        wait = await self.limiter.acquire(rate_limit_key(scope))
        if wait <= 0:
            await self.app(scope, receive, send)
            return
        retry_after = max(1, math.ceil(wait))
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008, "reason": "rate limited"})
            return
        await send_error(
            send,
            429,
            "RATE_LIMITED",
            f"Too many requests; retry after {retry_after} s.",
            headers=[(b"retry-after", str(retry_after).encode())],
            retryAfter=retry_after,
        )


def make_rate_limiter(settings: Settings) -> RateLimiter | None:
    if settings.rate_limit_per_minute <= 0:
        return None
    if settings.rate_limit_redis_url:
        return RedisRateLimiter(
            settings.rate_limit_redis_url, settings.rate_limit_per_minute, settings.rate_limit_burst
        )
    return MemoryRateLimiter(settings.rate_limit_per_minute, settings.rate_limit_burst)


# -- assembly ---------------------------------------------------------------------------------


def middleware(settings: Settings, limiter: RateLimiter | None = None) -> list[Middleware]:
    """The hardening middleware for ``Starlette(middleware=…)``, outermost first."""
    from qcredit.api.web.trusted import TrustedDocumentsMiddleware, load_manifest

    stack: list[Middleware] = []
    if settings.cors_origins:
        stack.append(
            Middleware(
                CORSMiddleware,
                allow_origins=list(settings.cors_origins),
                allow_methods=["GET", "POST"],
                allow_headers=["Authorization", "Content-Type", "Accept"],
                max_age=600,
            )
        )
    limiter = limiter or make_rate_limiter(settings)
    if limiter is not None:
        stack.append(
            Middleware(RateLimitMiddleware, limiter=limiter, exempt=settings.rate_limit_exempt)
        )
    stack.append(Middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes))
    if settings.trusted_documents:
        stack.append(
            Middleware(
                TrustedDocumentsMiddleware,
                manifest=load_manifest(settings.trusted_documents),
                allow_arbitrary=settings.trusted_documents_allow_arbitrary,
            )
        )
    return stack
