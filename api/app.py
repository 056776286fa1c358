"""The Starlette application: GraphQL at /graphql (GraphiQL in a browser), health at /health."""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import orjson
from cross_web import HTTPException
from qcredit.api.graphql.cache import (
    ResponseCache,
    cacheable,
    operation_type,
    read_versions,
    static_scopes,
)
from qcredit.api.graphql.context import Context, Services
from qcredit.api.graphql.extensions import UNSTORABLE, unstorable
from qcredit.api.graphql.schema import build_schema
from qcredit.api.settings import Settings
from qcredit.api.web import hardening
from qcredit.api.web import pages as web
from qcredit.api.web.auth import InvalidCredentials, JwtSettings, TokenCache, principal_for
from qcredit.api.web.bodies import (
    GRAPHQL_RESPONSE,
    JSON,
    Refused,
    decode_json,
    negotiate,
    operation_fields,
)
from qcredit.api.web.graphiql import OfflineGraphQL
from qcredit.core import clock, collector
from qcredit.core.grading.engine import Engine
from qcredit.core.plugins import Registry
from qcredit.core.store.db import create_engine, read_sessionmaker, sessionmaker
from qcredit.core.store.migrate import upgrade
from qcredit.core.supervision.live import Broker
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Mount, Route, WebSocketRoute
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http.parse_content_type import parse_content_type
from strawberry.schema.exceptions import InvalidOperationTypeError
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
        self.graphql_schema = self.schema._schema  # type: ignore[attr-defined]  # strawberry's

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
        """Serve a cached response where the same caller rights, query and date were answered
        and nothing it read has changed since (api/graphql/cache.py); otherwise execute and keep
        the answer."""
        args = (request, request_adapter, request_data, context, root_value, sub_response)
        query = getattr(request_data, "query", None)
        operation_name = getattr(request_data, "operation_name", None)
        if (
            isinstance(query, str)
            and (operation_name is None or isinstance(operation_name, str))
            and operation_type(query, operation_name, self.services.settings.max_tokens) == "query"
        ):
            context.read_only = True  # before the cache or a resolver opens the session
        if isinstance(operation_name, str) and UNSTORABLE.search(operation_name):
            return ExecutionResult(data=None, errors=[unstorable("operationName")])
        if (
            self.responses.entries <= 0
            or isinstance(request_data, list)
            or context.auth_error is not None
            or (request_adapter.method != "POST" and request_adapter.method != "GET")
            or not cacheable(query, operation_name, self.services.settings.max_tokens)
        ):
            return await super().execute_operation(*args)
        variables = getattr(request_data, "variables", None)
        key = self.responses.key(
            query,
            variables,
            operation_name,
            context.principal,
            clock.today(),
            extensions=getattr(request_data, "extensions", None),
        )

        def versions(scopes: Any) -> Any:
            return read_versions(context.db, scopes)

        entry, sequence = await self.responses.get(key, versions)
        if entry is not None:
            for target in entry.nonpublic_reads:  # the audit log sees a hit like a read
                context.note_nonpublic_read(target)
            if sub_response is not None:  # bench/mixed.py counts hits by this
                sub_response.headers["server-timing"] = "cache;desc=hit"
            return ExecutionResult(data=entry.data, errors=None)
        result = await super().execute_operation(*args)
        if isinstance(result, ExecutionResult) and not result.errors and result.data is not None:
            scopes = static_scopes(self.graphql_schema, query, operation_name, variables)
            await self.responses.put(
                key,
                result.data,
                set(context._nonpublic_reads),
                None if scopes is None else scopes | context.scopes,
                sequence,
                versions,
            )
        return result

    def encode_json(self, data: object) -> str:
        # Chinese names, reasons and articles as text, not \uXXXX escapes: a third of the bytes.
        # orjson is several times faster on a page of 100; what it refuses (a key that is not a
        # string, an integer beyond 64 bits) goes through the standard library as before.
        try:
            return orjson.dumps(data).decode()
        except TypeError:
            return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    def decode_json(self, data: str | bytes) -> object:
        return decode_json(data)  # UTF-8 or a coded refusal (strawberry: a bare 500)

    async def parse_http_body(self, request_adapter: Any) -> GraphQLRequestData:
        """One operation, each field of its JSON type, or a coded refusal (docs/hardening.md)."""
        if request_adapter.method == "GET":
            data: object = self.parse_query_params(request_adapter.query_params)
        else:
            content_type, _ = parse_content_type(request_adapter.content_type or "")
            if content_type != "application/json":
                raise Refused(
                    415, "UNSUPPORTED_MEDIA_TYPE", "Send the request as application/json."
                )
            data = self.decode_json(await request_adapter.get_body())
        fields = operation_fields(data)
        transport = self._get_stream_transport_from_headers(request_adapter.headers)
        return GraphQLRequestData(
            query=fields["query"],
            variables=fields.get("variables"),
            operation_name=fields.get("operationName"),
            extensions=fields.get("extensions"),
            protocol=transport.protocol if transport else "http",
        )

    async def process_result(self, request: Any, result: ExecutionResult) -> GraphQLHTTPResponse:
        """The response body; a request error (no data, and no error tied to a field's path:
        parse, validation, variable coercion, a refused operation) is marked for a 4xx under
        ``application/graphql-response+json``, whose body then has no ``data`` entry."""
        body = await super().process_result(request, result)
        if result.data is None and result.errors and all(e.path is None for e in result.errors):
            request.scope.setdefault("state", {})["qcredit_request_error"] = True
            if negotiate(request.headers.get("accept")) == GRAPHQL_RESPONSE:
                body.pop("data", None)
        return body

    async def _respond(self, request: Request) -> Response:
        """The view's answer; every refusal a JSON GraphQL error with a code, never plain text.

        GraphQL over HTTP: the media type is negotiated from ``Accept`` (:func:`negotiate`); a
        client that accepts neither JSON type gets 406, except a browser asking for GraphiQL and
        a client asking for a stream (server-sent events, multipart), which the view answers."""
        media_type = negotiate(request.headers.get("accept"))
        try:
            streamed = self._get_stream_transport_from_headers(request.headers) is not None
            if media_type is None and not streamed and not _wants_page(request):
                raise Refused(
                    406,
                    "NOT_ACCEPTABLE",
                    f"Accept {GRAPHQL_RESPONSE} or {JSON}: no other response type is served.",
                )
            response = await self.run(request)
        except HTTPException as exc:
            response = refusal(exc)
        except Exception:
            log.exception("unexpected failure answering %s", request.url.path)
            response = refusal(Refused(500, "INTERNAL_SERVER_ERROR", "Internal server error."))
        if media_type == GRAPHQL_RESPONSE and isinstance(response, Response):
            request_error = bool(request.scope.get("state", {}).get("qcredit_request_error"))
            as_graphql_response(response, request_error)
        return response

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        try:
            if scope["type"] == "http":
                response = await self._respond(Request(scope, receive))
                if not isinstance(response, StreamingResponse):
                    response = await _settled(scope, response)
                await response(scope, receive, send)
            else:
                await super().__call__(scope, receive, send)
        finally:
            context = scope.get("state", {}).get("qcredit_context")
            if context is not None:
                await context.close()


