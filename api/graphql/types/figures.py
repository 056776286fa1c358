"""GraphQL types of what a policy computed on the way to a grade (``contract.Figure``).

A typed, labelled list instead of the policy's raw ``details`` map, so a front end can show "why
this value" without knowing any policy's keys.
"""

from __future__ import annotations

import strawberry
from qcredit.core.contract import Figure as FigureValue


@strawberry.type(description="One term of a computed figure.")
class FigureTerm:
    label: str = strawberry.field(description="What the term counts, as the text names it.")
    points: float = strawberry.field(description="What it adds (negative: deducts).")
    article: str = strawberry.field(description="The article that fixes the term.")
    parameter: str | None = strawberry.field(
        description="The parameter that fixes the points (see Policy.parameters); null if none."
    )
    event_ids: list[int] = strawberry.field(description="Ledger events behind the term.")


@strawberry.type(
    description="A value a policy computed on the way to a grade (an index, a points total, a "
    "supervision mode), with its label and article; shown to whoever may see the assessment."
)
class Figure:
    name: str = strawberry.field(description="Stable key of the figure within its policy.")
    label: str = strawberry.field(description="Its name, as the policy's text gives it.")
    value: str | None = strawberry.field(description="The value as text; null when none.")
    number: float | None = strawberry.field(description="The value when it is a number.")
    value_label: str | None = strawberry.field(
        description="A coded value's name in the text (e.g. the label of a mode)."
    )
    article: str = strawberry.field(description="The article that defines the figure.")
    terms: list[FigureTerm] = strawberry.field(description="Its breakdown; empty when none.")


def figure_type(f: FigureValue) -> Figure:
    value = f.value
    number = (
        float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
    )
    return Figure(
        name=f.name,
        label=f.label,
        value=None if f.value is None else str(f.value),
        number=number,
        value_label=f.value_label,
        article=f.article,
        terms=[
            FigureTerm(
                label=t.label,
                points=t.points,
                article=t.article,
                parameter=t.parameter,
                event_ids=list(t.events),
            )
            for t in f.terms
        ],
    )
