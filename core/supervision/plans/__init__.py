"""Inspection plans (双随机、一公开): drawing next year's plan for one policy in one region, keeping
it, and taking the checks' results back (docs/planning.md).

The draw is pure — no clock, no database, no policy code:

* :mod:`.inputs` — what a plan is drawn from (:class:`Candidate`, :class:`PlanInput`);
* :mod:`.requirements` — what the measures ask of a subject and of a level's share;
* :mod:`.randomness` — seeded, platform-independent draws;
* :mod:`.allocation` — the plan's size and each level's checks within capacity and shares;
* :mod:`.inspectors` — two inspectors per check, avoiding conflicts and last time's pair;
* :mod:`.drawing` — :func:`draw`, the steps in order;
* :mod:`.outcome` — what a draw gives (:class:`Plan`, its items, summaries and shortfalls);
* :mod:`.serialise` — the canonical JSON and digest published with the seed.

Around it, with the database (authorisation is the caller's job: a plan reveals levels):

* :mod:`.gather` — a plan's inputs from the standing grades, plan rules and inspector list;
* :mod:`.views` — the one shape the API, the CLI and the exports read;
* :mod:`.stored` — keeping drawn plans; :mod:`.export` — CSV and XLSX;
* :mod:`.results` — a check's result appended to the ledger, linked and re-graded;
* :mod:`.roster` — registering inspectors and their declared conflicts of interest.

The names below are the package's public surface; import them from here.
"""

from qcredit.core.supervision.plans.drawing import draw
from qcredit.core.supervision.plans.export import EXPORT_COLUMNS, render
from qcredit.core.supervision.plans.gather import Gathered, gather
from qcredit.core.supervision.plans.inputs import ALGORITHM, Candidate, PlanInput
from qcredit.core.supervision.plans.outcome import CAPACITY, INSPECTORS, SHARE_MAX, SHARE_MIN, Plan
from qcredit.core.supervision.plans.requirements import requirement
from qcredit.core.supervision.plans.results import item_with_plan, record_result
from qcredit.core.supervision.plans.roster import (
    declare_conflict,
    inspector_by_code,
    inspectors_in,
    register_inspector,
    require_roster_of,
)
from qcredit.core.supervision.plans.serialise import canonical_json, input_from_json, inputs_digest
from qcredit.core.supervision.plans.stored import list_plans, store
from qcredit.core.supervision.plans.views import (
    ItemView,
    PlanView,
    plan_row,
    view_of_drawn,
    view_of_stored,
)

__all__ = [
    "ALGORITHM",
    "CAPACITY",
    "EXPORT_COLUMNS",
    "INSPECTORS",
    "SHARE_MAX",
    "SHARE_MIN",
    "Candidate",
    "Gathered",
    "ItemView",
    "Plan",
    "PlanInput",
    "PlanView",
    "canonical_json",
    "declare_conflict",
    "draw",
    "gather",
    "input_from_json",
    "inputs_digest",
    "inspector_by_code",
    "inspectors_in",
    "item_with_plan",
    "list_plans",
    "plan_row",
    "record_result",
    "register_inspector",
    "render",
    "require_roster_of",
    "requirement",
    "store",
    "view_of_drawn",
    "view_of_stored",
]