async def _settled(scope: Any, response: Response) -> Response:
    """End the request's context before its answer leaves: a read of a grade that is not public
    is in the audit log before the caller has it, or the caller has a refusal instead.  (A
    stream ends its context when it ends.)"""
    context = scope.get("state", {}).get("qcredit_context")
    if context is None:
        return response
    try:
        await context.close()
    except Exception:
        log.exception("the request's audit entries could not be written; its answer is withheld")
        context.abandon()
        return refusal(
            Refused(503, "SERVICE_UNAVAILABLE", "The request could not be completed; try again.")
        )
    return response


def refusal(exc: HTTPException) -> Response:
    """An HTTP-level refusal as a GraphQL error body whose code names the problem."""
    if isinstance(exc, Refused):
        status, code, headers = exc.status_code, exc.code, exc.headers
    elif isinstance(exc.__cause__, InvalidOperationTypeError):  # e.g. a mutation over GET
        status, code, headers = 405, "METHOD_NOT_ALLOWED", {"Allow": "POST"}
    else:
        status = exc.status_code
        headers = {"Allow": "GET, POST"} if status == 405 else {}
        code = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}.get(status, "BAD_REQUEST")
    # ASCII escapes: strawberry's reasons may quote what was sent (an operation name).
    body = json.dumps({"errors": [{"message": exc.reason, "extensions": {"code": code}}]})
    return Response(body, status, headers=headers, media_type="application/json")


def _wants_page(request: Request) -> bool:
    """A browser's GET for GraphiQL (HTML), which the view serves whatever JSON it accepts."""
    return request.method == "GET" and "text/html" in request.headers.get("accept", "")


def as_graphql_response(response: Response, request_error: bool) -> None:
    """GraphQL over HTTP for a client that accepts ``application/graphql-response+json``: that
    media type, and 400 for a request that never reached execution; 200 once execution began,
    even where a field error left ``data`` null."""
    if not response.headers.get("content-type", "").startswith(JSON):
        return
    response.headers["content-type"] = f"{GRAPHQL_RESPONSE}; charset=utf-8"
    if response.status_code == 200 and request_error:
        response.status_code = 400


def create_app(settings: Settings | None = None, registry: Registry | None = None) -> Starlette:
    settings = settings or Settings()
    registry = registry or Registry.load()
    db_engine = create_engine(settings.database_url)
    services = Services(
        settings, registry, Engine(registry), sessionmaker(db_engine), read_sessionmaker(db_engine)
    )
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
        # What start-up built (the schema, the policies, SQLAlchemy's mappers: most of the heap)
        # lives as long as the app; frozen, a full collection no longer walks it in the middle
        # of a request (one took ~100 ms, a write's p99), and the young collections come less
        # often (core/collector.py; docs/scaling.md, "Round trips, a page prefetched, the
        # collector").
        with collector.tuned(collector.SERVING):
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
            Route("/graphql", graphql),  # the view answers other methods: 405 with a code
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
