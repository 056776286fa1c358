"""四1–2 监管措施 and the publicity rules (四2 一是、三是、四是).

Supervision reads what :mod:`.rules` put into ``Grading.details`` (mode, health code, offender
flags), so the grade and the measures cannot disagree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from qcredit.core.contract import Audience, Disclosure, Grading, Measure, MeasureKind
from qcredit.core.facts import Facts
from qcredit.policies.jiaxing.levels import HIGH, MODE_LABELS, STRICT, TIER_LABELS, current

# Custom measure kinds (MeasureKind allows policy-specific strings).
SUPERVISION_MODE = "SUPERVISION_MODE"
HEALTH_CODE = "HEALTH_CODE"
INFORMATION_SHARING = "INFORMATION_SHARING"

# DB3304/T 055 (from 质检总局2012年第74号) describes the four modes; the guidance names them only
# through 四1 (不同频次和形式；加严监管) — the wording is a local default.
MODE_FORMS: dict[str, tuple[str, str]] = {
    "CREDIT": (MeasureKind.MONITORING, "企业每年提交产品质量安全自我承诺报告，以信用信息监测为主"),
    "RESPONSIBILITY": (
        MeasureKind.MONITORING,
        "企业每年提交产品质量安全主体责任落实报告，根据需要和社会反馈实施检查",
    ),
    "ROUTINE": (
        MeasureKind.GUIDANCE,
        "按辖区常规开展监督检查，在质量管理、检验检测、计量、标准等方面给予指导",
    ),
    "STRICT": (
        MeasureKind.KEY_INSPECTION_LIST,
        "列为重点监管企业，加大监督抽查和专项监督检查力度",
    ),
}
HEALTH_CODE_LABELS = {"green": "绿码", "yellow": "黄码", "red": "红码"}
EXCEPTION = "（行业专项整治以及上级要求监督检查全覆盖的除外）"


def enterprise_measures(grading: Grading, facts: Facts, params: Mapping[str, Any]) -> list[Measure]:
    d = grading.details
    level, mode, tier = grading.level, d["supervisionMode"], d["governingProductTier"]
    measures = [
        Measure(
            SUPERVISION_MODE,
            f"{MODE_LABELS[mode]}：{TIER_LABELS[tier]}生产企业，企业分类{level}类"
            + (
                "；高风险产品的生产企业按照从严监管的原则实施加严监管"
                if d["modeArticle"] == "四1 二是"
                else ""
            ),
            d["modeArticle"],
        ),
        Measure(
            MeasureKind.INSPECTION_FREQUENCY,
            f"每年至少{params['mode_checks_per_year'][mode]}次产品质量监督抽查或专项监督检查"
            + EXCEPTION,
            "四1 一是",
            min_per_year=float(params["mode_checks_per_year"][mode]),
        ),
    ]
    kind, text = MODE_FORMS[mode]
    measures.append(Measure(kind, f"{MODE_LABELS[mode]}：{text}", "四1 一是"))
    if mode == STRICT:
        measures.append(
            Measure(MeasureKind.INTERVIEW, "加严监管：对企业负责人开展履责约谈", d["modeArticle"])
        )
    colour = d["healthCode"]
    measures.append(
        Measure(
            HEALTH_CODE, f"企业产品质量“健康码”：{HEALTH_CODE_LABELS[colour]}", "二2", color=colour
        )
    )
    if d["seriousViolation"]:
        measures.append(
            Measure(
                MeasureKind.ENFORCEMENT,
                "存在严重质量违法行为或无证生产、制假售假、侵犯知识产权等违法行为，依法予以严惩",
                "四2 一是",
            )
        )
    if d["blacklisted"]:
        measures.append(
            Measure(MeasureKind.BLACKLIST, "屡查屡犯，列入“黑名单”", "四2 一是", color="red")
        )
        measures.append(
            Measure(MeasureKind.PUBLIC_EXPOSURE, "屡查屡犯企业予以公开曝光", "四2 一是")
        )
    if level in params["trusted_consumption_classes"]:
        measures.append(
            Measure(MeasureKind.INCENTIVE, "优质企业：列入“放心消费单位”（信用挂钩）", "四2 三是")
        )
    elif any(
        current(f, facts.as_of)
        for f in facts.own()
        if f.kind == "RECOGNITION" and f.get("type") == "TRUSTED_CONSUMPTION"
    ):
        measures.append(
            Measure(
                MeasureKind.WARNING,
                f"已列为“放心消费单位”但现为{level}类，不再属于优质企业，应复核其资格",
                "四2 三是",
                color="yellow",
            )
        )
    measures.append(
        Measure(
            INFORMATION_SHARING,
            "“三分”结果与企业信用相挂钩，通过产品质量信息共享平台与发改、税务、科技等部门共享，"
            "用于行业准入、金融信贷、项目申报",
            "四2 三是、四是",
        )
    )
    return measures


def product_measures(grading: Grading, params: Mapping[str, Any]) -> list[Measure]:
    tier = grading.level
    per_year = params["product_checks_per_year"][tier]
    if tier == HIGH:
        measures = [
            Measure(
                SUPERVISION_MODE,
                "高风险产品：对其生产企业按照从严监管的原则实施加严监管",
                "四1 二是",
                color="red",
            ),
            Measure(MeasureKind.KEY_INSPECTION_LIST, "高风险产品列入重点监督抽查", "四1 二是"),
        ]
    else:
        measures = [
            Measure(
                SUPERVISION_MODE,
                f"{TIER_LABELS[tier]}：生产企业可结合辖区内实际情况适当调整监管方式",
                "四1 二是",
            )
        ]
    measures.append(
        Measure(
            MeasureKind.INSPECTION_FREQUENCY,
            f"每年至少{per_year}次产品质量监督抽查" + EXCEPTION,
            "四1 二是",
            min_per_year=float(per_year),
        )
    )
    return measures


def disclosures(grading: Grading, params: Mapping[str, Any]) -> Sequence[Disclosure]:
    blacklisted = bool(grading.details.get("blacklisted"))
    if blacklisted:
        public = Disclosure(
            Audience.PUBLIC,
            True,
            True,
            "屡查屡犯的企业列入“黑名单”并予以公开曝光；公开前复核事实",
            "四2 一是",
        )
    else:
        public = Disclosure(
            Audience.PUBLIC,
            False,
            False,
            "“三分”分级分类结果用于差异化监管和信用挂钩，文件未规定向社会公开（仅屡查屡犯企业的黑名单公开曝光）",
            "四2 一是、三是",
        )
    industry = bool(params["industry_disclosure_allowed"])
    return (
        public,
        Disclosure(
            Audience.SUBJECT,
            True,
            False,
            "local default：文件未规定；企业可查看本企业分类、产品分级及其理由，以便整改",
            "local default",
        ),
        Disclosure(
            Audience.DEPARTMENT,
            True,
            False,
            "建立产品质量信息共享平台，与发改、税务、科技等部门强化信息共享、联动",
            "四2 四是",
        ),
        Disclosure(
            Audience.INDUSTRY,
            industry,
            industry,
            "local default：文件仅规定与发改、税务、科技等部门共享，未规定向行业协会、电商平台提供"
            + ("；按本地配置提供，提供前复核" if industry else "，不提供"),
            "local default",
        ),
        Disclosure(
            Audience.REGULATOR,
            True,
            False,
            "市局、各县（市、区）局建立重点监管对象动态数据库，动态调整分类分级",
            "四3",
        ),
    )
