"""GraphQL types of the API contract (docs/design.md): names fixed, fields added around them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import strawberry
from qcredit.api.graphql.pagination import Connection, make_connection, slice_page, window
from qcredit.api.graphql.types.figures import Figure, figure_type
from qcredit.api.graphql.types.mirror import mirrored
from qcredit.api.graphql.types.versions import PolicyVersion, version_type
from qcredit.api.graphql.visibility import (
    assessment_verdict,
    require_ledger,
    require_visible,
    sees_ledger,
)
from qcredit.core import clock
from qcredit.core.contract import Assessment as AssessmentValue
from qcredit.core.errors import InvalidInput, QcreditError
from qcredit.core.grading.engine import AssessmentKey
from qcredit.core.model import CORRECTION_KIND, SubjectType
from qcredit.core.model import Enterprise as EnterpriseValue
from qcredit.core.model import Event as EventValue
from qcredit.core.model import Product as ProductValue
from qcredit.core.parameters import Parameter as ParameterValue
from qcredit.core.policy import Level as LevelValue
from qcredit.core.policy import Policy as PolicyValue
from strawberry import relay
from strawberry.scalars import JSON
from strawberry.types import Info

if TYPE_CHECKING:
    from qcredit.api.graphql.context import Context


def ctx(info: Info) -> Context:
    return info.context


def _from_value(attribute: str, type_: Any, description: str | None = None) -> Any:
    """A field read from ``self.value``, the core object a type wraps.

    Without a class annotation the field keeps its place in the SDL among the method fields;
    strawberry then types it by the resolver's return annotation, set here.
    """

    def resolve(root: Any) -> Any:
        return getattr(root.value, attribute)

    resolve.__annotations__["return"] = type_
    return strawberry.field(resolver=resolve, description=description)


@strawberry.type(description="One grade of a policy; rank 1 is the best (lowest risk).")
class Level:
    code: str
    label: str
    rank: int
    color: str | None
    description: str
    subject_types: list[str]

    @classmethod
    def of(cls, lv: LevelValue) -> Level:
        return mirrored(cls, lv, subject_types=sorted(t.value for t in lv.subject_types))


@strawberry.type(description="A number the policy uses, with where it comes from.")
class Parameter:
    name: str
    value: JSON
    source: str = strawberry.field(
        description="The article that fixes the value, 'local default' when the text leaves it "
        "open, or the override that replaced it."
    )
    note: str
    valid_from: dt.date | None
    valid_until: dt.date | None
    local_default: bool

    @classmethod
    def of(cls, p: ParameterValue) -> Parameter:
        return mirrored(cls, p, local_default=p.is_local_default)


@strawberry.type(description="A jurisdiction's grading policy, installed as a plug-in.")
class Policy:
    value: strawberry.Private[PolicyValue]
    source_package: strawberry.Private[str]

    id = _from_value("id", str)
    name = _from_value("name", str, description="Official Chinese title of the document.")
    issuer = _from_value("issuer", str)
    document_no = _from_value("document_no", str)
    effective_from = _from_value("effective_from", dt.date | None)
    effective_until = _from_value("effective_until", dt.date | None)
    version = _from_value("version", str)

    @strawberry.field(description="GB/T 2260 codes of the regions where the policy applies.")
    def region_codes(self) -> list[str]:
        return list(self.value.region_codes)

    @strawberry.field
    def subject_types(self) -> list[str]:
        return sorted(t.value for t in self.value.subject_types)

    @strawberry.field
    def levels(self) -> list[Level]:
        return [Level.of(lv) for lv in sorted(self.value.levels, key=lambda lv: (lv.rank, lv.code))]

    @strawberry.field
    def parameters(self) -> list[Parameter]:
        return [Parameter.of(p) for p in self.value.parameters.all()]

    @strawberry.field(description="The installed distribution that supplies this policy.")
    def package(self) -> str:
        return self.source_package

    @strawberry.field(description="Whether the policy is in force on a date (default today).")
    def in_force(self, on: dt.date | None = None) -> bool:
        return self.value.in_force(on or clock.today())

    @strawberry.field(
        description="The dated versions of the text, oldest first, with what each changed."
    )
    def versions(self) -> list[PolicyVersion]:
        return [version_type(v) for v in self.value.versions()]


def policy_type(info: Info, policy: PolicyValue) -> Policy:
    return Policy(value=policy, source_package=ctx(info).registry.sources.get(policy.id, ""))


@strawberry.type(description="A rule that fired, or what keeps a subject from a better grade.")
class Reason:
    rule: str
    article: str
    text: str
    event_ids: strawberry.Private[tuple[int, ...]]

    @strawberry.field(description="The events behind this reason.")
    async def events(self, info: Info) -> list[Event]:
        c = ctx(info)
        found = await c.loaders.event.load_many(list(self.event_ids))
        return [
            Event.of(e) for e in found if e is not None and await sees_ledger(c, e.enterprise_id)
        ]


@strawberry.type(description="A supervision measure a grade triggers.")
class Measure:
    kind: str
    text: str
    article: str
    min_per_year: float | None
    plan_share_min: float | None
    plan_share_max: float | None
    color: str | None


@strawberry.type(description="Whether a grade may be disclosed to an audience.")
class Disclosure:
    audience: str
    allowed: bool
    needs_review: bool
    text: str
    article: str


@strawberry.type(description="A subject's grade under a policy on a date, with its reasons.")
class Assessment:
    value: strawberry.Private[AssessmentValue]

    @strawberry.field
    def policy(self, info: Info) -> Policy:
        return policy_type(info, ctx(info).registry.policy(self.value.policy_id))

    level = _from_value("level", str)

    @strawberry.field(description="Label, rank and colour of the level.")
    def level_info(self, info: Info) -> Level:
        return Level.of(ctx(info).registry.policy(self.value.policy_id).level(self.value.level))

    score = _from_value("score", float | None)
    as_of = _from_value("as_of", dt.date)

    @strawberry.field
    def subject_type(self) -> str:
        return self.value.subject_type.value

    @strawberry.field
    def reasons(self) -> list[Reason]:
        return [
            Reason(rule=r.rule, article=r.article, text=r.text, event_ids=r.events)
            for r in self.value.reasons
        ]

    @strawberry.field(
        description="What keeps the subject from the next better level: what it "
        "must fix, and what a regulator checks before a credit repair."
    )
    def why_not_better(self) -> list[Reason]:
        return [
            Reason(rule=r.rule, article=r.article, text=r.text, event_ids=r.events)
            for r in self.value.blockers
        ]

    @strawberry.field
    def supervision(self) -> list[Measure]:
        return [
            Measure(
                kind=m.kind,
                text=m.text,
                article=m.article,
                min_per_year=m.min_per_year,
                plan_share_min=m.plan_share_min,
                plan_share_max=m.plan_share_max,
                color=m.color,
            )
            for m in self.value.supervision
        ]

    @strawberry.field
    def publicity(self) -> list[Disclosure]:
        return [
            Disclosure(
                audience=d.audience.value,
                allowed=d.allowed,
                needs_review=d.needs_review,
                text=d.text,
                article=d.article,
            )
            for d in self.value.publicity
        ]

    details = _from_value(
        "details",
        JSON,
        description="Policy-specific extras (e.g. an index or a health-code colour).",
    )

    @strawberry.field(
        description="What the policy computed on the way to this grade (an index with its "
        "terms, a points total, a mode), labelled and citing articles."
    )
    def figures(self, info: Info) -> list[Figure]:
        policy = ctx(info).registry.policy(self.value.policy_id)
        return [figure_type(f) for f in policy.figures(self.value)]

    policy_version = _from_value("policy_version", str)
    inputs_digest = _from_value(
        "inputs_digest", str, description="Fingerprint of every input of this grade."
    )

    parameters_digest = _from_value("parameters_digest", str)

    def graphql_projection(self, info: Info) -> dict[str, Any]:
        """The plain fields, for api/graphql/projection.py: the same values the resolvers above
        return, built once per stored grading and shared by every request that shows it."""
        return projection_of(self.value, ctx(info).registry.policy(self.value.policy_id))


# Projections of stored gradings, by what identifies one (oldest dropped first).
_PROJECTIONS: dict[tuple[Any, ...], dict[str, Any]] = {}
_PROJECTIONS_KEPT = 20_000


def _reason_dicts(reasons: Iterable[Any]) -> list[dict[str, Any]]:
    return [{"rule": r.rule, "article": r.article, "text": r.text} for r in reasons]


def projection_of(a: AssessmentValue, policy: PolicyValue) -> dict[str, Any]:
    key = (
        a.policy_id,
        a.subject_type,
        a.subject_id,
        a.as_of,
        a.policy_version,
        a.parameters_digest,
        a.inputs_digest,
        id(policy),
    )
    found = _PROJECTIONS.get(key) if a.inputs_digest else None
    if found is not None:
        return found
    p = policy
    found = {
        "policy": {
            "id": p.id,
            "name": p.name,
            "issuer": p.issuer,
            "documentNo": p.document_no,
            "effectiveFrom": p.effective_from,
            "effectiveUntil": p.effective_until,
            "version": p.version,
        },
        "level": a.level,
        "score": a.score,
        "asOf": a.as_of,
        "subjectType": a.subject_type.value,
        "reasons": _reason_dicts(a.reasons),
        "whyNotBetter": _reason_dicts(a.blockers),
        "supervision": [
            {
                "kind": m.kind,
                "text": m.text,
                "article": m.article,
                "minPerYear": m.min_per_year,
                "planShareMin": m.plan_share_min,
                "planShareMax": m.plan_share_max,
                "color": m.color,
            }
            for m in a.supervision
        ],
        "publicity": [
            {
                "audience": d.audience.value,
                "allowed": d.allowed,
                "needsReview": d.needs_review,
                "text": d.text,
                "article": d.article,
            }
            for d in a.publicity
        ],
        "details": a.details,
        "policyVersion": a.policy_version,
        "inputsDigest": a.inputs_digest,
        "parametersDigest": a.parameters_digest,
    }
    if a.inputs_digest:
        if len(_PROJECTIONS) >= _PROJECTIONS_KEPT:
            _PROJECTIONS.pop(next(iter(_PROJECTIONS)))  # the oldest
        _PROJECTIONS[key] = found
    return found


def _unwrap(result: AssessmentValue | QcreditError | None) -> Assessment | None:
    if isinstance(result, QcreditError):
        raise result
    return Assessment(value=result) if result is not None else None


async def assessment_of(
    info: Info, subject_type: SubjectType, subject_id: int, policy: str, as_of: dt.date | None
) -> Assessment | None:
    c = ctx(info)
    c.registry.policy(policy)  # NOT_FOUND for an unknown policy
    key = AssessmentKey(policy, subject_type, subject_id, as_of or clock.today())
    found = _unwrap(await c.loaders.assessment.load(key))
    if found is None:
        return None
    await require_visible(c, found.value)
    return found


def _page_of(
    info: Info, items: list, to_node: Callable[[Any], Any], first: int | None, after: str | None
) -> Connection:
    """A page of an already loaded list, ordered by id."""
    c = ctx(info)
    limit, cursor = window(c.settings, first, after)
    page, keys = slice_page(items, lambda x: x.id, limit, cursor)
    total = len(items)

    async def count() -> int:
        return total

    return make_connection([to_node(x) for x in page], keys, limit, cursor, count)


async def enterprise_of(info: Info, enterprise_id: int) -> Enterprise:
    """The enterprise an object belongs to, through the request's batching loader."""
    e = await ctx(info).loaders.enterprise.load(enterprise_id)
    assert e is not None  # every owned row references its enterprise (foreign key)
    return Enterprise.of(e)


