"""A response cache keyed on the caller's rights, retired by the versions of what it read.

A query's response depends on the document, variables, operation name and request extensions,
on what the caller may see (role, regions, department, enterprise — not on which of several equal
tokens it is), on the date (``asOf`` defaults to today) and on the data; the first ones are the
key.  Nothing else of the request shapes a response: no resolver reads its headers, host, address
or query string (URLs the server publishes come from ``Settings.public_url``, never from
``Host``), so a caller cannot plant an answer that another caller then receives.

The data part is the entry's *dependencies*: the data versions (core/store/versioning.py) of the
scopes it read — each enterprise the loaders returned, the city aggregates and the policy of a
region map.  A write bumps the versions of what it touched, in its own transaction, and an entry
is served only while every version it depends on is unchanged, read from the database at each
lookup, so no worker serves what a write in another retired.  A query that asks for anything the
scopes do not describe (a list, a feed, plans, notices) depends on the write sequence, which every
write bumps.  Mutations, subscriptions, responses with errors, and queries of the audit log
(which every request writes to) are never cached.  A hit still records the reads of non-public
data in the audit log, exactly as the original execution did.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from graphql import (
    FieldNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    StringValueNode,
    TypeInfo,
    TypeInfoVisitor,
    ValueNode,
    VariableNode,
    Visitor,
    parse,
    visit,
)
from qcredit.core.disclosure.callers import Principal
from qcredit.core.store import versioning
from qcredit.core.store.versioning import EVERYTHING, SEQUENCE, policy_scope, region_scope

NEVER_CACHED_FIELDS = ("auditLog",)  # changes with every audited request

# The fields whose reads the loaders note as scopes (api/graphql/loaders.py): an enterprise and
# what belongs to it (its products, events and their corrections, its assessments), and what
# only the installed policies decide.  Every other field leaves the response on the sequence.
_SCOPED_FIELDS: dict[str, frozenset[str] | None] = {
    "Query": frozenset({"enterprise", "regionMap", "policy", "policies"}),
    "Enterprise": frozenset(
        {
            *("id", "code", "name", "regionCode", "townCode", "establishedOn", "roles"),
            *("products", "events", "assessment", "assessments", "history"),
        }
    ),
    "Product": frozenset(
        {"id", "trademark", "niceClass", "category", "enterprise", "events"}
        | {"assessment", "assessments"}
    ),
    "Event": frozenset(
        {"id", "kind", "occurredOn", "recordedAt", "attributes", "externalId", "status"}
        | {"corrects", "enterprise", "product"}
    ),
    "Reason": frozenset({"rule", "article", "text", "events"}),
    # Values of one assessment, one policy or one map: every field.
    **dict.fromkeys(
        [
            *("Assessment", "Measure", "Disclosure", "Figure", "FigureTerm", "Level"),
            *("Policy", "Parameter", "PolicyVersion", "PageInfo"),
            *("ProductConnection", "ProductEdge", "EventConnection", "EventEdge"),
            *("RegionMap", "RegionCell", "RegionLevelCount"),
        ]
    ),
}


@lru_cache(maxsize=512)
def _operation(
    query: str, operation_name: str | None, max_tokens: int | None
) -> OperationDefinitionNode | None:
    # Parsed before strawberry's own parse and its token limit: without the same limit here a
    # 1 MiB body of tokens costs seconds of CPU (6.2 s measured) before the limit refuses it.
    try:
        document = parse(query, max_tokens=max_tokens)
    except GraphQLError:
        return None
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is not None:
        operations = [o for o in operations if o.name and o.name.value == operation_name]
    if len(operations) != 1:
        return None
    return operations[0]


def operation_type(
    query: str, operation_name: str | None, max_tokens: int | None = None
) -> str | None:
    """'query', 'mutation' or 'subscription' for the operation a request runs; None if unclear
    (including a document of more than ``max_tokens`` tokens, which the schema refuses anyway)."""
    operation = _operation(query, operation_name, max_tokens)
    return operation.operation.value if operation is not None else None


def cacheable(query: Any, operation_name: Any, max_tokens: int | None = None) -> bool:
    if not isinstance(query, str) or any(f in query for f in NEVER_CACHED_FIELDS):
        return False
    if operation_name is not None and not isinstance(operation_name, str):
        return False
    return operation_type(query, operation_name, max_tokens) == "query"


RegionMapArgs = tuple[ValueNode | None, ValueNode | None]  # policy, regionCode


@lru_cache(maxsize=512)
def _reach(
    schema: GraphQLSchema, query: str, operation_name: str | None
) -> tuple[RegionMapArgs, ...] | None:
    """``None`` when the query reads something no scope describes; otherwise the arguments of
    its region maps (whose scopes come from the arguments, not from the loaders)."""
    document = parse(query)  # parsed and validated before: cacheable() saw one query
    type_info = TypeInfo(schema)
    maps: list[RegionMapArgs] = []
    outside: list[str] = []

    class Fields(Visitor):
        def enter_field(self, node: FieldNode, *_: Any) -> None:
            parent = type_info.get_parent_type()
            name = node.name.value
            if parent is None or name == "__typename":
                return
            allowed = _SCOPED_FIELDS.get(parent.name, frozenset())
            if allowed is not None and name not in allowed:
                outside.append(f"{parent.name}.{name}")
            if parent.name == "Query" and name == "regionMap":
                args = {a.name.value: a.value for a in node.arguments or ()}
                maps.append((args.get("policy"), args.get("regionCode")))

    visit(document, TypeInfoVisitor(type_info, Fields()))
    return None if outside else tuple(maps)


def _value(node: ValueNode | None, variables: Mapping[str, Any]) -> Any:
    if isinstance(node, StringValueNode):
        return node.value
    if isinstance(node, VariableNode):
        return variables.get(node.name.value)
    return None


def static_scopes(
    schema: GraphQLSchema, query: str, operation_name: str | None, variables: Any
) -> set[int] | None:
    """What a query depends on before it runs, or ``None`` if only the sequence describes it."""
    reach = _reach(schema, query, operation_name)
    if reach is None:
        return None
    variables = variables if isinstance(variables, dict) else {}
    scopes = {EVERYTHING}
    for policy_node, region_node in reach:
        policy, region = _value(policy_node, variables), _value(region_node, variables)
        scope = region_scope(region) if isinstance(region, str) else None
        if scope is None or not isinstance(policy, str):
            return None
        scopes |= {scope, policy_scope(policy)}
    return scopes


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
    depends: tuple[tuple[int, int], ...]  # (scope, version) at the time of the read


Versions = Callable[[Iterable[int]], Awaitable[dict[int, int]]]


class ResponseCache:
    """Least-recently-used, bounded by entries and by the size of one response."""

    def __init__(self, entries: int, max_entry_bytes: int = 2 << 20) -> None:
        self.entries = entries
        self.max_entry_bytes = max_entry_bytes
        self._store: OrderedDict[str, Entry] = OrderedDict()
        self.hits = self.misses = self.retired = 0

    @staticmethod
    def key(
        query: str,
        variables: Any,
        operation_name: str | None,
        principal: Principal,
        today: date,
        generation: int = 0,
        extensions: Any = None,
    ) -> str:
        """``generation`` separates entries that must never meet (the data versions are not in
        the key: they are checked at each lookup)."""
        # ASCII escapes: a lone surrogate in a variable must reach the schema's refusal
        # (BAD_USER_INPUT), not fail here on encoding.
        material = json.dumps(
            [
                *(query, variables, operation_name, extensions),
                *(rights(principal), today.isoformat(), generation),
            ],
            sort_keys=True,
            default=str,
        )
        return hashlib.sha256(material.encode()).hexdigest()

    async def get(self, key: str, versions: Versions) -> tuple[Entry | None, int]:
        """The entry if every version it read is unchanged, and the write sequence now (one
        query of the database either way)."""
        entry = self._store.get(key)
        scopes = {SEQUENCE} | ({s for s, _ in entry.depends} if entry else set())
        now = await versions(scopes)
        if entry is not None and all(now[s] == v for s, v in entry.depends):
            if key in self._store:  # (another request may have retired it meanwhile)
                self._store.move_to_end(key)
            self.hits += 1
            return entry, now[SEQUENCE]
        if entry is not None and self._store.get(key) is entry:
            del self._store[key]
            self.retired += 1
        self.misses += 1
        return None, now[SEQUENCE]

    async def put(
        self,
        key: str,
        data: Any,
        nonpublic_reads: set[str],
        scopes: set[int] | None,
        sequence_before: int,
        versions: Versions,
    ) -> None:
        """Keep an answer under the versions of what it read (``None``: the sequence alone),
        unless a write committed while it executed (it may have seen part of that write)."""
        if self.entries <= 0:
            return
        if len(json.dumps(data, ensure_ascii=False, default=str)) > self.max_entry_bytes:
            return
        depends = {SEQUENCE} if scopes is None or SEQUENCE in scopes else scopes
        now = await versions(depends | {SEQUENCE})
        if now[SEQUENCE] != sequence_before:
            return
        self._store[key] = Entry(
            data, frozenset(nonpublic_reads), tuple(sorted((s, now[s]) for s in depends))
        )
        self._store.move_to_end(key)
        while len(self._store) > self.entries:
            self._store.popitem(last=False)


async def read_versions(db: Callable[[], Any], scopes: Iterable[int]) -> dict[int, int]:
    """The versions, read on the request's own connection (``Context.db``)."""
    async with db() as session:
        return await versioning.versions(session, scopes)
