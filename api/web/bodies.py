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
            return value.decode("latin-1")
    return None


#: The GraphQL-over-HTTP media type; a client that accepts it gets it, and 4xx for bad requests.
GRAPHQL_RESPONSE = "application/graphql-response+json"


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