async def product_of(info: Info, product_id: int | None) -> Product | None:
    """The product an object concerns, if any, through the request's batching loader."""
    if product_id is None:
        return None
    p = await ctx(info).loaders.product.load(product_id)
    return Product.of(p) if p else None


async def _enterprise_of_root(root: Any, info: Info) -> Enterprise:
    return await enterprise_of(info, root.enterprise_id)


async def _product_of_root(root: Any, info: Info) -> Product | None:
    return await product_of(info, root.product_id)


def enterprise_field(description: str | None = None) -> Any:
    """The ``enterprise`` field of a type that keeps a private ``enterprise_id``."""
    return strawberry.field(resolver=_enterprise_of_root, description=description)


def product_field() -> Any:
    """The ``product`` field of a type that keeps a private ``product_id`` (null: none)."""
    return strawberry.field(resolver=_product_of_root)


# -- what an enterprise and a product both have: a ledger and assessments ----------------------


def _subject(root: Enterprise | Product) -> tuple[SubjectType, int]:
    """The subject type of ``root`` and the id of the enterprise whose ledger it reads."""
    if isinstance(root, Product):
        return SubjectType.PRODUCT, root.enterprise_id
    return SubjectType.ENTERPRISE, root.id


async def _events(
    root: Enterprise | Product,
    info: Info,
    kinds: list[str] | None = None,
    first: int | None = None,
    after: str | None = None,
) -> Connection[Event]:
    c = ctx(info)
    subject_type, enterprise_id = _subject(root)
    events: list[EventValue] = []
    if await sees_ledger(c, enterprise_id):
        loader = (
            c.loaders.events_of_product
            if subject_type is SubjectType.PRODUCT
            else c.loaders.events_of_enterprise
        )
        events = await loader.load(root.id)
    if kinds:
        for i, k in enumerate(kinds):
            if k not in c.registry.vocabulary.kinds:
                raise InvalidInput(f"unknown event kind {k!r}", field=f"kinds[{i}]")
        events = [e for e in events if e.kind in kinds]
    return _page_of(info, events, Event.of, first, after)


