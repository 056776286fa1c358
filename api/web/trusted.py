"""Trusted documents: only queries from a manifest built with the clients run (docs/hardening.md).

``QCREDIT_TRUSTED_DOCUMENTS=manifest.json`` maps the SHA-256 (hex) of each document's text to the
text. A request names a document by

* ``"documentId": "<sha256>"`` (or ``"sha256:<sha256>"``), or
* Apollo's ``"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "<sha256>"}}``,

on POST (JSON body) or GET (URL parameters), and that document runs. An unknown hash is
``PERSISTED_QUERY_NOT_FOUND``; a free-form ``query`` not in the manifest is
``PERSISTED_QUERY_REQUIRED`` unless ``QCREDIT_TRUSTED_DOCUMENTS_ALLOW_ARBITRARY=1`` (a migration
mode: hashes resolve, other queries still run). Both answer HTTP 400 with a GraphQL-style body.

It is ASGI middleware that rewrites the request before strawberry's view parses it: strawberry
0.341 has no persisted-query hook at the HTTP level, and a rewrite leaves the view, its caches
and extensions untouched. WebSocket connections are refused while documents are enforced (the
schema has no subscriptions, and a socket could carry any query).

Build a manifest from the client's ``.graphql`` files with :func:`build_manifest` or
``python -m qcredit.api.web.trusted DIR [OUT]``.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from qcredit.api.web.bodies import header, send_error

APOLLO_FORMAT = "apollo-persisted-query-manifest"


def document_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def build_manifest(folder: str | Path) -> dict[str, str]:
    """Every ``*.graphql`` file under ``folder`` (one document each), keyed by its SHA-256."""
    return {
        document_hash(text): text
        for text in (p.read_text(encoding="utf-8") for p in sorted(Path(folder).rglob("*.graphql")))
    }


def write_manifest(folder: str | Path, out: str | Path) -> dict[str, str]:
    manifest = build_manifest(folder)
    Path(out).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", "utf-8")
    return manifest


def parse_manifest(data: Any) -> dict[str, str]:
    """``{sha256: text}`` (hashes checked) or Apollo's persisted query manifest (ids as given)."""
    if isinstance(data, dict) and data.get("format") == APOLLO_FORMAT:
        return {str(op["id"]).lower(): str(op["body"]) for op in data.get("operations", [])}
    if not isinstance(data, dict):
        raise ValueError("a trusted documents manifest is a JSON object of sha256 -> document")
    manifest: dict[str, str] = {}
    for key, text in data.items():
        if not isinstance(text, str) or document_hash(text) != key.lower():
            raise ValueError(f"manifest entry {key!r} is not the SHA-256 of its document")
        manifest[key.lower()] = text
    return manifest


def load_manifest(path: str | Path) -> dict[str, str]:
    return parse_manifest(json.loads(Path(path).read_text(encoding="utf-8")))


class Refused(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class TrustedDocumentsMiddleware:
    """Resolves document ids to manifest text; refuses what is not in the manifest."""

    def __init__(
        self, app: Any, manifest: Mapping[str, str], allow_arbitrary: bool = False
    ) -> None:
        self.app = app
        self.manifest = {k.lower(): v for k, v in manifest.items()}
        self.allow_arbitrary = allow_arbitrary

    def resolve(self, item: Any) -> Any:
        """The request item to run instead of ``item``; raises :class:`Refused`."""
        if not isinstance(item, dict):
            return item  # strawberry refuses it
        doc_id = item.get("documentId")
        extensions = item.get("extensions")
        persisted = extensions.get("persistedQuery") if isinstance(extensions, dict) else None
        wanted: str | None = None
        if isinstance(doc_id, str):
            wanted = doc_id.removeprefix("sha256:").lower()
        elif isinstance(persisted, dict) and isinstance(persisted.get("sha256Hash"), str):
            wanted = persisted["sha256Hash"].lower()
        query = item.get("query") if isinstance(item.get("query"), str) else None
        if wanted is not None:
            if query and document_hash(query) != wanted:
                raise Refused("BAD_REQUEST", "The provided hash does not match the query.")
            text = self.manifest.get(wanted)
            if text is None:
                if query and self.allow_arbitrary:
                    return item
                raise Refused("PERSISTED_QUERY_NOT_FOUND", "No trusted document has this hash.")
            resolved = {k: v for k, v in item.items() if k != "documentId"}
            resolved["query"] = text
            return resolved
        if query and not self.allow_arbitrary and document_hash(query) not in self.manifest:
            raise Refused(
                "PERSISTED_QUERY_REQUIRED",
                "Only trusted documents run here: send the documentId of a known document.",
            )
        return item

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "websocket" and not self.allow_arbitrary:
            await send({"type": "websocket.close", "code": 1008, "reason": "trusted documents"})
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            if scope["method"] == "GET":
                scope = self._rewrite_get(scope)
            elif scope["method"] == "POST":
                scope, receive = await self._rewrite_post(scope, receive)
        except Refused as refused:
            await send_error(
                send, 400, refused.code, refused.message, accept=header(scope, b"accept")
            )
            return
        await self.app(scope, receive, send)

    def _rewrite_get(self, scope: dict[str, Any]) -> dict[str, Any]:
        params = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        item: dict[str, Any] = dict(params)
        if "extensions" in item:
            try:
                item["extensions"] = json.loads(item["extensions"])
            except ValueError:
                return scope  # strawberry refuses it
        resolved = self.resolve(item)
        if resolved is item:
            return scope
        rest = [(k, v) for k, v in params if k not in {"query", "documentId"}]
        query_string = urlencode([("query", resolved["query"]), *rest]).encode()
        return {**scope, "query_string": query_string}

    async def _rewrite_post(
        self, scope: dict[str, Any], receive: Any
    ) -> tuple[dict[str, Any], Any]:
        body = bytearray()
        while True:  # the body size limit runs before this
            message = await receive()
            if message["type"] != "http.request":
                break
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        content_type = header(scope, b"content-type") or ""
        data: Any = None
        if "application/json" in content_type:
            try:
                data = json.loads(body)
            except ValueError:
                data = None  # strawberry answers 400
        elif body and not self.allow_arbitrary:
            raise Refused("BAD_REQUEST", "Trusted documents are sent as JSON.")
        if isinstance(data, list):
            resolved: Any = [self.resolve(item) for item in data]
            changed = any(r is not i for r, i in zip(resolved, data, strict=True))
        else:
            resolved = self.resolve(data)
            changed = resolved is not data
        if changed:
            body = bytearray(json.dumps(resolved, ensure_ascii=False).encode())
            headers = [
                (k, v) for k, v in scope.get("headers", []) if k.lower() != b"content-length"
            ]
            headers.append((b"content-length", str(len(body)).encode()))
            scope = {**scope, "headers": headers}
        replayed = False

        async def replay() -> dict[str, Any]:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            message: dict[str, Any] = await receive()
            return message

        return scope, replay


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or len(args) > 2:
        print("usage: python -m qcredit.api.web.trusted DIR [OUT.json]", file=sys.stderr)
        return 2
    if len(args) == 2:
        manifest = write_manifest(args[0], args[1])
    else:
        manifest = build_manifest(args[0])
        print(json.dumps(manifest, indent=2, ensure_ascii=False))
    print(f"{len(manifest)} documents", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
