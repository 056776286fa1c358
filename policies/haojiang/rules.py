"""The Haojiang policy: metadata, scope (一（一）, 二（二）), grading by points (三（一）)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

import qcredit.policies.haojiang.plan as plan
from qcredit.core.contract import (
    Assessment,
    Disclosure,
    Figure,
    Grading,
    History,
    Level,
    Measure,
    NoticeRules,
    PlanRule,
    Reason,
    Term,
)
from qcredit.core.facts import Facts, ids
from qcredit.core.model import SubjectType
from qcredit.core.parameters import ParameterView
from qcredit.core.policy import Policy
from qcredit.policies.haojiang.categories import category, needs_text, rule_text
from qcredit.policies.haojiang.exclusions import exclusion
from qcredit.policies.haojiang.notices import HaojiangNotices
from qcredit.policies.haojiang.points import cumulative_points, point_terms
from qcredit.policies.haojiang.publicity import USE_LIMIT, disclosures
from qcredit.policies.haojiang.supervision import clean_run_reason, level_measures

EXCLUSION_TEXT = "不包括食品、食品添加剂、化妆品、计量器具、特种设备及其经营者的质量信用分类监管"


class HaojiangPolicy(Policy):
    id = "haojiang"
    name = "汕头市濠江区市场监督管理局产品质量信用分类监管工作方案"
    issuer = "汕头市濠江区市场监督管理局"
    document_no = ""  # 印发通知未标文号; dated 2023年12月18日
    version = "2023.1218-1"
    region_codes = ("440512",)  # 濠江区 (GB/T 2260); 一（一）: 濠江区行政区域内
    # Issued 2023-12-18; the text names no end date (五（三）: superseded only by newer rules), so
    # the policy stays in force until replaced.
    effective_from = date(2023, 12, 18)
    effective_until = None
    # 二（二）: a product (same trademark × same Nice class) and an operator are each scored.
    subject_types = frozenset({SubjectType.ENTERPRISE, SubjectType.PRODUCT})
    # Colours: B yellow, C orange, D red follow the 监管提示/警示 colours of 三（二）; A green and
    # O grey are local defaults.  O (no points) is listed last; it is unrated, not "worse than D".
    levels = (
        Level("A", "一般监管", 1, "green", "12分以上（三（一））；实施一般监管（三（二）1）"),
        Level("B", "跟踪监管", 2, "yellow", "高于6分不满12分；实施跟踪监管（三（二）2）"),
        Level("C", "重点监管", 3, "orange", "高于0分且6分以下；实施重点监管（三（二）3）"),
        Level("D", "特别监管", 4, "red", "0分以下；实施特别监管（三（二）4）"),
        Level("O", "反应式监管", 5, "grey", "未获得质量信用分；实施反应式监管（三（二）5）"),
    )
    parameters_file = Path(__file__).with_name("parameters.toml")
    # 三（三）: carried with every shared grade and export.
    disclosure_notice = USE_LIMIT

    def out_of_scope(self, facts: Facts, params: ParameterView) -> str | None:
        base = super().out_of_scope(facts, params)
        if base is not None:
            return base
        if facts.subject_type is SubjectType.PRODUCT and facts.product is not None:
            found = exclusion(facts.product.category, params)
            if found is not None:
                cat = facts.product.category
                return f"一（一）：{found.text()}（产品类别：{cat}）；{EXCLUSION_TEXT}"
            return None
        # An operator all of whose products are excluded is an operator of excluded products; an
        # operator with no product registered yet stays in scope (一（一）).
        found_all = [(p.category, exclusion(p.category, params)) for p in facts.products]
        if found_all and all(e is not None for _, e in found_all):
            each = "；".join(f"{e.text()}（{c}）" for c, e in found_all if e is not None)
            return f"一（一）：经营者产品均不纳入本方案：{each}；{EXCLUSION_TEXT}"
        return None

    def grade(self, facts: Facts, history: History, params: ParameterView) -> Grading:
        pts = cumulative_points(facts, params)
        level = category(pts.total if pts.any else None, params)
        reasons: list[Reason] = []
        if pts.any:
            reasons.append(
                Reason(
                    "points.cumulative",
                    "三（一）",
                    f"质量信用累计记分{pts.total:g}分（记分{len(pts.recorded)}次）",
                    ids(pts.events()),
                )
            )
        if pts.derived:
            reasons.append(
                Reason(
                    "points.derived",
                    "二（一）",
                    "按本地默认分值由监督抽查、检查、处罚等事件推算记分（广东省规范分值未核实，"
                    "local default）",
                    ids(f for f, _ in pts.derived),
                )
            )
        reasons.append(
            Reason(
                f"category.{level}",
                "三（一）、五（二）",
                rule_text(level, params) + (f"（累计记分{pts.total:g}分）" if pts.any else ""),
                ids(pts.events()),
            )
        )
        if level == "A" and (run := clean_run_reason(facts, params)) is not None:
            reasons.append(run)
        blockers: tuple[Reason, ...] = ()
        if level != "A":
            behind = pts.negative() or pts.events()
            current = f"（现累计记分{pts.total:g}分）" if pts.any else ""
            blockers = (
                Reason(
                    f"blocker.{level}", "三（一）", needs_text(level, params) + current, ids(behind)
                ),
            )
        return Grading(
            level=level,
            score=pts.total if pts.any else None,
            reasons=tuple(reasons),
            blockers=blockers,
            details={
                "points": pts.total if pts.any else None,
                "pointsRecorded": len(pts.recorded),
                "pointsDerived": bool(pts.derived),
                "scoredObject": "product"
                if facts.subject_type is SubjectType.PRODUCT
                else "operator",
                "notice": USE_LIMIT,
                "pointTerms": [t.record() for t in point_terms(pts)],
            },
        )

    def supervision(
        self, grading: Grading, facts: Facts, params: ParameterView
    ) -> Sequence[Measure]:
        return level_measures(grading, facts, params)

    def publicity(
        self, grading: Grading, facts: Facts, params: ParameterView
    ) -> Sequence[Disclosure]:
        return disclosures(grading)

    def explanation(self, assessment: Assessment) -> Figure | None:
        """The cumulative quality-credit points (二（一）) that place the category (三（一）),
        event by event; none for category O (no points obtained)."""
        d = assessment.details
        if d.get("points") is None or "pointTerms" not in d:
            return None
        terms = tuple(Term.of_record(t) for t in d["pointTerms"])
        return Figure("points", "质量信用累计记分", float(d["points"]), "三（一）", terms=terms)

    def notice_rules(self) -> NoticeRules:
        """Warnings on grade changes (notices.py; docs/warnings.md)."""
        return HaojiangNotices()

    def plan_rule(
        self, subject_type: str, level: str, measures: Sequence[Measure], params: ParameterView
    ) -> PlanRule | None:
        return plan.plan_rule(level, measures, params)
