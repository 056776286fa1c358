"""Query cost limit: a graphql-core validation rule that estimates what a document will cost.

Strawberry has depth, alias and token limits but no cost analysis (docs/hardening.md, "Query
cost"). The estimate:

* every field costs 1, or its weight from :data:`WEIGHTS`; a field that grades or aggregates on
  demand costs what it grades (:func:`field_weight`): a region by the level of its code
  (:data:`REGION_WEIGHTS`: ``regionMap(asOf:)``, ``simulate``, inspection plans), one subject
  on a past date by :data:`ON_DEMAND_ASSESSMENT`; ``levelCounts`` a region per past day it
  counts (:func:`level_counts_weight`);
* a field with a ``first`` (or ``last``) argument multiplies what is below it by it — a literal int
  (capped at the maximum page size: more is refused by the resolver anyway), the maximum page size
  for a ``$variable`` (validation cannot see variable values), the default page size when absent.
  On a connection (``first`` on a field that is not a list) the multiplier applies to its list
  children (``edges``), not to ``pageInfo`` or ``totalCount``;
* a list field without ``first`` multiplies what is below it by :data:`LIST_ESTIMATE`;
* introspection (``__schema``, ``__type``) costs 1: it is bounded by the schema and switched off
  in production.

The rule class is built once per limit (:func:`cost_rule` is cached), so the validation
cache (:class:`~qcredit.api.graphql.extensions.ValidationByText`), which keys on the rule
classes, keeps hitting.  Validation does not see variables: a region code held in one is
costed as a county there, and :class:`VariableCost` costs the operation again with the values
before it executes.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator
from typing import Any

from graphql import (
    BREAK,
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    Undefined,
    ValidationRule,
    VariableNode,
    Visitor,
    get_named_type,
    get_nullable_type,
    get_operation_ast,
    is_list_type,
    value_from_ast_untyped,
    visit,
)
from strawberry.extensions import SchemaExtension

#: Extra weight of fields that do more work than reading a row.
WEIGHTS: dict[str, int] = {"assessment": 5, "assessments": 5, "history": 20, "simulate": 1000}
#: How many items a list without ``first`` is assumed to hold (policies, reasons, levels …).
LIST_ESTIMATE = 10
DEFAULT_MAX_COST = 50_000
#: Grading a region on demand, by the level of its GB/T 2260 code: each level holds some ten of
#: the next (a province ten cities, a city ten counties, a county ten towns), so its enterprises
#: grow tenfold.  A county with its few thousand enterprises is the unit.
REGION_WEIGHTS: dict[str, int] = {"PROVINCE": 10_000, "CITY": 1_000, "COUNTY": 100, "TOWN": 10}
#: A region's map of today's standing grades: one grouped count, not a grading.
STANDING_MAP = 10
#: ``assessment(asOf:)`` / ``assessments(asOf:)`` on a date other than today grade the subject
#: then (``assessment`` of today reads the stored grade: its :data:`WEIGHTS` entry).
ON_DEMAND_ASSESSMENT = 50
_UNKNOWN = object()  # a variable whose value validation does not see


def region_weight(code: Any) -> int:
    """What grading the region of ``code`` costs; a province for what is not a region code."""
    if code is _UNKNOWN:
        return REGION_WEIGHTS["COUNTY"]  # costed again with the value (VariableCost)
    if not isinstance(code, str) or not (code.isascii() and code.isdigit()) or len(code) < 6:
        return REGION_WEIGHTS["PROVINCE"]
    if len(code) > 6:
        return REGION_WEIGHTS["TOWN"]
    if code.endswith("0000"):
        return REGION_WEIGHTS["PROVINCE"]
    return REGION_WEIGHTS["CITY"] if code.endswith("00") else REGION_WEIGHTS["COUNTY"]


def _argument(node: FieldNode, name: str, variables: dict[str, Any] | None) -> Any:
    """An argument's value (``None`` when absent, :data:`_UNKNOWN` for an unseen variable)."""
    for arg in node.arguments or ():
        if arg.name.value == name:
            if variables is None and isinstance(arg.value, VariableNode):
                return _UNKNOWN
            value = value_from_ast_untyped(arg.value, variables)
            return _UNKNOWN if value is Undefined else value
    return None


