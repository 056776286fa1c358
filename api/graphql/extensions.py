"""Schema extensions that keep errors coded and uninformative to a prober, and keep strings that
cannot be stored away from every resolver (docs/hardening.md);
:class:`~qcredit.api.graphql.errors.ErrorCodes` codes the rest."""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

from graphql import (
    ArgumentNode,
    DocumentNode,
    GraphQLError,
    Node,
    ObjectFieldNode,
    StringValueNode,
    VariableNode,
    parse,
)
from graphql import ExecutionResult as GraphQLExecutionResult
from qcredit.api.graphql.errors import rebuilt, strip_input
from strawberry.extensions import SchemaExtension
from strawberry.extensions.parser_cache import DEFAULT_MAXSIZE, _get_parse_cache


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
                field = _unstorable_literal(
                    context.query, error, context.parse_options.get("max_tokens")
                )
                if field is not None:
                    raise unstorable(field, error) from error
                code = {**(error.extensions or {}), "code": "GRAPHQL_PARSE_FAILED"}
                raise rebuilt(error, error.message, error, code) from error
        yield


_SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")


class NoSuggestions(SchemaExtension):
    """Removes every "Did you mean …?" from error messages (introspection off).

    ``StrawberryConfig(disable_field_suggestions=True)`` covers field names only; graphql-core
    still suggests argument names, enum values and types, which is enough for clairvoyance-style
    schema recovery (docs/hardening.md).
    """

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is None or not result.errors:
            return
        result.errors = [
            rebuilt(e, _SUGGESTION.sub("", e.message), e.original_error, e.extensions)
            if "Did you mean" in e.message
            else e
            for e in result.errors
        ]


# NUL cannot be stored (PostgreSQL text and jsonb refuse it; SQLite would keep it silently), and a
# lone UTF-16 surrogate cannot even be encoded as UTF-8 (the database drivers, the response).
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# The lexer's own refusals of a lone surrogate in a string literal, raw or escaped.
_SURROGATE_SYNTAX = re.compile(
    r"Invalid character within String: U\+D[89A-F]"
    r"|Invalid Unicode escape sequence: '\\u\{?[dD][89a-fA-F]"
)


def unstorable(field: str, at: GraphQLError | None = None) -> GraphQLError:
    """The refusal: the value itself is never echoed (it could not be encoded)."""
    return GraphQLError(
        f"{field} holds a character that cannot be stored (a NUL byte or a lone UTF-16 surrogate).",
        at.nodes if at else None,
        at.source if at else None,
        at.positions if at else None,
        extensions={"code": "BAD_USER_INPUT", "field": field},
    )


def _argument_path(trail: list[Node]) -> str:
    return strip_input(
        ".".join(n.name.value for n in trail if isinstance(n, (ArgumentNode, ObjectFieldNode)))
    )


def _walk(node: Node, trail: list[Node]) -> Iterator[tuple[Node, list[Node]]]:
    yield node, trail
    for key in node.keys:
        child = getattr(node, key, None)
        for c in child if isinstance(child, (list, tuple)) else [child]:
            if isinstance(c, Node):
                yield from _walk(c, [*trail, node])


def _unstorable_literal(query: str, error: GraphQLError, max_tokens: int | None) -> str | None:
    """The argument whose string literal holds a lone surrogate the lexer refused: the query is
    parsed again with the surrogates replaced, character for character, so positions hold."""
    if not _SURROGATE_SYNTAX.search(error.message) or not error.positions:
        return None
    escaped = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
    cleaned = escaped.sub(r"\\uFFFD", UNSTORABLE.sub("\ufffd", query))
    try:
        document = parse(cleaned, max_tokens=max_tokens)
    except GraphQLError:
        return "query"
    at = next(iter(error.positions))
    for node, trail in _walk(document, []):
        if isinstance(node, StringValueNode) and node.loc and node.loc.start <= at < node.loc.end:
            return _argument_path(trail) or "query"
    return "query"


