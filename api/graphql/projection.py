"""Serving an already disclosed object from its plain data, without resolving each nested field.

graphql-core completes every field of every object through a resolver call, an info object, a
path and a completion step; an assessment with its reasons, measures and disclosures is a few
hundred of them, and a page of 100 enterprises tens of thousands. An object that offers
``graphql_projection(info)`` — a dict of its GraphQL field names to plain values, nested objects as
dicts — is completed here by copying the selected fields out of that dict, coercing each leaf
through its scalar exactly as the normal path does. The plan for a selection (which response
key takes which field, with which leaf type) is made once per selection and kept with the
operation.

Only what needs no resolver is projected: the object must have been returned by a resolver that
already applied the disclosure rules (the assessment resolvers do), and a selection that asks for
anything else — a field with arguments, a field outside the projected set (``reasons.events``,
which checks the ledger's visibility, ``figures``), ``@defer`` — is completed the normal way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graphql import (
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
    is_object_type,
)
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

# Per GraphQL type: the fields a projection dict carries (names as in the schema).
PROJECTED: dict[str, frozenset[str]] = {
    "Assessment": frozenset(
        {
            "policy",
            "level",
            "score",
            "asOf",
            "subjectType",
            "reasons",
            "whyNotBetter",
            "supervision",
            "publicity",
            "details",
            "policyVersion",
            "inputsDigest",
            "parametersDigest",
        }
    ),
    "Policy": frozenset(
        {"id", "name", "issuer", "documentNo", "effectiveFrom", "effectiveUntil", "version"}
    ),
    "Reason": frozenset({"rule", "article", "text"}),
    "Measure": frozenset(
        {"kind", "text", "article", "minPerYear", "planShareMin", "planShareMax", "color"}
    ),
    "Disclosure": frozenset({"audience", "allowed", "needsReview", "text", "article"}),
}


@dataclass(frozen=True)
class Step:
    """One response key: the field it reads, how its value is completed."""

    key: str
    field: str
    type_: GraphQLOutputType  # as declared, with its list and non-null wrappers
    leaf: GraphQLLeafType | None
    plan: Plan | None  # for an object field
    typename: str | None = None  # for __typename


@dataclass(frozen=True)
class Plan:
    type_name: str
    steps: tuple[Step, ...]


def _named(t: GraphQLOutputType) -> GraphQLOutputType:
    while isinstance(t, (GraphQLNonNull, GraphQLList)):
        t = t.of_type
    return t


class ProjectingExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's executor, completing projected objects from their dicts."""

    enabled = True  # off: every object is completed field by field (tests compare the two)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plans: dict[tuple[str, int], tuple[Any, Plan | None]] = {}

    def complete_object_value(
        self,
        return_type: GraphQLObjectType,
        field_details_list: Any,
        info: Any,
        path: Any,
        result: Any,
        position_context: Any,
    ) -> Any:
        project = getattr(result, "graphql_projection", None)
        if project is not None and self.enabled:
            plan = self._plan(return_type, field_details_list)
            if plan is not None:
                return _apply(plan, project(info))
        return super().complete_object_value(
            return_type, field_details_list, info, path, result, position_context
        )

    def _plan(self, type_: GraphQLObjectType, field_details_list: Any) -> Plan | None:
        key = (type_.name, id(field_details_list))
        cached = self._plans.get(key)
        if cached is not None:
            return cached[1]
        plan = self._make_plan(type_, field_details_list)
        # Keep the list alive with its plan, so its id is not reused during the operation.
        self._plans[key] = (field_details_list, plan)
        return plan

    def _make_plan(self, type_: GraphQLObjectType, field_details_list: Any) -> Plan | None:
        allowed = PROJECTED.get(type_.name)
        if allowed is None:
            return None
        collected = self.collect_subfields(type_, field_details_list)
        if collected.new_defer_usages or collected.forbidden_directive_instances:
            return None
        steps = []
        for response_key, details in collected.grouped_field_set.items():
            name = details[0].node.name.value
            if name == "__typename":
                steps.append(Step(response_key, name, type_, None, None, type_.name))
                continue
            if name not in allowed or any(d.node.arguments for d in details):
                return None
            declared = type_.fields[name].type
            named = _named(declared)
            if is_leaf_type(named):
                steps.append(Step(response_key, name, declared, named, None))
            elif is_object_type(named):
                sub = self._plan(named, details)
                if sub is None:
                    return None
                steps.append(Step(response_key, name, declared, None, sub))
            else:
                return None
        return Plan(type_.name, tuple(steps))


def _apply(plan: Plan, values: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for step in plan.steps:
        if step.typename is not None:
            out[step.key] = step.typename
        else:
            out[step.key] = _complete(step, step.type_, values[step.field], plan.type_name)
    return out


def _complete(step: Step, type_: GraphQLOutputType, value: Any, parent: str) -> Any:
    if is_non_null_type(type_):
        done = _complete(step, type_.of_type, value, parent)
        if done is None:
            raise TypeError(f"Cannot return null for non-nullable field {parent}.{step.field}.")
        return done
    if value is None:
        return None
    if is_list_type(type_):
        inner = type_.of_type
        return [_complete(step, inner, v, parent) for v in value]
    if step.leaf is not None:
        return step.leaf.coerce_output_value(value)
    assert step.plan is not None
    return _apply(step.plan, value)
