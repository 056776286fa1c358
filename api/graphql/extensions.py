"""Two schema extensions that keep errors coded and uninformative to a prober
(docs/hardening.md); :class:`~qcredit.api.graphql.errors.ErrorCodes` codes the rest."""

from __future__ import annotations

import re
from collections.abc import Iterator

from graphql import GraphQLError
from qcredit.api.graphql.errors import rebuilt
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
                code = {**(error.extensions or {}), "code": "GRAPHQL_PARSE_FAILED"}
                raise rebuilt(error, error.message, error, code) from error
        yield


_SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")


class NoSuggestions(SchemaExtension):
    """Removes every "Did you mean …?" from error messages (introspection off).

    ``StrawberryConfig(disable_field_suggestions=True)`` covers field names only; graphql-core
    still suggests argument names, enum values and types, which is enough for clairvoyance-style
    schema recovery (graphql.md §3.3).
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
