"""GraphQL: regional colour maps (``regionMap``) and the badges policies issue (``badges``).

Disclosure (see :mod:`qcredit.core.grading.regions`): a cell's colour is shown to everyone once it
holds enough graded enterprises (local default — no text says whether a map is public); its
counts, shares and
the policy's reasons (which quote the shares) only to callers who may see the level of every
subject counted in it.  A badge (e.g. a coloured quality code) is what a policy issues
with an enterprise grade (:meth:`~qcredit.core.policy.Policy.badge`); its colour is shown exactly
when that grade is, since it is derived from the assessment alone.  ``healthCodes`` is the 0.1 name
of ``badges``, kept one release.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated

import strawberry
from qcredit.api.graphql.colors import COLOR_CODE, COLOR_HEX, hex_of
from qcredit.api.graphql.context import Context
from qcredit.api.graphql.enums import SubRegionKind
from qcredit.api.graphql.types.enterprise import AsOfArg, PolicyArg, Reason, ctx
from qcredit.api.graphql.visibility import assessment_verdict, grade_visible
from qcredit.core import clock
from qcredit.core.contract import Badge
from qcredit.core.errors import NotFound, QcreditError
from qcredit.core.grading.engine import AssessmentKey, standing_date
from qcredit.core.grading.regions import (
    Cell,
    check_region,
    colour_map,
    graded_tally,
    known_sub_regions,
    public_min_enterprises,
    region_name,
    standing_tally,
)
from qcredit.core.grading.regions import RegionMap as RegionMapValue
from qcredit.core.identifiers import region_covers, validate_credit_code
from qcredit.core.model import Enterprise as EnterpriseValue
from qcredit.core.model import SubjectType
from qcredit.core.policy import Policy as PolicyValue
from strawberry.types import Info


@strawberry.type(description="How many subjects of a map cell hold one level.")
class RegionLevelCount:
    level: str = strawberry.field(description="The level's code (Policy.levels).")
    label: str = strawberry.field(description="The level's name, as the policy's text gives it.")
    count: int = strawberry.field(description="Graded subjects of the cell at the level.")
    share: float | None = strawberry.field(
        description="Share the policy measured (e.g. within enterprises or within products)."
    )


@strawberry.type(description="One cell of a regional map: a county, or a town/street.")
class RegionCell:
    code: str = strawberry.field(description="GB/T 2260 code of the cell (9 digits: a town).")
    name: str | None = strawberry.field(description="Its name; null when the service has none.")
    colour: str | None = strawberry.field(
        description="0.1's spelling of color.",
        deprecation_reason="Use color (the contract's spelling; colorHex gives its fill).",
    )
    colour_withheld: str | None = strawberry.field(
        description="0.1's spelling of colorWithheld.", deprecation_reason="Use colorWithheld."
    )
    subjects: int | None = strawberry.field(
        description="Graded subjects here; null unless you may see every one of their levels."
    )
    counts: list[RegionLevelCount] | None = strawberry.field(
        description="Subjects per level; null unless you may see every one of their levels."
    )
    reasons: list[Reason] | None = strawberry.field(
        description="Why this colour (the policy's rule, quoting the shares); with the counts."
    )

    @strawberry.field(
        description=COLOR_CODE + "; null when nothing is graded here or it is withheld from you."
    )
    def color(self) -> str | None:
        return self.colour

    @strawberry.field(description=COLOR_HEX)
    def color_hex(self) -> str | None:
        return hex_of(self.colour)

    @strawberry.field(description="Why the colour is withheld from you; null when it is not.")
    def color_withheld(self) -> str | None:
        return self.colour_withheld


@strawberry.type(description="A policy's colour map of a region and its sub-regions.")
class RegionMap:
    policy: str = strawberry.field(description="Id of the policy that colours the map.")
    region_code: str = strawberry.field(description="GB/T 2260 code of the region mapped.")
    region_name: str | None = strawberry.field(
        description="Its name; null when the service has none."
    )
    as_of: dt.date = strawberry.field(description="The day of the grades coloured.")
    sub_region_kind: SubRegionKind | None = strawberry.field(
        description="What the cells are; null for a town, which has no cells."
    )
    region: RegionCell = strawberry.field(description="The whole region.")
    sub_regions: list[RegionCell] = strawberry.field(
        description="Its cells, by code; empty for a town."
    )
    public_min_enterprises: int = strawberry.field(
        description="Cells with fewer graded enterprises show their colour only to callers who "
        "may see every level in them (local default region_map_public_min_enterprises)."
    )

    @strawberry.field(
        description="0.1's name of publicMinEnterprises (which counts enterprises, not subjects).",
        deprecation_reason="Use publicMinEnterprises: a cell's colour needs enough enterprises.",
    )
    def public_min_subjects(self) -> int:
        return self.public_min_enterprises


@strawberry.type(
    name="Badge",
    description="A coloured code a policy issues with an enterprise's grade (e.g. a quality "
    "code shown on a verification page and as a QR code); coloured only where you may see the "
    "grade it comes from.",
)
class BadgeType:
    policy: str = strawberry.field(description="Id of the policy that issues it.")
    kind: str = strawberry.field(description="The policy's code for this kind of badge.")
    label: str = strawberry.field(description="Its name, as the policy's text gives it.")
    article: str = strawberry.field(description="The article that creates the badge.")
    enterprise_code: str = strawberry.field(description="The enterprise's 统一社会信用代码.")
    as_of: dt.date = strawberry.field(description="Date of the grade it comes from.")
    color: str | None = strawberry.field(description=COLOR_CODE + "; null when withheld from you.")
    color_label: str | None = strawberry.field(
        description="The colour's name in the text (e.g. 绿码); null when withheld from you."
    )
    withheld: str | None = strawberry.field(description="Why the colour is not shown to you.")
    verification_url: str = strawberry.field(description="The public page its QR code encodes.")

    @strawberry.field(description=COLOR_HEX)
    def color_hex(self) -> str | None:
        return hex_of(self.color)


@strawberry.type(description="0.1's name of a badge; use Badge (Query.badges).")
class HealthCode:
    policy: str = strawberry.field(description="Id of the policy that issues it.")
    enterprise_code: str = strawberry.field(description="The enterprise's 统一社会信用代码.")
    as_of: dt.date = strawberry.field(description="Date of the grade it comes from.")
    colour: str | None = strawberry.field(
        description="Colour code; null when not disclosed to you.",
        deprecation_reason="Use Badge.color (Query.badges): HealthCode goes with healthCodes.",
    )
    withheld: str | None = strawberry.field(description="Why the colour is not shown.")
    verification_url: str = strawberry.field(description="The public page its QR code encodes.")


def _level_order(policy: PolicyValue, code: str) -> tuple[str, int]:
    # Levels of one subject type together (e.g. enterprise classes, then product tiers), best first.
    level = policy.level(code)
    return (min(t.value for t in level.subject_types), level.rank)


def _cell(c: Context, policy: PolicyValue, cell: Cell) -> RegionCell:
    visible = cell.counts_visible
    if visible and cell.tally.subjects and c.principal.authenticated:
        c.note_nonpublic_read(f"regionMap:{policy.id}:{cell.code}")
    shares = cell.colour.shares if cell.colour else {}
    counts = [
        RegionLevelCount(
            level=level,
            label=policy.level(level).label,
            count=n,
            share=shares.get(level, n / cell.tally.subjects),
        )
        for level, n in sorted(cell.tally.total.items(), key=lambda kv: _level_order(policy, kv[0]))
    ]
    return RegionCell(
        code=cell.code,
        name=region_name(policy, cell.code),
        colour=cell.colour.colour if cell.colour and cell.colour_visible else None,
        colour_withheld=cell.hidden_because,
        subjects=cell.tally.subjects if visible else None,
        counts=counts if visible else None,
        reasons=[
            Reason(rule=r.rule, article=r.article, text=r.text, event_ids=())
            for r in cell.colour.reasons
        ]
        if visible and cell.colour
        else None,
    )


async def build_region_map(
    c: Context, policy_id: str, region_code: str, as_of: dt.date | None
) -> RegionMapValue:
    """The map as the caller may see it (used by GraphQL and by the SVG picture)."""
    policy = c.registry.policy(policy_id)
    region = check_region(policy, region_code)
    today = standing_date(policy, clock.today())
    async with c.db() as s:
        if as_of is None or as_of == today:
            if today is None:
                policy.check_in_force(clock.today())
            tallies = await standing_tally(s, policy, region, grade_visible(c.principal))
            on = today or clock.today()
        else:
            tallies = await graded_tally(s, c.engine, policy, region, as_of, c.principal)
            on = as_of
        known = await known_sub_regions(s, region)
    return colour_map(policy, region, on, tallies, known)


def region_map_type(c: Context, policy: PolicyValue, m: RegionMapValue) -> RegionMap:
    return RegionMap(
        policy=m.policy_id,
        region_code=m.region_code,
        region_name=region_name(policy, m.region_code),
        as_of=m.as_of,
        sub_region_kind=m.kind,
        region=_cell(c, policy, m.whole),
        sub_regions=[_cell(c, policy, cell) for cell in m.cells],
        public_min_enterprises=public_min_enterprises(policy, m.as_of),
    )


@dataclass(frozen=True)
class BadgeView:
    """A badge as one caller may see it: the colour only where the grade is visible."""

    policy_id: str
    as_of: dt.date
    badge: Badge
    visible: bool
    withheld: str | None

    @property
    def color(self) -> str | None:
        return self.badge.color if self.visible else None


async def badges(c: Context, ent: EnterpriseValue) -> list[BadgeView]:
    """The enterprise's badges today under every policy that issues one, each coloured only if
    the caller may see the grade it is derived from."""
    keys = []
    for p in c.registry.all_policies():
        on = standing_date(p, clock.today())
        if (
            on is not None
            and SubjectType.ENTERPRISE in p.subject_types
            and any(region_covers(r, ent.region_code) for r in p.region_codes)
        ):
            keys.append(AssessmentKey(p.id, SubjectType.ENTERPRISE, ent.id, on))
    out = []
    for a in await c.loaders.assessment.load_many(keys):
        if a is None or isinstance(a, QcreditError):
            continue
        badge = c.registry.policy(a.policy_id).badge(a)
        if badge is None:
            continue
        seen = await assessment_verdict(c, a)
        out.append(
            BadgeView(
                a.policy_id, a.as_of, badge, seen.visible, None if seen.visible else seen.reason
            )
        )
    return out


def verification_url(c: Context, code: str) -> str:
    """The verification page of an enterprise, under the configured public URL: never under the
    request's Host, which any caller chooses (and the response cache would hand on)."""
    return f"{c.settings.published_url}/verify/{code}"


