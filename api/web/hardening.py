"""HTTP hardening before the GraphQL view: CORS, rate limit, body size, trusted documents
(docs/hardening.md).

Plain ASGI middleware, outermost first (:func:`middleware`):

1. CORS (Starlette's ``CORSMiddleware``), only when ``QCREDIT_CORS_ORIGINS`` names origins, so
   that even a 413 or 429 reaches a browser page it is meant for;
2. the rate limit (:mod:`.rate_limit`), HTTP 429 with ``Retry-After``;
3. the body limit (:mod:`.body_limit`), HTTP 413 above ``QCREDIT_MAX_BODY_BYTES``;
4. trusted documents (:mod:`.trusted`), when ``QCREDIT_TRUSTED_DOCUMENTS`` names a manifest.

Errors are GraphQL-shaped (:mod:`.bodies`).
"""

from __future__ import annotations

from qcredit.api.settings import Settings
from qcredit.api.web.body_limit import BodyLimitMiddleware
from qcredit.api.web.rate_limit import RateLimiter, RateLimitMiddleware, make_rate_limiter
from qcredit.api.web.trusted import TrustedDocumentsMiddleware, load_manifest
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware


def middleware(settings: Settings, limiter: RateLimiter | None = None) -> list[Middleware]:
    """The hardening middleware for ``Starlette(middleware=…)``, outermost first."""
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
            Middleware(
                RateLimitMiddleware,
                limiter=limiter,
                exempt=settings.rate_limit_exempt,
                trusted_proxies=settings.forwarded_allow_ips,
            )
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
