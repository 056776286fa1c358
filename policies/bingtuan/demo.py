"""Demonstration data for 新疆生产建设兵团 (``qcredit demo``).

About 85 enterprises in the Corps' division-cities (石河子市 第八师 … 白杨市 第九师): chlor-alkali
and coal-chemical plants, fertiliser, cable, cement, rebar, packaging, waterproofing and panel
makers that hold an industrial-product production licence, plus a few cotton, tomato and jujube
processors and traders that hold none.  Only licence holders are graded (第二、三条): the
unlicensed ones, and enterprises whose licence expired, was suspended or was revoked, are in the
demo to show the scope rule and get no level.

A few enterprises per level are designed on purpose so that every level appears on the standing
date (the 100-point score and 第十一、十二条; C and D are local defaults):

* A 信用风险低 — score ≥ 90, a clean year, no penalty still publicised, the previous year's
  self-inspection report filed on time (also: a young high-risk licence holder at exactly 90, a
  small fine past its 3-month publicity, a revoked failure, a repaired fine);
* B 信用风险一般 — no or a late self-inspection report, one failed sampling, a verified
  complaint, a false claim, a fine still publicised but older than a year, two failed samplings;
* C 信用风险较高 — a fine, a warning or a refused check within the year, 70 points, a listing as
  abnormal or as a dishonest judgment debtor, a licence whose conditions are not met;
* D 信用风险高 — a serious-dishonesty listing in effect, a criminal referral, below 60 points.

Everything depends only on ``today`` and a fixed seed, and every event and correction carries an
``externalId`` starting ``demo-bingtuan-`` so that loading the demo twice changes nothing.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from qcredit.core.temporal import add_years
from qcredit.core.testing.demo import Demo, DemoEnterprise, Place, Trade

SEED = 6590_2023
PREFIX = "demo-bingtuan-"

# Division-cities (师市合一): GB/T 2260 code, the place word used in company names, street/town
# suffixes for 9-digit codes.
CITIES: tuple[Place, ...] = (
    ("659001", "石河子", ("001", "002", "003", "005")),  # 石河子市 第八师
    ("659002", "阿拉尔", ("001", "002", "501")),  # 阿拉尔市 第一师
    ("659003", "图木舒克", ("001", "501")),  # 图木舒克市 第三师
    ("659004", "五家渠", ("001", "002", "501")),  # 五家渠市 第六师
    ("659005", "北屯", ("001", "501")),  # 北屯市 第十师
    ("659006", "铁门关", ("001", "501")),  # 铁门关市 第二师
    ("659007", "双河", ("001", "501")),  # 双河市 第五师
    ("659008", "可克达拉", ("001", "501")),  # 可克达拉市 第四师
    ("659009", "昆玉", ("001", "501")),  # 昆玉市 第十四师
    ("659010", "胡杨河", ("001", "501")),  # 胡杨河市 第七师
    ("659011", "新星", ("001", "501")),  # 新星市 第十三师
    ("659012", "白杨", ("001", "501")),  # 白杨市 第九师
)


LICENSED: tuple[Trade, ...] = (
    Trade(
        "化工",
        ("PRODUCER",),
        "危险化学品",
        "XK13-014",
        ((1, "聚氯乙烯树脂"), (1, "液碱")),
        ("659001", "659004", "659010", "659011", "659003"),
    ),
    Trade(
        "煤化工",
        ("PRODUCER",),
        "危险化学品",
        "XK13-014",
        ((1, "甲醇"), (4, "液化石油气")),
        ("659010", "659011", "659004"),
    ),
    Trade(
        "化肥",
        ("PRODUCER",),
        "化肥",
        "XK13-011",
        ((1, "复合肥料"), (1, "磷酸一铵")),
        ("659001", "659002", "659006", "659007"),
    ),
    Trade("电缆", ("PRODUCER",), "电线电缆", "XK06-001", ((9, "电力电缆"), (9, "控制电缆"))),
    Trade("水泥", ("PRODUCER",), "水泥", "XK08-001", ((19, "通用硅酸盐水泥"),)),
    Trade(
        "钢铁",
        ("PRODUCER",),
        "建筑用钢筋",
        "XK05-001",
        ((6, "热轧带肋钢筋"),),
        ("659001", "659005"),
    ),
    Trade("塑业", ("PRODUCER",), "食品相关产品", "XK16-204", ((16, "食品用塑料包装袋"),)),
    Trade(
        "包装容器",
        ("PRODUCER",),
        "危险化学品包装物及容器",
        "XK19-001",
        ((6, "钢桶"), (20, "塑料桶")),
    ),
    Trade("防水材料", ("PRODUCER",), "建筑防水卷材", "XK23-003", ((19, "改性沥青防水卷材"),)),
    Trade("木业", ("PRODUCER",), "人造板", "XK25-001", ((19, "刨花板"),), ("659008", "659005")),
)
UNLICENSED: tuple[Trade, ...] = (
    Trade("棉纺", ("PRODUCER",), None, "", ((23, "棉纱"),), ("659001", "659002", "659003")),
    Trade("番茄制品", ("PRODUCER",), None, "", ((29, "番茄酱"),), ("659006", "659004")),
    Trade("红枣", ("PRODUCER", "SELLER"), None, "", ((31, "红枣"),), ("659009", "659003")),
    Trade("商贸", ("SELLER",), None, "", ((30, "面粉"), (29, "食用植物油"))),
)

BRANDS = tuple(
    "天业 天山 天富 绿洲 军垦 屯垦 戈壁 胡杨 昆仑 塔河 准噶尔 金沙 新峰 "
    "西部 瀚海 丝路 天润 石城 雪莲 驼铃 北疆 南疆 西域 兴垦 恒源 鑫垦 "
    "金垦 银河 开拓 拓疆 新垦 宏达 泰昆 天盛 华垦 博瑞 广汇 中泰 力源 "
    "天河 沙湾 玛纳斯 红星 长城".split()
)
TRADEMARKS = tuple(
    "天业 军垦 昆仑雪 胡杨林 绿洲源 戈壁红 天山雪 西部垦 屯垦魂 塔河源 驼铃 "
    "丝路情 北疆星 瀚海 雪莲峰 新垦".split()
)
CHECK_LEVELS = ("NATIONAL", "PROVINCIAL", "MUNICIPAL")  # 兵团 counts as the provincial level


class _Demo(Demo):
    places = CITIES
    brands = BRANDS
    trademarks = TRADEMARKS
    licence_issuer = "(新)"
    licence_serial = 200
    licence_serial_step = 29

    def __init__(self, today: date) -> None:
        super().__init__(today, SEED, PREFIX)

    def recent(self, low: int = 10, high: int = 300) -> date:
        """A day inside 近1年 (between ``low`` and ``high`` days ago)."""
        return self.ago(self.rng.randint(low, high))

    def name_head(self, place: str) -> str:
        return "新疆" if self.rng.random() < 0.4 else place

    def firm(
        self, established: date, industry: Trade | None = None, *, intent: str | None = None
    ) -> DemoEnterprise:
        """An enterprise of ``industry``, by default a licensed one drawn at random."""
        return self.enterprise(established, industry or self.rng.choice(LICENSED), intent=intent)

    def penalty(
        self, ent: DemoEnterprise, on: date, measure: str, year: int | None = None, **more: Any
    ) -> str | None:
        """An administrative penalty, its 兵市监处罚 number of ``year`` (default: this year)."""
        number = f"兵市监处罚〔{year or self.today.year}〕{self.rng.randint(3, 180)}号"
        return self.event(
            ent, "ADMINISTRATIVE_PENALTY", on, measure=measure, documentNo=number, **more
        )

    # -- histories ---------------------------------------------------------------------------
    def reports(self, ent: DemoEnterprise, *, last: str = "on_time") -> None:
        """Annual self-inspection reports (第十一条（九）), filed in January of the next year;
        ``last`` is how the previous year's report went: on_time, late or missing."""
        for year in range(max(ent.established.year, self.today.year - 5), self.today.year):
            latest = year == self.today.year - 1
            if latest and last == "missing":
                continue
            day = date(year + 1, 1, self.rng.randint(8, 25))
            if latest and last == "late":
                day = date(year + 1, 5, self.rng.randint(5, 25))
            self.event(
                ent,
                "SELF_INSPECTION_REPORT",
                min(day, self.today),
                year=year,
                onTime=not (latest and last == "late"),
            )

    def clean_history(self, ent: DemoEnterprise, *, report: str = "on_time") -> None:
        """Passed samplings and checks over the years, plus the self-inspection reports."""
        self.passed_checks(ent, sampling_share=0.65, levels=CHECK_LEVELS)
        if ent.trade.licence is not None:
            self.reports(ent, last=report)

    def licensed(
        self,
        years: tuple[float, float] = (3, 20),
        *,
        intent: str | None = None,
        report: str = "on_time",
        industry: Trade | None = None,
    ) -> DemoEnterprise:
        ent = self.firm(self.established(*years), industry, intent=intent)
        self.licence(ent)
        self.clean_history(ent, report=report)
        return ent

    def ordinary(self) -> None:
        """A licence holder with an ordinary record: mostly clean, now and then a problem."""
        rng = self.rng
        years = rng.choice((1.5, 3, 5, 8, 12, 18))
        roll = rng.random()
        report = "late" if roll < 0.06 else "missing" if roll < 0.1 else "on_time"
        ent = self.licensed((years * 0.8, years * 1.2), report=report)
        roll = rng.random()
        if roll < 0.12:
            self.failed_sampling(ent, self.recent(), level=rng.choice(CHECK_LEVELS))
        elif roll < 0.18:
            on, fine = self.recent(), float(rng.choice((20000, 30000, 50000)))
            self.penalty(ent, on, "FINE", fineYuan=fine, correctionOrdered=True)
        elif roll < 0.24:
            self.event(ent, "COMPLAINT", self.recent(), product=True, verified=True)
        elif roll < 0.3:  # a failure long ago: no longer counted
            self.failed_sampling(ent, self.ago(rng.randint(400, 1500)))

    # -- the designed cases ------------------------------------------------------------------
    def designed(self) -> None:
        today, rng = self.today, self.rng

        # A 信用风险低.
        for _ in range(4):
            ent = self.licensed((4, 22), intent="A")
        qms_until = add_years(today, 3).isoformat()
        self.event(ent, "RECOGNITION", self.recent(), type="QMS_CERTIFIED", until=qms_until)
        # young (企业类型 −5) and high-risk licence (质量风险 −5): exactly 90, still A.
        self.licensed((1.3, 1.8), intent="A", industry=LICENSED[3])
        # A warning within 近1年 is an administrative penalty (行政处罚法第九条): it bars A and B
        # (第十一条（五）、第十二条（四）) although it is never publicised.
        ent = self.licensed((5, 15), intent="C")
        on = self.recent(30, 200)
        self.penalty(ent, on, "WARNING", minor=True, correctionOrdered=True)
        ent = self.licensed((5, 15), intent="A")  # a small fine, past its 3-month publicity
        self.penalty(ent, self.recent(130, 300), "FINE", fineYuan=3000.0, minor=True)
        ent = self.licensed((5, 15), intent="A")  # a failed sampling, revoked on review
        fail = self.failed_sampling(ent, self.recent(40, 200))
        self.correct(fail, "REVOKE", today, "复检合格，原抽查结论经行政复议撤销")
        ent = self.licensed((5, 15), intent="A")  # a fine within the year, credit repaired
        on = self.recent(60, 250)
        fine = self.penalty(ent, on, "FINE", fineYuan=20000.0, correctionOrdered=True)
        self.correct(fine, "REPAIR", today, "已履行行政处罚并完成信用修复")

        # B 信用风险一般.
        self.licensed((4, 20), intent="B", report="missing")
        self.licensed((4, 20), intent="B", report="late")
        ent = self.licensed((4, 20), intent="B")
        self.failed_sampling(ent, self.recent())
        ent = self.licensed((4, 20), intent="B")
        self.event(ent, "COMPLAINT", self.recent(), product=True, verified=True)
        ent = self.licensed((4, 20), intent="B")
        self.event(ent, "FALSE_CLAIM", self.recent(), product=True, harm="NONE")
        ent = self.licensed((4, 20), intent="B")  # fine 13–30 months ago: still publicised
        on, year = self.ago(rng.randint(400, 900)), today.year - 2
        self.penalty(ent, on, "FINE", year, fineYuan=40000.0, correctionOrdered=True)
        ent = self.licensed((4, 20), intent="B")  # two failed samplings: 80 points
        for _ in range(2):
            self.failed_sampling(ent, self.recent(), level=rng.choice(CHECK_LEVELS))

        # C 信用风险较高.
        ent = self.licensed((4, 20), intent="C")
        on = self.recent(10, 200)
        self.penalty(ent, on, "FINE", fineYuan=50000.0, correctionOrdered=True)
        ent = self.licensed((4, 20), intent="C")
        self.event(ent, "SUPERVISION_CHECK", self.recent(), result="REFUSED")
        ent = self.licensed((4, 20), intent="C")  # 70 points
        self.failed_sampling(ent, self.recent(), "SERIOUS", "NATIONAL")
        self.event(ent, "SUPERVISION_CHECK", self.recent(), result="FAIL")
        ent = self.licensed((4, 20), intent="C")
        self.event(ent, "LIST_ENTRY", self.recent(), list="ABNORMAL_OPERATION")
        ent = self.licensed((4, 20), intent="C")
        until = add_years(today, 1).isoformat()
        self.event(ent, "LIST_ENTRY", self.recent(), list="DISHONEST_JUDGMENT_DEBTOR", until=until)
        ent = self.licensed((4, 20), intent="C")
        rectify_by = (today + timedelta(days=60)).isoformat()
        self.licence_status(ent, self.recent(10, 120), "NONCOMPLIANT", rectifyBy=rectify_by)
        ent = self.licensed((4, 20), intent="C")  # a warning, amended on review to a fine
        warning = self.penalty(ent, self.recent(30, 200), "WARNING")
        self.correct(
            warning, "AMEND", today, "行政复议变更处罚决定", measure="FINE", fineYuan=60000.0
        )

        # D 信用风险高.
        ent = self.licensed((4, 20), intent="D")
        until = add_years(today, 2).isoformat()
        self.event(ent, "LIST_ENTRY", self.recent(), list="SERIOUS_DISHONESTY", until=until)
        ent = self.licensed((4, 20), intent="D")
        on = self.recent()
        self.penalty(ent, on, "CONFISCATION", fineYuan=200000.0, criminalReferral=True)
        ent = self.licensed((4, 20), intent="D")  # 55 points
        for severity in ("SERIOUS", "SERIOUS"):
            self.failed_sampling(ent, self.recent(), severity)
        self.event(ent, "SUPERVISION_CHECK", self.recent(), result="REFUSED")
        self.event(ent, "COMPLAINT", self.recent(), product=True, verified=True)
        ent = self.licensed((4, 20), intent="D")  # 55 points
        on = self.recent()
        self.event(ent, "QUALITY_ACCIDENT", on, True, severity="MAJOR", responsible=True)
        self.failed_sampling(ent, self.recent(), "SERIOUS", "NATIONAL")
        self.event(ent, "PUBLIC_OPINION", self.recent(), product=True, verified=True)
        # a serious-dishonesty listing recorded in error: back to A
        ent = self.licensed((4, 20), intent="A")
        listing = self.event(ent, "LIST_ENTRY", self.recent(), list="SERIOUS_DISHONESTY")
        self.correct(listing, "ERRONEOUS", today, "名单主体登记错误，系同名企业")

        # Out of scope: no licence, an expired, a revoked and a suspended licence.
        for industry in UNLICENSED:
            ent = self.firm(self.established(2, 20), industry, intent="-")
            self.clean_history(ent)
        ent = self.firm(self.established(8, 20), intent="-")  # expired, not renewed
        self.expired_licence(ent, (30, 300))
        self.clean_history(ent)
        ent = self.licensed((5, 20), intent="-")  # licence revoked
        self.penalty(ent, self.recent(20, 60), "LICENCE_REVOKED")
        self.licence_status(ent, self.recent(5, 15), "REVOKED")
        ent = self.licensed((5, 20), intent="-")  # licence suspended
        self.licence_status(ent, self.recent(5, 60), "SUSPENDED")

    def build(self) -> list[dict[str, Any]]:
        self.designed()
        for _ in range(48):
            self.ordinary()
        for _ in range(3):
            ent = self.firm(self.established(1, 15), self.rng.choice(UNLICENSED))
            self.clean_history(ent)
        return self.records()


def demo_plan(today: date) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The demo records and the level each designed enterprise is meant to get (by code; "-"
    for out of scope)."""
    demo = _Demo(today)
    records = demo.build()
    return records, demo.intent


def demo_records(today: date) -> list[dict[str, Any]]:
    """Deterministic demonstration records for the Corps (see the module docstring)."""
    return demo_plan(today)[0]
