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

Plans outlive the operation: strawberry's parser cache hands every request of the same query
text the same document, so a plan is kept per schema and per the field nodes it was made from
(held alive with it, so their ids are not reused), and the next request of that query makes
none. A selection with a directive anywhere below it (``@skip(if: $x)`` depends on the
request's variables) is planned per operation only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from math import isfinite
from typing import Any

from graphql import (
    FragmentSpreadNode,
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
from graphql.language import SelectionSetNode
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


Completer = Callable[[Any], Any]
_COMPLETED_KEPT = 5_000  # completed objects kept per plan; then start afresh


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
    complete: Completer = field(init=False, repr=False, compare=False)
    # Completed responses by the object's ``graphql_projection_key``: an object whose key says
    # its projection is the same (a stored grading, by its digests) is completed once per plan.
    # Shared between responses, which nothing changes once executed.
    completed: dict[Any, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "complete", _object_completer(self))


def _named(t: GraphQLOutputType) -> GraphQLOutputType:
    while isinstance(t, (GraphQLNonNull, GraphQLList)):
        t = t.of_type
    return t


# (schema, type name, ids of the field nodes) → (the schema and nodes, held alive; the plan).
_SHARED_PLANS: dict[tuple[int, str, tuple[int, ...]], tuple[Any, tuple[Any, ...], Plan | None]] = {}
_SHARED_PLANS_MAX = 4096  # distinct selections of projected types kept; then start afresh


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
                key_of = getattr(result, "graphql_projection_key", None)
                key = key_of(info) if key_of is not None else None
                if key is None:
                    return _apply(plan, project(info))
                done = plan.completed.get(key)
                if done is None:
                    done = _apply(plan, project(info))
                    if len(plan.completed) >= _COMPLETED_KEPT:
                        plan.completed.clear()
                    plan.completed[key] = done
                return done
        return super().complete_object_value(
            return_type, field_details_list, info, path, result, position_context
        )

    def _plan(self, type_: GraphQLObjectType, field_details_list: Any) -> Plan | None:
        key = (type_.name, id(field_details_list))
        cached = self._plans.get(key)
        if cached is not None:
            return cached[1]
        nodes = tuple(d.node for d in field_details_list)
        shared_key = (id(self.schema), type_.name, tuple(map(id, nodes)))
        shared = _SHARED_PLANS.get(shared_key)
        if shared is not None:
            plan = shared[2]
        else:
            plan = self._make_plan(type_, field_details_list)
            if not any(self._has_directive(n.selection_set) for n in nodes):
                if len(_SHARED_PLANS) >= _SHARED_PLANS_MAX:
                    _SHARED_PLANS.clear()
                _SHARED_PLANS[shared_key] = (self.schema, nodes, plan)
        # Keep the list alive with its plan, so its id is not reused during the operation.
        self._plans[key] = (field_details_list, plan)
        return plan

    def _has_directive(self, selection_set: SelectionSetNode | None) -> bool:
        """Whether any selection below (through fragments) carries a directive, or a fragment
        spread arguments: what makes the collected fields depend on the request."""
        if selection_set is None:
            return False
        for selection in selection_set.selections:
            if selection.directives:
                return True
            if isinstance(selection, FragmentSpreadNode):
                details = self.fragments.get(selection.name.value)
                if details is None or getattr(selection, "arguments", None):
                    return True
                definition = details.definition
                if definition.directives or self._has_directive(definition.selection_set):
                    return True
            elif self._has_directive(getattr(selection, "selection_set", None)):
                return True
        return False

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
    completed: dict[str, Any] = plan.complete(values)
    return completed


# Built-in scalars whose output coercion leaves a value of the right Python type unchanged
# (graphql-core's serialize_*): the completer passes such values through and coerces the rest.
_PASS_THROUGH: dict[str, type] = {"String": str, "ID": str, "Boolean": bool}
_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1  # GraphQL's Int is 32-bit


def _object_completer(plan: Plan) -> Completer:
    """A function from a projection dict to the response dict of ``plan``'s selection: made
    once per plan, so a request only calls closures (no type tests on the schema's wrappers)."""
    parts = tuple(
        (step.key, step.field, _completer(step, step.type_, plan.type_name))
        for step in plan.steps
        if step.typename is None
    )
    names = tuple((step.key, step.typename) for step in plan.steps if step.typename is not None)
    order = tuple(step.key for step in plan.steps)

    def complete(values: dict[str, Any]) -> dict[str, Any]:
        out = {key: fn(values[name]) for key, name, fn in parts}
        if names:
            out.update(names)
            return {key: out[key] for key in order}  # the selection's order, as graphql-core
        return out

    return complete


def _completer(step: Step, type_: GraphQLOutputType, parent: str) -> Completer:
    if is_non_null_type(type_):
        inner = _completer(step, type_.of_type, parent)
        message = f"Cannot return null for non-nullable field {parent}.{step.field}."

        def non_null(value: Any) -> Any:
            done = inner(value)
            if done is None:
                raise TypeError(message)
            return done

        return non_null
    if is_list_type(type_):
        item = _completer(step, type_.of_type, parent)

        def listed(value: Any) -> Any:
            return None if value is None else [item(v) for v in value]

        return listed
    if step.leaf is not None:
        return _leaf_completer(step.leaf)
    assert step.plan is not None
    sub = step.plan.complete

    def obj(value: Any) -> Any:
        return None if value is None else sub(value)

    return obj


def _leaf_completer(leaf: GraphQLLeafType) -> Completer:
    coerce = leaf.coerce_output_value
    if leaf.name == "Int":

        def integer(value: Any) -> Any:
            if value is None:
                return None
            if type(value) is int and _INT_MIN <= value <= _INT_MAX:
                return value
            return coerce(value)

        return integer
    if leaf.name == "Float":

        def real(value: Any) -> Any:
            if value is None:
                return None
            if type(value) is float and isfinite(value):
                return value
            return coerce(value)

        return real
    exact = _PASS_THROUGH.get(leaf.name)  # reserved names: always graphql-core's scalars
    if exact is not None:

        def scalar(value: Any) -> Any:
            if value is None or type(value) is exact:
                return value
            return coerce(value)

        return scalar

    def other(value: Any) -> Any:
        return None if value is None else coerce(value)

    return other
