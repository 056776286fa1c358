"""A response cache keyed on role and data version.

A query's response depends on the document, variables, operation name and request extensions,
on what the caller may see (role, regions, department, enterprise — not on which of several equal
tokens it is), on the date (``asOf`` defaults to today) and on the data; all of them are the key.
Nothing else of the request shapes a response: no resolver reads its headers, host, address or
query string (URLs the server publishes come from ``Settings.public_url``, never from ``Host``),
so a caller cannot plant an answer that another caller then receives.  Every write bumps the
data version in its own transaction (core/versioning.py), so a cached response is never served
after a write, in any worker.  Mutations, subscriptions, responses with errors, and queries of
the audit log (which every request writes to) are never cached.  A hit still records the reads
of non-public data in the audit log, exactly as the original execution did.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from graphql import GraphQLError, OperationDefinitionNode, parse
from qcredit.core.disclosure.callers import Principal

NEVER_CACHED_FIELDS = ("auditLog",)  # changes with every audited request


@lru_cache(maxsize=512)
def operation_type(query: str, operation_name: str | None) -> str | None:
    """'query', 'mutation' or 'subscription' for the operation a request runs; None if unclear."""
    try:
        document = parse(query)
    except GraphQLError:
        return None
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is not None:
        operations = [o for o in operations if o.name and o.name.value == operation_name]
    if len(operations) != 1:
        return None
    return operations[0].operation.value


def cacheable(query: Any, operation_name: Any) -> bool:
    if not isinstance(query, str) or any(f in query for f in NEVER_CACHED_FIELDS):
        return False
    if operation_name is not None and not isinstance(operation_name, str):
        return False
    return operation_type(query, operation_name) == "query"


def rights(principal: Principal) -> tuple[Any, ...]:
    """What decides the caller's view (two tokens with the same rights share entries)."""
    return (
        principal.role.value,
        tuple(sorted(principal.regions)),
        principal.department,
        principal.enterprise_code,
    )


@dataclass(frozen=True)
class Entry:
    data: Any
    nonpublic_reads: frozenset[str]


class ResponseCache:
    """Least-recently-used, bounded by entries and by the size of one response."""

    def __init__(self, entries: int, max_entry_bytes: int = 2 << 20) -> None:
        self.entries = entries
        self.max_entry_bytes = max_entry_bytes
        self._store: OrderedDict[str, Entry] = OrderedDict()
        self.hits = self.misses = 0

    @staticmethod
    def key(
        query: str,
        variables: Any,
        operation_name: str | None,
        principal: Principal,
        today: date,
        version: int,
        extensions: Any = None,
    ) -> str:
        # ASCII escapes: a lone surrogate in a variable must reach the schema's refusal
        # (BAD_USER_INPUT), not fail here on encoding.
        material = json.dumps(
            [
                query,
                variables,
                operation_name,
                extensions,
                rights(principal),
                today.isoformat(),
                version,
            ],
            sort_keys=True,
            default=str,
        )
        return hashlib.sha256(material.encode()).hexdigest()

    def get(self, key: str) -> Entry | None:
        entry = self._store.get(key)
        if entry is None:
            self.misses += 1
            return None
        self._store.move_to_end(key)
        self.hits += 1
        return entry

    def put(self, key: str, data: Any, nonpublic_reads: set[str]) -> None:
        if self.entries <= 0:
            return
        if len(json.dumps(data, ensure_ascii=False, default=str)) > self.max_entry_bytes:
            return
        self._store[key] = Entry(data, frozenset(nonpublic_reads))
        self._store.move_to_end(key)
        while len(self._store) > self.entries:
            self._store.popitem(last=False)
