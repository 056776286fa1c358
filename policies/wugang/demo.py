"""Demonstration data for 舞钢 (``qcredit demo``): steel, refractory and machinery enterprises.

The policy was in force 2022-11-01 to 2024-10-30, so ``qcredit grade`` grades it as of
2024-10-30; every event lies in 2019–2024 (never after ``today``).  A few enterprises are built on
purpose for each level and each rule (第六条 D situations, 第七条 caps, 第十三条 locks and relief,
第十二条 key list); the rest are ordinary enterprises with ratings, checks and the odd failure.

第十三条 rectification (``RECTIFICATION.refersTo``) needs the ledger id of the rectified event,
which the import format cannot know in advance, so the demo shows the lowering of risk with
REPAIR corrections instead.
"""

from __future__ import annotations

import random
from datetime import date
from typing import Any

from qcredit.core.testing.demo import CreditCodes, Ledger, day_between, shuffled

COUNTY = "410481"
PREFIX = "demo-wugang-"
STANDING = date(2024, 10, 30)  # last day in force (第十七条)
SEED = 410481
RATING_SOURCE = "河南省企业信用综合评价"

# 9-digit town/street codes under 舞钢市 (county code + 3 digits).
TOWNS = [f"{COUNTY}{n:03d}" for n in range(1, 13)]

# (name pattern, roles, products: (trademark suffix, Nice class, category))
INDUSTRIES = {
    "steel": (
        [
            "舞钢市{w}特钢有限公司",
            "河南{w}钢铁有限公司",
            "舞钢{w}宽厚板加工有限公司",
            "舞钢市{w}金属材料有限公司",
            "舞钢市{w}钢材销售有限公司",
        ],
        ["PRODUCER"],
        [("宽厚钢板", 6, "钢板"), ("特种钢材", 6, "钢材"), ("钢坯", 6, "钢材")],
    ),
    "refractory": (
        [
            "舞钢市{w}耐火材料有限公司",
            "舞钢{w}耐材有限公司",
            "河南{w}耐火材料股份有限公司",
            "舞钢市{w}炉料有限公司",
        ],
        ["PRODUCER"],
        [("耐火砖", 19, "耐火材料"), ("不定形耐火材料", 19, "耐火材料"), ("保护渣", 1, "冶金辅料")],
    ),
    "machinery": (
        [
            "舞钢市{w}机械制造有限公司",
            "舞钢{w}重型机械有限公司",
            "舞钢市{w}铸造有限公司",
            "河南{w}冶金设备有限公司",
            "舞钢市{w}机电设备有限公司",
        ],
        ["PRODUCER", "SELLER"],
        [("铸钢件", 6, "铸件"), ("轧辊", 7, "冶金机械"), ("起重吊具", 7, "机械设备")],
    ),
    "trade": (
        ["舞钢市{w}建材商贸有限公司", "舞钢市{w}五金机电经营部有限公司"],
        ["SELLER"],
        [("建筑钢材", 6, "钢材"), ("电线电缆", 9, "电线电缆")],
    ),
}
WORDS = [
    "中加",
    "宏达",
    "华丰",
    "恒通",
    "鑫源",
    "昌盛",
    "瑞达",
    "金石",
    "永兴",
    "天宇",
    "豫龙",
    "明晟",
    "嘉泰",
    "诚信",
    "通达",
    "众邦",
    "兴业",
    "石漫滩",
    "龙泉",
    "九头崖",
    "二郎山",
    "灯台架",
    "宏远",
    "泰和",
    "东润",
    "鼎盛",
    "华鑫",
    "新兴",
    "联创",
    "远航",
    "恒基",
    "合力",
    "正阳",
    "福顺",
    "汇丰",
    "立德",
    "万和",
    "盛鑫",
    "锦程",
    "海鑫",
    "国瑞",
    "广源",
    "金泰",
    "中原",
    "康达",
    "安泰",
    "佳和",
    "腾飞",
    "世纪",
    "长城",
    "东方",
    "北舞",
    "祥和",
    "晟泰",
    "德信",
    "荣盛",
    "亿达",
    "利民",
    "宏宇",
    "新峰",
    "奥博",
    "凯瑞",
    "博大",
    "华强",
    "钢联",
    "润丰",
    "宇通",
    "旭阳",
    "银河",
    "大成",
    "天成",
    "金桥",
    "中舞",
    "兴隆",
    "恒昌",
    "耀华",
    "立信",
    "聚力",
    "华达",
    "嘉利",
    "泓远",
    "创新",
    "铁山",
    "杨庄",
    "尚店",
    "八台",
    "枣林",
    "武功",
    "尹集",
    "朱兰",
    "垭口",
]


