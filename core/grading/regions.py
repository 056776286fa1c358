"""Regional maps: how many subjects of a region hold each level, and the colour a policy gives it.

A policy that draws a regional map overrides :meth:`Policy.region_colour`; this
module counts, per sub-region, the subjects at each level and asks the policy for the colour.
Nothing here knows any jurisdiction: every policy that overrides ``region_colour`` gets a map.

Sub-regions follow GB/T 2260: a province splits into cities, a city into counties, a county into
towns/streets (9-digit codes).  Subjects of a county whose town is not recorded are counted in a
cell of the county's own code, so that the parts add up to the whole.

Disclosure.  The counts are an aggregate of grades, and a grade is disclosed per audience
(:mod:`qcredit.core.disclosure.reviews`).  A cell's counts are shown to a caller only when the
caller may see the level of *every* subject counted in it — the bureau in charge always, a partner
only where
the policy discloses every one of those grades to it — so a count never reveals a hidden level.
The colour is a coarser aggregate: no policy text says whether the map is public, so by local
default it is shown to everyone, but only for a cell of at least
``region_map_public_min_enterprises`` graded *enterprises* (a policy parameter; local default
:data:`PUBLIC_MIN_ENTERPRISES`), so that the colour of a town with one enterprise cannot betray
that enterprise's level.  Enterprises, not subjects: the products of two enterprises do not make
a cell anonymous, since they share their makers' records.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from qcredit.core.contract import RegionColour
from qcredit.core.disclosure.callers import Principal
from qcredit.core.disclosure.reviews import approved_for, verdict
from qcredit.core.errors import InvalidInput
from qcredit.core.grading.engine import Engine
from qcredit.core.identifiers import region_covers, region_prefix, validate_region_code
from qcredit.core.policy import Policy
from qcredit.core.store.tables import EnterpriseRow, StandingGradeRow
from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ColumnElement

# Local default — not fixed by any text: the fewest graded enterprises a cell needs before its
# colour is shown to callers who may not see the levels behind it.
PUBLIC_MIN_ENTERPRISES = 5
PUBLIC_MIN_PARAMETER = "region_map_public_min_enterprises"


class SubRegionKind:
    CITY = "CITY"
    COUNTY = "COUNTY"
    TOWN = "TOWN"


def draws_maps(policy: Policy) -> bool:
    """Whether the policy colours regions (overrides :meth:`Policy.region_colour`)."""
    return type(policy).region_colour is not Policy.region_colour


def sub_region_kind(region_code: str) -> str | None:
    """What a region splits into on its map; ``None`` for a town, which has no parts."""
    prefix = region_prefix(region_code)
    return {2: SubRegionKind.CITY, 4: SubRegionKind.COUNTY, 6: SubRegionKind.TOWN}.get(len(prefix))


def sub_region_of(region_code: str, subject_region: str) -> str:
    """The cell of ``region_code``'s map that holds a subject registered in ``subject_region``
    (a county code, or a 9-digit town code)."""
    kind = sub_region_kind(region_code)
    if kind == SubRegionKind.CITY:
        return subject_region[:4] + "00"
    if kind == SubRegionKind.COUNTY:
        return subject_region[:6]
    return subject_region  # a county's towns; its own code for subjects without a town


@dataclass
class CellTally:
    """Subjects of one cell per level: all of them, and those whose level the caller may see;
    and the number of distinct enterprises they belong to."""

    total: Counter[str] = field(default_factory=Counter)
    visible: Counter[str] = field(default_factory=Counter)
    enterprises: int = 0

    @property
    def subjects(self) -> int:
        return sum(self.total.values())

    @property
    def counts_visible(self) -> bool:
        return self.total == self.visible


@dataclass(frozen=True)
class Cell:
    code: str
    tally: CellTally
    colour: RegionColour | None  # None: nothing graded here
    colour_visible: bool
    hidden_because: str | None = None

    @property
    def counts_visible(self) -> bool:
        return self.tally.counts_visible


@dataclass(frozen=True)
class RegionMap:
    policy_id: str
    region_code: str
    as_of: date
    kind: str | None
    whole: Cell
    cells: tuple[Cell, ...]


def check_region(policy: Policy, region_code: str) -> str:
    """The validated code of a region the policy may map: inside its jurisdiction or around it."""
    region = validate_region_code(region_code, "regionCode")
    if not any(region_covers(c, region) or region_covers(region, c) for c in policy.region_codes):
        raise InvalidInput(
            f"{region} is outside {policy.id}'s jurisdiction ({', '.join(policy.region_codes)})",
            field="regionCode",
        )
    if not draws_maps(policy):
        raise InvalidInput(f"{policy.id} draws no regional map", field="policy")
    return region


async def standing_tally(
    session: AsyncSession,
    policy: Policy,
    region_code: str,
    visible: ColumnElement[bool] | None,
) -> dict[str, CellTally]:
    """Counts of standing grades per cell and level, in one statement.  ``visible`` is the SQL
    condition under which the caller may see a standing grade (``None``: sees all)."""
    seen = func.sum(case((visible, 1), else_=0)) if visible is not None else func.count()
    rows = await session.execute(
        select(StandingGradeRow.region_code, StandingGradeRow.level, func.count(), seen)
        .where(
            StandingGradeRow.policy_id == policy.id,
            StandingGradeRow.region_code.startswith(region_prefix(region_code)),
        )
        .group_by(StandingGradeRow.region_code, StandingGradeRow.level)
    )
    out: dict[str, CellTally] = {}
    for code, level, n, n_seen in rows:
        cell = out.setdefault(sub_region_of(region_code, code), CellTally())
        cell.total[level] += n
        cell.visible[level] += int(n_seen or 0)
    # An enterprise has one region code, so its distinct count per code adds up within a cell.
    makers = await session.execute(
        select(StandingGradeRow.region_code, func.count(StandingGradeRow.enterprise_id.distinct()))
        .where(
            StandingGradeRow.policy_id == policy.id,
            StandingGradeRow.region_code.startswith(region_prefix(region_code)),
        )
        .group_by(StandingGradeRow.region_code)
    )
    for code, n in makers:
        out[sub_region_of(region_code, code)].enterprises += n
    return out


async def graded_tally(
    session: AsyncSession,
    engine: Engine,
    policy: Policy,
    region_code: str,
    as_of: date,
    principal: Principal,
    *,
    chunk: int = 500,
) -> dict[str, CellTally]:
    """Counts per cell and level of every subject graded on a past (or any) date; nothing is
    written.  Each grade is checked against its own publicity rules for the caller."""
    policy.check_in_force(as_of)
    prefix = region_prefix(region_code)
    stmt = select(EnterpriseRow.id).order_by(EnterpriseRow.id)
    if len(prefix) == 9:
        stmt = stmt.where(EnterpriseRow.town_code == prefix)
    else:
        stmt = stmt.where(EnterpriseRow.region_code.startswith(prefix))
    ids = list((await session.execute(stmt)).scalars())
    out: dict[str, CellTally] = {}
    makers: dict[str, set[int]] = {}
    for start in range(0, len(ids), chunk):
        bundles = await engine.load_bundles(session, ids[start : start + chunk])
        graded = []
        for bundle in bundles.values():
            for subject in (bundle.enterprise, *bundle.products.values()):
                if subject.type not in policy.subject_types:
                    continue
                a = engine.grade(policy, subject, as_of)
                if a is not None:
                    graded.append((subject.enterprise, a))
        approvals = await approved_for(
            session, ((policy.id, a.subject_type.value, a.subject_id) for _, a in graded)
        )
        for ent, a in graded:
            where = ent.town_code or ent.region_code
            audience = principal.audience_for(ent.code, where)
            key = (policy.id, a.subject_type.value, a.subject_id)
            code = sub_region_of(region_code, where)
            cell = out.setdefault(code, CellTally())
            cell.total[a.level] += 1
            makers.setdefault(code, set()).add(ent.id)
            if verdict(a.publicity, audience, a.level, approvals.get(key, set())).visible:
                cell.visible[a.level] += 1
    for code, ents in makers.items():
        out[code].enterprises = len(ents)
    return out


def public_min_enterprises(policy: Policy, as_of: date) -> int:
    params = policy.parameters.at(as_of)
    if PUBLIC_MIN_PARAMETER in policy.parameters:
        return int(params[PUBLIC_MIN_PARAMETER])
    return PUBLIC_MIN_ENTERPRISES


def _cell(policy: Policy, code: str, tally: CellTally, as_of: date, minimum: int) -> Cell:
    counts = {level: n for level, n in sorted(tally.total.items())}
    colour = policy.region_colour(counts, policy.parameters.at(as_of)) if counts else None
    if colour is None or tally.counts_visible:
        return Cell(code, tally, colour, True)
    if tally.enterprises < minimum:
        why = (
            f"此处已评定企业少于{minimum}家，颜色可能泄露未向您公开的等级，故不显示"
            f"（{PUBLIC_MIN_PARAMETER}，本地默认）"
            f" / fewer than {minimum} graded enterprises here: the colour could reveal a level "
            f"not disclosed to you ({PUBLIC_MIN_PARAMETER}, local default)"
        )
        return Cell(code, tally, colour, False, why)
    return Cell(code, tally, colour, True)


def colour_map(
    policy: Policy,
    region_code: str,
    as_of: date,
    tallies: Mapping[str, CellTally],
    extra_cells: Iterable[str] = (),
) -> RegionMap:
    """Colour every cell and the whole region.  ``extra_cells`` are sub-regions known to exist
    (e.g. with enterprises but no graded subject) that get an uncoloured cell."""
    minimum = public_min_enterprises(policy, as_of)
    whole = CellTally()
    for t in tallies.values():
        whole.total.update(t.total)
        whole.visible.update(t.visible)
        whole.enterprises += t.enterprises
    codes = sorted(set(tallies) | set(extra_cells))
    cells = tuple(_cell(policy, c, tallies.get(c, CellTally()), as_of, minimum) for c in codes)
    return RegionMap(
        policy.id,
        region_code,
        as_of,
        sub_region_kind(region_code),
        _cell(policy, region_code, whole, as_of, minimum),
        cells,
    )


async def known_sub_regions(session: AsyncSession, region_code: str) -> set[str]:
    """Cells of the region's map that hold registered enterprises (graded or not)."""
    prefix = region_prefix(region_code)
    rows = await session.execute(
        select(EnterpriseRow.region_code, EnterpriseRow.town_code)
        .where(EnterpriseRow.region_code.startswith(prefix[:6]))
        .distinct()
    )
    out = set()
    for county, town in rows:
        where = town or county
        if where.startswith(prefix):
            out.add(sub_region_of(region_code, where))
    return out


def region_name(policy: Policy, code: str) -> str | None:
    """A region's name as the policy declares it (an optional ``region_names`` mapping of
    GB/T 2260 codes to names); ``None`` when it declares none."""
    names: Mapping[str, str] = getattr(policy, "region_names", None) or {}
    return names.get(code)
