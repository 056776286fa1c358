"""GraphQL types of the API contract (docs/design.md): names fixed, fields added around them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Annotated, Any, cast

import strawberry
from graphql import FieldNode, InlineFragmentNode
from qcredit.api.graphql.colors import COLOR_CODE, COLOR_HEX, hex_of
from qcredit.api.graphql.enums import Audience, EnterpriseRole, EventStatus, SubjectType
from qcredit.api.graphql.pagination import (
    AFTER,
    BEFORE,
    FIRST,
    LAST,
    OCCURRED_FROM,
    OCCURRED_TO,
    Connection,
    check_date_range,
    in_date_range,
    make_connection,
    slice_page,
    window,
)
from qcredit.api.graphql.types.figures import Explanation, Figure, explanation_type, figure_type
from qcredit.api.graphql.types.mirror import mirrored
from qcredit.api.graphql.types.versions import PolicyVersion, version_type
from qcredit.api.graphql.visibility import (
    assessment_verdicts,
    require_ledger,
    require_visible,
    sees_ledger,
)
from qcredit.core import clock
from qcredit.core.contract import Assessment as AssessmentValue
from qcredit.core.errors import InvalidInput, QcreditError
from qcredit.core.grading.engine import AssessmentKey
from qcredit.core.model import CORRECTION_KIND
from qcredit.core.model import Enterprise as EnterpriseValue
from qcredit.core.model import Event as EventValue
from qcredit.core.model import Product as ProductValue
from qcredit.core.model import SubjectType as SubjectTypeValue
from qcredit.core.parameters import Parameter as ParameterValue
from qcredit.core.policy import Level as LevelValue
from qcredit.core.policy import Policy as PolicyValue
from strawberry import relay
from strawberry.scalars import JSON
from strawberry.types import Info

if TYPE_CHECKING:
    from qcredit.api.graphql.context import Context

# Arguments many fields take, described once.
PolicyArg = Annotated[str, strawberry.argument(description="The policy's id (Query.policies).")]
AsOfArg = Annotated[
    dt.date | None,
    strawberry.argument(description="The day to grade; default today (the standing grade)."),
]
# The page arguments of every list (described in pagination.py).
FirstArg = Annotated[int | None, FIRST]
AfterArg = Annotated[str | None, AFTER]
LastArg = Annotated[int | None, LAST]
BeforeArg = Annotated[str | None, BEFORE]


def ctx(info: Info) -> Context:
    context: Context = info.context
    return context


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
    code: str = strawberry.field(
        description="The level's code under its policy (e.g. A, B, C, D; 守信, 失信 …): what "
        "Assessment.level and the lists carry. Policies define their own codes."
    )
    label: str = strawberry.field(description="Its name, as the policy's text gives it.")
    rank: int = strawberry.field(
        description="Order of the levels from 1, the best (lowest risk); higher is riskier."
    )
    color: str | None = strawberry.field(
        description=COLOR_CODE + "; null when the text gives the level no colour."
    )
    description: str = strawberry.field(
        description="What puts a subject in this level, citing the policy's articles."
    )
    subject_types: list[SubjectType] = strawberry.field(
        description="What the level grades: enterprises, products or both."
    )

    @strawberry.field(description=COLOR_HEX)
    def color_hex(self) -> str | None:
        return hex_of(self.color)

    @classmethod
    def of(cls, lv: LevelValue) -> Level:
        return mirrored(cls, lv, subject_types=sorted(t.value for t in lv.subject_types))


@strawberry.type(description="A number the policy uses, with where it comes from.")
class Parameter:
    name: str = strawberry.field(
        description="The parameter's key (snake_case), as a simulation or an override names it."
    )
    value: JSON = strawberry.field(
        description="Its value in force: a number, a share (0–1), a text, a list or a table, "
        "in the unit its note gives."
    )
    source: str = strawberry.field(
        description="The article that fixes the value, 'local default' when the text leaves it "
        "open, or the override that replaced it."
    )
    note: str = strawberry.field(description="What the value means, with its unit.")
    valid_from: dt.date | None = strawberry.field(
        description="First day the value applies; null: since the policy applies."
    )
    valid_until: dt.date | None = strawberry.field(
        description="Last day the value applies; null: as long as the policy applies."
    )
    local_default: bool = strawberry.field(
        description="True when no text fixes the value and it is this service's local default."
    )

    @classmethod
    def of(cls, p: ParameterValue) -> Parameter:
        return mirrored(cls, p, local_default=p.is_local_default)


@strawberry.type(description="A jurisdiction's grading policy, installed as a plug-in.")
class Policy:
    value: strawberry.Private[PolicyValue]
    source_package: strawberry.Private[str]

    id = _from_value(
        "id",
        str,
        description="The policy's id, as arguments named policy take it.",
    )
    name = _from_value("name", str, description="Official Chinese title of the document.")
    issuer = _from_value("issuer", str, description="The authority that issued the document.")
    document_no = _from_value(
        "document_no", str, description="The document's number (文号); empty when it has none."
    )
    effective_from = _from_value(
        "effective_from", dt.date | None, description="First day in force; null: no start date."
    )
    effective_until = _from_value(
        "effective_until", dt.date | None, description="Last day in force; null: open-ended."
    )
    version = _from_value(
        "version",
        str,
        description="Code of the version of the text the installed rules implement; versions "
        "lists every dated version.",
    )

    @strawberry.field(description="GB/T 2260 codes of the regions where the policy applies.")
    def region_codes(self) -> list[str]:
        return list(self.value.region_codes)

    @strawberry.field(description="What the policy grades: enterprises, products or both.")
    def subject_types(self) -> list[SubjectType]:
        return sorted(t.value for t in self.value.subject_types)

    @strawberry.field(
        description="The policy's levels, best first: the catalogue of the codes Assessment.level "
        "and the lists carry."
    )
    def levels(self) -> list[Level]:
        return [Level.of(lv) for lv in sorted(self.value.levels, key=lambda lv: (lv.rank, lv.code))]

    @strawberry.field(
        description="Every number the policy uses, with the article or local default it comes "
        "from and the overrides in force."
    )
    def parameters(self) -> list[Parameter]:
        return [Parameter.of(p) for p in self.value.parameters.all()]

    @strawberry.field(description="The installed distribution that supplies this policy.")
    def package(self) -> str:
        return self.source_package

    @strawberry.field(description="Whether the policy is in force on a date (default today).")
    def in_force(
        self,
        on: Annotated[
            dt.date | None, strawberry.argument(description="The day to check; default today.")
        ] = None,
    ) -> bool:
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
    rule: str = strawberry.field(description="The policy's code for the rule (stable).")
    article: str = strawberry.field(
        description="The article of the policy's text that fixes the rule (e.g. 第十二条)."
    )
    text: str = strawberry.field(
        description="What the rule found of this subject, in the policy's words."
    )
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
    kind: str = strawberry.field(
        description="Its kind: INSPECTION_FREQUENCY, PLAN_SHARE, RANDOM_SAMPLING, "
        "NO_PROACTIVE_CHECK, REMOTE_CHECK, WARNING, RECTIFICATION_ORDER, INTERVIEW, TRAINING, "
        "STATIONED_SUPERVISION, KEY_INSPECTION_LIST, ENFORCEMENT, BLACKLIST, LICENCE_ACTION, "
        "PUBLIC_EXPOSURE, INCENTIVE, GUIDANCE, MONITORING, REPORT_TO_GOVERNMENT, "
        "SERIOUS_CIRCUMSTANCES, or a kind a policy defines itself: an open set."
    )
    text: str = strawberry.field(description="The measure, in the policy's words.")
    article: str = strawberry.field(description="The article that imposes it.")
    min_per_year: float | None = strawberry.field(
        description="Checks or samplings per year the measure requires; null when it sets none."
    )
    plan_share_min: float | None = strawberry.field(
        description="Least share (0–1) of the routine inspection plan; null when none."
    )
    plan_share_max: float | None = strawberry.field(
        description="Greatest share (0–1) of the routine inspection plan; null when none."
    )
    color: str | None = strawberry.field(
        description=COLOR_CODE + " of a coloured warning or code; null for an uncoloured measure."
    )

    @strawberry.field(description=COLOR_HEX)
    def color_hex(self) -> str | None:
        return hex_of(self.color)


@strawberry.type(description="Whether a grade may be disclosed to an audience.")
class Disclosure:
    audience: Audience = strawberry.field(description="The audience this rule is about.")
    allowed: bool = strawberry.field(description="Whether the audience may see the grade.")
    needs_review: bool = strawberry.field(
        description="Whether it may only after an approved disclosure request (审核后公开)."
    )
    text: str = strawberry.field(description="The rule, in the policy's words.")
    article: str = strawberry.field(description="The article that fixes it.")


@strawberry.type(description="A subject's grade under a policy on a date, with its reasons.")
class Assessment:
    value: strawberry.Private[AssessmentValue]

    @strawberry.field(description="The policy graded under.")
    def policy(self, info: Info) -> Policy:
        return policy_type(info, ctx(info).registry.policy(self.value.policy_id))

    level = _from_value(
        "level",
        str,
        description="The level's code (one of Policy.levels; an open set, policies define it).",
    )

    @strawberry.field(description="Label, rank and colour of the level.")
    def level_info(self, info: Info) -> Level:
        return Level.of(ctx(info).registry.policy(self.value.policy_id).level(self.value.level))

    score = _from_value(
        "score",
        float | None,
        description="Points or index the level comes from, in the policy's unit (see figures); "
        "null for a policy that grades without a score.",
    )
    as_of = _from_value("as_of", dt.date, description="The day graded (facts up to it count).")

    @strawberry.field(description="What is graded: the enterprise or one of its products.")
    def subject_type(self) -> SubjectType:
        return self.value.subject_type.value

    @strawberry.field(description="The rules that put the subject in this level.")
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

    @strawberry.field(description="The supervision measures the level triggers (分类监管).")
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

    @strawberry.field(description="To whom the policy discloses this grade, audience by audience.")
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

    @strawberry.field(
        description="The policy's own record of the grading (untyped, keyed as the policy "
        "chose, in places by internal product ids).",
        deprecation_reason="Use figures, explanation and Query.badges: typed, labelled, citing "
        "articles; details goes in the next release.",
    )
    def details(self) -> JSON:
        return self.value.details

    @strawberry.field(
        description="Why the score is what it is, term by term (points, article, parameter), "
        "for a front end to draw; null when the policy grades without a score (criteria only)."
    )
    def explanation(self, info: Info) -> Explanation | None:
        found = ctx(info).registry.policy(self.value.policy_id).explanation(self.value)
        return explanation_type(found) if found is not None else None

    @strawberry.field(
        description="What the policy computed on the way to this grade (an index with its "
        "terms, a points total, a mode), labelled and citing articles."
    )
    def figures(self, info: Info) -> list[Figure]:
        policy = ctx(info).registry.policy(self.value.policy_id)
        return [figure_type(f) for f in policy.figures(self.value)]

    policy_version = _from_value(
        "policy_version", str, description="The version of the text graded by (PolicyVersion)."
    )
    inputs_digest = _from_value(
        "inputs_digest", str, description="Fingerprint of every input of this grade."
    )

    parameters_digest = _from_value(
        "parameters_digest",
        str,
        description="Fingerprint of the parameter values graded with (changes with an override).",
    )

    def graphql_projection(self, info: Info) -> dict[str, Any]:
        """The plain fields, for api/graphql/projection.py: the same values the resolvers above
        return, built once per stored grading and shared by every request that shows it."""
        return projection_of(self.value, ctx(info).registry.policy(self.value.policy_id))

    def graphql_projection_key(self, info: Info) -> tuple[Any, ...] | None:
        """What the projection is a function of (None: not known to be the same twice)."""
        if not self.value.inputs_digest:
            return None
        return _projection_key(self.value, ctx(info).registry.policy(self.value.policy_id))


# Projections of stored gradings, by what identifies one (oldest dropped first).
_PROJECTIONS: dict[tuple[Any, ...], dict[str, Any]] = {}
_PROJECTIONS_KEPT = 20_000


def _reason_dicts(reasons: Iterable[Any]) -> list[dict[str, Any]]:
    return [{"rule": r.rule, "article": r.article, "text": r.text} for r in reasons]


def _projection_key(a: AssessmentValue, policy: PolicyValue) -> tuple[Any, ...]:
    return (
        a.policy_id,
        a.subject_type,
        a.subject_id,
        a.as_of,
        a.policy_version,
        a.parameters_digest,
        a.inputs_digest,
        id(policy),
    )


def projection_of(a: AssessmentValue, policy: PolicyValue) -> dict[str, Any]:
    key = _projection_key(a, policy)
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
    info: Info, subject_type: SubjectTypeValue, subject_id: int, policy: str, as_of: dt.date | None
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
    info: Info,
    items: list[Any],
    to_node: Callable[[Any], Any],
    first: int | None,
    after: str | None,
    last: int | None = None,
    before: str | None = None,
) -> Connection[Any]:
    """A page of an already loaded list, ordered by id."""
    w = window(ctx(info).settings, first, after, last, before)
    page, keys = slice_page(items, lambda x: x.id, w)
    total = len(items)

    async def count() -> int:
        return total

    return make_connection([to_node(x) for x in page], keys, w, count)


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


def enterprise_field(description: str | None = "The enterprise concerned.") -> Any:
    """The ``enterprise`` field of a type that keeps a private ``enterprise_id``."""
    return strawberry.field(resolver=_enterprise_of_root, description=description)


def product_field(
    description: str | None = "The product concerned; null when it is about the enterprise.",
) -> Any:
    """The ``product`` field of a type that keeps a private ``product_id`` (null: none)."""
    return strawberry.field(resolver=_product_of_root, description=description)


# -- what an enterprise and a product both have: a ledger and assessments ----------------------


def _subject(root: Enterprise | Product) -> tuple[SubjectTypeValue, int]:
    """The subject type of ``root`` and the id of the enterprise whose ledger it reads."""
    if isinstance(root, Product):
        return SubjectTypeValue.PRODUCT, root.enterprise_id
    return SubjectTypeValue.ENTERPRISE, root.id


async def _events(
    root: Enterprise | Product,
    info: Info,
    kinds: Annotated[
        list[str] | None,
        strawberry.argument(description="Only events of these kinds (see eventKinds)."),
    ] = None,
    occurred_from: Annotated[dt.date | None, OCCURRED_FROM] = None,
    occurred_to: Annotated[dt.date | None, OCCURRED_TO] = None,
    first: FirstArg = None,
    after: AfterArg = None,
    last: LastArg = None,
    before: BeforeArg = None,
) -> Connection[Event]:
    check_date_range(occurred_from, occurred_to)  # before any read: nothing left in flight
    c = ctx(info)
    subject_type, enterprise_id = _subject(root)
    events: list[EventValue] = []
    if await sees_ledger(c, enterprise_id):
        loader = (
            c.loaders.events_of_product
            if subject_type is SubjectTypeValue.PRODUCT
            else c.loaders.events_of_enterprise
        )
        events = await loader.load(root.id)
    if kinds:
        for i, k in enumerate(kinds):
            if k not in c.registry.vocabulary.kinds:
                raise InvalidInput(f"unknown event kind {k!r}", field=f"kinds[{i}]")
        events = [e for e in events if e.kind in kinds]
    events = [e for e in events if in_date_range(e.occurred_on, occurred_from, occurred_to)]
    return _page_of(info, events, Event.of, first, after, last, before)


async def _assessment(
    root: Enterprise | Product, info: Info, policy: PolicyArg, as_of: AsOfArg = None
) -> Assessment | None:
    return await assessment_of(info, _subject(root)[0], root.id, policy, as_of)


# Set by prefetch_assessments on each Enterprise of a page: today's assessments, ready.
_PREFETCHED = "_qcredit_prefetched_assessments"


def _assessments(root: Enterprise | Product, info: Info, as_of: AsOfArg = None) -> list[Assessment]:
    """Under every policy that grades the subject in its enterprise's region, in force then.

    A plain function: on a page whose resolver fetched today's assessments for all its
    enterprises (:func:`prefetch_assessments`) it answers from them, and graphql-core has no
    awaitable to schedule; otherwise it returns the coroutine that loads them, which graphql-core
    awaits like any async resolver."""
    ready = getattr(root, _PREFETCHED, None)
    if ready is not None and as_of is None and ready[0] == clock.today():
        return list(ready[1])
    # graphql-core awaits what a resolver returns when it is awaitable.
    return cast("list[Assessment]", _load_assessments(root, info, as_of))


async def _load_assessments(
    root: Enterprise | Product, info: Info, as_of: dt.date | None
) -> list[Assessment]:
    c = ctx(info)
    subject_type, enterprise_id = _subject(root)
    on = as_of or clock.today()
    ent = await c.loaders.enterprise.load(enterprise_id)
    assert ent is not None
    results = await c.loaders.assessment.load_many(_keys(c, subject_type, root.id, ent, on))
    return await _shown(c, [_unwrap(r) for r in results])  # the first grading error raises


def _keys(
    c: Context, subject_type: SubjectTypeValue, subject_id: int, ent: EnterpriseValue, on: dt.date
) -> list[AssessmentKey]:
    return [
        AssessmentKey(p.id, subject_type, subject_id, on)
        for p in c.registry.all_policies()
        if subject_type in p.subject_types and p.covers_region(ent.region_code) and p.in_force(on)
    ]


async def _shown(c: Context, found: list[Assessment | None]) -> list[Assessment]:
    """Those of ``found`` the caller may see (the others are left out of a list)."""
    graded = [a for a in found if a is not None]
    verdicts = await assessment_verdicts(c, [a.value for a in graded])
    return [a for a, v in zip(graded, verdicts, strict=True) if v.visible]


async def prefetch_assessments(info: Info, nodes: list[Enterprise]) -> None:
    """Today's assessments of a page of enterprises, loaded and judged together before
    graphql-core completes the page, when the selection asks for ``edges { node { assessments
    } }`` (without arguments or a directive on the way): the field then answers each enterprise
    as a plain function, instead of an awaited resolver (a task, futures, awaits) per enterprise,
    which was most of a page's execution.  Whatever cannot be prefetched as it would be served —
    a node whose grading failed, a request whose verdicts fail — is left to the field itself, so
    errors arise where they always did."""
    if not nodes or not asks_assessments(info):
        return
    c = ctx(info)
    on = clock.today()
    try:
        ents = await c.loaders.enterprise.load_many([n.id for n in nodes])
        per_node = []
        for ent in ents:
            assert ent is not None
            per_node.append(_keys(c, SubjectTypeValue.ENTERPRISE, ent.id, ent, on))
        results = await c.loaders.assessment.load_many([k for keys in per_node for k in keys])
        ready: list[tuple[Enterprise, list[Assessment | None]]] = []
        at = 0
        for node, keys in zip(nodes, per_node, strict=True):
            mine, at = results[at : at + len(keys)], at + len(keys)
            if not any(isinstance(r, QcreditError) for r in mine):
                ready.append((node, [_unwrap(r) for r in mine]))
        graded = [a for _, found in ready for a in found if a is not None]
        visible = {
            id(a)
            for a, v in zip(
                graded, await assessment_verdicts(c, [a.value for a in graded]), strict=True
            )
            if v.visible
        }
    except Exception:  # a refusal or a fault: each field asks again, and raises where it did
        return
    for node, found in ready:
        shown = tuple(a for a in found if a is not None and id(a) in visible)
        setattr(node, _PREFETCHED, (on, shown))


def asks_assessments(info: Info) -> bool:
    """Whether the connection's selection holds ``edges { node { assessments } }`` without
    arguments, with no directive on those fields or on a fragment that might hold them."""
    raw = info._raw_info
    fragments = raw.fragments
    level: list[Any] = [f.selection_set for f in raw.field_nodes if f.selection_set]
    for name in ("edges", "node", "assessments"):
        fields = _direct_fields(level, name, fragments)
        if not fields:
            return False
        if name == "assessments":
            return any(not f.arguments for f in fields)
        level = [f.selection_set for f in fields if f.selection_set]
    return False


def _direct_fields(selection_sets: list[Any], name: str, fragments: dict[str, Any]) -> list[Any]:
    """The fields called ``name`` in these selection sets, through fragments; none at all where
    a directive (``@include(if: $x)``) sits on one of them or on a fragment on the way."""
    found: list[Any] = []

    def walk(selection_set: Any) -> bool:
        for sel in selection_set.selections:
            if isinstance(sel, FieldNode):
                if sel.name.value == name:
                    if sel.directives:
                        return False
                    found.append(sel)
                continue
            if sel.directives:
                return False
            if isinstance(sel, InlineFragmentNode):
                inner = sel.selection_set
            else:  # a fragment spread
                fragment = fragments.get(sel.name.value)
                if fragment is None or fragment.directives:
                    return False
                inner = fragment.selection_set
            if not walk(inner):
                return False
        return True

    for selection_set in selection_sets:
        if not walk(selection_set):
            return []
    return found


def _events_field() -> Any:
    return strawberry.field(
        resolver=_events,
        description="The ledger about the subject, in recording order; empty unless you may see it "
        "(the bureau of its region, or the enterprise itself).",
    )


def _assessment_field(description: str) -> Any:
    return strawberry.field(resolver=_assessment, description=description)


def _assessments_field(description: str) -> Any:
    return strawberry.field(resolver=_assessments, description=description)


@strawberry.type(description="A ledger entry: an inspection, penalty, accident, correction …")
class Event(relay.Node):
    id: relay.NodeID[int]
    kind: str = strawberry.field(
        description="The event kind's code (see eventKinds; an open set, plug-ins add kinds)."
    )
    occurred_on: dt.date = strawberry.field(
        description="The day the fact happened (a decision's date), from which it counts."
    )
    recorded_at: dt.datetime = strawberry.field(description="When the ledger recorded it.")
    attributes: JSON = strawberry.field(
        description="The kind's attributes by name (eventKinds { attributeSpecs } types them)."
    )
    external_id: str | None = strawberry.field(
        description="The source system's id of the record; null when none was given."
    )
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
    async def status(self, info: Info) -> EventStatus:
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
    trademark: str = strawberry.field(description="The trademark (商标) the product is sold under.")
    nice_class: int = strawberry.field(
        description="Its Nice classification class, 1–45 (尼斯分类)."
    )
    category: str | None = strawberry.field(
        description="Product category (industry) a policy groups products by; null when unknown."
    )
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
    name: str = strawberry.field(description="Registered name (企业名称).")
    region_code: str = strawberry.field(description="GB/T 2260 county-level code.")
    town_code: str | None = strawberry.field(description="9-digit town/street code, if known.")
    established_on: dt.date | None = strawberry.field(
        description="Date of establishment (成立日期); null when unknown."
    )
    roles: list[EnterpriseRole] = strawberry.field(
        description="What it does with products (sorted); empty when none was recorded."
    )

    @classmethod
    def of(cls, e: EnterpriseValue) -> Enterprise:
        return mirrored(cls, e, roles=sorted(r.value for r in e.roles))

    @strawberry.field(description="Its registered products, by id.")
    async def products(
        self,
        info: Info,
        first: FirstArg = None,
        after: AfterArg = None,
        last: LastArg = None,
        before: BeforeArg = None,
    ) -> Connection[Product]:
        prods = await ctx(info).loaders.products_of.load(self.id)
        return _page_of(info, prods, Product.of, first, after, last, before)

    events = _events_field()
    assessment = _assessment_field(
        "Null when the policy does not apply to this enterprise. "
        "asOf defaults to today; a date outside the policy's period is an error "
        "with code POLICY_NOT_IN_FORCE."
    )
    assessments = _assessments_field("Assessments under every policy that applies and is in force.")

    @strawberry.field(description="The grade after each change in the ledger, oldest first.")
    async def history(self, info: Info, policy: PolicyArg) -> list[Assessment]:
        from qcredit.api.graphql.types.history import grade_history

        await require_ledger(ctx(info), self.id)
        return [
            Assessment(value=a)
            for a in await grade_history(ctx(info), policy, SubjectTypeValue.ENTERPRISE, self.id)
        ]

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Enterprise | None]:
        found = await ctx(info).loaders.enterprise.load_many([int(i) for i in node_ids])
        return [Enterprise.of(e) if e else None for e in found]
