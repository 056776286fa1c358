"""Supervision per level (第十六–十九条); disclosure (the revised text is silent: local default)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from qcredit.core.contract import Audience, Disclosure, Measure, MeasureKind


def supervision(level: str, params: Mapping[str, Any]) -> tuple[Measure, ...]:
    if level == "A":
        return (
            Measure(
                MeasureKind.MONITORING,
                "定期开展信用信息监测，合理降低监管频次，简化监管方式",
                "第十六条（一）",
            ),
            Measure(
                MeasureKind.NO_PROACTIVE_CHECK,
                "除投诉举报、大数据监测、案件线索转办交办及法律法规有规定外，根据实际情况可不主动实施"
                "现场检查，实现“无事不扰”",
                "第十六条（一）",
            ),
            Measure(
                MeasureKind.RANDOM_SAMPLING,
                "降低“双随机、一公开”抽查和抽检比例和频次",
                "第十六条（二）",
            ),
            Measure(
                MeasureKind.RECTIFICATION_ORDER,
                "发现未造成社会危害的轻微违法行为，依法予以提醒，责令限期改正；逾期不改正的，提高风险"
                "等级，依法处罚",
                "第十六条（三）",
            ),
        )
    if level == "B":
        return (
            Measure(
                MeasureKind.INSPECTION_FREQUENCY,
                "除专项整治外，每半年对企业开展监督检查1次",
                "第十七条（一）",
                min_per_year=params["b_checks_per_year"],
            ),
            Measure(
                MeasureKind.MONITORING,
                "定期开展产品质量监管和信用信息监测",
                "第十七条（一）",
            ),
            Measure(
                MeasureKind.RANDOM_SAMPLING,
                "按“双随机、一公开”正常比例和频次开展监督抽检",
                "第十七条（二）",
            ),
            Measure(
                MeasureKind.WARNING,
                "发现未造成社会危害的轻微违法行为，依法予以警告，责令限期整改；逾期不改的，提高风险"
                "等级，依法处罚",
                "第十七条（三）",
            ),
        )
    if level == "C":
        return (
            Measure(
                MeasureKind.MONITORING,
                "实行重点关注、列为重点监测对象，定期不定期开展产品质量监管和信用信息监测",
                "第十八条（一）",
            ),
            Measure(
                MeasureKind.INSPECTION_FREQUENCY,
                "每半年对企业开展监督检查至少1次",
                "第十八条（一）",
                min_per_year=params["c_checks_per_year"],
            ),
            Measure(
                MeasureKind.KEY_INSPECTION_LIST,
                "开展专项整治时列为重点关注对象",
                "第十八条（二）",
            ),
            Measure(
                MeasureKind.WARNING,
                "对监管中发现存在违法违规行为的，依法依规处理并予以警告，责令限期整改；逾期不改的，"
                "提高风险等级，依法处罚",
                "第十八条（二）",
            ),
        )
    return (
        Measure(
            MeasureKind.RANDOM_SAMPLING,
            "实行严格监管、严管重罚，有针对性大幅提高监管抽查比例和频次",
            "第十九条（一）",
        ),
        Measure(
            MeasureKind.INSPECTION_FREQUENCY,
            "除专项整治外，必要时主动实施现场检查，每季度对企业开展现场监督检查至少1次",
            "第十九条（一）",
            min_per_year=params["d_checks_per_year"],
        ),
        Measure(
            MeasureKind.MONITORING,
            "定期不定期开展产品质量监管和信用信息监测",
            "第十九条（一）",
        ),
        Measure(
            MeasureKind.KEY_INSPECTION_LIST,
            "开展专项整治时列为重点整治对象",
            "第十九条（二）",
        ),
        Measure(
            MeasureKind.ENFORCEMENT,
            "对监管中发现存在违法违规行为的，依法从严从重处罚",
            "第十九条（二）",
        ),
        Measure(
            MeasureKind.LICENCE_ACTION,
            "涉及许可证照的依法撤销或吊销",
            "第十九条（二）",
        ),
    )


# The unrevised 第七条 ("信用风险分级情况不对外公布，仅作为市场监管系统实施市场监管执法的参考") was
# deleted in the revision, and nothing replaced it: every audience below is a local default.
SILENT = "修订后文本删除原第七条，对分级结果公开未作规定"


def disclosures(level: str) -> tuple[Disclosure, ...]:
    return (
        Disclosure(
            Audience.PUBLIC,
            False,
            False,
            f"{SILENT}；local default：不对社会公开（原第七条不公布的做法，从严）",
            "第七条（已删除）",
        ),
        Disclosure(
            Audience.SUBJECT,
            True,
            False,
            f"{SILENT}；local default：企业可查询本企业的信用风险等级",
            "第十五条",
        ),
        Disclosure(
            Audience.DEPARTMENT,
            True,
            True,
            f"{SILENT}；local default：按第五条协同监管、信用联合惩戒，经审核后向相关部门共享",
            "第五条",
        ),
        Disclosure(
            Audience.INDUSTRY,
            False,
            False,
            f"{SILENT}；local default：不向行业协会、电商平台提供",
            "第七条（已删除）",
        ),
        Disclosure(
            Audience.REGULATOR,
            True,
            False,
            "作为市场监管执法的依据，各级市场监督管理部门可查看（第四条、第十五条）",
            "第十五条",
        ),
    )
