"""三1 监管范围: the key industrial product catalogue, shipped as data (``catalogue_*`` parameters).

A product is in scope when its registered category is one of the catalogue's 大类, is written
"大类/种" with a catalogue 大类 before the slash, or is a 种 listed in ``catalogue_kinds``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from qcredit.core.contract import Reason
from qcredit.core.model import Product


def catalogue_category(category: str | None, params: Mapping[str, Any]) -> str | None:
    """The catalogue 大类 a product category falls in, or ``None`` when it is not catalogued."""
    if not category:
        return None
    name = category.strip()
    categories = set(params["catalogue_categories"])
    if name in categories:
        return name
    head = name.split("/", 1)[0].strip()
    if head in categories:
        return head
    mapped = params["catalogue_kinds"].get(name)
    return mapped if mapped in categories else None


def catalogued_products(products: Iterable[Product], params: Mapping[str, Any]) -> list[Product]:
    return [p for p in products if catalogue_category(p.category, params) is not None]


def catalogue_label(params: Mapping[str, Any]) -> str:
    return (
        f"《全国重点工业产品质量安全监管目录》{params['catalogue_category_count']}大类"
        f"{params['catalogue_kind_count']}种"
    )


def scope_reason(products: Iterable[Product], params: Mapping[str, Any]) -> Reason:
    """三1: why the subject is graded — its catalogued products' 大类."""
    found = sorted({c for p in products if (c := catalogue_category(p.category, params))})
    return Reason(
        "scope.catalogue",
        "三1",
        f"产品类别（{'、'.join(found)}）列入{catalogue_label(params)}，属重点监管范围",
    )
