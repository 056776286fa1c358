"""The Starlette application: GraphQL at /graphql (GraphiQL in a browser), health at /health."""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

from qcredit.api.graphql.cache import ResponseCache, cacheable
from qcredit.api.graphql.context import Context, Services
from qcredit.api.graphql.schema import build_schema
from qcredit.api.settings import Settings
from qcredit.api.web import hardening
from qcredit.api.web import pages as web
from qcredit.api.web.auth import InvalidCredentials, JwtSettings, TokenCache, principal_for
from qcredit.api.web.graphiql import OfflineGraphQL
from qcredit.core import clock
from qcredit.core.grading.engine import Engine
from qcredit.core.plugins import Registry
from qcredit.core.store import versioning
from qcredit.core.store.db import create_engine, sessionmaker
from qcredit.core.store.migrate import upgrade
from qcredit.core.supervision.live import Broker
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse
from starlette.routing import Mount, Route, WebSocketRoute
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult

log = logging.getLogger("qcredit.api")


class GraphQLApp(OfflineGraphQL):
    """Strawberry's ASGI view with a per-request context whose session is closed afterwards."""

    def __init__(self, services: Services, **kwargs: Any) -> None:
        super().__init__(build_schema(services.settings), **kwargs)
        self.services = services
        self.jwt = JwtSettings()
        self.tokens = TokenCache(services.settings.token_cache_seconds)
        self.responses = ResponseCache(services.settings.response_cache_entries)

    async def get_context(self, request: Any, response: Any = None) -> Context:  # type: ignore[override]
        context = Context(self.services, request=request, response=response)
        request.scope.setdefault("state", {})["qcredit_context"] = context
        try:
            context._principal = await principal_for(
                getattr(request, "headers", None), self.services.sessions, self.jwt, self.tokens
            )
        except InvalidCredentials as exc:
            context.auth_error = str(exc)
        context.connection_params = None  # type: ignore[attr-defined]  # graphql-transport-ws
        return context

    async def on_ws_connect(self, context: Context) -> None:  # type: ignore[override]
        from qcredit.api.graphql.types.notices import (
            authenticate_connection,  # token in connection_init
        )

        return await authenticate_connection(self, context)

    async def execute_operation(  # type: ignore[override]
        self,
        request: Any,
        request_adapter: Any,
        request_data: Any,
        context: Context,
        root_value: Any,
        sub_response: Any,
    ) -> Any:
        """Serve a cached response where the same caller rights, query, date and data version
        were answered before (api/cache.py); otherwise execute and keep the answer."""
        args = (request, request_adapter, request_data, context, root_value, sub_response)
        query = getattr(request_data, "query", None)
        operation_name = getattr(request_data, "operation_name", None)
        if (
            self.responses.entries <= 0
            or isinstance(request_data, list)
            or context.auth_error is not None
            or (request_adapter.method != "POST" and request_adapter.method != "GET")
            or not cacheable(query, operation_name)
        ):
            return await super().execute_operation(*args)
        async with self.services.sessions() as session:
            version = await versioning.current(session)
        key = self.responses.key(
            query,
            getattr(request_data, "variables", None),
            operation_name,
            context.principal,
            clock.today(),
            version,
        )
        entry = self.responses.get(key)
        if entry is not None:
            for target in entry.nonpublic_reads:  # the audit log sees a hit like a read
                context.note_nonpublic_read(target)
            return ExecutionResult(data=entry.data, errors=None)
        result = await super().execute_operation(*args)
        if isinstance(result, ExecutionResult) and not result.errors and result.data is not None:
            self.responses.put(key, result.data, set(context._nonpublic_reads))
        return result

    def encode_json(self, data: object) -> str:
        # Chinese names, reasons and articles as text, not \uXXXX escapes: a third of the bytes.
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            context = scope.get("state", {}).get("qcredit_context")
            if context is not None:
                await context.close()


def create_app(settings: Settings | None = None, registry: Registry | None = None) -> Starlette:
    settings = settings or Settings()
    registry = registry or Registry.load()
    db_engine = create_engine(settings.database_url)
    services = Services(settings, registry, Engine(registry), sessionmaker(db_engine))
    broker = Broker(settings.database_url)
    graphql = GraphQLApp(
        services,
        graphql_ide="graphiql" if settings.graphiql else None,
        subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        allowed_origins=settings.ws_origins,
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if settings.migrate_on_start:
            await upgrade(db_engine)
        await broker.start()  # live subscriptions: LISTEN / SUBSCRIBE (core/events_bus.py)
        yield
        await broker.stop()
        await db_engine.dispose()

    async def health(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok", "policies": sorted(registry.policies)})

    async def root(request: Request) -> RedirectResponse:
        return RedirectResponse("/graphql")

    app = Starlette(
        routes=[
            Route("/", root),
            Route("/health", health),
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            Mount("/graphql", graphql),
            *web.routes,
        ],
        lifespan=lifespan,
        middleware=hardening.middleware(settings),
    )
    app.state.services = services
    app.state.graphql = graphql
    app.state.db_engine = db_engine
    app.state.broker = broker
    return app
