"""三（二）: differentiated supervision per category; 四（二）: D operators' violations 情节严重."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from qcredit.core.contract import Grading, Measure, MeasureKind, Reason
from qcredit.core.facts import Fact, Facts
from qcredit.core.model import SubjectType
from qcredit.core.temporal import trailing_run
from qcredit.policies.haojiang.points import in_scope_events

K = MeasureKind

INSPECTIONS = ("SAMPLING_INSPECTION", "SUPERVISION_CHECK")
VIOLATIONS = ("ADMINISTRATIVE_PENALTY", "COUNTERFEIT", "FALSE_CLAIM", "STANDARD_BREACH")


def _clean(f: Fact) -> bool:
    return f.kind in INSPECTIONS and f.get("result") == "PASS"


def clean_run(facts: Facts, params: Mapping[str, Any]) -> list[Fact]:
    """三（二）1: the latest inspections in a row that found no non-conformity and no violation.

    Inspections (抽查/检查) and violations are taken in time order; a failed or refused inspection,
    or any violation, ends the run."""
    seq = [f for f in in_scope_events(facts, params) if f.kind in INSPECTIONS + VIOLATIONS]
    run = trailing_run(seq, _clean)
    return seq[len(seq) - run :] if run else []


def clean_run_reason(facts: Facts, params: Mapping[str, Any]) -> Reason | None:
    run = clean_run(facts, params)
    if len(run) < params["a_clean_run_min"]:
        return None
    return Reason(
        "supervision.lower_random_coefficient",
        "三（二）1",
        f"连续{len(run)}次监督抽查或检查未发现不合格或其他违法行为，可合理降低监督抽查、检查随机系数等级",
        tuple(f.id for f in run),
    )


def _warning(colour: str, label: str, article: str) -> Measure:
    return Measure(K.WARNING, label, article, color=colour)


def level_measures(grading: Grading, facts: Facts, params: Mapping[str, Any]) -> list[Measure]:
    level = grading.level
    if level == "A":
        out = [
            Measure(
                K.RANDOM_SAMPLING,
                "一般监管：按照“双随机、一公开”监管要求实施产品质量监督抽查或检查",
                "三（二）1",
            )
        ]
        reason = clean_run_reason(facts, params)
        if reason is not None:
            out.append(
                Measure(
                    K.RANDOM_SAMPLING,
                    reason.text + f"（依据事件：{', '.join(map(str, reason.events))}）",
                    "三（二）1",
                )
            )
        return out
    if level == "B":
        return [
            _warning("yellow", "跟踪监管：向相关经营者发出黄色监管提示", "三（二）2（1）"),
            Measure(
                K.RECTIFICATION_ORDER,
                "责令经营者对出现的质量问题进行整改，并跟踪检查落实情况",
                "三（二）2（2）",
            ),
            Measure(
                K.INSPECTION_FREQUENCY,
                f"原则上每年实施{params['b_checks_per_year']:g}次以上监督抽查或检查",
                "三（二）2（3）",
                min_per_year=params["b_checks_per_year"],
            ),
        ]
    if level == "C":
        return [
            _warning("orange", "重点监管：对经营者发出橙色监管警示", "三（二）3（1）"),
            Measure(
                K.RECTIFICATION_ORDER,
                "责令经营者对出现的质量问题进行整改，并跟踪检查落实情况",
                "三（二）3（2）",
            ),
            Measure(
                K.INSPECTION_FREQUENCY,
                f"原则上每年实施{params['c_checks_per_year']:g}次以上监督抽查或检查",
                "三（二）3（3）",
                min_per_year=params["c_checks_per_year"],
            ),
            Measure(K.INTERVIEW, "对经营者质量负责人进行行政约谈", "三（二）3（4）"),
            Measure(
                K.TRAINING,
                "对经营者质量负责人进行培训，督促其履行产品质量主体责任",
                "三（二）3（4）",
            ),
        ]
    if level == "D":
        out = [
            _warning("red", "特别监管：对经营者发出红色监管警示", "三（二）4（1）"),
            Measure(
                K.RECTIFICATION_ORDER,
                "责令经营者对出现的质量问题进行整改，并跟踪检查落实情况",
                "三（二）4（2）",
            ),
            Measure(
                K.INSPECTION_FREQUENCY,
                f"原则上每年实施{params['d_checks_per_year']:g}次以上监督抽查或检查",
                "三（二）4（3）",
                min_per_year=params["d_checks_per_year"],
            ),
            Measure(K.INTERVIEW, "对经营者法定代表人及质量负责人进行行政约谈", "三（二）4（4）"),
        ]
        if facts.subject_type is SubjectType.ENTERPRISE:
            out.append(
                Measure(
                    K.SERIOUS_CIRCUMSTANCES,
                    "质量信用划分为D类的经营者，发生违反《中华人民共和国产品质量法》《产品质量监督"
                    "抽查管理暂行办法》等规定的质量违法行为的，可依法适用“情节严重”的情形处理",
                    "四（二）",
                )
            )
        return out
    return [
        Measure(
            K.GUIDANCE,
            "反应式监管：指导经营者在产品监管系统建立产品质量管理档案",
            "三（二）5（1）",
        ),
        Measure(
            K.MONITORING,
            "加强产品质量安全监测，并根据监测情况，及时采取对应监管措施",
            "三（二）5（2）",
        ),
        Measure(
            K.MONITORING,
            "发现存在产品质量信用记分情形的，按规定实施记分及分类管理",
            "三（二）5（3）",
        ),
    ]