def _first_unstorable(value: Any, path: str) -> str | None:
    """The path of the first unstorable string in a variable's value (keys included)."""
    if isinstance(value, str):
        return path if UNSTORABLE.search(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            found = _first_unstorable(key, path) or _first_unstorable(item, f"{path}.{key}")
            if found:
                return found
    if isinstance(value, list):
        for item in value:
            found = _first_unstorable(item, path)
            if found:
                return found
    return None


def _document_facts(document: DocumentNode) -> tuple[str | None, dict[str, str]]:
    """The argument of the first unstorable literal, and where each variable is used."""
    used_at: dict[str, str] = {}
    for node, trail in _walk(document, []):
        if isinstance(node, StringValueNode) and UNSTORABLE.search(node.value):
            return _argument_path(trail) or "query", used_at
        if isinstance(node, VariableNode) and any(isinstance(n, ArgumentNode) for n in trail):
            used_at.setdefault(
                node.name.value,
                ".".join(
                    n.name.value for n in trail if isinstance(n, (ArgumentNode, ObjectFieldNode))
                ),
            )
    return None, used_at


# By query text: the same text is the same document (ParserCache keeps one per text), and walking
# a large document on every request cost as much as resolving a small query.
_FACTS: OrderedDict[str, tuple[str | None, dict[str, str]]] = OrderedDict()
_FACTS_KEPT = DEFAULT_MAXSIZE


def _facts_of(query: str | None, document: DocumentNode) -> tuple[str | None, dict[str, str]]:
    if query is None:
        return _document_facts(document)
    found = _FACTS.get(query)
    if found is None:
        found = _FACTS[query] = _document_facts(document)
        if len(_FACTS) > _FACTS_KEPT:
            _FACTS.popitem(last=False)
    return found


def _unstorable_in(
    document: DocumentNode, variables: dict[str, Any], query: str | None = None
) -> str | None:
    """The argument (or input field) first found holding an unstorable string."""
    literal, used_at = _facts_of(query, document)
    if literal is not None:
        return literal
    for name, value in variables.items():
        found = _first_unstorable(value, used_at.get(name, name))
        if found:
            return strip_input(found)
    return None


class StorableStrings(SchemaExtension):
    """``BAD_USER_INPUT`` naming the argument for a NUL or a lone surrogate in any string the
    request carries: literals and variables at any depth (``operationName`` is checked by the
    HTTP view, as it picks the operation).  Checked once, after validation and before execution,
    so no resolver sees such a string and nothing is written.
    """

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        field = None
        if context.graphql_document is not None:
            field = _unstorable_in(context.graphql_document, context.variables or {}, context.query)
        if field is not None:
            # A result set before execution is returned as it is (strawberry skips executing).
            context.result = GraphQLExecutionResult(data=None, errors=[unstorable(field)])
        yield


# Validation errors by (schema, rules, query text), with the schema held so its id is not reused.
_VALIDATED: OrderedDict[tuple[int, tuple[Any, ...], str], tuple[Any, list[GraphQLError]]] = (
    OrderedDict()
)
_VALIDATED_KEPT = DEFAULT_MAXSIZE


class ValidationByText(SchemaExtension):
    """strawberry's ``ValidationCache``, keyed by the query text instead of the parsed document.

    Its LRU key holds the ``DocumentNode``, whose hash walks every node and location of the
    document: ~17 µs a request for one enterprise, which is a sixtieth of the request. The same
    text parses to the same document (``ParserCache`` even hands out the same object), and the
    schema and rules are part of the key, so the errors are the ones validation would give."""

    def on_validate(self) -> Iterator[None]:
        from strawberry.schema.schema import validate_document  # circular at import time

        context = self.execution_context
        schema = context.schema._schema
        document, query = context.graphql_document, context.query
        rules = tuple(context.validation_rules)
        if document is None or not isinstance(query, str):
            yield  # strawberry validates it, uncached
            return
        key = (id(schema), rules, query)
        found = _VALIDATED.get(key)
        if found is None or found[0] is not schema:
            found = (schema, validate_document(schema, document, rules))
            _VALIDATED[key] = found
            if len(_VALIDATED) > _VALIDATED_KEPT:
                _VALIDATED.popitem(last=False)
        else:
            _VALIDATED.move_to_end(key)
        context.pre_execution_errors = found[1]
        yield
