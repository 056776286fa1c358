"""HTTP 429 once a caller's token bucket is empty (docs/hardening.md).

A bucket per accepted bearer token (hashed; never kept in clear) or per client address — the
socket's peer, or ``X-Forwarded-For`` when the peer is a trusted proxy. The bucket store
is behind :class:`RateLimiter`: in this process (:class:`MemoryRateLimiter`) or shared through
Redis (:class:`RedisRateLimiter`, ``QCREDIT_RATE_LIMIT_REDIS_URL``).
"""

from __future__ import annotations

import abc
import hashlib
import ipaddress
import logging
import math
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any
from urllib.parse import urlsplit

import redis.asyncio as redis
from qcredit.api.settings import Settings
from qcredit.api.web.bodies import ASGIApp, Scope, header, send_error
from redis.exceptions import RedisError

# Where the middleware leaves itself in an accepted WebSocket's scope state, so that each
# operation on the socket takes from the same bucket (api/graphql/socket_checks.py).
RATE_LIMIT_STATE = "qcredit_rate_limit"

log = logging.getLogger("qcredit.api")


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


class RedisRateLimiter(RateLimiter):
    """Buckets in Redis, shared by every worker and host (``redis[s]://[[user]:password@]host:port/db``).

    If Redis cannot be reached the request is let through and a warning logged: an outage of the
    limiter is not an outage of the API.
    """

    def __init__(self, url: str, per_minute: int, burst: int, prefix: str = "qcredit:rl:") -> None:
        super().__init__(per_minute, burst)
        if urlsplit(url).scheme not in {"redis", "rediss"}:
            raise ValueError(f"not a redis:// URL: {url!r}")
        self.prefix = prefix
        self.redis = redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        # EVALSHA, loading the script once when the server answers NOSCRIPT.
        self._take = self.redis.register_script(_REDIS_SCRIPT)

    async def acquire(self, key: str) -> float:
        try:
            reply = await self._take(keys=[self.prefix + key], args=[repr(self.rate), self.burst])
            return float(reply)
        except (TimeoutError, OSError, RedisError, ValueError) as exc:
            log.warning("rate limiter: Redis unavailable, letting the request through: %s", exc)
            return 0.0

    async def close(self) -> None:
        await self.redis.aclose()


Networks = Sequence[ipaddress.IPv4Network | ipaddress.IPv6Network]


def _networks(entries: Iterable[str]) -> Networks:
    return [ipaddress.ip_network(e.strip(), strict=False) for e in entries if e.strip()]


def _within(address: str, networks: Networks) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in net for net in networks)


def client_address(scope: Scope, trusted_proxies: Networks = ()) -> str:
    """The caller's address: the socket's peer, unless that peer is a trusted proxy — then the
    nearest address of ``X-Forwarded-For`` that is not itself a trusted proxy (read from the
    right, as each proxy appends the address it saw).  A caller that is not a trusted proxy
    cannot choose the address it is limited under."""
    client = scope.get("client")
    peer = client[0] if client else "unknown"
    if not trusted_proxies or not _within(peer, trusted_proxies):
        return peer
    forwarded = header(scope, b"x-forwarded-for")
    for hop in reversed([h.strip() for h in (forwarded or "").split(",") if h.strip()]):
        if not _within(hop, trusted_proxies):
            return hop
    return peer


def rate_limit_key(
    scope: Scope,
    vouched: Callable[[str], bool] | None = None,
    trusted_proxies: Networks = (),
) -> str:
    """``token:<sha256>`` for a bearer token the server has accepted (``vouched``), else
    ``ip:<client address>``.  An unknown, invalid or invented token shares the anonymous bucket
    of its address: a fresh token per request must not mean a fresh bucket per request, and the
    database lookup of an unknown token is paid from that bucket (:mod:`.auth`)."""
    auth = header(scope, b"authorization")
    if auth:
        scheme, _, token = auth.strip().partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            digest = hashlib.sha256(token.strip().encode()).hexdigest()
            if vouched is not None and vouched(digest):
                return "token:" + digest
    return "ip:" + client_address(scope, trusted_proxies)


def _token_cache(scope: Scope) -> Any:
    """The GraphQL view's :class:`~qcredit.api.web.auth.TokenCache`, if this app has one."""
    state = getattr(scope.get("app"), "state", None)
    return getattr(getattr(state, "graphql", None), "tokens", None)


class RateLimitMiddleware:
    """HTTP 429 ``RATE_LIMITED`` with ``Retry-After`` once a caller's bucket is empty.

    Clients whose address is in ``exempt`` (addresses or networks) are not counted at all.
    ``X-Forwarded-For`` is believed only from ``trusted_proxies`` (``--forwarded-allow-ips``).
    WebSocket handshakes count as one request; a refused one is closed (HTTP 403). Each
    operation on an accepted socket takes one more
    (:class:`~qcredit.api.graphql.socket_checks.SocketOperationChecks`).
    """

    def __init__(
        self,
        app: ASGIApp,
        limiter: RateLimiter,
        exempt: Iterable[str] = (),
        trusted_proxies: Iterable[str] = (),
    ) -> None:
        self.app = app
        self.limiter = limiter
        self.exempt = _networks(exempt)
        self.trusted_proxies = _networks(trusted_proxies)

    def key(self, scope: Scope) -> str | None:
        """The bucket of this request; ``None`` for an exempt client."""
        if self.exempt and _within(client_address(scope, self.trusted_proxies), self.exempt):
            return None
        tokens = _token_cache(scope)
        vouched = tokens.vouches_for if tokens is not None else None
        return rate_limit_key(scope, vouched, self.trusted_proxies)

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        key = self.key(scope) if scope["type"] in {"http", "websocket"} else None
        if key is None:
            await self.app(scope, receive, send)
            return
        wait = await self.limiter.acquire(key)
        if wait <= 0:
            if scope["type"] == "websocket":  # each operation on it takes one as well
                scope.setdefault("state", {})[RATE_LIMIT_STATE] = self
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
            accept=header(scope, b"accept"),
        )


def make_rate_limiter(settings: Settings) -> RateLimiter | None:
    if settings.rate_limit_per_minute <= 0:
        return None
    if settings.rate_limit_redis_url:
        return RedisRateLimiter(
            settings.rate_limit_redis_url, settings.rate_limit_per_minute, settings.rate_limit_burst
        )
    return MemoryRateLimiter(settings.rate_limit_per_minute, settings.rate_limit_burst)
