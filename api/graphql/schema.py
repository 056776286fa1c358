"""The GraphQL schema: queries and mutations of the API contract (docs/design.md)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Annotated, Any

import strawberry
from qcredit.api.graphql import writes
from qcredit.api.graphql.enums import AttributeType, CorrectionAction, EnterpriseRole, SubjectType
from qcredit.api.graphql.errors import ErrorCodes, QuietSchema
from qcredit.api.graphql.extensions import (
    NoSuggestions,
    ParseErrorCodes,
    StorableStrings,
    ValidationByText,
)
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
    AfterArg,
    AsOfArg,
    BeforeArg,
    Enterprise,
    Event,
    FirstArg,
    LastArg,
    Policy,
    Product,
    ctx,
    policy_type,
    prefetch_assessments,
)
from qcredit.api.graphql.types.enterprise_list import (
    EnterpriseOrder,
    EnterpriseQuery,
    OrderDirection,
    OrderTerm,
    count_enterprises,
    page_of_enterprises,
)
from qcredit.api.graphql.types.labels import LabelQuery
from qcredit.api.graphql.types.level_counts import LevelCountQuery
from qcredit.api.graphql.types.maps import MapQuery
from qcredit.api.graphql.types.notices import NoticeQuery, Subscription
from qcredit.api.graphql.types.planning import PlanningMutation, PlanningQuery
from qcredit.api.graphql.types.simulation import Simulation, simulate
from qcredit.api.settings import Settings
from qcredit.core.errors import InvalidInput
from qcredit.core.vocabulary import AttributeSpec
from strawberry import relay
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxTokensLimiter,
    ParserCache,
)
from strawberry.extensions.max_aliases import create_validator as alias_rule
from strawberry.extensions.query_depth_limiter import create_validator as depth_rule
from strawberry.scalars import JSON
from strawberry.schema.config import StrawberryConfig
from strawberry.types import Info


@strawberry.input(description="Which enterprises a list shows; conditions given all hold.")
class EnterpriseFilter:
    name_contains: str | None = strawberry.field(
        default=None,
        description="A fragment of the name, any case for Latin letters; 3 characters or more "
        "are looked up in the name index (any substring, Chinese included), 1 or 2 are matched "
        "by reading the names (docs/api-lists.md).",
    )
    region_code: str | None = strawberry.field(
        default=None, description="GB/T 2260 code; a province, city or county covers what is in it."
    )
    region_code_in: list[str] | None = strawberry.field(
        default=None,
        description="Any of these GB/T 2260 codes (1 to 50), each covering what is in it; "
        "with regionCode, both must hold.",
    )
    product_category: str | None = strawberry.field(
        default=None, description="Only enterprises with a product of this category (industry)."
    )
    policy: str | None = strawberry.field(
        default=None, description="Only enterprises graded by this policy."
    )
    level: str | None = strawberry.field(
        default=None,
        description="With policy: only this standing level (only grades the caller may see).",
    )
    level_in: list[str] | None = strawberry.field(
        default=None,
        description="With policy: any of these standing levels (1 to 50 codes of the policy's "
        "enterprise levels; only grades the caller may see); with level, either matches.",
    )


@strawberry.type(description="One value of an enumerated event attribute.")
class EventAttributeValue:
    code: str = strawberry.field(description="The value as `attributes` writes it.")
    label: str = strawberry.field(description="Chinese name, as an import file may write it.")


@strawberry.type(description="An attribute an event kind takes.")
class EventAttribute:
    name: str = strawberry.field(description="The attribute's key in `attributes`.")
    type: AttributeType = strawberry.field(description="How its value is written.")
    required: bool = strawberry.field(description="Whether an event of the kind must give it.")
    description: str = strawberry.field(description="What it records; empty when its label says.")
    label: str = strawberry.field(description="Chinese column name in import files.")
    aliases: list[str] = strawberry.field(description="Other Chinese column names accepted.")
    values: list[EventAttributeValue] = strawberry.field(
        description="The allowed values of an enumerated attribute (empty otherwise)."
    )


@strawberry.type(description="An event kind and the attributes it takes.")
class EventKind:
    code: str = strawberry.field(
        description="The kind's code, as Event.kind and recordEvent take it."
    )
    label: str = strawberry.field(description="Its Chinese name, as regulators write it.")
    on: list[SubjectType] = strawberry.field(
        description="What an event of the kind may be about: the enterprise, one product, or both."
    )
    attributes: JSON = strawberry.field(
        description="The attributes as a JSON list (name, type, required, values, description, "
        "label); attributeSpecs types the same."
    )
    source: str = strawberry.field(
        description="Who defines the kind: core, or the plug-in that adds it."
    )
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


@strawberry.input(description="An enterprise to register (registerEnterprise).")
class RegisterEnterpriseInput:
    code: str = strawberry.field(description="Its 统一社会信用代码 (18 characters, GB 32100-2015).")
    name: str = strawberry.field(description="Registered name (企业名称).")
    region_code: str = strawberry.field(
        description="GB/T 2260 county code, or a 9-digit town/street code."
    )
    established_on: dt.date | None = strawberry.field(
        default=None, description="Date of establishment (成立日期); null when unknown."
    )
    roles: list[EnterpriseRole] | None = strawberry.field(
        default=None, description="What it does with products; null or empty: none recorded."
    )


@strawberry.input(description="A product to register (registerProduct).")
class RegisterProductInput:
    enterprise_code: str = strawberry.field(
        description="The 统一社会信用代码 of the enterprise that owns it."
    )
    trademark: str = strawberry.field(description="The trademark (商标) it is sold under.")
    nice_class: int = strawberry.field(description="Its Nice classification class, 1–45.")
    category: str | None = strawberry.field(
        default=None, description="Product category (industry); null when unknown."
    )


@strawberry.input(
    description="A fact to append to the ledger (recordEvent): about an enterprise "
    "(enterpriseCode) or one of its products (productId)."
)
class RecordEventInput:
    enterprise_code: str | None = strawberry.field(
        default=None,
        description="The enterprise it is about; null when productId names the product.",
    )
    product_id: strawberry.ID | None = strawberry.field(
        default=None, description="The product it is about; null for an enterprise event."
    )
    kind: str = strawberry.field(description="The event kind's code (see eventKinds).")
    occurred_on: dt.date = strawberry.field(
        description="The day the fact happened (a decision's date); it counts from then."
    )
    attributes: JSON | None = strawberry.field(
        default=None,
        description="The kind's attributes by name (eventKinds { attributeSpecs }); checked.",
    )
    external_id: str | None = strawberry.field(
        default=None,
        description="The source system's id: makes the write idempotent (same id, same "
        "content returns the event; different content is a CONFLICT).",
    )


@strawberry.input(description="A correction of a recorded event (correctEvent).")
class CorrectEventInput:
    event_id: strawberry.ID = strawberry.field(description="The event to correct (global id).")
    action: CorrectionAction = strawberry.field(description="How the event stops counting.")
    reason: str = strawberry.field(description="Why, as the correcting decision gives it.")
    attributes: JSON | None = strawberry.field(
        default=None, description="For AMEND: the attributes as amended; null otherwise."
    )
    effective_on: dt.date | None = strawberry.field(
        default=None,
        description="When the correction takes effect (a REPAIR ends the event's "
        "effect from this date); default today.",
    )
    external_id: str | None = strawberry.field(
        default=None, description="The source system's id of the correction (idempotent)."
    )


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


@strawberry.type(
    description="What may be read: policies and their catalogues, enterprises with their "
    "ledgers and grades, lists, notices, maps, plans — each as far as the caller may see it."
)
class Query(AccessQuery, PlanningQuery, NoticeQuery, MapQuery, LabelQuery, LevelCountQuery):
    @strawberry.field(description="Any object by its global id (Relay).")
    async def node(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID,
            strawberry.argument(description="A global id (Enterprise, Product, Event)."),
        ],
    ) -> relay.Node | None:
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
        node: relay.Node | None = found[0]
        return node

    @strawberry.field(description="Every installed policy.")
    def policies(self, info: Info) -> list[Policy]:
        return [policy_type(info, p) for p in ctx(info).registry.all_policies()]

    @strawberry.field(description="One installed policy; null when none has this id.")
    def policy(
        self, info: Info, id: Annotated[str, strawberry.argument(description="The policy's id.")]
    ) -> Policy | None:
        p = ctx(info).registry.policies.get(id)
        return policy_type(info, p) if p else None

    @strawberry.field(description="An enterprise by its 统一社会信用代码.")
    async def enterprise(
        self,
        info: Info,
        code: Annotated[
            str, strawberry.argument(description="The 统一社会信用代码 (case and spaces ignored).")
        ],
    ) -> Enterprise | None:
        from qcredit.core.identifiers import validate_credit_code

        e = await ctx(info).loaders.enterprise_by_code.load(validate_credit_code(code, "code"))
        return Enterprise.of(e) if e else None

    @strawberry.field(
        description="Enterprises, filtered and ordered; pages of at most the maximum size, "
        "forwards (first/after) or backwards (last/before)."
    )
    async def enterprises(
        self,
        info: Info,
        filter: Annotated[
            EnterpriseFilter | None,
            strawberry.argument(description="Which enterprises; null: all."),
        ] = None,
        first: FirstArg = None,
        after: AfterArg = None,
        last: LastArg = None,
        before: BeforeArg = None,
        order_by: Annotated[
            list[EnterpriseOrder] | None,
            strawberry.argument(
                description="Ordering terms, most significant first (at most 4); ties are "
                "broken by code, ascending. Default: the order of registration (id)."
            ),
        ] = None,
    ) -> Connection[Enterprise]:
        c = ctx(info)
        w = window(c.settings, first, after, last, before)
        f = filter or EnterpriseFilter()
        query = EnterpriseQuery(
            f.name_contains,
            f.region_code,
            f.product_category,
            f.policy,
            f.level,
            c.principal,
            level_in=tuple(f.level_in) if f.level_in is not None else None,
            region_code_in=tuple(f.region_code_in) if f.region_code_in is not None else None,
            order=tuple(
                OrderTerm(o.field, o.direction is OrderDirection.DESC, o.policy or f.policy)
                for o in order_by or ()
            ),
        )
        query.validate(c.registry)
        asked = {getattr(s, "name", None) for f in info.selected_fields for s in f.selections}
        rows = []
        if not asked <= {"totalCount", "__typename"}:  # a bare count reads no page of rows
            async with c.db() as s:
                rows = await page_of_enterprises(s, query, c.registry, w)
        for e in rows:
            c.loaders.enterprise.prime(e.id, e)

        async def count() -> int:
            async with c.db() as s:
                return await count_enterprises(s, query)

        nodes = [Enterprise.of(e) for e in rows]
        await prefetch_assessments(info, nodes)  # the page's assessments at once
        return make_connection(nodes, [e.id for e in rows], w, count)

    @strawberry.field(description="A product by its global id; null when none.")
    async def product(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The product's global id.")],
    ) -> Product | None:
        p = await ctx(info).loaders.product.load(_global_id(id, "Product", "id"))
        return Product.of(p) if p else None

    @strawberry.field(
        description="A ledger event by its global id (for the bureau of its region or the "
        "enterprise itself); null when none."
    )
    async def event(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The event's global id.")],
    ) -> Event | None:
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
        policy: Annotated[str, strawberry.argument(description="The policy's id.")],
        parameters: Annotated[
            JSON,
            strawberry.argument(
                description="Changed parameters, name: value (see Policy.parameters)."
            ),
        ],
        region_code: Annotated[
            str, strawberry.argument(description="GB/T 2260 code of the region to grade.")
        ],
        as_of: AsOfArg = None,
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


@strawberry.type(
    description="What may be written (a token's role and regions decide): registrations, "
    "ledger events and corrections, disclosure requests and decisions, inspection plans."
)
class Mutation(AccessMutation, PlanningMutation):
    @strawberry.mutation(
        description="Register an enterprise (idempotent for identical data). "
        "Needs a REGULATOR or ADMIN token for the region."
    )
    async def register_enterprise(
        self,
        info: Info,
        input: Annotated[
            RegisterEnterpriseInput, strawberry.argument(description="The enterprise to register.")
        ],
    ) -> Enterprise:
        roles = [r.value for r in input.roles or []]
        ent = await writes.register_enterprise(ctx(info), **_fields(input, roles=roles))
        return Enterprise.of(ent)

    @strawberry.mutation(description="Register a product: trademark × Nice class × enterprise.")
    async def register_product(
        self,
        info: Info,
        input: Annotated[
            RegisterProductInput, strawberry.argument(description="The product to register.")
        ],
    ) -> Product:
        prod = await writes.register_product(ctx(info), **_fields(input))
        return Product.of(prod)

    @strawberry.mutation(
        description="Append an event about an enterprise or one product; "
        "re-grades what it touches. Same externalId + same content returns "
        "the existing event; different content is a CONFLICT."
    )
    async def record_event(
        self,
        info: Info,
        input: Annotated[RecordEventInput, strawberry.argument(description="The event to record.")],
    ) -> Event:
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
    async def correct_event(
        self,
        info: Info,
        input: Annotated[CorrectEventInput, strawberry.argument(description="The correction.")],
    ) -> Event:
        event_id = _global_id(input.event_id, "Event", "eventId")
        correction = await writes.correct_event(
            ctx(info), **_fields(input, event_id=event_id, action=input.action.value)
        )
        return Event.of(correction)


# Validation rules built once, so the validation cache's key stays stable (ValidationByText).
_RULES: dict[tuple[int, int], list[Any]] = {}


def build_schema(settings: Settings | None = None) -> strawberry.Schema:
    settings = settings or Settings()
    key = (settings.max_depth, settings.max_aliases)
    if key not in _RULES:
        _RULES[key] = [depth_rule(settings.max_depth, None), alias_rule(settings.max_aliases)]
    from qcredit.api.graphql.cost import (  # cached per limit: the same class every time
        VariableCost,
        cost_rule,
    )
    from qcredit.api.graphql.socket_checks import SocketOperationChecks

    rules = [
        *_RULES[key],
        cost_rule(settings.max_cost, settings.default_page_size, settings.max_page_size),
    ]
    extensions: list[Any] = [
        SocketOperationChecks,  # a WebSocket's operations: the token again, the rate limit
        ErrorCodes,
        ParseErrorCodes,  # before ParserCache: gives syntax errors a code
        ParserCache,
        ValidationByText,  # strawberry's ValidationCache, keyed by the query text
        StorableStrings,  # after validation, before any resolver
        lambda: VariableCost(settings.max_cost, settings.default_page_size, settings.max_page_size),
        lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
        lambda: AddValidationRules(rules),
    ]
    if not settings.introspection:
        extensions.append(DisableIntrospection)
        extensions.append(NoSuggestions)
    return QuietSchema(
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