async def _assessment(
    root: Enterprise | Product, info: Info, policy: str, as_of: dt.date | None = None
) -> Assessment | None:
    return await assessment_of(info, _subject(root)[0], root.id, policy, as_of)


async def _assessments(
    root: Enterprise | Product, info: Info, as_of: dt.date | None = None
) -> list[Assessment]:
    """Under every policy that grades the subject in its enterprise's region, in force then."""
    c = ctx(info)
    subject_type, enterprise_id = _subject(root)
    on = as_of or clock.today()
    ent = await c.loaders.enterprise.load(enterprise_id)
    assert ent is not None
    keys = [
        AssessmentKey(p.id, subject_type, root.id, on)
        for p in c.registry.all_policies()
        if subject_type in p.subject_types and p.covers_region(ent.region_code) and p.in_force(on)
    ]
    results = await c.loaders.assessment.load_many(keys)
    shown = []
    for a in (_unwrap(r) for r in results):
        if a is not None and (await assessment_verdict(c, a.value)).visible:
            shown.append(a)
    return shown


def _events_field() -> Any:
    return strawberry.field(resolver=_events)


def _assessment_field(description: str) -> Any:
    return strawberry.field(resolver=_assessment, description=description)


def _assessments_field(description: str) -> Any:
    return strawberry.field(resolver=_assessments, description=description)


