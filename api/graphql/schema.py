"""The GraphQL schema: queries and mutations of the API contract (docs/design.md)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from enum import Enum
from typing import Any

import strawberry
from qcredit.api.graphql import writes
from qcredit.api.graphql.errors import ErrorCodes
from qcredit.api.graphql.extensions import NoSuggestions, ParseErrorCodes, StorableStrings
from qcredit.api.graphql.pagination import (
    Connection,
    make_connection,
    row_key,
    window,
)
from qcredit.api.graphql.projection import ProjectingExecutionContext
from qcredit.api.graphql.scalars import Date
from qcredit.api.graphql.types.disclosure import AccessMutation, AccessQuery
from qcredit.api.graphql.types.enterprise import (
    Enterprise,
    Event,
    Policy,
    Product,
    ctx,
    policy_type,
)
from qcredit.api.graphql.types.enterprise_list import (
    EnterpriseQuery,
    count_enterprises,
    page_of_enterprises,
)
from qcredit.api.graphql.types.maps import MapQuery
from qcredit.api.graphql.types.notices import NoticeQuery, Subscription
from qcredit.api.graphql.types.planning import PlanningMutation, PlanningQuery
from qcredit.api.graphql.types.simulation import Simulation, simulate
from qcredit.api.settings import Settings
from qcredit.core.errors import InvalidInput
from qcredit.core.model import CorrectionAction as CorrectionActionValue
from qcredit.core.model import EnterpriseRole
from qcredit.core.vocabulary import AttributeSpec
from strawberry import relay
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxTokensLimiter,
    ParserCache,
    ValidationCache,
)
from strawberry.extensions.max_aliases import create_validator as alias_rule
from strawberry.extensions.query_depth_limiter import create_validator as depth_rule
from strawberry.scalars import JSON
from strawberry.schema.config import StrawberryConfig
from strawberry.types import Info

Role = strawberry.enum(
    Enum("Role", {r.value: r.value for r in EnterpriseRole}),
    description="What an enterprise does with products.",
)
CorrectionAction = strawberry.enum(
    Enum("CorrectionAction", {a.value: a.value for a in CorrectionActionValue}),
    description="REVOKE (撤销), AMEND (变更), ERRONEOUS (认定错误), REPAIR (信用修复).",
)


@strawberry.input
class EnterpriseFilter:
    name_contains: str | None = strawberry.field(default=None, description="Name fragment.")
    region_code: str | None = strawberry.field(
        default=None, description="GB/T 2260 code; a province, city or county covers what is in it."
    )
    product_category: str | None = None
    policy: str | None = strawberry.field(
        default=None, description="Only enterprises graded by this policy."
    )
    level: str | None = strawberry.field(
        default=None, description="With policy: only this standing level."
    )


@strawberry.type(description="One value of an enumerated event attribute.")
class EventAttributeValue:
    code: str
    label: str = strawberry.field(description="Chinese name, as an import file may write it.")


@strawberry.type(description="An attribute an event kind takes.")
class EventAttribute:
    name: str
    type: str
    required: bool
    description: str
    label: str = strawberry.field(description="Chinese column name in import files.")
    aliases: list[str] = strawberry.field(description="Other Chinese column names accepted.")
    values: list[EventAttributeValue] = strawberry.field(
        description="The allowed values of an enumerated attribute (empty otherwise)."
    )


@strawberry.type(description="An event kind and the attributes it takes.")
class EventKind:
    code: str
    label: str
    on: list[str]
    attributes: JSON
    source: str
    attribute_specs: list[EventAttribute] = strawberry.field(
        description="The attributes, typed, with their Chinese labels."
    )


def _event_attribute(a: AttributeSpec) -> EventAttribute:
    return EventAttribute(
        name=a.name,
        type=a.type,
        required=a.required,
        description=a.description,
        label=a.label,
        aliases=list(a.aliases),
        values=[EventAttributeValue(code=v, label=a.value_label(v)) for v in a.values],
    )


@strawberry.input
class RegisterEnterpriseInput:
    code: str
    name: str
    region_code: str
    established_on: dt.date | None = None
    roles: list[Role] | None = None  # type: ignore[valid-type]


@strawberry.input
class RegisterProductInput:
    enterprise_code: str
    trademark: str
    nice_class: int
    category: str | None = None


@strawberry.input
class RecordEventInput:
    enterprise_code: str | None = None
    product_id: strawberry.ID | None = None
    kind: str
    occurred_on: dt.date
    attributes: JSON | None = None
    external_id: str | None = None


@strawberry.input
class CorrectEventInput:
    event_id: strawberry.ID
    action: CorrectionAction  # type: ignore[valid-type]
    reason: str
    attributes: JSON | None = None
    effective_on: dt.date | None = strawberry.field(
        default=None,
        description="When the correction takes effect (a REPAIR ends the event's "
        "effect from this date); default today.",
    )
    external_id: str | None = None


def _global_id(raw: str, type_name: str, field: str) -> int:
    """The key of a global id of ``type_name`` (or of its bare number)."""
    try:
        gid = relay.GlobalID.from_id(raw)
    except Exception:
        gid = None
    key = row_key(gid.node_id) if gid is not None and gid.type_name == type_name else None
    key = key if key is not None else row_key(raw)
    if key is None:
        raise InvalidInput(f"{raw!r} is not the id of a {type_name}", field=field)
    return key


NODE_TYPES: dict[str, type] = {"Enterprise": Enterprise, "Product": Product, "Event": Event}


@strawberry.type
class Query(AccessQuery, PlanningQuery, NoticeQuery, MapQuery):
    @strawberry.field(description="Any object by its global id (Relay).")
    async def node(self, info: Info, id: strawberry.ID) -> relay.Node | None:
        # A plain resolver rather than relay.node(): that one's field extension can only be
        # applied to one schema, and the app builds a schema per configuration.
        try:
            gid = relay.GlobalID.from_id(id)
        except Exception:
            raise InvalidInput(f"{id!r} is not a global id", field="id") from None
        cls = NODE_TYPES.get(gid.type_name)
        key = row_key(gid.node_id)
        if cls is None or key is None:
            raise InvalidInput(f"{id!r} is not the id of an object here", field="id")
        found = await cls.resolve_nodes(info=info, node_ids=[str(key)])  # type: ignore[attr-defined]
        return found[0]

    @strawberry.field(description="Every installed policy.")
    def policies(self, info: Info) -> list[Policy]:
        return [policy_type(info, p) for p in ctx(info).registry.all_policies()]

    @strawberry.field
    def policy(self, info: Info, id: str) -> Policy | None:
        p = ctx(info).registry.policies.get(id)
        return policy_type(info, p) if p else None

    @strawberry.field(description="An enterprise by its 统一社会信用代码.")
    async def enterprise(self, info: Info, code: str) -> Enterprise | None:
        from qcredit.core.identifiers import validate_credit_code

        e = await ctx(info).loaders.enterprise_by_code.load(validate_credit_code(code, "code"))
        return Enterprise.of(e) if e else None

    @strawberry.field(description="Enterprises, filtered; pages of at most the maximum size.")
    async def enterprises(
        self,
        info: Info,
        filter: EnterpriseFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Enterprise]:
        c = ctx(info)
        limit, cursor = window(c.settings, first, after)
        f = filter or EnterpriseFilter()
        query = EnterpriseQuery(
            f.name_contains, f.region_code, f.product_category, f.policy, f.level, c.principal
        )
        query.validate(c.registry)
        asked = {getattr(s, "name", None) for f in info.selected_fields for s in f.selections}
        rows = []
        if not asked <= {"totalCount", "__typename"}:  # a bare count reads no page of rows
            async with c.db() as s:
                rows = await page_of_enterprises(s, query, limit, cursor)
        for e in rows:
            c.loaders.enterprise.prime(e.id, e)

        async def count() -> int:
            async with c.db() as s:
                return await count_enterprises(s, query)

        return make_connection(
            [Enterprise.of(e) for e in rows], [e.id for e in rows], limit, cursor, count
        )

    @strawberry.field
    async def product(self, info: Info, id: strawberry.ID) -> Product | None:
        p = await ctx(info).loaders.product.load(_global_id(id, "Product", "id"))
        return Product.of(p) if p else None

    @strawberry.field
    async def event(self, info: Info, id: strawberry.ID) -> Event | None:
        found = await Event.resolve_nodes(info=info, node_ids=[str(_global_id(id, "Event", "id"))])
        return found[0]

    @strawberry.field(
        description="What-if: grade a region under changed parameters (name: "
        "value) without writing anything; distribution before and after and the "
        "subjects whose level would change."
    )
    async def simulate(
        self,
        info: Info,
        policy: str,
        parameters: JSON,
        region_code: str,
        as_of: dt.date | None = None,
    ) -> Simulation:
        return await simulate(info, policy, parameters, region_code, as_of)

    @strawberry.field(description="The event kinds this installation accepts.")
    def event_kinds(self, info: Info) -> list[EventKind]:
        return [
            EventKind(
                code=k.code,
                label=k.label,
                on=sorted(t.value for t in k.on),
                source=k.source,
                attributes=[
                    {
                        "name": a.name,
                        "type": a.type,
                        "required": a.required,
                        "values": list(a.values) or None,
                        "description": a.description,
                        "label": a.label,
                    }
                    for a in k.all_attributes.values()
                ],
                attribute_specs=[_event_attribute(a) for a in k.all_attributes.values()],
            )
            for k in ctx(info).registry.vocabulary.kinds.values()
            if k.recordable
        ]


def _fields(input: Any, **converted: Any) -> dict[str, Any]:
    """A mutation input's fields by their Python names, the keywords of :mod:`.writes`, with
    some converted (global ids, enums)."""
    return {f.name: getattr(input, f.name) for f in dataclasses.fields(input)} | converted


@strawberry.type
class Mutation(AccessMutation, PlanningMutation):
    @strawberry.mutation(
        description="Register an enterprise (idempotent for identical data). "
        "Needs a REGULATOR or ADMIN token for the region."
    )
    async def register_enterprise(self, info: Info, input: RegisterEnterpriseInput) -> Enterprise:
        roles = [r.value for r in input.roles or []]
        ent = await writes.register_enterprise(ctx(info), **_fields(input, roles=roles))
        return Enterprise.of(ent)

    @strawberry.mutation(description="Register a product: trademark × Nice class × enterprise.")
    async def register_product(self, info: Info, input: RegisterProductInput) -> Product:
        prod = await writes.register_product(ctx(info), **_fields(input))
        return Product.of(prod)

    @strawberry.mutation(
        description="Append an event about an enterprise or one product; "
        "re-grades what it touches. Same externalId + same content returns "
        "the existing event; different content is a CONFLICT."
    )
    async def record_event(self, info: Info, input: RecordEventInput) -> Event:
        product_id = (
            _global_id(input.product_id, "Product", "productId")
            if input.product_id is not None
            else None
        )
        event = await writes.record_event(ctx(info), **_fields(input, product_id=product_id))
        return Event.of(event)

    @strawberry.mutation(
        description="Correct an event by appending a correction; the event's "
        "status is derived and the subjects it touches are re-graded."
    )
    async def correct_event(self, info: Info, input: CorrectEventInput) -> Event:
        event_id = _global_id(input.event_id, "Event", "eventId")
        correction = await writes.correct_event(
            ctx(info), **_fields(input, event_id=event_id, action=input.action.value)
        )
        return Event.of(correction)


# Validation rules built once, so the ValidationCache key stays stable (graphql.md §1.3).
_RULES: dict[tuple[int, int], list] = {}


def build_schema(settings: Settings | None = None) -> strawberry.Schema:
    settings = settings or Settings()
    key = (settings.max_depth, settings.max_aliases)
    if key not in _RULES:
        _RULES[key] = [depth_rule(settings.max_depth, None), alias_rule(settings.max_aliases)]
    from qcredit.api.graphql.cost import (  # cached per limit: the same class every time
        VariableCost,
        cost_rule,
    )

    rules = [
        *_RULES[key],
        cost_rule(settings.max_cost, settings.default_page_size, settings.max_page_size),
    ]
    extensions: list = [
        ErrorCodes,
        ParseErrorCodes,  # before ParserCache: gives syntax errors a code
        ParserCache,
        ValidationCache,
        StorableStrings,  # after validation, before any resolver
        lambda: VariableCost(settings.max_cost, settings.default_page_size, settings.max_page_size),
        lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
        lambda: AddValidationRules(rules),
    ]
    if not settings.introspection:
        extensions.append(DisableIntrospection)
        extensions.append(NoSuggestions)
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=extensions,
        execution_context_class=ProjectingExecutionContext,  # api/graphql/projection.py
        config=StrawberryConfig(
            scalar_map={dt.date: Date},
            relay_max_results=settings.max_page_size,
            disable_field_suggestions=not settings.introspection,
        ),
    )