CodeArg = Annotated[str, strawberry.argument(description="The enterprise's 统一社会信用代码.")]


@strawberry.type
class MapQuery:
    @strawberry.field(
        description="A policy's colour map of a region: per county of a "
        "city, or per town/street of a county. asOf defaults to today's standing grades; another "
        "date grades the region on that date. Colours are public for cells of enough graded "
        "enterprises; "
        "counts, shares and reasons only for callers who may see every level counted."
    )
    async def region_map(
        self,
        info: Info,
        policy: PolicyArg,
        region_code: Annotated[
            str,
            strawberry.argument(description="GB/T 2260 code of a city or county (or a town)."),
        ],
        as_of: AsOfArg = None,
    ) -> RegionMap:
        c = ctx(info)
        m = await build_region_map(c, policy, region_code, as_of)
        return region_map_type(c, c.registry.policy(policy), m)

    @strawberry.field(
        description="The badges policies issue to an enterprise (one per policy that issues "
        "one), each coloured only if you may see the grade it comes from; with the URL its QR "
        "code encodes."
    )
    async def badges(self, info: Info, code: CodeArg) -> list[BadgeType]:
        c = ctx(info)
        ent = await _enterprise(c, code)
        return [
            BadgeType(
                policy=b.policy_id,
                kind=b.badge.kind,
                label=b.badge.label,
                article=b.badge.article,
                enterprise_code=ent.code,
                as_of=b.as_of,
                color=b.color,
                color_label=b.badge.color_label if b.visible else None,
                withheld=b.withheld,
                verification_url=verification_url(c, ent.code),
            )
            for b in await badges(c, ent)
        ]

    @strawberry.field(
        description="0.1's name of badges.",
        deprecation_reason="Use badges (same content, with the badge's kind and label).",
    )
    async def health_codes(self, info: Info, code: CodeArg) -> list[HealthCode]:
        c = ctx(info)
        ent = await _enterprise(c, code)
        return [
            HealthCode(
                policy=b.policy_id,
                enterprise_code=ent.code,
                as_of=b.as_of,
                colour=b.color,
                withheld=b.withheld,
                verification_url=verification_url(c, ent.code),
            )
            for b in await badges(c, ent)
        ]


async def _enterprise(c: Context, code: str) -> EnterpriseValue:
    ent = await c.loaders.enterprise_by_code.load(validate_credit_code(code, "code"))
    if ent is None:
        raise NotFound(f"no enterprise {code}", field="code")
    return ent


__all__ = ["BadgeView", "MapQuery", "badges", "build_region_map"]
