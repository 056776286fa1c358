"""What the HTTP layer shares: a request header, the checks of a GraphQL request body, and
GraphQL-shaped error answers (``{"errors": [{"message": …, "extensions": {"code": …}}]}``) so a
client reads a refusal by the HTTP layer like one by the schema."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from cross_web import HTTPException

Scope = dict[str, Any]
ASGIApp = Callable[..., Any]


def header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers") or ():
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None


#: The GraphQL-over-HTTP media type; a client that accepts it gets it, and 4xx for bad requests.
GRAPHQL_RESPONSE = "application/graphql-response+json"
#: The legacy media type: a client that accepts only it gets 200 for every well-formed request.
JSON = "application/json"

# What each acceptable media range gives, and how specific it is: an exact type outranks a
# wildcard of the same quality, and the GraphQL response type outranks plain JSON.
_RANGES = {GRAPHQL_RESPONSE: (GRAPHQL_RESPONSE, 3), JSON: (JSON, 2), "application/*": (JSON, 1)}
_RANGES["*/*"] = (JSON, 0)


def negotiate(accept: str | None) -> str | None:
    """The response media type for an ``Accept`` header (GraphQL over HTTP, "Accept"): the
    acceptable range of highest quality, then the most specific; JSON when the header is absent
    (the spec's legacy watershed); ``None`` when the client accepts neither type (406)."""
    if accept is None or not accept.strip():
        return JSON
    best: tuple[float, int] | None = None
    chosen: str | None = None
    for item in accept.split(","):
        kind, _, parameters = item.partition(";")
        target = _RANGES.get(kind.strip().lower())
        if target is None:
            continue
        quality = 1.0
        for parameter in parameters.split(";"):
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value.strip())
                except ValueError:
                    quality = 0.0
        rank = (quality, target[1])
        if quality > 0 and (best is None or rank > best):
            best, chosen = rank, target[0]
    return chosen


class Refused(HTTPException):
    """A request the HTTP layer refuses, with the code its error body carries."""

    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(status, message)
        self.code = code
        self.headers = headers or {}


def decode_json(body: str | bytes) -> object:
    """A request body or parameter as JSON: UTF-8 only, refused with a code otherwise."""
    try:
        text = body.decode("utf-8") if isinstance(body, bytes) else body
    except UnicodeDecodeError:
        raise Refused(400, "BAD_REQUEST", "The request body is not valid UTF-8.") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise Refused(400, "BAD_REQUEST", "The request body is not JSON.") from None


def operation_fields(data: object) -> dict[str, Any]:
    """The fields of one GraphQL request (GraphQL over HTTP §5), each of its JSON type."""
    if isinstance(data, list):
        raise Refused(400, "BAD_REQUEST", "Batched operations are not accepted: send one.")
    if not isinstance(data, dict):
        raise Refused(400, "BAD_REQUEST", "The request must be a JSON object with a query.")
    if not isinstance(data.get("query"), str) or not data["query"].strip():
        raise Refused(400, "BAD_REQUEST", "The request has no query (a non-empty string).")
    for name, kind, label in (
        ("variables", dict, "an object"),
        ("extensions", dict, "an object"),
        ("operationName", str, "a string"),
    ):
        if data.get(name) is not None and not isinstance(data[name], kind):
            raise Refused(400, "BAD_REQUEST", f"{name} must be {label} or null.")
    return data


def error_body(code: str, message: str, **extensions: Any) -> bytes:
    """A GraphQL-shaped error body: no ``data`` entry, as for any request that never executed."""
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
    *,
    accept: str | None = None,
    **extensions: Any,
) -> None:
    """Answer an HTTP request with a GraphQL-style error body, in the media type the request's
    ``accept`` header asks for (JSON when it accepts neither GraphQL type)."""
    body = error_body(code, message, **extensions)
    media_type = negotiate(accept) or JSON
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", f"{media_type}; charset=utf-8".encode()),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
