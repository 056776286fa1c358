"""A plan's inputs as canonical JSON and its digest: what is published with the seed, so that
anyone can re-draw the plan and check it is the one stored (docs/planning.md)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict

from qcredit.core.contract import Measure, PlanRule
from qcredit.core.supervision.plans.inputs import ALGORITHM, Candidate, PlanInput


def inputs_digest(inp: PlanInput) -> str:
    return hashlib.sha256(canonical_json(inp).encode()).hexdigest()


def canonical_json(inp: PlanInput) -> str:
    """The plan's inputs as canonical JSON: what is published with the seed for a re-draw."""
    data = {
        "algorithm": ALGORITHM,
        "policy": inp.policy_id,
        "region": inp.region_code,
        "year": inp.year,
        "capacity": inp.capacity,
        "seed": inp.seed,
        "levels": [list(lv) for lv in inp.levels],
        "candidates": [
            {
                "subjectType": c.subject_type,
                "subjectId": c.subject_id,
                "enterpriseId": c.enterprise_id,
                "level": c.level,
                "measures": [asdict(m) for m in c.measures],
                "rule": asdict(c.rule) if c.rule else None,
            }
            for c in sorted(inp.candidates, key=lambda c: c.key)
        ],
        "inspectors": sorted(inp.inspectors),
        "conflicts": {str(k): sorted(v) for k, v in sorted(inp.conflicts.items()) if v},
        "previousPairs": {str(k): sorted(v) for k, v in sorted(inp.previous_pairs.items())},
    }
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def input_from_json(text: str) -> PlanInput:
    """Read :func:`canonical_json` back (a re-draw by anyone holding the published inputs)."""
    d = json.loads(text)
    return PlanInput(
        policy_id=d["policy"],
        region_code=d["region"],
        year=d["year"],
        capacity=d["capacity"],
        seed=d["seed"],
        levels=tuple((code, rank) for code, rank in d["levels"]),
        candidates=tuple(
            Candidate(
                c["subjectType"],
                c["subjectId"],
                c["enterpriseId"],
                c["level"],
                tuple(Measure(**m) for m in c["measures"]),
                PlanRule(**c["rule"]) if c["rule"] else None,
            )
            for c in d["candidates"]
        ),
        inspectors=tuple(d["inspectors"]),
        conflicts={int(k): frozenset(v) for k, v in d["conflicts"].items()},
        previous_pairs={int(k): frozenset(v) for k, v in d["previousPairs"].items()},
    )
