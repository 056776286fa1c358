"""Query cost limit: a graphql-core validation rule that estimates what a document will cost.

Strawberry has depth, alias and token limits but no cost analysis (graphql.md §2). The estimate:

* every field costs 1, or its weight from :data:`WEIGHTS` (``simulate`` grades a whole region);
* a field with a ``first`` argument multiplies what is below it by ``first`` — a literal int
  (capped at the maximum page size: more is refused by the resolver anyway), the maximum page size
  for a ``$variable`` (validation cannot see variable values), the default page size when absent.
  On a connection (``first`` on a field that is not a list) the multiplier applies to its list
  children (``edges``), not to ``pageInfo`` or ``totalCount``;
* a list field without ``first`` multiplies what is below it by :data:`LIST_ESTIMATE`;
* introspection (``__schema``, ``__type``) costs 1: it is bounded by the schema and switched off
  in production.

The rule class is built once per limit (:func:`cost_rule` is cached), so strawberry's
``ValidationCache``, which keys on the rule classes, keeps hitting (graphql.md §1.3).
"""

from __future__ import annotations

import functools
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationRule,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_list_type,
)

#: Extra weight of fields that do more work than reading a row.
WEIGHTS: dict[str, int] = {"assessment": 5, "assessments": 5, "history": 20, "simulate": 1000}
#: How many items a list without ``first`` is assumed to hold (policies, reasons, levels …).
LIST_ESTIMATE = 10
DEFAULT_MAX_COST = 50_000


def _first_of(node: FieldNode, field_def: Any, default: int, maximum: int) -> int | None:
    """The page size a field asks for: a literal (capped), the maximum for a variable, the
    default when absent; ``None`` for a field without ``first``."""
    for arg in node.arguments or ():
        if arg.name.value == "first":
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
) -> int:
    """The cost of one operation of a document."""
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
        weight = WEIGHTS.get(name, 1)
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
                self.report_error(
                    GraphQLError(
                        f"The query's estimated cost {cost} is above the maximum {max_cost}; "
                        "ask for smaller pages or fewer fields.",
                        node,
                        extensions={"code": "QUERY_TOO_COSTLY", "cost": cost, "maxCost": max_cost},
                    )
                )

    QueryCostRule.__name__ = f"QueryCostRule{max_cost}"
    return QueryCostRule


__all__ = ["DEFAULT_MAX_COST", "LIST_ESTIMATE", "WEIGHTS", "cost_rule"]
