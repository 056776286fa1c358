"""Demonstration data for 佳木斯市 (``qcredit demo``).

About 80 enterprises in the districts, counties and county-level cities of 佳木斯市 — rice, soybean
and dairy processors, wood-based panels, paper, fertiliser, cement, cable and farm-machinery
makers, traders — with products and several years of events.  A few enterprises per class are
designed on purpose so that every class of 佳市监发〔2020〕42号 appears on the standing date:

* A 守信 — established 3+ years, three clean years, no complaint of its own this year;
* B 基本守信 — established 2–3 years, or a failed sampling / penalty in the last three years but
  not this year, or an own complaint solved in time this year;
* C 失信 — a failed sampling or refused check this year, a licence under rectification, a minor
  false claim, an unresolved complaint, a general accident, or a fine this year;
* N 暂不定级 — the text's gap: clean, but established less than 2 years ago;
* D 严重失信 — an expired or revoked licence, overdue rectification, two failed samplings in a
  row this year, deliberate counterfeiting, a major false claim or accident, production without a
  standard, a revocation-level penalty, a serious after-sales breach.

Everything depends only on ``today`` and a fixed seed, and every event and correction carries an
``externalId`` starting ``demo-jiamusi-`` so that loading the demo twice changes nothing.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from qcredit.core.temporal import add_years
from qcredit.core.testing.demo import Demo, DemoEnterprise, Place, Trade

SEED = 2308_2020
PREFIX = "demo-jiamusi-"

# County-level units of 佳木斯市 with the short place name used in company names and a few
# town/street suffixes (9-digit codes = county + 3 digits).
COUNTIES: tuple[Place, ...] = (
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


INDUSTRIES: tuple[Trade, ...] = (
    Trade("米业", ("PRODUCER",), None, "", ((30, "大米"),), ("230882", "230826", "230828")),
    Trade("粮油", ("PRODUCER",), None, "", ((29, "大豆油"), (30, "面粉")), ("230882", "230811")),
    Trade("乳业", ("PRODUCER",), None, "", ((29, "乳制品"),), ("230811", "230822")),
    Trade("酒业", ("PRODUCER",), None, "", ((33, "白酒"),), ("230822", "230803")),
    Trade("水产食品", ("PRODUCER",), None, "", ((29, "鲟鳇鱼制品"),), ("230883", "230881")),
    Trade("木业", ("PRODUCER",), "人造板", "XK25-001", ((19, "胶合板"), (19, "细木工板"))),
    Trade("纸业", ("PRODUCER",), "食品相关产品", "XK16-204", ((16, "食品用纸包装"),)),
    Trade("化肥", ("PRODUCER",), "化肥", "XK13-011", ((1, "复混肥料"), (1, "掺混肥料"))),
    Trade("水泥", ("PRODUCER",), "水泥", "XK08-001", ((19, "通用硅酸盐水泥"),)),
    Trade("电缆", ("PRODUCER",), "电线电缆", "XK06-001", ((9, "电力电缆"), (9, "架空绞线"))),
    Trade("化工", ("PRODUCER",), "危险化学品", "XK13-014", ((1, "工业甲醇"),)),
    Trade("包装", ("PRODUCER",), "食品相关产品", "XK16-205", ((16, "塑料编织袋"),)),
    Trade("防水材料", ("PRODUCER",), "建筑防水卷材", "XK23-003", ((19, "改性沥青防水卷材"),)),
    Trade("农机", ("PRODUCER", "SELLER"), None, "", ((7, "联合收割机"), (7, "水稻插秧机"))),
    Trade("电机", ("PRODUCER",), None, "", ((7, "防爆电机"),), ("230803", "230805")),
    Trade("商贸", ("SELLER",), None, "", ((30, "杂粮"), (29, "蜂蜜"))),
)

BRANDS = tuple(
    "三江 松花 北大荒 东极 黑土 乌苏 龙江 华川 星火 兴旺 鑫源 金穗 绿洲 "
    "沃野 丰泽 鸿达 恒盛 瑞丰 宏图 佳禾 德润 永安 金秋 银河 天顺 嘉信 "
    "盛世 新程 晨光 荣发 汇通 博远 泰和 福源 康达 中盛 远东 华泰 群力 "
    "聚源 长青 宝泉 正阳 惠民 安邦 利民 金港 江滨 雪原 林海 青龙 白桦 "
    "红旗 富源 禾丰".split()
)
TRADEMARKS = tuple(
    "三江源 东极光 黑土情 松江月 北疆 稻花乡 金龙湾 寒地 乌苏里 佳禾 金粒 "
    "龙兴 江畔 雪峰 白山 绿野 丰收季 华川 禾韵".split()
)
LEVELS_OF_CHECK = ("NATIONAL", "PROVINCIAL", "MUNICIPAL", "COUNTY")


class _Demo(Demo):
    places = COUNTIES
    brands = BRANDS
    trademarks = TRADEMARKS
    town_share = 0.35
    licence_issuer = "(黑)"
    licence_serial_step = 37
    licence_grant_days = (60, 200)

    def __init__(self, today: date) -> None:
        super().__init__(today, SEED, PREFIX)

    # -- dates -------------------------------------------------------------------------------
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

    # -- records -----------------------------------------------------------------------------
    def firm(
        self, established: date, *, licensed: bool | None = None, intent: str | None = None
    ) -> DemoEnterprise:
        """An enterprise of a trade drawn at random (``licensed``: among those that need a
        production licence, or among those that do not)."""
        pool = INDUSTRIES
        if licensed is not None:
            pool = tuple(i for i in INDUSTRIES if (i.licence is not None) == licensed)
        return self.enterprise(established, self.rng.choice(pool), intent=intent)

    def penalty(self, ent: DemoEnterprise, on: date, measure: str, **more: Any) -> str | None:
        return self.event(ent, "ADMINISTRATIVE_PENALTY", on, measure=measure, **more)

    def complaint(
        self, ent: DemoEnterprise, on: date, *, responsible: bool, in_time: bool = True
    ) -> None:
        """A verified complaint about one of ``ent``'s products (四（三）: own complaints)."""
        self.event(
            ent,
            "COMPLAINT",
            on,
            product=True,
            verified=True,
            enterpriseResponsible=responsible,
            resolvedInTime=in_time,
        )

    # -- histories ---------------------------------------------------------------------------
    def clean_history(self, ent: DemoEnterprise, *, until: date | None = None) -> None:
        """Passed samplings and checks, self-inspection reports and certificates over the years."""
        rng = self.rng
        end = until or self.today
        self.passed_checks(ent, sampling_share=0.7, levels=LEVELS_OF_CHECK, until=end)
        if ent.licence_no:
            for year in range(max(ent.established.year, self.today.year - 5), self.today.year):
                filed = date(year + 1, 1, rng.randint(10, 28))
                if filed <= end:
                    self.event(ent, "SELF_INSPECTION_REPORT", filed, year=year, onTime=True)
        if rng.random() < 0.3 and ent.established < self.ago(800):
            on, until_on = self.ago(rng.randint(200, 700)), add_years(self.today, 2).isoformat()
            self.event(ent, "RECOGNITION", on, type="QMS_CERTIFIED", until=until_on)

    def ordinary(self, established: date) -> None:
        """An enterprise with an ordinary record: mostly clean, now and then a failure."""
        rng = self.rng
        ent = self.firm(established)
        self.licence(ent)
        self.clean_history(ent)
        roll = rng.random()
        if roll < 0.12:  # an old failure, long put right
            self.failed_sampling(ent, self.long_ago())
        elif roll < 0.22:  # a failure last year: 3-year record not clean
            self.failed_sampling(ent, self.last_year(), level="MUNICIPAL")
        elif roll < 0.27:
            on, fine = self.last_year(), float(rng.choice((5000, 8000, 20000)))
            number = f"佳市监罚〔{self.today.year - 1}〕{rng.randint(10, 300)}号"
            self.penalty(ent, on, "FINE", fineYuan=fine, correctionOrdered=True, documentNo=number)
        elif roll < 0.32:  # failed this year
            self.failed_sampling(ent, self.this_year(), level="MUNICIPAL")
        if rng.random() < 0.15:
            self.complaint(ent, self.this_year(), responsible=rng.random() < 0.3)

    # -- the designed cases ------------------------------------------------------------------
    def designed(self) -> None:
        rng, today = self.rng, self.today
        ty = self.this_year

        # A 守信: old, clean, licensed, a few with recognitions and an old put-right failure.
        for i in range(6):
            ent = self.firm(self.established(6, 25), licensed=i < 4, intent="A")
            self.licence(ent)
            self.clean_history(ent)
            if i == 0:
                self.event(ent, "RECOGNITION", self.ago(300), product=True, type="BRAND_AWARD")
            if i == 1:
                self.failed_sampling(ent, self.long_ago())
            if i == 2:  # a complaint that was not the enterprise's responsibility
                self.complaint(ent, ty(), responsible=False)
        # A after a REVOKE: a failed sampling this year, revoked (sampling procedure flawed).
        ent = self.firm(self.established(8, 20), licensed=True, intent="A")
        self.licence(ent)
        self.clean_history(ent)
        fail = self.failed_sampling(ent, ty(), level="MUNICIPAL")
        self.correct(fail, "REVOKE", today, "抽样程序违法，检验结论经复议撤销")
        # A after a REPAIR: a small fine last year, credit repaired.
        ent = self.firm(self.established(5, 15), licensed=False, intent="A")
        self.clean_history(ent)
        number = f"佳市监罚〔{today.year - 1}〕57号"
        fine = self.penalty(
            ent, self.last_year(), "FINE", fineYuan=3000.0, minor=True, documentNo=number
        )
        self.correct(fine, "REPAIR", today, "已履行处罚并完成信用修复")

        # B 基本守信.
        for _ in range(3):  # established between 2 and 3 years ago
            ent = self.firm(self.established(2.15, 2.85), intent="B")
            self.licence(ent)
            self.clean_history(ent)
        ent = self.firm(self.established(6, 20), licensed=True, intent="B")
        self.licence(ent)
        self.clean_history(ent)
        self.failed_sampling(ent, self.last_year())
        ent = self.firm(self.established(6, 20), licensed=False, intent="B")
        self.clean_history(ent)
        self.penalty(ent, self.last_year(), "WARNING", correctionOrdered=True)
        ent = self.firm(self.established(4, 12), licensed=False, intent="B")
        self.clean_history(ent)
        self.complaint(ent, ty(), responsible=True)
        # B after an AMEND: a check recorded as FAIL last year, amended (still FAIL, new note).
        ent = self.firm(self.established(6, 18), licensed=True, intent="B")
        self.licence(ent)
        self.clean_history(ent)
        check = self.event(ent, "SUPERVISION_CHECK", self.last_year(), result="FAIL")
        number = f"佳市监检〔{today.year - 1}〕031号"
        self.correct(check, "AMEND", today, "检查记录补充文书号", documentNo=number)

        # C 失信.
        def c_case(*, licensed: bool | None = None) -> DemoEnterprise:
            ent = self.firm(self.established(4, 20), licensed=licensed, intent="C")
            self.licence(ent)
            self.clean_history(ent)
            return ent

        self.failed_sampling(c_case(), ty(True))
        self.event(c_case(), "SUPERVISION_CHECK", ty(True), result="REFUSED")
        rectify_by = (today + timedelta(days=90)).isoformat()
        self.licence_status(
            c_case(licensed=True), self.ago(20), "NONCOMPLIANT", rectifyBy=rectify_by
        )
        self.event(c_case(), "FALSE_CLAIM", ty(), product=True, harm="MINOR")
        self.complaint(c_case(), ty(), responsible=True, in_time=False)
        self.event(c_case(), "QUALITY_ACCIDENT", ty(), product=True, severity="GENERAL")
        self.event(c_case(), "AFTER_SALES_BREACH", ty(), serious=False)
        ent, number = c_case(), f"佳市监罚〔{today.year}〕88号"
        self.penalty(ent, ty(), "FINE", fineYuan=30000.0, correctionOrdered=True, documentNo=number)
        self.event(c_case(), "STANDARD_BREACH", ty(), product=True, type="BELOW_DECLARED")
        # N 暂不定级 — the gap: clean but established less than 2 years ago.
        for _ in range(3):
            ent = self.firm(self.established(0.3, 1.8), intent="N")
            self.licence(ent)
            self.clean_history(ent)

        # D 严重失信.
        def d_case(*, licensed: bool | None = None, renew: bool = True) -> DemoEnterprise:
            ent = self.firm(self.established(5, 22), licensed=licensed, intent="D")
            if renew:
                self.licence(ent)
            self.clean_history(ent, until=date(today.year - 1, 12, 31))
            return ent

        ent = d_case(licensed=True, renew=False)  # licence expired, not renewed
        self.expired_licence(ent, (20, 200), step=7)
        ent = d_case(licensed=True)
        number = f"佳市监罚〔{today.year}〕12号"
        self.penalty(ent, self.ago(rng.randint(10, 60)), "LICENCE_REVOKED", documentNo=number)
        self.licence_status(ent, self.ago(5), "REVOKED")
        rectify_by = self.ago(30).isoformat()
        self.licence_status(
            d_case(licensed=True), self.ago(150), "NONCOMPLIANT", rectifyBy=rectify_by
        )
        ent = d_case()  # two failed samplings in a row this year
        first = ty(True)
        self.failed_sampling(ent, first, level="MUNICIPAL")
        self.failed_sampling(ent, min(today, first + timedelta(days=14)), "SERIOUS")
        self.event(d_case(), "COUNTERFEIT", ty(), product=True, deliberate=True)
        ent = d_case()  # a false claim first recorded as minor, amended to major harm
        claim = self.event(ent, "FALSE_CLAIM", ty(), product=True, harm="MINOR")
        self.correct(claim, "AMEND", today, "经核查虚假宣传造成重大损失", harm="MAJOR")
        self.event(d_case(), "STANDARD_BREACH", ty(), product=True, type="NO_STANDARD")
        self.penalty(d_case(), ty(), "CONFISCATION", fineYuan=150000.0, criminalReferral=True)
        self.event(d_case(), "AFTER_SALES_BREACH", ty(), serious=True)
        ent = d_case()
        self.event(ent, "QUALITY_ACCIDENT", ty(), True, severity="MAJOR", responsible=True)

    def build(self) -> list[dict[str, Any]]:
        self.designed()
        for _ in range(50):
            years = self.rng.choice((0.5, 1.5, 2.5, 3.5, 5, 8, 12, 18, 25))
            self.ordinary(self.established(years * 0.8, years * 1.2))
        return self.records()


def demo_plan(today: date) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The demo records and the class each designed enterprise is meant to get (by code)."""
    demo = _Demo(today)
    records = demo.build()
    return records, demo.intent


def demo_records(today: date) -> list[dict[str, Any]]:
    """Deterministic demonstration records for 佳木斯市 (see the module docstring)."""
    return demo_plan(today)[0]