class _Builder:
    def __init__(self, today: date) -> None:
        self.rng = random.Random(SEED)
        self.ledger = Ledger(today, f"{PREFIX}e", width=4, numbered_corrections=False)
        self.codes = CreditCodes(self.rng)
        self.words = shuffled(self.rng, WORDS)

    def enterprise(self, industry: str, established: date, *, products: int = 1) -> str:
        names, roles, catalogue = INDUSTRIES[industry]
        word = self.words.pop()
        code = self.codes.draw(COUNTY)
        name = self.rng.choice(names).format(w=word)
        self.ledger.enterprise(code, name, self.rng.choice(TOWNS), established, roles)
        classes: set[int] = set()
        for _item, nice, category in self.rng.sample(catalogue, min(products, len(catalogue))):
            if nice in classes:  # a product is trademark × Nice class: one per class
                continue
            classes.add(nice)
            self.ledger.product(code, word, nice, category)
        return code

    # -- common event shapes ---------------------------------------------------------------
    def rating(
        self, code: str, on: date, score: float | None = None, level: str | None = None
    ) -> str | None:
        return self.ledger.event(
            code, "CREDIT_RATING", on, source=RATING_SOURCE, score=score, level=level
        )

    def rated(
        self,
        industry: str,
        established: date,
        rated_on: date,
        *,
        products: int = 1,
        score: float | None = None,
        level: str | None = None,
    ) -> str:
        """An enterprise with a 河南省企业信用综合评价 rating."""
        code = self.enterprise(industry, established, products=products)
        self.rating(code, rated_on, score=score, level=level)
        return code

    def sampling(
        self, code: str, on: date, result: str = "PASS", severity: str | None = None
    ) -> str | None:
        level = self.rng.choice(["NATIONAL", "PROVINCIAL", "MUNICIPAL", "COUNTY", "COUNTY"])
        number = f"舞市监抽〔{on.year}〕{self.rng.randint(1, 300)}号"
        return self.ledger.event(
            code,
            "SAMPLING_INSPECTION",
            on,
            result=result,
            severity=severity,
            level=level,
            documentNo=number,
        )

    def fine(self, code: str, on: date, yuan: int, number: str) -> str | None:
        """A fine with correction ordered (第六条 while it is not rectified)."""
        facts: dict[str, Any] = {"fineYuan": yuan, "correctionOrdered": True, "documentNo": number}
        return self.ledger.event(code, "ADMINISTRATIVE_PENALTY", on, measure="FINE", **facts)

    def day(self, year: int, start_month: int = 1, end_month: int = 12) -> date:
        last = min(date(year, end_month, 28), STANDING)
        return day_between(self.rng, date(year, start_month, 1), last)


