"""Who may see a Wugang grade.

The text says nothing about publishing levels, so the public sees nothing (local default,
conservative).  第四条 gives the grading results to the bureau's stations; 第十五条 integrates
product-quality supervision information across departments and 第三条（四） calls for 部门联动 —
so partner departments may receive grades, after the bureau's review (local default).
"""

from __future__ import annotations

from qcredit.core.contract import Audience, Disclosure, Grading


def disclosures(grading: Grading) -> list[Disclosure]:
    level = grading.level
    return [
        Disclosure(
            Audience.PUBLIC,
            False,
            False,
            "本办法未规定向社会公开信用风险等级，不予公开（local default：从严）",
            "local default",
        ),
        Disclosure(
            Audience.SUBJECT,
            True,
            False,
            f"企业可查询本企业信用风险等级（{level}级）及理由，据此落实主体责任、开展信用修复"
            "（第十四条；查询本身为local default）",
            "第十四条",
        ),
        Disclosure(
            Audience.DEPARTMENT,
            True,
            True,
            "整合各部门间产品质量监管信息，实施部门联动、多元共治；向有关部门提供须经本局审核"
            "（审核为local default）",
            "第十五条、第三条（四）",
        ),
        Disclosure(
            Audience.INDUSTRY,
            False,
            False,
            "本办法未规定向行业协会、电商平台通报信用风险等级，不予提供（local default：从严）",
            "local default",
        ),
        Disclosure(
            Audience.REGULATOR,
            True,
            False,
            "各市场监督管理所依据本辖区信用风险分级结果加强监管；系统按企业、地域、设备类别查询",
            "第四条、第十五条",
        ),
    ]
