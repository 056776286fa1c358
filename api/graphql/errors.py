"""Turning failures into GraphQL errors a client can branch on.

* a :class:`~qcredit.core.errors.QcreditError` keeps its message and gets ``extensions.code`` and
  ``extensions.field``;
* a value a GraphQL scalar refuses (an impossible date, a string for an Int) is ``BAD_USER_INPUT``
  with the path of the input field, so ``2023-02-30`` in ``input.occurredOn`` names ``occurredOn``;
* other validation failures are ``GRAPHQL_VALIDATION_FAILED``;
* anything else is masked as ``INTERNAL_SERVER_ERROR`` and logged — no stack trace or internal
  message reaches the client.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any

import strawberry
from graphql import GraphQLError
from graphql.language import ArgumentNode, DocumentNode, Node, ObjectFieldNode
from qcredit.core.errors import QcreditError
from strawberry.extensions import SchemaExtension

log = logging.getLogger("qcredit.api")

# graphql-core 3.3: "Variable '$input' has invalid value at .occurredOn: …"
_VARIABLE_AT = re.compile(r"Variable '\$(\w+)' has invalid value at \.([\w.\[\]]+)")
# graphql-core 3.2: "Variable '$input' got invalid value '…' at 'input.occurredOn'; …"
_VARIABLE_PATH = re.compile(r"Variable '\$(\w+)' got invalid value .*? at '([\w.\[\]]+)'")
_VARIABLE_ROOT = re.compile(
    r"Variable '\$(\w+)' (?:got invalid value|has invalid value|of required type)"
)
_FIELD_NOT_DEFINED = re.compile(r"Field '(\w+)' is not defined by type '\w+'")
_REQUIRED_FIELD = re.compile(r"Field '(?:\w+\.)?(\w+)' of required type '[^']+' was not provided")


def strip_input(path: str) -> str:
    path = re.sub(r"\[\d+\]", "", path)
    return path[len("input.") :] if path.startswith("input.") else path


def _parents(document: DocumentNode, target: Node) -> list[Node]:
    """The chain of AST nodes from the document down to ``target``."""
    found: list[Node] = []

    def walk(node: Node, trail: list[Node]) -> bool:
        if node is target:
            found.extend(trail)
            return True
        for key in node.keys:
            child = getattr(node, key, None)
            children = child if isinstance(child, (list, tuple)) else [child]
            for c in children:
                if isinstance(c, Node) and walk(c, [*trail, node]):
                    return True
        return False

    walk(document, [])
    return found


def _literal_field(document: DocumentNode | None, error: GraphQLError) -> str | None:
    if document is None or not error.nodes:
        return None
    names = [
        n.name.value
        for n in _parents(document, error.nodes[0])
        if isinstance(n, (ArgumentNode, ObjectFieldNode))
    ]
    if isinstance(error.nodes[0], (ArgumentNode, ObjectFieldNode)):
        names.append(error.nodes[0].name.value)
    return strip_input(".".join(names)) if names else None


def input_field(error: GraphQLError, document: DocumentNode | None) -> str | None:
    """The input field a coercion or validation error is about, if it is about one."""
    m = _VARIABLE_AT.search(error.message)
    if m:
        return strip_input(m.group(2))
    m = _VARIABLE_PATH.search(error.message)
    if m:
        return strip_input(m.group(2))
    m = _FIELD_NOT_DEFINED.search(error.message) or _REQUIRED_FIELD.search(error.message)
    if m:
        return m.group(1)
    m = _VARIABLE_ROOT.search(error.message)
    if m:
        return m.group(1)
    return _literal_field(document, error)


def _is_input_error(error: GraphQLError) -> bool:
    text = error.message
    return (
        text.startswith("Variable '$")
        or "Expected value of type" in text
        or "cannot represent" in text
        or "is not defined by type" in text
        or "was not provided" in text
        or "Int cannot represent" in text
    )


def rebuilt(
    error: GraphQLError,
    message: str,
    original: Exception | None,
    extensions: dict[str, Any] | None,
) -> GraphQLError:
    """``error`` at the same place in the document and the result, told otherwise."""
    return GraphQLError(
        message, error.nodes, error.source, error.positions, error.path, original, extensions
    )


def cause(error: GraphQLError) -> Exception | None:
    """What raised ``error``, through any GraphQLError that wraps it."""
    original = error.original_error
    while isinstance(original, GraphQLError) and original.original_error is not None:
        original = original.original_error
    return original


def is_fault(error: GraphQLError) -> bool:
    """Whether ``error`` is the server's fault: masked for the caller, logged for the operator."""
    original = cause(error)
    if original is None or isinstance(original, (QcreditError, GraphQLError)):
        return False
    return not (isinstance(original, (ValueError, TypeError)) and _is_input_error(error))


def classify(error: GraphQLError, document: DocumentNode | None) -> GraphQLError:
    if is_fault(error):
        return rebuilt(error, "Internal server error.", None, {"code": "INTERNAL_SERVER_ERROR"})
    original = cause(error)
    if isinstance(original, QcreditError):
        ext = original.extensions()
        if ext.get("field") is None:
            field = input_field(error, document)
            if field:
                ext["field"] = field
        message = error.message if error.message.startswith("Variable '$") else original.message
        return rebuilt(error, message, original, ext)
    if original is None or isinstance(original, GraphQLError):
        if error.extensions and "code" in error.extensions:
            return error
        if _is_input_error(error):
            ext = {"code": "BAD_USER_INPUT"}
            field = input_field(error, document)
            if field:
                ext["field"] = field
        elif error.path is None:
            ext = {"code": "GRAPHQL_VALIDATION_FAILED"}
        else:
            ext = {"code": "BAD_REQUEST"}
        return rebuilt(error, error.message, original, {**(error.extensions or {}), **ext})
    field = input_field(error, document)  # a ValueError or TypeError from a scalar's input
    return rebuilt(error, error.message, original, {"code": "BAD_USER_INPUT", "field": field})


class ErrorCodes(SchemaExtension):
    """Gives every error a code (and a field where one is at fault); masks internal errors."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is None or not result.errors:
            return
        try:
            document = self.execution_context.graphql_document
        except Exception:  # parsing failed: there is no document
            document = None
        result.errors = [classify(e, document) for e in result.errors]


class QuietSchema(strawberry.Schema):
    """A schema that logs the server's faults, not the caller's mistakes.

    strawberry's default ``process_errors`` logs every error with its traceback, so a caller's
    bad credit code or an unknown policy filled the server's log with stacks. This one logs a
    fault (:func:`is_fault`) once with its stack, and a refusal at DEBUG on one line. It sees
    every result, a subscription's later frames included, which :class:`ErrorCodes` does not.
    """

    def process_errors(
        self, errors: list[GraphQLError], execution_context: Any | None = None
    ) -> None:
        for error in errors:
            if is_fault(error):
                log.error("internal error at %s", error.path, exc_info=cause(error))
            else:
                log.debug("refused: %s at %s", error.message, error.path)
