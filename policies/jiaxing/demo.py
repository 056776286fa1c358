"""Demonstration data for the Jiaxing "三分" policy (``qcredit demo``).

About 85 enterprises in the seven counties of 嘉兴市, with products in the catalogue 大类 of 三1
(a couple outside it), several years of samplings, checks and other events, and a few corrections
(REVOKE, AMEND, REPAIR, ERRONEOUS).  Enterprises are designed on purpose so that every product
tier (一般 / 较高 / 高风险) and every enterprise class (AA / A / B / C) appears, and so that the
county colours of the 四色图 (三4) differ:

* 南湖区, 桐乡市 — many C enterprises (red);
* 秀洲区 (one C in twelve), 平湖市 (a third B) — yellow;
* 海盐县 — a few B, many 较高风险 fasteners (blue);
* 嘉善县, 海宁市 — mostly clean makers of 一般风险 goods (green).

Deterministic: a fixed seed and ``today`` only.  Every event lies on or before ``today``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from qcredit.core.testing.demo import (
    CreditCodes,
    Ledger,
    day_between,
    enterprise_record,
    product_record,
    shuffled,
)

SEED = 330400
PREFIX = "demo-jiaxing-"

# county code -> (name used in company names, towns: 3-digit suffix -> town name)
COUNTIES: dict[str, tuple[str, dict[str, str]]] = {
    "330402": (
        "嘉兴市南湖区",
        {"001": "建设街道", "006": "城南街道", "101": "凤桥镇", "102": "余新镇"},
    ),
    "330411": (
        "嘉兴市秀洲区",
        {"001": "新城街道", "101": "王江泾镇", "102": "油车港镇", "105": "洪合镇"},
    ),
    "330421": ("嘉善", {"001": "魏塘街道", "101": "西塘镇", "102": "干窑镇", "105": "天凝镇"}),
    "330424": ("海盐", {"001": "武原街道", "101": "沈荡镇", "102": "百步镇", "105": "通元镇"}),
    "330481": ("海宁市", {"003": "海洲街道", "101": "许村镇", "102": "马桥街道", "106": "长安镇"}),
    "330482": ("平湖市", {"001": "当湖街道", "101": "新埭镇", "103": "乍浦镇", "106": "林埭镇"}),
    "330483": ("桐乡市", {"001": "梧桐街道", "101": "濮院镇", "102": "崇福镇", "106": "洲泉镇"}),
}

# industry -> (word in the company name, products: (category, Nice class, trademark suffix))
INDUSTRIES: dict[str, tuple[str, tuple[tuple[str, int, str], ...]]] = {
    "cable": ("电线电缆", (("工业生产资料/电线电缆", 9, ""),)),
    "electronics": (
        "电子科技",
        (("电子及信息技术产品/移动电源", 9, ""), ("电子及信息技术产品/无线路由器", 9, "通")),
    ),
    "autoparts": ("汽车零部件", (("交通用具及相关产品/汽车制动软管", 12, ""),)),
    "foodpack": (
        "包装材料",
        (("食品相关产品/食品用塑料包装", 16, ""), ("食品相关产品/一次性餐饮具", 21, "")),
    ),
    "appliance": ("电器", (("电饭锅", 11, ""), ("家用电器及电器附件/电热水壶", 11, "乐"))),
    "lighting": ("照明电器", (("家用电器及电器附件/LED灯具", 11, ""),)),
    "knitwear": ("毛纺服饰", (("服装鞋帽及家用纺织品/羊毛衫", 25, ""),)),
    "hometextile": (
        "家纺",
        (("服装鞋帽及家用纺织品/床上用品", 24, ""), ("服装鞋帽及家用纺织品/窗帘布艺", 24, "居")),
    ),
    "warpknit": ("经编", (("服装鞋帽及家用纺织品/经编面料", 24, ""),)),
    "leather": (
        "皮革",
        (("服装鞋帽及家用纺织品/皮革服装", 25, ""), ("日用杂品/皮具箱包", 18, "")),
    ),
    "fibre": ("化纤", (("工业生产资料/涤纶长丝", 23, ""),)),
    "furniture": ("家具", (("家具及建筑装饰装修材料/木制家具", 20, ""),)),
    "floor": ("木业", (("家具及建筑装饰装修材料/实木复合地板", 19, ""),)),
    "button": ("纽扣", (("日用杂品/纽扣", 26, ""),)),
    "fastener": ("紧固件", (("工业生产资料/紧固件", 6, ""),)),
    "pram": ("童车", (("童车", 12, ""), ("儿童用品/儿童自行车", 12, "乐"))),
    "luggage": ("箱包", (("日用杂品/箱包", 18, ""),)),
    "garment": (
        "服饰",
        (("服装鞋帽及家用纺织品/针织服装", 25, ""), ("儿童及婴幼儿服装", 25, "贝")),
    ),
    "ebike": ("车业", (("电动自行车", 12, ""),)),
    "socks": ("袜业", (("服装鞋帽及家用纺织品/袜子", 25, ""),)),
    "stationery": ("文具", (("文教体育用品/学生文具", 16, ""),)),
    "fertilizer": ("农资", (("农业生产资料/复混肥料", 1, ""),)),
    "hygiene": ("卫生用品", (("日用化学制品及卫生用品/纸尿裤", 5, ""),)),
    "elderly": ("康养用品", (("老年人用品/老年人鞋", 25, ""),)),
    "trading": ("商贸", (("电子及信息技术产品/移动电源", 9, ""),)),
    "medical": ("医疗用品", (("医疗器械/医用口罩", 10, ""),)),  # not in the 三1 catalogue
}

# Outside the catalogue of 三1: shown as out of scope.
GIFT_PRODUCT = ("工艺礼品", 14, "礼")

# Per county: (profile, industry).  Profiles are the designed cases of demo_records.
PLANS: dict[str, list[tuple[str, str]]] = {
    # red: 3 C of 12, and several high-risk products
    "330402": [
        ("C_serious", "electronics"),
        ("C_counterfeit", "foodpack"),
        ("C_offender", "autoparts"),
        ("B_fail", "cable"),
        ("B_complaint", "appliance"),
        ("AA", "electronics"),
        ("AA", "foodpack"),
        ("A_alert", "electronics"),
        ("A_opinion", "foodpack"),
        ("A", "cable"),
        ("A", "electronics"),
        ("A_oldfail", "autoparts"),
    ],
    # red: 2 C of 12
    "330483": [
        ("C_blacklist", "knitwear"),
        ("C_unlicensed", "ebike"),
        ("B_check", "fibre"),
        ("B_fail", "hometextile"),
        ("AA", "fibre"),
        ("AA", "knitwear"),
        ("A_repaired", "knitwear"),
        ("A", "hometextile"),
        ("A", "knitwear"),
        ("A", "ebike"),
        ("A_expired", "hometextile"),
        ("A_new", "knitwear"),
    ],
    # yellow: 1 C of 12 (≥ 5 %, < 10 %)
    "330411": [
        ("C_repeat", "hometextile"),
        ("B_complaint", "foodpack"),
        ("AA", "cable"),
        ("AA", "lighting"),
        ("A", "hometextile"),
        ("A", "hometextile"),
        ("A", "knitwear"),
        ("A", "foodpack"),
        ("A_oldfail", "lighting"),
        ("A", "stationery"),
        ("A", "fertilizer"),
        ("A_new", "elderly"),
    ],
    # yellow: 4 B of 12 (B + C ≥ 30 %), no C
    "330482": [
        ("B_amended", "pram"),
        ("B_fail", "garment"),
        ("B_check", "luggage"),
        ("B_complaint", "pram"),
        ("AA", "pram"),
        ("AA", "garment"),
        ("A", "luggage"),
        ("A", "luggage"),
        ("A", "garment"),
        ("A", "pram"),
        ("A_alert", "pram"),
        ("A_ip_old", "luggage"),
    ],
    # blue: 2 B of 12 (B + C ≥ 15 %), many 较高风险 fasteners
    "330424": [
        ("B_fail", "fastener"),
        ("B_check", "fastener"),
        ("AA", "fastener"),
        ("AA", "fastener"),
        ("A", "fastener"),
        ("A", "fastener"),
        ("A", "fastener"),
        ("A", "fastener"),
        ("A", "cable"),
        ("A", "appliance"),
        ("A_erroneous", "fastener"),
        ("A_new", "hygiene"),
    ],
    # green: 1 B of 12, 一般风险 wood and furniture
    "330421": [
        ("B_complaint", "furniture"),
        ("AA", "furniture"),
        ("AA", "furniture"),
        ("AA", "floor"),
        ("A", "floor"),
        ("A", "floor"),
        ("A", "furniture"),
        ("A", "furniture"),
        ("A", "button"),
        ("A", "button"),
        ("A_seller", "trading"),
        ("A_revoked", "furniture"),
    ],
    # green: 1 B of 12, leather and warp-knitting; plus one enterprise outside the catalogue
    "330481": [
        ("B_check", "warpknit"),
        ("AA", "leather"),
        ("AA", "leather"),
        ("AA", "warpknit"),
        ("A", "leather"),
        ("A", "leather"),
        ("A_gift", "leather"),
        ("A", "warpknit"),
        ("A", "warpknit"),
        ("A", "socks"),
        ("A_oldfail", "hometextile"),
        ("A_new", "hometextile"),
        ("OUT", "medical"),
    ],
}

TRADE_NAMES = (
    "恒达 华盛 新凯 博创 永佳 天成 瑞丰 宏远 金鼎 立信 明辉 众诚 嘉泰 兴业 德胜 盛源 鸿运 富盈 "
    "锦绣 协和 卓远 振宇 万隆 东辰 信达 晨光 鼎盛 汇通 亿丰 舒美 雅洁 恒丰 光耀 华翔 禾丰 "
    "南星 秀源 湖光 运河 绿洲 春晖 佳禾 新禾 金桥 银河 远帆 海川 长风 凯越 瑞达 联丰 永兴 "
    "吉祥 安泰 天顺 宏昌 双喜 百川 锦程 昌盛 益丰 恒信 捷达 新月 欧雅 美佳 嘉隆 东宇 "
    "华泽 泰和 裕丰 伟业 科林 润禾 凯瑞 博远 盛达 鑫源 宝利 飞扬 乐童 贝康 正扬 丰源 "
    "金诺 祥瑞 君悦 和润 恒瑞 天禧"
).split()

LEVELS = ("NATIONAL", "PROVINCIAL", "MUNICIPAL", "COUNTY")


@dataclass
class _Enterprise:
    code: str
    est: date
    roles: list[str]
    products: list[tuple[str, int, str]]  # (trademark, Nice class, category)
    ledger: Ledger  # its own: externalIds are numbered per enterprise

    def event(
        self, kind: str, on: date, attributes: dict[str, Any], product: int | None = None
    ) -> str | None:
        mark = None
        if product is not None:
            trademark, nice, _ = self.products[product]
            mark = (trademark, nice)
        return self.ledger.event(self.code, kind, on, mark, **attributes)

    def correct(
        self,
        target: str | None,
        action: str,
        reason: str,
        on: date,
        attributes: dict[str, Any] | None = None,
    ) -> None:
        self.ledger.correct(target, action, reason, on, **(attributes or {}))

    def in_date_order(self) -> list[dict[str, Any]]:
        """Events in date order, then the corrections (each names an event before it)."""
        events = sorted(self.ledger.records, key=lambda r: r["occurredOn"])
        return events + sorted(self.ledger.corrections, key=lambda r: r["effectiveOn"])


def _established(rng: random.Random, profile: str, today: date) -> date:
    if profile == "A_new":
        return today - timedelta(days=rng.randint(60, 330))  # under a year old
    if profile in ("A", "AA", "A_seller", "A_gift", "A_alert", "A_opinion", "A_revoked"):
        years = rng.choice((3, 6, 9, 13, 17, 22, 28))
    else:
        years = rng.choice((5, 7, 10, 14, 18, 22))
    return today - timedelta(days=365 * years + rng.randint(0, 300))


def _routine(rng: random.Random, e: _Enterprise, today: date) -> None:
    """The ordinary record of any enterprise: passed samplings and checks, self-inspection
    reports, licences, an occasional unfounded complaint — nothing that changes its class."""
    start = max(e.est + timedelta(days=45), today - timedelta(days=365 * 5))
    end = today - timedelta(days=7)
    if start >= end:
        return
    if "PRODUCER" in e.roles and rng.random() < 0.5:
        e.event(
            "LICENCE",
            start,
            {
                "status": "GRANTED",
                "licenceNo": f"浙XK{rng.randint(10, 99)}-{rng.randint(100, 99999):05d}",
                "productCategory": e.products[0][2].split("/")[-1],
                "validUntil": (start + timedelta(days=365 * 5)).isoformat(),
            },
        )
    for i in range(len(e.products)):
        for _ in range(rng.randint(0, 2)):
            e.event(
                "SAMPLING_INSPECTION",
                day_between(rng, start, end),
                {"result": "PASS", "level": rng.choice(LEVELS)},
                product=i,
            )
    for _ in range(rng.randint(1, 2)):
        e.event("SUPERVISION_CHECK", day_between(rng, start, end), {"result": "PASS"})
    for year in range(max(start.year, today.year - 4), today.year):
        on = date(year + 1, rng.randint(1, 3), rng.randint(1, 28))
        if on <= today and on > e.est:
            e.event("SELF_INSPECTION_REPORT", on, {"year": year, "onTime": rng.random() < 0.9})
    if rng.random() < 0.2:
        e.event(
            "COMPLAINT",
            day_between(rng, start, end),
            {"verified": False, "note": "消费者反映产品质量问题，经调查不属实"},
        )


def _recognitions(rng: random.Random, e: _Enterprise, today: date, both: bool) -> None:
    on = max(e.est + timedelta(days=200), today - timedelta(days=rng.randint(200, 900)))
    e.event(
        "RECOGNITION",
        on,
        {"type": "QMS_CERTIFIED", "until": (on + timedelta(days=365 * 3)).isoformat()},
    )
    if both:
        e.event("RECOGNITION", on + timedelta(days=rng.randint(10, 120)), {"type": "TRACEABILITY"})


def _profile(rng: random.Random, e: _Enterprise, profile: str, today: date) -> None:
    def ago(days: int) -> date:
        return today - timedelta(days=days)

    minor = {"result": "FAIL", "severity": "MINOR"}
    if profile == "AA":
        _recognitions(rng, e, today, both=True)
        if rng.random() < 0.5:  # traceability recorded on the product too: index bonus
            e.event("RECOGNITION", ago(rng.randint(100, 400)), {"type": "TRACEABILITY"}, product=0)
    elif profile == "A" and rng.random() < 0.3:
        _recognitions(rng, e, today, both=False)  # a QMS certificate only: A, not AA
    elif profile == "A_expired":
        on = ago(1400)
        e.event("RECOGNITION", on, {"type": "TRACEABILITY"})
        e.event(
            "RECOGNITION",
            on,
            {"type": "QMS_CERTIFIED", "until": (on + timedelta(days=365 * 3)).isoformat()},
        )
    elif profile == "A_oldfail":  # failed four years ago: outside 近三年
        e.event("SAMPLING_INSPECTION", ago(1500), {**minor, "level": "PROVINCIAL"}, product=0)
    elif profile == "A_alert":  # a high-severity foreign alert makes the product 高风险
        e.event(
            "RISK_ALERT",
            ago(rng.randint(40, 150)),
            {
                "scope": "FOREIGN",
                "severity": "HIGH",
                "issuer": "欧盟 Safety Gate",
                "note": "同类产品境外通报存在安全隐患",
            },
            product=0,
        )
    elif profile == "A_opinion":  # verified media exposure raises a 较高风险 product to 高风险
        e.event(
            "PUBLIC_OPINION",
            ago(rng.randint(60, 200)),
            {"verified": True, "note": "媒体曝光同类产品迁移物超标，经核实"},
            product=0,
        )
        e.event("SAMPLING_INSPECTION", ago(30), {"result": "PASS", "level": "MUNICIPAL"}, product=0)
    elif profile == "A_revoked":  # a failure withdrawn after a successful re-test (REVOKE)
        fail = e.event("SAMPLING_INSPECTION", ago(240), {**minor, "level": "COUNTY"}, product=0)
        e.correct(fail, "REVOKE", "复检合格，撤销原不合格结论", ago(200))
    elif profile == "A_repaired":  # serious-dishonesty listing, credit repaired (REPAIR)
        listed = e.event("LIST_ENTRY", ago(700), {"list": "SERIOUS_DISHONESTY"})
        e.correct(listed, "REPAIR", "完成信用修复，移出严重违法失信名单", ago(90))
    elif profile == "A_erroneous":  # a check recorded against the wrong enterprise
        check = e.event("SUPERVISION_CHECK", ago(300), {"result": "FAIL"})
        e.correct(check, "ERRONEOUS", "录入错误：检查对象为同名另一企业", ago(280))
    elif profile == "A_ip_old":  # an infringement finding five years ago no longer counts
        e.event("ENFORCEMENT_FINDING", ago(1900), {"violation": "IP_INFRINGEMENT"})
        e.event("ADMINISTRATIVE_PENALTY", ago(1850), {"measure": "FINE", "fineYuan": 30000})
    elif profile == "A_gift":  # a second product outside the catalogue
        _recognitions(rng, e, today, both=False)
    elif profile == "B_fail":
        e.event(
            "SAMPLING_INSPECTION",
            ago(rng.randint(200, 500)),
            {**minor, "level": "MUNICIPAL"},
            product=0,
        )
    elif profile == "B_check":
        e.event("SUPERVISION_CHECK", ago(rng.randint(100, 600)), {"result": "REFUSED"})
    elif profile == "B_complaint":
        e.event(
            "COMPLAINT",
            ago(rng.randint(60, 400)),
            {"verified": True, "enterpriseResponsible": True, "resolvedInTime": True},
        )
    elif profile == "B_amended":  # recorded as serious, amended to minor on review (AMEND)
        fail = e.event(
            "SAMPLING_INSPECTION",
            ago(420),
            {"result": "FAIL", "severity": "SERIOUS", "level": "PROVINCIAL"},
            product=0,
        )
        e.correct(fail, "AMEND", "复核认定为一般不合格", ago(380), {"severity": "MINOR"})
    elif profile == "C_serious":
        e.event(
            "SAMPLING_INSPECTION",
            ago(rng.randint(150, 500)),
            {"result": "FAIL", "severity": "SERIOUS", "level": "NATIONAL"},
            product=0,
        )
        e.event("ADMINISTRATIVE_PENALTY", ago(100), {"measure": "FINE", "fineYuan": 50000})
    elif profile == "C_repeat":
        e.event("SAMPLING_INSPECTION", ago(800), {**minor, "level": "PROVINCIAL"}, product=0)
        e.event("SAMPLING_INSPECTION", ago(250), {**minor, "level": "MUNICIPAL"}, product=0)
    elif profile == "C_counterfeit":
        e.event("COUNTERFEIT", ago(rng.randint(200, 700)), {"deliberate": True})
        e.event(
            "ADMINISTRATIVE_PENALTY",
            ago(150),
            {"measure": "CONFISCATION", "fineYuan": 80000, "correctionOrdered": True},
        )
    elif profile == "C_offender":  # 屡查屡犯: three offences in three years
        e.event("SAMPLING_INSPECTION", ago(900), {**minor, "level": "MUNICIPAL"}, product=0)
        e.event("SUPERVISION_CHECK", ago(600), {"result": "FAIL"})
        e.event("SAMPLING_INSPECTION", ago(180), {**minor, "level": "PROVINCIAL"}, product=0)
    elif profile == "C_unlicensed":
        e.event(
            "ENFORCEMENT_FINDING",
            ago(rng.randint(200, 600)),
            {"violation": "UNLICENSED_PRODUCTION"},
        )
        e.event("ADMINISTRATIVE_PENALTY", ago(120), {"measure": "FINE", "fineYuan": 120000})
    elif profile == "C_blacklist":
        on = ago(300)
        e.event(
            "LIST_ENTRY", on, {"list": "BLACKLIST", "until": (on + timedelta(days=730)).isoformat()}
        )


def demo_records(today: date) -> list[dict[str, Any]]:
    rng = random.Random(SEED)
    names = shuffled(rng, TRADE_NAMES)
    codes = CreditCodes(rng)
    records: list[dict[str, Any]] = []
    index = 0
    for county, plan in PLANS.items():
        city_name, towns = COUNTIES[county]
        for profile, industry in plan:
            index += 1
            trade = names.pop()
            word, offered = INDUSTRIES[industry]
            seller = profile == "A_seller"
            roles = ["SELLER"] if seller else ["PRODUCER"]
            if not seller and rng.random() < 0.25:
                roles.append("SELLER")
            form = rng.choice(("有限公司", "有限公司", "有限公司", "股份有限公司"))
            name = f"{city_name}{trade}{word}{form}"
            if form == "股份有限公司" and rng.random() < 0.5:
                name = f"浙江{trade}{word}{form}"
            suffix = rng.choice(sorted(towns))
            region = county + suffix if rng.random() < 0.6 else county
            code = codes.draw(county, lead="MA")
            ledger = Ledger(today, f"{PREFIX}{index:03d}-", width=2)
            e = _Enterprise(code, _established(rng, profile, today), roles, [], ledger)
            count = len(offered) if profile in ("C_serious", "AA") else rng.randint(1, len(offered))
            for category, nice, extra in offered[:count]:
                e.products.append((trade + extra, nice, category))
            if profile == "A_gift":
                category, nice, extra = GIFT_PRODUCT
                e.products.append((trade + extra, nice, category))
            records.append(enterprise_record(e.code, name, region, e.est, roles))
            records.extend(product_record(e.code, *product) for product in e.products)
            _routine(rng, e, today)
            _profile(rng, e, profile, today)
            records.extend(e.in_date_order())
    return records