@strawberry.type(description="A ledger entry: an inspection, penalty, accident, correction …")
class Event(relay.Node):
    id: relay.NodeID[int]
    kind: str
    occurred_on: dt.date
    recorded_at: dt.datetime
    attributes: JSON
    external_id: str | None
    enterprise_id: strawberry.Private[int]
    product_id: strawberry.Private[int | None]
    corrects_id: strawberry.Private[int | None]

    @classmethod
    def of(cls, e: EventValue) -> Event:
        return mirrored(cls, e)

    @strawberry.field(
        description="ACTIVE, REVOKED, AMENDED, ERRONEOUS or REPAIRED — derived "
        "from the corrections that refer to this event."
    )
    async def status(self, info: Info) -> str:
        if self.kind == CORRECTION_KIND:
            return "ACTIVE"
        return (await ctx(info).loaders.status.load(self.id)).value

    @strawberry.field(description="For a correction: the event it corrects.")
    async def corrects(self, info: Info) -> Event | None:
        if self.corrects_id is None:
            return None
        e = await ctx(info).loaders.event.load(self.corrects_id)
        return Event.of(e) if e else None

    enterprise = enterprise_field()
    product = product_field()

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Event | None]:
        c = ctx(info)
        found = await c.loaders.event.load_many([int(i) for i in node_ids])
        for e in found:
            if e is not None:
                await require_ledger(c, e.enterprise_id)
        return [Event.of(e) if e else None for e in found]


@strawberry.type(description="A product: one trademark in one Nice class of one enterprise.")
class Product(relay.Node):
    id: relay.NodeID[int]
    trademark: str
    nice_class: int
    category: str | None
    enterprise_id: strawberry.Private[int]

    @classmethod
    def of(cls, p: ProductValue) -> Product:
        return mirrored(cls, p)

    enterprise = enterprise_field()
    events = _events_field()
    assessment = _assessment_field("Null when the policy does not grade this product.")
    assessments = _assessments_field("Assessments under every policy that grades this product.")

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Product | None]:
        found = await ctx(info).loaders.product.load_many([int(i) for i in node_ids])
        return [Product.of(p) if p else None for p in found]


@strawberry.type(description="An enterprise, identified by its 统一社会信用代码.")
class Enterprise(relay.Node):
    id: relay.NodeID[int]
    code: str = strawberry.field(description="统一社会信用代码 (GB 32100-2015).")
    name: str
    region_code: str = strawberry.field(description="GB/T 2260 county-level code.")
    town_code: str | None = strawberry.field(description="9-digit town/street code, if known.")
    established_on: dt.date | None
    roles: list[str]

    @classmethod
    def of(cls, e: EnterpriseValue) -> Enterprise:
        return mirrored(cls, e, roles=sorted(r.value for r in e.roles))

    @strawberry.field
    async def products(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Product]:
        prods = await ctx(info).loaders.products_of.load(self.id)
        return _page_of(info, prods, Product.of, first, after)

    events = _events_field()
    assessment = _assessment_field(
        "Null when the policy does not apply to this enterprise. "
        "asOf defaults to today; a date outside the policy's period is an error "
        "with code POLICY_NOT_IN_FORCE."
    )
    assessments = _assessments_field("Assessments under every policy that applies and is in force.")

    @strawberry.field(description="The grade after each change in the ledger, oldest first.")
    async def history(self, info: Info, policy: str) -> list[Assessment]:
        from qcredit.api.graphql.types.history import grade_history

        await require_ledger(ctx(info), self.id)
        return [
            Assessment(value=a)
            for a in await grade_history(ctx(info), policy, SubjectType.ENTERPRISE, self.id)
        ]

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Enterprise | None]:
        found = await ctx(info).loaders.enterprise.load_many([int(i) for i in node_ids])
        return [Enterprise.of(e) if e else None for e in found]
