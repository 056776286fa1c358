"""GraphQL types of what a policy computed on the way to a grade (``contract.Figure``).

A typed, labelled list instead of the policy's raw ``details`` map, so a front end can show "why
this value" without knowing any policy's keys: ``Assessment.figures`` (``Policy.figures``) and
``Assessment.explanation`` (``Policy.explanation``, the score term by term).  A term about a
product names it as a ``ProductRef`` (trademark, Nice class and global id), never by a
``details`` key.
"""

from __future__ import annotations

import strawberry
from qcredit.core.contract import Figure as FigureValue
from strawberry import relay
from strawberry.types import Info


@strawberry.type(
    description="The product a term is about, by its natural key (商标 and 尼斯分类); `id` is its "
    "global id, for `node(id:)` or `product(id:)` when more of it is wanted."
)
class ProductRef:
    id: strawberry.ID = strawberry.field(description="The Product's global id (Relay).")
    trademark: str = strawberry.field(description="The trademark (商标) the product is sold under.")
    nice_class: int = strawberry.field(
        description="Its Nice classification class, 1–45 (尼斯分类)."
    )


@strawberry.type(description="One term of a computed figure.")
class FigureTerm:
    label: str = strawberry.field(description="What the term counts, as the text names it.")
    points: float = strawberry.field(description="What it adds (negative: deducts).")
    article: str = strawberry.field(description="The article that fixes the term.")
    parameter: str | None = strawberry.field(
        description="The parameter that fixes the points (see Policy.parameters); null if none."
    )
    event_ids: list[int] = strawberry.field(description="Ledger events behind the term.")
    product_id: strawberry.Private[int | None] = None

    @strawberry.field(
        description="The product the term is about (by trademark and Nice class); null when the "
        "term is not about one product."
    )
    async def product(self, info: Info) -> ProductRef | None:
        # A reference, not the Product type itself: figures stay a leaf module the enterprise
        # types import (tests/test_architecture.py), and a front end needs only the natural key.
        if self.product_id is None:
            return None
        found = await info.context.loaders.product.load(self.product_id)
        if found is None:
            return None
        return ProductRef(
            id=strawberry.ID(relay.to_base64("Product", self.product_id)),
            trademark=found.trademark,
            nice_class=found.nice_class,
        )


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


@strawberry.type(
    description="Why a score is what it is: the number the grade rests on (a risk score, "
    "points, an index) and the terms that add up to it, each with its points, article and "
    "parameter, so a front end can draw the breakdown. From Policy.explanation."
)
class Explanation:
    name: str = strawberry.field(description="Stable key of the explained figure in its policy.")
    label: str = strawberry.field(description="What the number is, as the policy's text names it.")
    article: str = strawberry.field(description="The article that defines the number.")
    total: float = strawberry.field(
        description="The number explained (the assessment's score or index); the sum of the "
        "terms' points."
    )
    terms: list[FigureTerm] = strawberry.field(
        description="The terms in the policy's order (positive adds, negative deducts)."
    )


def _terms(f: FigureValue) -> list[FigureTerm]:
    return [
        FigureTerm(
            label=t.label,
            points=t.points,
            article=t.article,
            parameter=t.parameter,
            event_ids=list(t.events),
            product_id=t.product,
        )
        for t in f.terms
    ]


def explanation_type(f: FigureValue) -> Explanation:
    value = f.value
    assert isinstance(value, int | float) and not isinstance(value, bool), f.name
    return Explanation(
        name=f.name, label=f.label, article=f.article, total=float(value), terms=_terms(f)
    )


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
        terms=_terms(f),
    )
