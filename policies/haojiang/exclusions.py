"""一（一） "不包括食品、食品添加剂、化妆品、计量器具、特种设备及其经营者": the five excluded
classes as a taxonomy, not five literal words.

Each class is a parameter listing the product names that belong to it (``excluded_<class>``,
with its source: the 特种设备目录 and the 实施强制管理的计量器具目录 for two of them, a local
default for the product names of food, additives and cosmetics), so a deployment extends a class
by a parameter override.  A registered category belongs to a class when it is the class's name,
or when it — or the part after a "大类/种" slash — *ends with* one of the class's names: Chinese
noun compounds put their head last, so 乘客电梯 and 冷水水表 are an elevator and a water meter,
while 电梯导轨 (a rail), 电能表箱 (a box) and 食品机械 (machinery) are not.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# (class as 一（一） names it, parameter listing its product names).  食品添加剂 before 食品.
CLASSES = (
    ("特种设备", "excluded_special_equipment"),
    ("计量器具", "excluded_measuring_instruments"),
    ("食品添加剂", "excluded_food_additives"),
    ("食品", "excluded_food"),
    ("化妆品", "excluded_cosmetics"),
)


@dataclass(frozen=True)
class Exclusion:
    excluded_class: str  # one of the five classes of 一（一）
    term: str  # the name in the class's list the category matched

    def text(self) -> str:
        """ "特种设备（电梯）不纳入本方案" — the class, and the product name that put it there."""
        named = (
            self.excluded_class
            if self.term == self.excluded_class
            else (f"{self.excluded_class}（{self.term}）")
        )
        return f"{named}不纳入本方案"


def _parts(category: str) -> tuple[str, ...]:
    name = category.strip()
    tail = name.rsplit("/", 1)[-1].strip()
    return (name, tail) if tail != name else (name,)


def exclusion(category: str | None, params: Mapping[str, Any]) -> Exclusion | None:
    """The excluded class a product category belongs to, or ``None`` (in scope)."""
    if not category or not category.strip():
        return None
    parts = _parts(category)
    for cls, parameter in CLASSES:
        terms = (cls, *params[parameter])
        # One C-level test per class (endswith takes a tuple); the term is sought only in the
        # class that holds it — the catalogues list hundreds of names, graded on every write.
        if not any(part.endswith(terms) for part in parts):
            continue
        for term in terms:
            if any(part.endswith(term) for part in parts):
                return Exclusion(cls, term)
    return None