def field_weight(node: FieldNode, variables: dict[str, Any] | None = None) -> int:
    """What one field costs by itself, before what is below it."""
    name = node.name.value
    if name == "regionMap":
        if _argument(node, "asOf", variables) is None:
            return STANDING_MAP
        return region_weight(_argument(node, "regionCode", variables))
    if name == "simulate":  # grades the region twice: as it is and with the changed parameters
        return 2 * region_weight(_argument(node, "regionCode", variables))
    if name == "inspectionPlan":
        return region_weight(_argument(node, "regionCode", variables))
    if name == "drawInspectionPlan":
        given = _argument(node, "input", variables)
        code = given.get("regionCode", Undefined) if isinstance(given, dict) else given
        return region_weight(_UNKNOWN if code is Undefined else code)
    if name == "levelCounts":
        return level_counts_weight(node, variables)
    if name in ("assessment", "assessments") and _argument(node, "asOf", variables) is not None:
        return ON_DEMAND_ASSESSMENT
    return WEIGHTS.get(name, 1)


def level_counts_weight(node: FieldNode, variables: dict[str, Any] | None = None) -> int:
    """``levelCounts``: a grouped count of today's standing grades; each past day it counts
    (``asOf`` given, every earlier period of MONTH or QUARTER) costed as grading the region."""
    from qcredit.api.graphql.types.level_counts import DEFAULT_PERIODS, MAX_PERIODS, period_ends

    grouping = _argument(node, "groupBy", variables)
    groups = grouping if isinstance(grouping, list) else [grouping] if grouping else []
    timed = [g for g in groups if g in DEFAULT_PERIODS]
    as_of, start = _argument(node, "asOf", variables), _argument(node, "from", variables)
    region = _argument(node, "regionCode", variables)
    grading = region_weight(region) if region is not None else REGION_WEIGHTS["PROVINCE"]
    if _UNKNOWN in (grouping, as_of, start):
        return STANDING_MAP  # costed again with the values (VariableCost)
    if not timed:
        return STANDING_MAP if as_of is None else grading
    periods = DEFAULT_PERIODS[timed[0]]
    if isinstance(start, str) and isinstance(as_of, str):
        try:
            first, last = dt.date.fromisoformat(start), dt.date.fromisoformat(as_of)
            periods = len(period_ends(timed[0], first, last)) if first <= last else 1
        except ValueError:
            periods = 1  # refused by the resolver
    elif start is not None:
        periods = MAX_PERIODS
    periods = min(periods, MAX_PERIODS)
    past = periods if as_of is not None else periods - 1  # today's standing grades are a count
    return STANDING_MAP + past * grading


def _first_of(node: FieldNode, field_def: Any, default: int, maximum: int) -> int | None:
    """The page size a field asks for: a literal (capped), the maximum for a variable, the
    default when absent; ``None`` for a field without ``first``."""
    for arg in node.arguments or ():
        if arg.name.value in ("first", "last"):  # the same page either way
            if isinstance(arg.value, IntValueNode):
                return max(0, min(int(arg.value.value), maximum))
            if isinstance(arg.value, VariableNode):
                return maximum
            return default  # null or an invalid literal (refused elsewhere)
    return default if "first" in field_def.args else None


def estimate(
    schema: Any,
    operation: OperationDefinitionNode,
    fragments: dict[str, Any],
    default_page_size: int = 20,
    max_page_size: int = 100,
    variables: dict[str, Any] | None = None,
) -> int:
    """The cost of one operation of a document (with ``variables``, their regions and dates)."""
    memo: dict[tuple[str, int | None], int] = {}
    root = schema.get_root_type(operation.operation)
    if root is None:
        return 0

    def selections(
        selection_set: SelectionSetNode, parent: Any, inherited: int | None, seen: frozenset[str]
    ) -> int:
        total = 0
        for sel in selection_set.selections:
            if isinstance(sel, FieldNode):
                total += field(sel, parent, inherited, seen)
            elif isinstance(sel, InlineFragmentNode):
                t = schema.get_type(sel.type_condition.name.value) if sel.type_condition else parent
                total += selections(sel.selection_set, t or parent, inherited, seen)
            elif isinstance(sel, FragmentSpreadNode):
                name = sel.name.value
                frag = fragments.get(name)
                if frag is None or name in seen:  # unknown or cyclic: other rules report it
                    continue
                key = (name, inherited)
                if key not in memo:
                    t = schema.get_type(frag.type_condition.name.value) or parent
                    memo[key] = selections(frag.selection_set, t, inherited, seen | {name})
                total += memo[key]
        return total

    def field(node: FieldNode, parent: Any, inherited: int | None, seen: frozenset[str]) -> int:
        name = node.name.value
        weight = 1 if name.startswith("__") else field_weight(node, variables)
        if name.startswith("__") or node.selection_set is None:
            return weight
        fields = getattr(parent, "fields", None)
        field_def = fields.get(name) if fields else None
        if field_def is None:  # unknown field: FieldsOnCorrectTypeRule reports it
            return weight
        child_type = get_named_type(field_def.type)
        first = _first_of(node, field_def, default_page_size, max_page_size)
        if is_list_type(get_nullable_type(field_def.type)):
            multiplier = first if first is not None else inherited or LIST_ESTIMATE
            return weight + multiplier * selections(node.selection_set, child_type, None, seen)
        return weight + selections(node.selection_set, child_type, first, seen)

    return selections(operation.selection_set, root, None, frozenset())


