"""Server settings, from the environment (``QCREDIT_*``) with safe defaults for development."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from qcredit.core.store.db import default_url

#: The public base URL of an app not started by ``qcredit serve`` (tests, another ASGI server)
#: and without ``QCREDIT_PUBLIC_URL``: ``qcredit serve``'s own defaults.
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"
#: The issuing bureau named by exported workbooks and the verification page (never guessed).
ISSUER_ENV = "QCREDIT_ISSUER"


def _flag(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    return default if raw is None else raw.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw else default


def _list(name: str, default: tuple[str, ...] = ()) -> tuple[str, ...]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return tuple(item.strip() for item in raw.split(",") if item.strip())


@dataclass(frozen=True)
class Settings:
    database_url: str = field(default_factory=default_url)
    max_page_size: int = field(default_factory=lambda: _int("QCREDIT_MAX_PAGE_SIZE", 100))
    default_page_size: int = 20
    max_depth: int = field(default_factory=lambda: _int("QCREDIT_MAX_DEPTH", 12))
    max_aliases: int = field(default_factory=lambda: _int("QCREDIT_MAX_ALIASES", 30))
    max_tokens: int = field(default_factory=lambda: _int("QCREDIT_MAX_TOKENS", 5000))
    graphiql: bool = field(default_factory=lambda: _flag("QCREDIT_GRAPHIQL", True))
    introspection: bool = field(default_factory=lambda: _flag("QCREDIT_INTROSPECTION", True))
    migrate_on_start: bool = field(default_factory=lambda: _flag("QCREDIT_MIGRATE_ON_START", True))
    # Hardening (docs/hardening.md)
    max_body_bytes: int = field(default_factory=lambda: _int("QCREDIT_MAX_BODY_BYTES", 1 << 20))
    max_cost: int = field(default_factory=lambda: _int("QCREDIT_MAX_COST", 50_000))
    # Responses cached under (query, variables, caller's rights, today, data version); 0 = off.
    response_cache_entries: int = field(default_factory=lambda: _int("QCREDIT_RESPONSE_CACHE", 256))
    # How long a verified bearer token is trusted without asking the database again; a revoked
    # token stops working within this many seconds (0 = ask every time).
    token_cache_seconds: int = field(
        default_factory=lambda: _int("QCREDIT_TOKEN_CACHE_SECONDS", 10)
    )
    rate_limit_per_minute: int = field(
        default_factory=lambda: _int("QCREDIT_RATE_LIMIT_PER_MINUTE", 600)
    )
    rate_limit_burst: int = field(default_factory=lambda: _int("QCREDIT_RATE_LIMIT_BURST", 100))
    rate_limit_redis_url: str | None = field(
        default_factory=lambda: os.environ.get("QCREDIT_RATE_LIMIT_REDIS_URL") or None
    )
    rate_limit_exempt: tuple[str, ...] = field(
        default_factory=lambda: _list("QCREDIT_RATE_LIMIT_EXEMPT")
    )
    # The base URL the server publishes in what it hands out (a badge's verification URL, the QR
    # code that encodes it).  Never taken from a request's Host header: one caller's header must
    # not change what another receives.  Unset: http://<--host>:<--port> of `qcredit serve`.
    public_url: str | None = field(
        default_factory=lambda: os.environ.get("QCREDIT_PUBLIC_URL") or None
    )
    # The bureau that issues the grades, as the verification page and workbooks name it; unset,
    # the page names none rather than a guess.
    issuer: str | None = field(
        default_factory=lambda: os.environ.get(ISSUER_ENV, "").strip() or None
    )
    # Addresses of reverse proxies whose X-Forwarded-For is believed (rate limits, audit); none by
    # default, so a caller cannot choose the address it is limited under.
    forwarded_allow_ips: tuple[str, ...] = field(
        default_factory=lambda: _list("QCREDIT_FORWARDED_ALLOW_IPS")
    )
    cors_origins: tuple[str, ...] = field(default_factory=lambda: _list("QCREDIT_CORS_ORIGINS"))
    ws_origins: tuple[str, ...] = field(default_factory=lambda: _list("QCREDIT_WS_ORIGINS"))
    trusted_documents: str | None = field(
        default_factory=lambda: os.environ.get("QCREDIT_TRUSTED_DOCUMENTS") or None
    )
    trusted_documents_allow_arbitrary: bool = field(
        default_factory=lambda: _flag("QCREDIT_TRUSTED_DOCUMENTS_ALLOW_ARBITRARY", False)
    )

    @property
    def published_url(self) -> str:
        """The base of every URL the server hands out, without a trailing slash."""
        return (self.public_url or DEFAULT_PUBLIC_URL).rstrip("/")
