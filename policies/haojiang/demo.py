"""Demonstration data for 濠江 (``qcredit demo``): textiles and garments, plastics, chemicals,
packaging, port logistics and aquatic-product processing in 汕头市濠江区.

Haojiang scores products (trademark × Nice class) and operators separately from cumulative
``QUALITY_CREDIT_POINTS`` (三（一）): A ≥ 12, B > 6 and < 12, C > 0 and ≤ 6, D ≤ 0, O no points.
A few operators and products are built on purpose for each category and for the boundaries
(exactly 12, 6 and 0); excluded categories (食品, 化妆品, 特种设备, 计量器具 — 一（一）) show the
exclusion, including an aquatic-product processor whose products are all food (out of scope).
Points events lie between the scheme's issue (2023-12-18) and ``today``; ordinary sampling
inspections and checks are there for realism (they add no points: ``derive_points_from_events``
is off by default).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date
from typing import Any

from qcredit.core.testing.demo import CreditCodes, Ledger, day_between, shuffled, spaced_days

COUNTY = "440512"
PREFIX = "demo-haojiang-"
SEED = 440512
START = date(2023, 12, 18)  # issue date of the scheme

# 9-digit street codes under 濠江区 (达濠、马滘、河浦、玉新、广澳、滨海、礐石).
TOWNS = [f"{COUNTY}{n:03d}" for n in range(1, 8)]

# industry → (name patterns, roles, catalogue of (Nice class, category))
INDUSTRIES = {
    "garment": (
        ["汕头市濠江区{w}服装有限公司", "汕头市{w}制衣有限公司", "汕头市濠江区{w}内衣厂有限公司"],
        ["PRODUCER"],
        [(25, "服装"), (25, "服装"), (24, "纺织品"), (25, "针织内衣")],
    ),
    "textile": (
        ["汕头市{w}纺织有限公司", "汕头市濠江区{w}织造有限公司", "汕头市{w}染整有限公司"],
        ["PRODUCER"],
        [(24, "纺织品"), (23, "纱线"), (22, "绳网制品")],
    ),
    "plastics": (
        ["汕头市{w}塑胶制品有限公司", "汕头市濠江区{w}塑料有限公司", "汕头市{w}包装材料有限公司"],
        ["PRODUCER"],
        [(17, "塑料薄膜"), (21, "塑料日用品"), (16, "塑料包装"), (20, "塑料家具")],
    ),
    "chemical": (
        ["汕头市{w}化工有限公司", "汕头市濠江区{w}涂料有限公司", "广东{w}新材料有限公司"],
        ["PRODUCER", "SELLER"],
        [(1, "化工产品"), (2, "涂料"), (1, "胶粘剂")],
    ),
    "trade": (
        ["汕头市濠江区{w}贸易有限公司", "汕头市{w}商贸有限公司"],
        ["SELLER"],
        [(25, "服装"), (21, "塑料日用品"), (11, "照明电器"), (9, "电线电缆")],
    ),
    "logistics": (
        ["汕头市{w}港口物流有限公司", "汕头市濠江区{w}国际货运代理有限公司"],
        ["SERVICE"],
        [],
    ),
}
WORDS = [
    "海湾",
    "达濠",
    "广澳",
    "河浦",
    "礐石",
    "濠兴",
    "南滨",
    "海旭",
    "潮兴",
    "金海",
    "东晟",
    "华润",
    "新濠",
    "宏海",
    "汇通",
    "港泰",
    "粤东",
    "澳华",
    "利丰",
    "泰盛",
    "鸿发",
    "明辉",
    "锦华",
    "昌隆",
    "永盛",
    "嘉信",
    "振兴",
    "佳美",
    "源丰",
    "天润",
    "海兴",
    "宝利",
    "联泰",
    "创美",
    "协盛",
    "建华",
    "美达",
    "银海",
    "伟业",
    "恒兴",
    "信达",
    "腾达",
    "海联",
    "新业",
    "丰华",
    "荣达",
    "益华",
    "旭升",
    "兴达",
    "裕丰",
    "海润",
    "宏图",
    "精诚",
    "亿丰",
    "晨光",
    "恒发",
    "新锐",
    "捷达",
    "金鹏",
    "展鸿",
    "顺发",
    "浩洋",
    "海峰",
    "中瑞",
    "润发",
    "盛华",
    "港兴",
    "汕濠",
    "宏利",
    "龙腾",
    "东海",
    "益丰",
    "华英",
    "南粤",
    "海帆",
    "星辰",
    "富港",
    "鑫海",
    "合盛",
    "凯达",
    "奥海",
    "德润",
    "瑞丰",
    "安达",
]

# Points rules as the bureau writes them (Guangdong scoring rules; values illustrative).
GOOD = [
    (2, "监督抽查合格"),
    (1, "日常监督检查未发现问题"),
    (3, "通过质量管理体系认证"),
    (4, "获得省级以上质量奖项或名牌称号"),
    (2, "主动公开执行标准（企业标准自我声明）"),
    (3, "建立并运行产品质量追溯体系"),
]
BAD = [
    (-4, "监督抽查不合格"),
    (-8, "监督抽查严重不合格"),
    (-6, "因产品质量违法受到行政处罚"),
    (-2, "投诉举报经查属实"),
    (-3, "未按规定整改"),
]


# A points subject: an operator's credit code, or a product (code, trademark, Nice class).
Subject = str | tuple[str, str, int]


class _Builder:
    def __init__(self, today: date) -> None:
        self.today = today
        self.rng = random.Random(SEED)
        self.ledger = Ledger(today, f"{PREFIX}e", width=4, numbered_corrections=False)
        self.codes = CreditCodes(self.rng)
        self.words = shuffled(self.rng, WORDS)

    def operator(self, industry: str, established: date) -> tuple[str, str]:
        names, roles, _ = INDUSTRIES[industry]
        word = self.words.pop()
        code = self.codes.draw(COUNTY)
        name = self.rng.choice(names).format(w=word)
        self.ledger.enterprise(code, name, self.rng.choice(TOWNS), established, roles)
        return code, word

    def product(self, code: str, trademark: str, nice: int, category: str) -> tuple[str, str, int]:
        self.ledger.product(code, trademark, nice, category)
        return (code, trademark, nice)

    def catalogue_products(
        self, code: str, word: str, industry: str, count: int
    ) -> list[tuple[str, str, int]]:
        out: list[tuple[str, str, int]] = []
        seen: set[int] = set()
        for nice, category in self.rng.sample(INDUSTRIES[industry][2], count):
            if nice not in seen:
                seen.add(nice)
                out.append(self.product(code, word, nice, category))
        return out

    def event(self, subject: Subject, kind: str, on: date, **attributes: Any) -> str | None:
        if isinstance(subject, tuple):
            code, trademark, nice = subject
            return self.ledger.event(code, kind, on, (trademark, nice), **attributes)
        return self.ledger.event(subject, kind, on, **attributes)

    def points(self, subject: Subject, on: date, points: float, rule: str) -> str | None:
        doc = f"汕濠市监信记〔{on.year}〕{self.rng.randint(1, 400)}号"
        return self.event(
            subject, "QUALITY_CREDIT_POINTS", on, points=points, rule=rule, documentNo=doc
        )

    def day(self, year: int, start_month: int = 1, end_month: int = 12) -> date:
        first = max(date(year, start_month, 1), START)
        return day_between(self.rng, first, min(date(year, end_month, 28), self.today))


def _series(
    b: _Builder, subject: Subject, values: Sequence[tuple[float, str]], year: int = 2024
) -> None:
    """Record points events, one every few months from ``year`` on."""
    days = spaced_days(b.rng, date(year, 3, 10), (70, 140), count=len(values))
    for (pts, rule), on in zip(values, days, strict=True):
        b.points(subject, on, pts, rule)


def _designed(b: _Builder) -> None:
    # Operators, one per category, the boundaries included (五（二）: 12 → A, 6 → C, 0 → D).
    operators: list[tuple[str, list[tuple[float, str]]]] = [
        ("garment", [(4, GOOD[3][1]), (3, GOOD[2][1]), (3, GOOD[5][1]), (2, GOOD[0][1])]),  # 12 A
        (
            "chemical",
            [
                (4, GOOD[3][1]),
                (3, GOOD[2][1]),
                (2, GOOD[0][1]),
                (2, GOOD[0][1]),
                (3, GOOD[5][1]),
                (2, GOOD[4][1]),
            ],
        ),  # 16 A
        ("plastics", [(3, GOOD[2][1]), (2, GOOD[0][1]), (2, GOOD[4][1]), (2, GOOD[0][1])]),  # 9 B
        (
            "textile",
            [(3, GOOD[2][1]), (2, GOOD[0][1]), (2, GOOD[0][1]), (0.5, "按时报送年度质量报告")],
        ),  # 7.5 B
        ("garment", [(4, GOOD[3][1]), (3, GOOD[2][1]), (1, GOOD[1][1]), (-2, BAD[3][1])]),  # 6 C
        ("plastics", [(2, GOOD[0][1]), (1, GOOD[1][1])]),  # 3 C
        ("chemical", [(2, GOOD[0][1]), (2, GOOD[4][1]), (-4, BAD[0][1])]),  # 0 D
        ("trade", [(0, "经营者质量信用初始记分")]),  # a recorded 0 → D
        ("chemical", [(2, GOOD[0][1]), (-6, BAD[2][1]), (-4, BAD[0][1])]),  # −8 D
    ]
    for industry, values in operators:
        code, word = b.operator(industry, date(b.rng.randint(1995, 2018), 6, 1))
        b.catalogue_products(code, word, industry, 1)
        _series(b, code, values)
    # A with two clean inspection results in a row (三（二）1: random coefficient may be lowered).
    code, word = b.operator("textile", date(2002, 4, 8))
    b.catalogue_products(code, word, "textile", 2)
    _series(b, code, [(3, GOOD[2][1]), (4, GOOD[3][1]), (3, GOOD[5][1]), (2, GOOD[0][1])])
    b.event(code, "SAMPLING_INSPECTION", date(2025, 5, 14), result="PASS", level="PROVINCIAL")
    b.event(code, "SUPERVISION_CHECK", date(2026, 4, 9), result="PASS")
    # O — an operator with products but no points at all, and a port-logistics operator.
    code, word = b.operator("plastics", date(2024, 9, 2))
    b.catalogue_products(code, word, "plastics", 2)
    b.operator("logistics", date(2011, 5, 20))
    # O again — the only points event was revoked (recorded on the wrong operator).
    code, word = b.operator("garment", date(2016, 3, 3))
    b.catalogue_products(code, word, "garment", 1)
    ext = b.points(code, date(2025, 2, 11), 2, GOOD[0][1])
    b.ledger.correct(ext, "REVOKE", "记分对象错误，撤销该记分", date(2025, 3, 4))
    # AMEND: points entered as 3, amended to 9 → B.
    code, word = b.operator("textile", date(2009, 9, 9))
    b.catalogue_products(code, word, "textile", 1)
    ext = b.points(code, date(2024, 10, 15), 3, "获得省级以上质量奖项并通过质量管理体系认证")
    b.ledger.correct(ext, "AMEND", "复核后按规则应记9分", date(2024, 11, 20), points=9)
    # REPAIR: a penalty's −6 stops counting from its repair in 2026: 10 points (B), 4 (C) before.
    code, word = b.operator("plastics", date(2013, 7, 1))
    b.catalogue_products(code, word, "plastics", 1)
    _series(b, code, [(3, GOOD[2][1]), (2, GOOD[0][1]), (3, GOOD[5][1]), (2, GOOD[0][1])])
    ext = b.points(code, date(2024, 8, 6), -6, BAD[2][1])
    b.ledger.correct(ext, "REPAIR", "已履行处罚并完成整改，信用修复", date(2026, 2, 16))

    # Products (trademark × Nice class), one operator each, the boundaries included.
    products = [
        (
            "garment",
            25,
            "服装",
            [(4, GOOD[3][1]), (2, GOOD[0][1]), (2, GOOD[0][1]), (2, GOOD[0][1]), (2, GOOD[4][1])],
        ),  # 12 A
        (
            "plastics",
            17,
            "塑料薄膜",
            [(3, GOOD[5][1]), (4, GOOD[3][1]), (2, GOOD[0][1]), (2, GOOD[0][1]), (3, GOOD[2][1])],
        ),  # 14 A
        ("textile", 24, "纺织品", [(2, GOOD[0][1]), (2, GOOD[0][1]), (4, GOOD[3][1])]),  # 8 B
        ("chemical", 2, "涂料", [(2, GOOD[0][1]), (2, GOOD[0][1]), (2, GOOD[0][1])]),  # 6 C
        ("plastics", 21, "塑料日用品", [(2, GOOD[0][1]), (4, GOOD[3][1]), (-4, BAD[0][1])]),  # 2 C
        ("chemical", 1, "胶粘剂", [(2, GOOD[0][1]), (2, GOOD[0][1]), (-4, BAD[0][1])]),  # 0 D
        ("garment", 25, "针织内衣", [(2, GOOD[0][1]), (-8, BAD[1][1])]),  # −6 D
    ]
    for industry, nice, category, scored in products:
        code, word = b.operator(industry, date(b.rng.randint(1998, 2019), 3, 15))
        product = b.product(code, word, nice, category)
        _series(b, product, scored)
        # a second product of the same operator, never scored → O
        extra = [(n, c) for n, c in INDUSTRIES[industry][2] if n != nice]
        if extra:
            b.product(code, word, *extra[0])

    # 一（一） exclusions: an aquatic-product processor (all products food: out of scope, even
    # with points), and in-scope operators with an excluded product line beside industrial ones.
    code, word = b.operator("trade", date(2006, 11, 11))
    b.ledger.records[-1]["name"] = f"汕头市濠江区{word}水产食品有限公司"
    b.ledger.records[-1]["roles"] = ["PRODUCER"]
    food = b.product(code, word, 29, "食品")
    b.product(code, f"{word}海味", 29, "食品")
    b.points(food, date(2024, 6, 18), 2, GOOD[0][1])
    b.points(code, date(2024, 6, 18), 2, GOOD[0][1])
    for industry, nice, category, brand in (
        ("chemical", 3, "化妆品", "丽肤"),
        ("trade", 6, "特种设备", "安瓶"),  # 气瓶 — gas cylinders
        ("trade", 9, "计量器具", "准衡"),
        ("chemical", 1, "食品添加剂", "鲜味"),
    ):
        code, word = b.operator(industry, date(b.rng.randint(2000, 2020), 8, 8))
        b.catalogue_products(code, word, industry, 1)
        excluded = b.product(code, f"{word}{brand}", nice, category)
        b.points(excluded, date(2025, 4, 22), -4, BAD[0][1])  # ignored: out of scope
        _series(b, code, [(2, GOOD[0][1]), (3, GOOD[2][1])], 2025)


def _ordinary(b: _Builder, count: int) -> None:
    kinds = ["garment"] * 4 + ["textile"] * 3 + ["plastics"] * 4 + ["chemical"] * 2
    kinds += ["trade"] * 2 + ["logistics"]
    for _ in range(count):
        industry = b.rng.choice(kinds)
        established = date(b.rng.randint(1990, 2025), b.rng.randint(1, 12), b.rng.randint(1, 28))
        code, word = b.operator(industry, established)
        catalogued: list[tuple[str, str, int]] = []
        if INDUSTRIES[industry][2]:
            catalogued = b.catalogue_products(code, word, industry, b.rng.randint(1, 3))
        chances: list[tuple[Subject, float]] = [(code, 0.6), *((p, 0.4) for p in catalogued)]
        for subject, chance in chances:
            if b.rng.random() >= chance:
                continue
            for _ in range(b.rng.randint(1, 5)):
                pts, rule = b.rng.choice(GOOD if b.rng.random() < 0.8 else BAD)
                b.points(subject, b.day(b.rng.choice([2024, 2025, 2026])), pts, rule)
        for p in catalogued:
            if b.rng.random() < 0.35:
                fail = b.rng.random() < 0.15
                b.event(
                    p,
                    "SAMPLING_INSPECTION",
                    b.day(b.rng.choice([2024, 2025, 2026])),
                    result="FAIL" if fail else "PASS",
                    level=b.rng.choice(["PROVINCIAL", "MUNICIPAL", "COUNTY"]),
                )
        if b.rng.random() < 0.4:
            b.event(
                code,
                "SUPERVISION_CHECK",
                b.day(b.rng.choice([2024, 2025, 2026])),
                result="PASS" if b.rng.random() < 0.9 else "FAIL",
            )


def demo_records(today: date) -> list[dict[str, Any]]:
    b = _Builder(today)
    _designed(b)
    _ordinary(b, 52)
    return b.ledger.all()