def _designed(b: _Builder) -> None:
    """Enterprises built for a given level and rule (as of 2024-10-30)."""
    # A — long established, good Henan rating, clean checks, QMS certificate.
    for year in (1998, 2006):
        c = b.enterprise("steel", date(year, 5, 18), products=2)
        for y in (2021, 2022, 2023, 2024):
            b.rating(c, date(y, 4, 20), score=b.rng.choice([88, 91, 94]))
            b.sampling(c, date(y, 7, 8))
            b.ledger.event(c, "SELF_INSPECTION_REPORT", date(y, 3, 25), year=y - 1, onTime=True)
        b.ledger.event(c, "RECOGNITION", date(2022, 9, 1), type="QMS_CERTIFIED", until="2025-08-31")
    # A by relief (第十三条第二款): band B lowered by three grounds (no accident 3y, 双重预防
    # 体系标杆企业, 非现场监管系统).
    c = b.rated("refractory", date(2009, 3, 12), date(2024, 4, 20), level="B", products=2)
    b.sampling(c, date(2024, 6, 5), "FAIL", "MINOR")
    b.ledger.event(
        c, "RECOGNITION", date(2023, 6, 1), type="DUAL_PREVENTION_BENCHMARK", until="2026-05-31"
    )
    b.ledger.event(
        c, "RECOGNITION", date(2023, 3, 1), type="OFFSITE_MONITORING", until="2025-12-31"
    )

    # B — 第七条（一）: established less than three years (score alone would be A).
    c = b.rated("machinery", date(2023, 3, 6), date(2024, 4, 20), score=86)
    b.sampling(c, date(2024, 5, 16))
    # B — band C (serious sampling failure), lowered one level for three years without accident.
    c = b.enterprise("refractory", date(2012, 8, 30))
    b.sampling(c, date(2024, 3, 14), "FAIL", "SERIOUS")
    b.ledger.event(c, "SELF_INSPECTION_REPORT", date(2024, 3, 28), year=2023, onTime=True)
    # B — 第七条（二） and the C→A lock: fined and ordered to correct in 2023 (D at the end of the
    # 2023 period), repaired in 2024; the score alone would now be A.
    c = b.rated("steel", date(2004, 11, 2), date(2024, 4, 20), score=87)
    ext = b.fine(c, date(2023, 6, 19), 50000, "舞市监罚〔2023〕41号")
    b.ledger.correct(ext, "REPAIR", "已履行行政处罚并完成整改，信用修复申请获准", date(2024, 4, 15))
    # B — 第七条（三）: general accident this year, the enterprise responsible (第十二条（一）).
    c = b.rated("machinery", date(2010, 4, 9), date(2023, 4, 20), score=80)
    b.ledger.event(c, "QUALITY_ACCIDENT", date(2024, 2, 26), severity="GENERAL", responsible=True)
    # B — verified complaints (3 within a year → 第十二条（二） key list).
    c = b.rated("trade", date(2011, 7, 7), date(2024, 4, 20), level="C")
    for m, d in ((1, 12), (5, 3), (8, 21)):
        b.ledger.event(
            c,
            "COMPLAINT",
            date(2024, m, d),
            verified=True,
            resolvedInTime=True,
            enterpriseResponsible=True,
        )
    b.ledger.event(c, "STANDARD_BREACH", date(2024, 6, 11), type="BELOW_DECLARED")
    b.ledger.event(c, "AFTER_SALES_BREACH", date(2024, 9, 2), serious=False)

    # C — young enterprise with a serious failure and a failed check (band C, no relief).
    c = b.enterprise("refractory", date(2022, 6, 15))
    b.sampling(c, date(2024, 4, 10), "FAIL", "SERIOUS")
    b.ledger.event(c, "SUPERVISION_CHECK", date(2024, 7, 2), result="FAIL")
    # C — old, band D (rating C, serious failure, failed check), lowered one level by relief.
    c = b.rated("machinery", date(2001, 9, 9), date(2024, 4, 20), level="C", products=2)
    b.sampling(c, date(2023, 11, 7), "FAIL", "SERIOUS")
    b.ledger.event(c, "SUPERVISION_CHECK", date(2024, 5, 22), result="FAIL")
    # C — 第十三条 accident lock: C on the accident day (2023); the sampling failure was repaired
    # in 2024 and the score fell to B, but the level may not be lowered for three years.
    c = b.enterprise("steel", date(2007, 1, 20))
    ext = b.sampling(c, date(2023, 1, 20), "FAIL", "MINOR")
    b.ledger.event(c, "QUALITY_ACCIDENT", date(2023, 3, 15), severity="GENERAL", responsible=False)
    b.ledger.correct(ext, "REPAIR", "不合格项目已整改并复检合格，准予信用修复", date(2024, 6, 1))
    # C — young enterprise: abnormal-operation listing, late self-inspection, media report.
    c = b.rated("trade", date(2022, 1, 10), date(2023, 4, 20), score=52)
    b.ledger.event(c, "LIST_ENTRY", date(2024, 3, 1), list="ABNORMAL_OPERATION", until="2025-03-01")
    b.ledger.event(c, "SELF_INSPECTION_REPORT", date(2024, 5, 30), year=2023, onTime=False)
    b.ledger.event(c, "PUBLIC_OPINION", date(2024, 7, 19), verified=True)
    b.ledger.event(c, "FALSE_CLAIM", date(2024, 8, 6), harm="MINOR")

    # D — 第六条: fined and ordered to correct in 2024, not rectified.
    c = b.rated("steel", date(2008, 6, 6), date(2024, 4, 20), score=71)
    b.fine(c, date(2024, 5, 28), 120000, "舞市监罚〔2024〕17号")
    # D — 第六条: a major accident in 2022 (within three years), enterprise responsible.
    c = b.rated("machinery", date(2003, 12, 1), date(2022, 4, 20), score=78, products=2)
    b.ledger.event(c, "QUALITY_ACCIDENT", date(2022, 9, 14), severity="MAJOR", responsible=True)
    # D — young enterprise, counterfeit goods and a serious failure: score above 60, no relief.
    c = b.enterprise("trade", date(2022, 8, 18))
    b.sampling(c, date(2024, 2, 27), "FAIL", "SERIOUS")
    b.ledger.event(c, "COUNTERFEIT", date(2024, 2, 27), deliberate=True)
    # D — serious-dishonesty list and a fine with correction ordered (the listing adds 50 points).
    c = b.rated("refractory", date(2014, 2, 14), date(2024, 4, 20), level="D")
    b.ledger.event(
        c, "LIST_ENTRY", date(2024, 6, 30), list="SERIOUS_DISHONESTY", until="2027-06-29"
    )
    b.fine(c, date(2024, 6, 3), 200000, "舞市监罚〔2024〕29号")

    # Corrections on otherwise ordinary enterprises.
    # REVOKE: a fine with correction ordered (would be D) quashed on administrative review → A.
    c = b.rated("refractory", date(2005, 5, 5), date(2024, 4, 20), score=90)
    ext = b.fine(c, date(2024, 3, 12), 30000, "舞市监罚〔2024〕8号")
    b.ledger.correct(ext, "REVOKE", "行政复议决定撤销原处罚决定", date(2024, 7, 30))
    # AMEND: a failure first entered as serious, amended to an ordinary (一般) failure.
    c = b.rated("machinery", date(2013, 3, 3), date(2024, 4, 20), score=83)
    ext = b.sampling(c, date(2024, 4, 25), "FAIL", "SERIOUS")
    b.ledger.correct(
        ext, "AMEND", "复检结论为一般不合格，更正不合格程度", date(2024, 6, 20), severity="MINOR"
    )
    # ERRONEOUS: a check result recorded on the wrong enterprise.
    c = b.rated("steel", date(2015, 9, 1), date(2024, 4, 20), score=84)
    ext = b.ledger.event(c, "SUPERVISION_CHECK", date(2024, 8, 8), result="REFUSED")
    b.ledger.correct(ext, "ERRONEOUS", "录入错误：检查对象为同名外地企业", date(2024, 8, 20))

    # 第十二条（三）: the bureau designates two enterprises for the 2024 key inspection list (the
    # plug-in kind KEY_INSPECTION_DESIGNATION), and one for 2023 only (no longer listed).
    for reason, year in (
        ("承担重点工程用宽厚钢板供货，产品质量安全风险较高", 2024),
        ("耐火材料生产线技改后首年投产", 2024),
        ("2023年度市级专项整治重点企业", 2023),
    ):
        c = b.rated(
            "steel" if "钢" in reason else "refractory",
            date(2010, 10, 10),
            date(year, 4, 20),
            score=80,
        )
        b.ledger.event(
            c,
            "KEY_INSPECTION_DESIGNATION",
            date(year, 2, 20),
            reason=reason,
            year=year,
            documentNo=f"舞市监〔{year}〕{b.rng.randint(10, 90)}号",
        )


