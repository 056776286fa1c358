"""Supervision per class (四（一）–（四）); what may be disclosed to whom (三（五）, 五（三）)."""

from __future__ import annotations

from qcredit.core.contract import Audience, Disclosure, Measure, MeasureKind

SUPERVISION: dict[str, tuple[Measure, ...]] = {
    "A": (
        Measure(
            MeasureKind.INSPECTION_FREQUENCY, "加大扶持和保护力度，减少日常监管频次", "四（一）"
        ),
        Measure(
            MeasureKind.INCENTIVE,
            "符合条件的产品在申请名牌产品、国家免检产品、质量管理体系奖励等质量奖励时优先推荐",
            "四（一）",
        ),
        Measure(
            MeasureKind.INCENTIVE,
            "在生产许可证等资质的年度监督检查工作中，依照有关规定免予实地抽查",
            "四（一）",
        ),
        Measure(
            MeasureKind.INCENTIVE,
            "在“大通关”、“绿色通道”、“企业分类管理制度”中优先办理，快速核验，促进出口",
            "四（一）",
        ),
        Measure(
            MeasureKind.INCENTIVE,
            "加大打击假冒行为的力度，切实保护守信企业及其产品的声誉",
            "四（一）",
        ),
        Measure(
            MeasureKind.INCENTIVE,
            "根据企业自愿原则，对评价确定的A级企业进行公示（须企业自愿申请并经省级部门评价，三（五））",
            "四（一）",
        ),
    ),
    "B": (
        Measure(
            MeasureKind.GUIDANCE,
            "根据B级企业质量信用状况，有针对性地做好监管和服务；鼓励和帮助企业增强质量意识、"
            "加强质量管理，早日成为守信企业",
            "四（二）",
        ),
    ),
    "C": (
        Measure(MeasureKind.KEY_INSPECTION_LIST, "将C级企业列入监管重点", "四（三）"),
        Measure(MeasureKind.INSPECTION_FREQUENCY, "加大监督抽查和检查力度", "四（三）"),
        Measure(
            MeasureKind.RECTIFICATION_ORDER,
            "及时指出企业的失信行为，帮助和监督其尽快整改",
            "四（三）",
        ),
        Measure(
            "INCENTIVE_WITHDRAWN",
            "已经获得质量奖励和正享受扶优扶强政策的，依照有关规定给予撤销或暂停",
            "四（三）",
        ),
        Measure(
            MeasureKind.WARNING,
            "加强质量失信企业风险分析，对风险较大的企业进行预警或黄牌警告",
            "四（三）",
            color="yellow",
        ),
        Measure(
            MeasureKind.GUIDANCE,
            "帮助企业建立健全质量保证体系、计量检测体系和标准化体系，稳定产品质量",
            "四（三）",
        ),
    ),
    # N 暂不定级 (local default, rules.NOT_YET_GRADED): the text has no measures for an enterprise
    # it cannot yet class; it stays under ordinary supervision with its quality file (三（五）),
    # helped towards 基本守信 as B is (四（二）, cited by analogy), and none of C's or D's
    # measures for wrongdoing.
    "N": (
        Measure(
            MeasureKind.MONITORING,
            "依企业质量档案（三（五））动态跟踪其质量信用状况，按日常监管实施监督；依法设立满2年且"
            "无失信情形的，按三（二）定级（local default：参照四（二））",
            "四（二）",
        ),
        Measure(
            MeasureKind.GUIDANCE,
            "鼓励和帮助企业增强质量意识、加强质量管理，早日成为守信企业"
            "（local default：参照四（二））",
            "四（二）",
        ),
    ),
    "D": (
        Measure(MeasureKind.BLACKLIST, "将D级企业纳入黑名单", "四（四）"),
        Measure(
            MeasureKind.PUBLIC_EXPOSURE,
            "依法向社会披露和曝光其违法、违规情节（对失信事实和程度复核后方可确定，三（五））",
            "四（四）",
        ),
        Measure(MeasureKind.ENFORCEMENT, "严格禁止不具备资质的企业生产和销售", "四（四）"),
        Measure(
            MeasureKind.REPORT_TO_GOVERNMENT,
            "情节特别严重、造成恶劣社会影响的，及时报告当地政府，会同有关部门依法取缔",
            "四（四）",
        ),
    ),
}


def disclosures(level: str) -> tuple[Disclosure, ...]:
    """One disclosure per audience for a grade.

    五（三）: "B级和C级企业作为内部监管依据，不对外公示；A级和D级企业可视情况选择部分予以公示 …
    内控信息要严格保密".  三（五）: a published A needs the enterprise's voluntary application and a
    provincial evaluation; an exposed D needs the facts and their degree re-checked first.
    """
    regulator = Disclosure(
        Audience.REGULATOR,
        True,
        False,
        "市场监督管理部门内部监管依据，可查看（local default：监管部门始终可见）",
        "五（一）、五（三）",
    )
    subject = Disclosure(
        Audience.SUBJECT,
        True,
        False,
        "企业可查询本企业的质量信用等级（local default：文件未规定，企业知悉本企业等级）",
        "五（三）",
    )
    if level == "A":
        review = "A级企业对外公示须以企业自愿申请为基础，并由省级质检部门组织评价后方可公示"
        outside = [
            Disclosure(Audience.PUBLIC, True, True, review, "三（五）、四（一）、五（三）"),
            Disclosure(
                Audience.DEPARTMENT,
                True,
                True,
                f"{review}（local default：向其他部门提供与对外公示同条件）",
                "三（五）、五（三）",
            ),
            Disclosure(
                Audience.INDUSTRY,
                True,
                True,
                f"{review}（local default：向行业协会、平台提供与对外公示同条件）",
                "三（五）、五（三）",
            ),
        ]
    elif level == "D":
        review = "需对外曝光的D级企业，必须严格掌握，对失信事实和程度复核后方可确定"
        outside = [
            Disclosure(Audience.PUBLIC, True, True, review, "三（五）、四（四）、五（三）"),
            Disclosure(
                Audience.DEPARTMENT,
                True,
                True,
                f"{review}（local default：向其他部门提供与对外曝光同条件）",
                "三（五）、五（三）",
            ),
            Disclosure(
                Audience.INDUSTRY,
                True,
                True,
                f"{review}（local default：向行业协会、平台提供与对外曝光同条件）",
                "三（五）、五（三）",
            ),
        ]
    else:
        # B, C — and N 暂不定级, which is neither of the classes that may be published (A, D).
        who = "暂不定级企业" if level == "N" else f"{level}级企业"
        internal = f"{who}作为内部监管依据，不对外公示；内控信息要严格保密"
        outside = [
            Disclosure(Audience.PUBLIC, False, False, internal, "五（三）"),
            Disclosure(Audience.DEPARTMENT, False, False, internal, "五（三）"),
            Disclosure(Audience.INDUSTRY, False, False, internal, "五（三）"),
        ]
    return (*outside, subject, regulator)
