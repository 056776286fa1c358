"""Projected assessments (api/graphql/projection.py) answer exactly what field-by-field
completion answers, whatever the selection: aliases, fragments, __typename, skipped fields,
and fields that are not projected (which fall back to the resolvers)."""

from __future__ import annotations

from typing import Any

import pytest
from qcredit.api.graphql import projection
from qcredit.api.graphql.projection import ProjectingExecutionContext
from qcredit.core import clock

from .support import credit_code, gql
from .test_statement_count import load

FULL = """fragment M on Measure { kind text article minPerYear planShareMin planShareMax color }
query($skip: Boolean!) { enterprises(first: 6) { edges { node { code
  assessments { __typename policy { id name issuer documentNo effectiveFrom effectiveUntil
    version } level score asOf subjectType details policyVersion inputsDigest parametersDigest
    reasons { rule article text } why: whyNotBetter { r: rule article text @skip(if: $skip) }
    supervision { ...M } publicity { ... on Disclosure { audience allowed needsReview text
    article } } }
  again: assessments { level reasons { rule events { id kind } } figures { label } }
  assessment(policy: "testland") { level levelInfo { code rank } supervision { kind } }
} } } }"""


def _count_applies(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The type names of the plans applied from now on (each projected object completed)."""
    applied: list[str] = []
    original = projection._apply

    def counted(plan: Any, values: Any) -> Any:
        applied.append(plan.type_name)
        return original(plan, values)

    monkeypatch.setattr(projection, "_apply", counted)
    return applied


async def _both(client: Any, query: str, variables: dict[str, Any]) -> tuple[Any, Any]:
    for _, _, plan in list(projection._SHARED_PLANS.values()):
        if plan is not None:
            plan.completed.clear()  # complete afresh: this compares the completion itself
    with pytest.MonkeyPatch.context() as patch:
        applied = _count_applies(patch)
        projected = await gql(client, query, variables)
    assert "Assessment" in applied  # the fast path ran
    ProjectingExecutionContext.enabled = False
    try:
        resolved = await gql(client, query, variables)
    finally:
        ProjectingExecutionContext.enabled = True
    return projected, resolved


@pytest.mark.parametrize("skip", [True, False])
async def test_projection_answers_what_the_resolvers_answer(client: Any, skip: bool) -> None:
    await load(client, 6)
    projected, resolved = await _both(client, FULL, {"skip": skip})
    assert "errors" not in resolved, resolved
    nodes = [e["node"] for e in resolved["data"]["enterprises"]["edges"]]
    assert any(n["assessments"] for n in nodes)  # the comparison is not of empty lists
    assert any(a["reasons"] for n in nodes for a in n["assessments"])
    assert projected == resolved


PLAIN = """{ enterprises(first: 6) { edges { node { code assessments { level score
  reasons { rule article text } supervision { kind color } } } } } }"""


async def test_a_plan_is_made_once_for_every_request_of_the_same_query(client: Any) -> None:
    """Strawberry's parser cache gives each request of one query text the same document; the
    plans made for its selections serve the next request (none is made again), and answer
    what the resolvers answer."""
    await load(client, 6)
    made: list[str] = []
    original = ProjectingExecutionContext._make_plan

    def counted(self: Any, type_: Any, details: Any) -> Any:
        made.append(type_.name)
        return original(self, type_, details)

    ProjectingExecutionContext._make_plan = counted  # type: ignore[method-assign]
    try:
        first = await gql(client, PLAIN, {})
        assert "Assessment" in made
        made.clear()
        second = await gql(client, PLAIN, {})
        assert made == []
    finally:
        ProjectingExecutionContext._make_plan = original  # type: ignore[method-assign]
    assert first == second
    projected, resolved = await _both(client, PLAIN, {})
    assert projected == resolved


async def test_a_selection_under_a_variable_directive_is_planned_per_request(client: Any) -> None:
    """``@skip(if: $skip)`` changes the selection with the variables: the same document asked
    with true and then false must not reuse the first request's plan."""
    await load(client, 6)
    query = """query($skip: Boolean!) { enterprises(first: 6) { edges { node {
      assessments { level score @skip(if: $skip) } } } } }"""
    hidden = await gql(client, query, {"skip": True})
    shown = await gql(client, query, {"skip": False})
    levels = [a for e in shown["data"]["enterprises"]["edges"] for a in e["node"]["assessments"]]
    assert levels and all("score" in a for a in levels)
    kept = [a for e in hidden["data"]["enterprises"]["edges"] for a in e["node"]["assessments"]]
    assert kept and all("score" not in a for a in kept)


async def test_a_stored_grading_is_completed_once_and_afresh_once_it_changes(
    client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A grading's completed answer is kept with the plan, by its key and digests: the next
    request of the query completes none again, and an event that moves a grade (testland: F
    after a failed sampling inspection within the year) is answered with the new grade."""
    await load(client, 6)
    applied = _count_applies(monkeypatch)

    def levels(body: dict[str, Any]) -> dict[str, list[str]]:
        return {
            e["node"]["code"]: [a["level"] for a in e["node"]["assessments"]]
            for e in body["data"]["enterprises"]["edges"]
        }

    first = await gql(client, PLAIN, {})
    applied.clear()
    second = await gql(client, PLAIN, {})
    assert second == first and "Assessment" not in applied
    passed = credit_code(2)  # passed its inspection: P
    assert levels(first)[passed] == ["P"]
    recorded = await gql(
        client,
        """mutation($i: RecordEventInput!) { recordEvent(input: $i) { id } }""",
        {
            "i": {
                "enterpriseCode": passed,
                "kind": "SAMPLING_INSPECTION",
                "occurredOn": clock.today().isoformat(),
                "attributes": {"result": "FAIL"},
            }
        },
    )
    assert "errors" not in recorded, recorded
    applied.clear()
    third = await gql(client, PLAIN, {})
    assert levels(third)[passed] == ["F"]
    assert applied.count("Assessment") == 1  # only the changed grading was completed again
    unchanged = {code: lv for code, lv in levels(third).items() if code != passed}
    assert unchanged == {code: lv for code, lv in levels(first).items() if code != passed}


async def test_a_page_prefetches_its_assessments_and_answers_as_each_field_would(
    client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Query.enterprises fetches the page's assessments at once when the selection asks for them
    plainly; with a directive on the field it leaves them to each field.  Both answer the same."""
    from qcredit.api.graphql.types import enterprise

    await load(client, 6)
    loaded: list[int] = []
    original = enterprise._load_assessments

    def counted(root: Any, info: Any, as_of: Any) -> Any:
        loaded.append(root.id)
        return original(root, info, as_of)

    plain = "{ enterprises(first: 6) { edges { node { code assessments { level score } } } } }"
    directed = plain.replace("assessments {", "assessments @include(if: true) {")
    monkeypatch.setattr(enterprise, "_load_assessments", counted)
    prefetched = await gql(client, plain, {})
    assert loaded == []  # every enterprise answered from the prefetch
    each = await gql(client, directed, {})
    assert len(loaded) == 6  # the directive: each field loads its own
    assert "errors" not in prefetched, prefetched
    assert prefetched == each
    assert any(e["node"]["assessments"] for e in prefetched["data"]["enterprises"]["edges"])
