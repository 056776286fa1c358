"""Demonstration data for 佳木斯市 (``qcredit demo``).

About 80 enterprises in the districts, counties and county-level cities of 佳木斯市 — rice, soybean
and dairy processors, wood-based panels, paper, fertiliser, cement, cable and farm-machinery
makers, traders — with products and several years of events.  A few enterprises per class are
designed on purpose so that every class of 佳市监发〔2020〕42号 appears on the standing date:

* A 守信 — established 3+ years, three clean years, no complaint of its own this year;
* B 基本守信 — established 2–3 years, or a failed sampling / penalty in the last three years but
  not this year, or an own complaint solved in time this year;
* C 失信 — a failed sampling or refused check this year, a licence under rectification, a minor
  false claim, an unresolved complaint, a general accident, a fine this year, or the text's gap
  (established less than 2 years);
* D 严重失信 — an expired or revoked licence, overdue rectification, two failed samplings in a
  row this year, deliberate counterfeiting, a major false claim or accident, production without a
  standard, a revocation-level penalty, a serious after-sales breach.

Everything depends only on ``today`` and a fixed seed, and every event and correction carries an
``externalId`` starting ``demo-jiamusi-`` so that loading the demo twice changes nothing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from qcredit.core.identifiers import CREDIT_CODE_CHARSET, credit_code_check_character
from qcredit.core.temporal import add_years

SEED = 2308_2020
PREFIX = "demo-jiamusi-"

# County-level units of 佳木斯市 with the short place name used in company names and a few
# town/street suffixes (9-digit codes = county + 3 digits).
COUNTIES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("230803", "佳木斯", ("001", "003", "005")),  # 向阳区
    ("230804", "佳木斯", ("002", "004")),  # 前进区
    ("230805", "佳木斯", ("001", "006")),  # 东风区
    ("230811", "佳木斯", ("100", "101", "102")),  # 郊区
    ("230822", "桦南", ("100", "101")),  # 桦南县
    ("230826", "桦川", ("100", "102")),  # 桦川县
    ("230828", "汤原", ("100", "103")),  # 汤原县
    ("230881", "同江", ("001", "100")),  # 同江市
    ("230882", "富锦", ("001", "101", "104")),  # 富锦市
    ("230883", "抚远", ("001", "100")),  # 抚远市
)


@dataclass(frozen=True)
class Industry:
    word: str  # the trade word in the company name
    roles: tuple[str, ...]
    licence: str | None  # 工业产品生产许可证 product category, if the trade needs one
    licence_code: str  # XKnn-nnn part of the licence number
    products: tuple[tuple[int, str], ...]  # (Nice class, category)
    places: tuple[str, ...] = ()  # preferred counties (empty = anywhere)


INDUSTRIES: tuple[Industry, ...] = (
    Industry("米业", ("PRODUCER",), None, "", ((30, "大米"),), ("230882", "230826", "230828")),
    Industry("粮油", ("PRODUCER",), None, "", ((29, "大豆油"), (30, "面粉")), ("230882", "230811")),
    Industry("乳业", ("PRODUCER",), None, "", ((29, "乳制品"),), ("230811", "230822")),
    Industry("酒业", ("PRODUCER",), None, "", ((33, "白酒"),), ("230822", "230803")),
    Industry("水产食品", ("PRODUCER",), None, "", ((29, "鲟鳇鱼制品"),), ("230883", "230881")),
    Industry("木业", ("PRODUCER",), "人造板", "XK25-001", ((19, "胶合板"), (19, "细木工板"))),
    Industry("纸业", ("PRODUCER",), "食品相关产品", "XK16-204", ((16, "食品用纸包装"),)),
    Industry("化肥", ("PRODUCER",), "化肥", "XK13-011", ((1, "复混肥料"), (1, "掺混肥料"))),
    Industry("水泥", ("PRODUCER",), "水泥", "XK08-001", ((19, "通用硅酸盐水泥"),)),
    Industry("电缆", ("PRODUCER",), "电线电缆", "XK06-001", ((9, "电力电缆"), (9, "架空绞线"))),
    Industry("化工", ("PRODUCER",), "危险化学品", "XK13-014", ((1, "工业甲醇"),)),
    Industry("包装", ("PRODUCER",), "食品相关产品", "XK16-205", ((16, "塑料编织袋"),)),
    Industry("防水材料", ("PRODUCER",), "建筑防水卷材", "XK23-003", ((19, "改性沥青防水卷材"),)),
    Industry("农机", ("PRODUCER", "SELLER"), None, "", ((7, "联合收割机"), (7, "水稻插秧机"))),
    Industry("电机", ("PRODUCER",), None, "", ((7, "防爆电机"),), ("230803", "230805")),
    Industry("商贸", ("SELLER",), None, "", ((30, "杂粮"), (29, "蜂蜜"))),
)

BRANDS = (
    "三江",
    "松花",
    "北大荒",
    "东极",
    "黑土",
    "乌苏",
    "龙江",
    "华川",
    "星火",
    "兴旺",
    "鑫源",
    "金穗",
    "绿洲",
    "沃野",
    "丰泽",
    "鸿达",
    "恒盛",
    "瑞丰",
    "宏图",
    "佳禾",
    "德润",
    "永安",
    "金秋",
    "银河",
    "天顺",
    "嘉信",
    "盛世",
    "新程",
    "晨光",
    "荣发",
    "汇通",
    "博远",
    "泰和",
    "福源",
    "康达",
    "中盛",
    "远东",
    "华泰",
    "群力",
    "聚源",
    "长青",
    "宝泉",
    "正阳",
    "惠民",
    "安邦",
    "利民",
    "金港",
    "江滨",
    "雪原",
    "林海",
    "青龙",
    "白桦",
    "红旗",
    "富源",
    "禾丰",
)
TRADEMARKS = (
    "三江源",
    "东极光",
    "黑土情",
    "松江月",
    "北疆",
    "稻花乡",
    "金龙湾",
    "寒地",
    "乌苏里",
    "佳禾",
    "金粒",
    "龙兴",
    "江畔",
    "雪峰",
    "白山",
    "绿野",
    "丰收季",
    "华川",
    "禾韵",
)
SUFFIXES = ("有限公司", "有限责任公司", "股份有限公司")
LEVELS_OF_CHECK = ("NATIONAL", "PROVINCIAL", "MUNICIPAL", "COUNTY")


@dataclass
class _Ent:
    code: str
    name: str
    region: str
    county: str
    established: date
    industry: Industry
    products: list[tuple[str, int, str]] = field(default_factory=list)
    licence_no: str | None = None


class _Demo:
    def __init__(self, today: date) -> None:
        self.today = today
        self.rng = random.Random(SEED)
        self.records: list[dict[str, Any]] = []
        self.corrections: list[dict[str, Any]] = []
        self.intent: dict[str, str] = {}
        self._codes: set[str] = set()
        self._names: set[str] = set()
        self._n = 0
        self._licence_serial = 100

    # -- dates -------------------------------------------------------------------------------
    def ago(self, days: int) -> date:
        return self.today - timedelta(days=max(0, days))

    def this_year(self, late: bool = False) -> date:
        """A day of the current calendar year up to today (``late``: the last weeks)."""
        start = date(self.today.year, 1, 1)
        span = (self.today - start).days
        low = max(0, span - 40) if late else 0
        return start + timedelta(days=self.rng.randint(low, span) if span else 0)

    def last_year(self) -> date:
        """A day of the previous calendar year (within any three-year window)."""
        return date(self.today.year - 1, 1, 1) + timedelta(days=self.rng.randint(0, 364))

    def long_ago(self) -> date:
        """A day safely more than three years before today."""
        return self.ago(3 * 366 + self.rng.randint(40, 700))

    def established(self, low_years: float, high_years: float) -> date:
        return self.ago(int(self.rng.uniform(low_years, high_years) * 365.25))

    # -- identities --------------------------------------------------------------------------
    def credit_code(self, county: str) -> str:
        while True:
            body = "".join(self.rng.choice(CREDIT_CODE_CHARSET) for _ in range(9))
            first17 = "91" + county + body
            code = first17 + credit_code_check_character(first17)
            if code not in self._codes:
                self._codes.add(code)
                return code

    def name(self, place: str, word: str) -> str:
        while True:
            name = f"{place}{self.rng.choice(BRANDS)}{word}{self.rng.choice(SUFFIXES)}"
            if name not in self._names:
                self._names.add(name)
                return name

    # -- records -----------------------------------------------------------------------------
    def enterprise(
        self,
        established: date,
        industry: Industry | None = None,
        *,
        licensed: bool | None = None,
        intent: str | None = None,
    ) -> _Ent:
        rng = self.rng
        if industry is None:
            pool = INDUSTRIES
            if licensed is not None:
                pool = tuple(i for i in INDUSTRIES if (i.licence is not None) == licensed)
            industry = rng.choice(pool)
        counties = [c for c in COUNTIES if not industry.places or c[0] in industry.places]
        county, place, towns = rng.choice(counties)
        region = county + rng.choice(towns) if rng.random() < 0.35 else county
        ent = _Ent(
            self.credit_code(county),
            self.name(place, industry.word),
            region,
            county,
            established,
            industry,
        )
        self.records.append(
            {
                "type": "enterprise",
                "code": ent.code,
                "name": ent.name,
                "regionCode": region,
                "establishedOn": established.isoformat(),
                "roles": list(industry.roles),
            }
        )
        marks = rng.sample(TRADEMARKS, 2)
        for i, (nice, category) in enumerate(industry.products):
            mark = marks[0] if i == 0 or rng.random() < 0.5 else marks[1]
            if any(p[0] == mark and p[1] == nice for p in ent.products):
                mark = marks[1] if mark == marks[0] else marks[0]
            ent.products.append((mark, nice, category))
            self.records.append(
                {
                    "type": "product",
                    "enterpriseCode": ent.code,
                    "trademark": mark,
                    "niceClass": nice,
                    "category": category,
                }
            )
        if intent:
            self.intent[ent.code] = intent
        return ent

    def event(
        self,
        ent: _Ent,
        kind: str,
        on: date,
        product: bool = False,
        **attributes: Any,
    ) -> str:
        assert on <= self.today, (kind, on)
        on = max(on, ent.established)
        self._n += 1
        ext = f"{PREFIX}{self._n:05d}"
        record: dict[str, Any] = {
            "type": "event",
            "enterpriseCode": ent.code,
            "kind": kind,
            "occurredOn": on.isoformat(),
            "attributes": attributes,
            "externalId": ext,
        }
        if product:
            mark, nice, _ = self.rng.choice(ent.products)
            record["trademark"], record["niceClass"] = mark, nice
        self.records.append(record)
        return ext

    def correct(self, target: str, action: str, on: date, reason: str, **changes: Any) -> None:
        self._n += 1
        record: dict[str, Any] = {
            "type": "correction",
            "eventExternalId": target,
            "action": action,
            "reason": reason,
            "effectiveOn": on.isoformat(),
            "externalId": f"{PREFIX}{self._n:05d}",
        }
        if changes:
            record["attributes"] = changes
        self.corrections.append(record)

    # -- histories ---------------------------------------------------------------------------
    def licence(self, ent: _Ent, *, keep_valid: bool = True) -> None:
        """A production licence granted after establishment and renewed every five years."""
        if ent.industry.licence is None:
            return
        self._licence_serial += self.rng.randint(1, 37)
        ent.licence_no = f"(黑)XK{ent.industry.licence_code[2:]}-{self._licence_serial:05d}"
        granted = max(
            ent.established + timedelta(days=self.rng.randint(60, 200)), self.ago(9 * 365)
        )
        granted = min(granted, self.ago(5))
        while True:
            until = add_years(granted, 5) - timedelta(days=1)
            self.event(
                ent,
                "LICENCE",
                granted,
                status="GRANTED",
                licenceNo=ent.licence_no,
                productCategory=ent.industry.licence,
                validUntil=until.isoformat(),
            )
            renew = until - timedelta(days=self.rng.randint(20, 90))
            if not keep_valid or until >= self.today or renew > self.today:
                return
            granted = renew

    def clean_history(self, ent: _Ent, *, until: date | None = None) -> None:
        """Passed samplings and checks, self-inspection reports and certificates over the years."""
        rng = self.rng
        end = until or self.today
        start = max(ent.established + timedelta(days=30), self.ago(6 * 365))
        day = start + timedelta(days=rng.randint(20, 150))
        while day <= end:
            if rng.random() < 0.7:
                self.event(
                    ent,
                    "SAMPLING_INSPECTION",
                    day,
                    product=True,
                    result="PASS",
                    level=rng.choice(LEVELS_OF_CHECK),
                )
            else:
                self.event(ent, "SUPERVISION_CHECK", day, result="PASS")
            day += timedelta(days=rng.randint(120, 330))
        if ent.licence_no:
            for year in range(max(ent.established.year, self.today.year - 5), self.today.year):
                filed = date(year + 1, 1, rng.randint(10, 28))
                if filed <= end:
                    self.event(ent, "SELF_INSPECTION_REPORT", filed, year=year, onTime=True)
        if rng.random() < 0.3 and ent.established < self.ago(800):
            self.event(
                ent,
                "RECOGNITION",
                self.ago(rng.randint(200, 700)),
                type="QMS_CERTIFIED",
                until=add_years(self.today, 2).isoformat(),
            )

    def ordinary(self, established: date) -> None:
        """An enterprise with an ordinary record: mostly clean, now and then a failure."""
        rng = self.rng
        ent = self.enterprise(established)
        self.licence(ent)
        self.clean_history(ent)
        roll = rng.random()
        if roll < 0.12:  # an old failure, long put right
            self.event(
                ent,
                "SAMPLING_INSPECTION",
                self.long_ago(),
                product=True,
                result="FAIL",
                severity="MINOR",
                level="PROVINCIAL",
            )
        elif roll < 0.22:  # a failure last year: 3-year record not clean
            self.event(
                ent,
                "SAMPLING_INSPECTION",
                self.last_year(),
                product=True,
                result="FAIL",
                severity="MINOR",
                level="MUNICIPAL",
            )
        elif roll < 0.27:
            self.event(
                ent,
                "ADMINISTRATIVE_PENALTY",
                self.last_year(),
                measure="FINE",
                fineYuan=float(rng.choice((5000, 8000, 20000))),
                correctionOrdered=True,
                documentNo=f"佳市监罚〔{self.today.year - 1}〕{rng.randint(10, 300)}号",
            )
        elif roll < 0.32:  # failed this year
            self.event(
                ent,
                "SAMPLING_INSPECTION",
                self.this_year(),
                product=True,
                result="FAIL",
                severity="MINOR",
                level="MUNICIPAL",
            )
        if rng.random() < 0.15:
            self.event(
                ent,
                "COMPLAINT",
                self.this_year(),
                product=True,
                verified=True,
                enterpriseResponsible=rng.random() < 0.3,
                resolvedInTime=True,
            )

    # -- the designed cases ------------------------------------------------------------------
    def designed(self) -> None:
        rng, today = self.rng, self.today
        ty = self.this_year

        # A 守信: old, clean, licensed, a few with recognitions and an old put-right failure.
        for i in range(6):
            ent = self.enterprise(self.established(6, 25), licensed=i < 4, intent="A")
            self.licence(ent)
            self.clean_history(ent)
            if i == 0:
                self.event(ent, "RECOGNITION", self.ago(300), product=True, type="BRAND_AWARD")
            if i == 1:
                self.event(
                    ent,
                    "SAMPLING_INSPECTION",
                    self.long_ago(),
                    product=True,
                    result="FAIL",
                    severity="MINOR",
                    level="PROVINCIAL",
                )
            if i == 2:  # a complaint that was not the enterprise's responsibility
                self.event(
                    ent,
                    "COMPLAINT",
                    ty(),
                    product=True,
                    verified=True,
                    enterpriseResponsible=False,
                    resolvedInTime=True,
                )
        # A after a REVOKE: a failed sampling this year, revoked (sampling procedure flawed).
        ent = self.enterprise(self.established(8, 20), licensed=True, intent="A")
        self.licence(ent)
        self.clean_history(ent)
        fail = self.event(
            ent,
            "SAMPLING_INSPECTION",
            ty(),
            product=True,
            result="FAIL",
            severity="MINOR",
            level="MUNICIPAL",
        )
        self.correct(fail, "REVOKE", today, "抽样程序违法，检验结论经复议撤销")
        # A after a REPAIR: a small fine last year, credit repaired.
        ent = self.enterprise(self.established(5, 15), licensed=False, intent="A")
        self.clean_history(ent)
        fine = self.event(
            ent,
            "ADMINISTRATIVE_PENALTY",
            self.last_year(),
            measure="FINE",
            fineYuan=3000.0,
            minor=True,
            documentNo=f"佳市监罚〔{today.year - 1}〕57号",
        )
        self.correct(fine, "REPAIR", today, "已履行处罚并完成信用修复")

        # B 基本守信.
        for _ in range(3):  # established between 2 and 3 years ago
            ent = self.enterprise(self.established(2.15, 2.85), intent="B")
            self.licence(ent)
            self.clean_history(ent)
        ent = self.enterprise(self.established(6, 20), licensed=True, intent="B")
        self.licence(ent)
        self.clean_history(ent)
        self.event(
            ent,
            "SAMPLING_INSPECTION",
            self.last_year(),
            product=True,
            result="FAIL",
            severity="MINOR",
            level="PROVINCIAL",
        )
        ent = self.enterprise(self.established(6, 20), licensed=False, intent="B")
        self.clean_history(ent)
        self.event(
            ent,
            "ADMINISTRATIVE_PENALTY",
            self.last_year(),
            measure="WARNING",
            correctionOrdered=True,
        )
        ent = self.enterprise(self.established(4, 12), licensed=False, intent="B")
        self.clean_history(ent)
        self.event(
            ent,
            "COMPLAINT",
            ty(),
            product=True,
            verified=True,
            enterpriseResponsible=True,
            resolvedInTime=True,
        )
        # B after an AMEND: a check recorded as FAIL last year, amended (still FAIL, new note).
        ent = self.enterprise(self.established(6, 18), licensed=True, intent="B")
        self.licence(ent)
        self.clean_history(ent)
        check = self.event(ent, "SUPERVISION_CHECK", self.last_year(), result="FAIL")
        self.correct(
            check,
            "AMEND",
            today,
            "检查记录补充文书号",
            documentNo=f"佳市监检〔{today.year - 1}〕031号",
        )

        # C 失信.
        def c_case(*, licensed: bool | None = None) -> _Ent:
            ent = self.enterprise(self.established(4, 20), licensed=licensed, intent="C")
            self.licence(ent)
            self.clean_history(ent)
            return ent

        ent = c_case()
        self.event(
            ent,
            "SAMPLING_INSPECTION",
            ty(True),
            product=True,
            result="FAIL",
            severity="MINOR",
            level="PROVINCIAL",
        )
        ent = c_case()
        self.event(ent, "SUPERVISION_CHECK", ty(True), result="REFUSED")
        ent = c_case(licensed=True)
        assert ent.licence_no
        self.event(
            ent,
            "LICENCE",
            self.ago(20),
            status="NONCOMPLIANT",
            licenceNo=ent.licence_no,
            productCategory=ent.industry.licence,
            rectifyBy=(today + timedelta(days=90)).isoformat(),
        )
        ent = c_case()
        self.event(ent, "FALSE_CLAIM", ty(), product=True, harm="MINOR")
        ent = c_case()
        self.event(
            ent,
            "COMPLAINT",
            ty(),
            product=True,
            verified=True,
            enterpriseResponsible=True,
            resolvedInTime=False,
        )
        ent = c_case()
        self.event(ent, "QUALITY_ACCIDENT", ty(), product=True, severity="GENERAL")
        ent = c_case()
        self.event(ent, "AFTER_SALES_BREACH", ty(), serious=False)
        ent = c_case()
        self.event(
            ent,
            "ADMINISTRATIVE_PENALTY",
            ty(),
            measure="FINE",
            fineYuan=30000.0,
            correctionOrdered=True,
            documentNo=f"佳市监罚〔{today.year}〕88号",
        )
        ent = c_case()
        self.event(ent, "STANDARD_BREACH", ty(), product=True, type="BELOW_DECLARED")
        for _ in range(3):  # the gap: clean but established less than 2 years ago
            ent = self.enterprise(self.established(0.3, 1.8), intent="C")
            self.licence(ent)
            self.clean_history(ent)

        # D 严重失信.
        def d_case(*, licensed: bool | None = None, renew: bool = True) -> _Ent:
            ent = self.enterprise(self.established(5, 22), licensed=licensed, intent="D")
            if renew:
                self.licence(ent)
            self.clean_history(ent, until=date(today.year - 1, 12, 31))
            return ent

        ent = d_case(licensed=True, renew=False)  # licence expired, not renewed
        self._expired_licence(ent)
        ent = d_case(licensed=True)
        assert ent.licence_no
        self.event(
            ent,
            "ADMINISTRATIVE_PENALTY",
            self.ago(rng.randint(10, 60)),
            measure="LICENCE_REVOKED",
            documentNo=f"佳市监罚〔{today.year}〕12号",
        )
        self.event(
            ent,
            "LICENCE",
            self.ago(5),
            status="REVOKED",
            licenceNo=ent.licence_no,
            productCategory=ent.industry.licence,
        )
        ent = d_case(licensed=True)
        assert ent.licence_no
        self.event(
            ent,
            "LICENCE",
            self.ago(150),
            status="NONCOMPLIANT",
            licenceNo=ent.licence_no,
            productCategory=ent.industry.licence,
            rectifyBy=self.ago(30).isoformat(),
        )
        ent = d_case()  # two failed samplings in a row this year
        first = ty(True)
        self.event(
            ent,
            "SAMPLING_INSPECTION",
            first,
            product=True,
            result="FAIL",
            severity="MINOR",
            level="MUNICIPAL",
        )
        self.event(
            ent,
            "SAMPLING_INSPECTION",
            min(today, first + timedelta(days=14)),
            product=True,
            result="FAIL",
            severity="SERIOUS",
            level="PROVINCIAL",
        )
        ent = d_case()
        self.event(ent, "COUNTERFEIT", ty(), product=True, deliberate=True)
        ent = d_case()  # a false claim first recorded as minor, amended to major harm
        claim = self.event(ent, "FALSE_CLAIM", ty(), product=True, harm="MINOR")
        self.correct(claim, "AMEND", today, "经核查虚假宣传造成重大损失", harm="MAJOR")
        ent = d_case()
        self.event(ent, "STANDARD_BREACH", ty(), product=True, type="NO_STANDARD")
        ent = d_case()
        self.event(
            ent,
            "ADMINISTRATIVE_PENALTY",
            ty(),
            measure="CONFISCATION",
            fineYuan=150000.0,
            criminalReferral=True,
        )
        ent = d_case()
        self.event(ent, "AFTER_SALES_BREACH", ty(), serious=True)
        ent = d_case()
        self.event(ent, "QUALITY_ACCIDENT", ty(), product=True, severity="MAJOR", responsible=True)

    def _expired_licence(self, ent: _Ent) -> None:
        assert ent.industry.licence is not None
        self._licence_serial += 7
        ent.licence_no = f"(黑)XK{ent.industry.licence_code[2:]}-{self._licence_serial:05d}"
        until = self.ago(self.rng.randint(20, 200))
        granted = add_years(until + timedelta(days=1), -5)
        self.event(
            ent,
            "LICENCE",
            max(granted, ent.established),
            status="GRANTED",
            licenceNo=ent.licence_no,
            productCategory=ent.industry.licence,
            validUntil=until.isoformat(),
        )

    def build(self) -> list[dict[str, Any]]:
        self.designed()
        for _ in range(50):
            years = self.rng.choice((0.5, 1.5, 2.5, 3.5, 5, 8, 12, 18, 25))
            self.ordinary(self.established(years * 0.8, years * 1.2))
        return self.records + self.corrections


def demo_plan(today: date) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The demo records and the class each designed enterprise is meant to get (by code)."""
    demo = _Demo(today)
    records = demo.build()
    return records, demo.intent


def demo_records(today: date) -> list[dict[str, Any]]:
    """Deterministic demonstration records for 佳木斯市 (see the module docstring)."""
    return demo_plan(today)[0]