def _ordinary(b: _Builder, count: int) -> None:
    """The mass: ratings, annual self-inspection, checks and the occasional failure."""
    kinds = ["steel"] * 4 + ["refractory"] * 4 + ["machinery"] * 4 + ["trade"] * 2
    for _ in range(count):
        est_year = b.rng.choice(range(1993, 2024))
        established = date(est_year, b.rng.randint(1, 12), b.rng.randint(1, 28))
        c = b.enterprise(b.rng.choice(kinds), established, products=b.rng.randint(1, 3))
        for y in range(max(2019, est_year + 1), 2025):
            if b.rng.random() < 0.8:
                b.rating(c, b.day(y, 4, 5), score=b.rng.randint(48, 97))
            if b.rng.random() < 0.9:
                b.ledger.event(
                    c,
                    "SELF_INSPECTION_REPORT",
                    b.day(y, 2, 3),
                    year=y - 1,
                    onTime=b.rng.random() < 0.92,
                )
            if b.rng.random() < 0.6:
                fail = b.rng.random() < 0.15
                severity = b.rng.choice(["MINOR", "MINOR", "SERIOUS"]) if fail else None
                b.sampling(c, b.day(y, 5, 10), "FAIL" if fail else "PASS", severity)
            if b.rng.random() < 0.4:
                b.ledger.event(
                    c,
                    "SUPERVISION_CHECK",
                    b.day(y, 3, 11),
                    result="FAIL" if b.rng.random() < 0.08 else "PASS",
                )
            if b.rng.random() < 0.05:
                fine = b.rng.choice([None, 2000, 5000, 10000])
                b.ledger.event(
                    c,
                    "ADMINISTRATIVE_PENALTY",
                    b.day(y),
                    measure="FINE" if fine else "WARNING",
                    fineYuan=fine,
                    minor=True,
                )
            if b.rng.random() < 0.1:
                b.ledger.event(
                    c, "COMPLAINT", b.day(y), verified=b.rng.random() < 0.5, resolvedInTime=True
                )
        if b.rng.random() < 0.1 and est_year < 2018:
            # an old general accident (2019–2020): relief is reached three years later
            b.ledger.event(
                c,
                "QUALITY_ACCIDENT",
                b.day(b.rng.choice([2019, 2020])),
                severity="GENERAL",
                responsible=b.rng.random() < 0.5,
            )


def demo_records(today: date) -> list[dict[str, Any]]:
    b = _Builder(today)
    _designed(b)
    _ordinary(b, 60)
    return b.ledger.all()
