"""四: use of quality-credit information; 三（三）: limits on using the category."""

from __future__ import annotations

from qcredit.core.contract import Audience, Disclosure, Grading

USE_LIMIT = (
    "经营者或其他利益相关方不得将质量信用监管类别划分结果印制于产品标识，"
    "不得用于商业用途（三（三））"
)
DISHONESTY = "记分对象的失信事项，依法予以公示（四（一））"


def disclosures(grading: Grading) -> list[Disclosure]:
    level = grading.level
    if level == "A":
        public = Disclosure(
            Audience.PUBLIC,
            True,
            False,
            f"质量信用划分为A类的，其分类情况可依法予以公示；{DISHONESTY}",
            "四（一）",
        )
    else:
        public = Disclosure(
            Audience.PUBLIC,
            False,
            False,
            f"仅A类的分类情况可予公示，{level}类分类情况不予公示；{DISHONESTY}",
            "四（一）",
        )
    return [
        public,
        Disclosure(
            Audience.SUBJECT,
            True,
            False,
            f"经营者可知悉本记分对象的类别（{level}类）及记分情况（local default）；{USE_LIMIT}",
            "local default",
        ),
        Disclosure(
            Audience.DEPARTMENT,
            True,
            False,
            "可依法将质量信用信息通报给发改、工信、税务、科技、金融、建设、教育、卫生等有关部门，"
            f"实现信用信息共享；{USE_LIMIT}",
            "四（三）",
        ),
        Disclosure(
            Audience.INDUSTRY,
            True,
            False,
            "可依法将质量信用信息向行业协会、行业经营者、电子商务平台等通报，督促加强行业自律和"
            f"联合监督；{USE_LIMIT}",
            "四（四）",
        ),
        Disclosure(
            Audience.REGULATOR,
            True,
            False,
            "市场监管部门根据记分情况对各类监管对象实行差异化监管（三（二））",
            "三（二）",
        ),
    ]