@functools.cache
def cost_rule(
    max_cost: int = DEFAULT_MAX_COST, default_page_size: int = 20, max_page_size: int = 100
) -> type[ValidationRule]:
    """The validation rule refusing operations above ``max_cost`` (one class per limit)."""

    class QueryCostRule(ValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            fragments = {
                d.name.value: d
                for d in self.context.document.definitions
                if isinstance(d, FragmentDefinitionNode)
            }
            cost = estimate(self.context.schema, node, fragments, default_page_size, max_page_size)
            if cost > max_cost:
                self.report_error(too_costly(node, cost, max_cost))

    QueryCostRule.__name__ = f"QueryCostRule{max_cost}"
    return QueryCostRule


def too_costly(node: OperationDefinitionNode, cost: int, max_cost: int) -> GraphQLError:
    return GraphQLError(
        f"The query's estimated cost {cost} is above the maximum {max_cost}; "
        "ask for smaller pages, fewer fields or smaller regions.",
        node,
        extensions={"code": "QUERY_TOO_COSTLY", "cost": cost, "maxCost": max_cost},
    )


#: The fields whose weight reads their arguments (:func:`field_weight`); elsewhere a variable
#: changes nothing the estimate sees (a ``first: $n`` is costed at the maximum page either way).
VARIABLE_WEIGHTED = frozenset(
    {
        "regionMap",
        "simulate",
        "inspectionPlan",
        "drawInspectionPlan",
        "levelCounts",
        "assessment",
        "assessments",
    }
)
# id(document) → (the document, held alive so its id is not reused; the verdict).
_WEIGHS: dict[int, tuple[DocumentNode, bool]] = {}
_WEIGHS_MAX = 1024


def _weighs_variables(document: DocumentNode, operation: OperationDefinitionNode) -> bool:
    """Whether the operation's cost can depend on its variables' values: a variable in an
    argument of a :data:`VARIABLE_WEIGHTED` field, anywhere in the document (its fragments
    and other operations included, to stay simple and safe).  Kept per parsed document:
    strawberry's parser cache hands every request of the same query text the same one, so most
    requests look the verdict up instead of walking the query."""
    if not operation.variable_definitions:
        return False
    held = _WEIGHS.get(id(document))
    if held is not None and held[0] is document:
        return held[1]
    if len(_WEIGHS) >= _WEIGHS_MAX:
        _WEIGHS.clear()
    verdict = _has_weighted_variable(document)
    _WEIGHS[id(document)] = (document, verdict)
    return verdict


def _has_weighted_variable(document: DocumentNode) -> bool:
    found = False

    class Finder(Visitor):
        def enter_field(self, node: FieldNode, *_: Any) -> Any:
            nonlocal found
            if node.name.value in VARIABLE_WEIGHTED and any(
                _holds_variable(arg.value) for arg in node.arguments or ()
            ):
                found = True
                return BREAK
            return None

    visit(document, Finder())
    return found


def _holds_variable(value: Any) -> bool:
    if isinstance(value, VariableNode):
        return True
    if isinstance(value, ListValueNode):
        return any(_holds_variable(v) for v in value.values)
    if isinstance(value, ObjectValueNode):
        return any(_holds_variable(f.value) for f in value.fields)
    return False


class VariableCost(SchemaExtension):
    """The cost rule again, before execution, for an operation with variables: the values (a
    province in ``$region``) that validation could not see."""

    def __init__(self, max_cost: int, default_page_size: int, max_page_size: int) -> None:
        self.limits = (default_page_size, max_page_size)
        self.max_cost = max_cost

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if context.result is None and document is not None and context.variables:
            operation = get_operation_ast(document, context.operation_name)
            if operation is not None and _weighs_variables(document, operation):
                fragments = {
                    d.name.value: d
                    for d in document.definitions
                    if isinstance(d, FragmentDefinitionNode)
                }
                schema = context.schema._schema
                cost = estimate(schema, operation, fragments, *self.limits, context.variables)
                if cost > self.max_cost:
                    error = too_costly(operation, cost, self.max_cost)
                    context.result = ExecutionResult(data=None, errors=[error])
        yield


__all__ = [
    "DEFAULT_MAX_COST",
    "LIST_ESTIMATE",
    "REGION_WEIGHTS",
    "WEIGHTS",
    "VariableCost",
    "cost_rule",
    "region_weight",
]
