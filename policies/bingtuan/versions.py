"""The two versions of the 兵团 text (附件2 方案修改前后对照表): 修改前 (trial), 修改后 (revised).

A bureau grades history under the rules in force then.  The revision table gives no dates, so
the day the revised version takes over is a parameter (``revision_effective_from``, local
default).  The trial version differs where the table says it does:

* scope (修改前第二、三条): 重点工业产品企业 — enterprises making products of the 兵团目录 — not
  only holders of a production licence;
* 修改前第七条: 分级情况不对外公布 — the grade is for the bureau alone;
* article numbers: 修改前第十条 became 第九条 … 第二十四条 became 第二十三条 (修改前第七、九条 were
  deleted and 第九条 merged into 第六条), so the trial version's reasons cite its own numbers;
* 修改前第十六条: evaluation on 1 January (修改后第十五条: in the first quarter); both judge the
  previous year, so the evaluation year is the same.

The 评价细则 (the score's indicators) is in neither text; both versions score the same way.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from qcredit.core.contract import (
    Audience,
    ChangeKind,
    Disclosure,
    Grading,
    Measure,
    Reason,
    VersionChange,
)
from qcredit.core.facts import Facts
from qcredit.core.parameters import ParameterView

TRIAL = "trial-1"
TRIAL_LABEL = "试行版（修改前）"
REVISED_LABEL = "修订版（修改后）"

# 修改后 article → 修改前 article, from the table's rows.
TRIAL_NUMBER = {
    "第九条": "第十条",
    "第十条": "第十一条",
    "第十一条": "第十二条",
    "第十二条": "第十三条",
    "第十三条": "第十四条",
    "第十四条": "第十五条",
    "第十五条": "第十六条",
    "第十六条": "第十七条",
    "第十七条": "第十八条",
    "第十八条": "第十九条",
    "第十九条": "第二十条",
    "第二十条": "第二十一条",
    "第二十一条": "第二十二条",
    "第二十二条": "第二十三条",
    "第二十三条": "第二十四条",
    "第六条": "第九条",  # the 8 dimensions: 修改前第九条, merged into 修改后第六条
}
_ARTICLE = re.compile(r"第[一二三四五六七八九十]+条")


def trial_article(article: str) -> str:
    """The trial version's number of an article cited by the revised rules."""
    return _ARTICLE.sub(lambda m: TRIAL_NUMBER.get(m.group(0), m.group(0)), article)


def _renumbered(reasons: Sequence[Reason]) -> tuple[Reason, ...]:
    return tuple(replace(r, article=trial_article(r.article)) for r in reasons)


def trial_grading(grading: Grading) -> Grading:
    return replace(
        grading, reasons=_renumbered(grading.reasons), blockers=_renumbered(grading.blockers)
    )


def trial_measures(measures: Sequence[Measure]) -> tuple[Measure, ...]:
    return tuple(replace(m, article=trial_article(m.article)) for m in measures)


def trial_disclosures() -> tuple[Disclosure, ...]:
    """修改前第七条: 分级情况不对外公布，仅作为市场监管系统实施市场监管执法的参考."""
    text = "重点工业产品信用风险分级情况不对外公布，仅作为市场监管系统实施市场监管执法的参考"
    return tuple(Disclosure(a, a is Audience.REGULATOR, False, text, "第七条") for a in Audience)


def key_product_scope(facts: Facts, params: ParameterView) -> tuple[bool, str]:
    """修改前第三条: an enterprise making products of the 兵团目录
    (``trial_key_product_categories``)."""
    listed = set(params["trial_key_product_categories"])
    made = sorted({p.category for p in facts.products if p.category and p.category in listed})
    return bool(made), "、".join(made)


CHANGES = (
    VersionChange(ChangeKind.AMENDED, "增加分级分类管理依据（产品质量法、工业产品生产许可管理条例、国市监信发〔2022〕6号）", "第一条", "第一条"),
    VersionChange(ChangeKind.SCOPE, "管理范围由“重点工业产品企业”改为“重点工业产品生产许可证获证企业”；“适用本办法”改为“参考本办法”", "第二条", "第二条"),
    VersionChange(ChangeKind.SCOPE, "获证企业：列入现有工业产品生产许可证目录并依法取得工业产品生产许可证的企业；分级依据为行业风险隐患、企业主体责任落实、行政执法检查", "第三条", "第三条"),
    VersionChange(ChangeKind.AMENDED, "规范名称，与第二条对应", "第四条", "第四条"),
    VersionChange(ChangeKind.AMENDED, "规范名称，与第二条对应", "第五条", "第五条"),
    VersionChange(ChangeKind.AMENDED, "将第六条与第九条合并：企业类型、质量风险、行政许可、监督抽查、监督检查、行政处罚、经核实的投诉举报、舆情通报等8个维度", "第六条", "第六条"),
    VersionChange(ChangeKind.PUBLICITY, "删除“分级情况不对外公布，仅作为市场监管系统实施市场监管执法的参考”", None, "第七条"),
    VersionChange(ChangeKind.AMENDED, "规范名称，与第二条对应", "第八条", "第八条"),
    VersionChange(ChangeKind.DELETED, "8个维度的条文删除（并入第六条）", None, "第九条"),
    VersionChange(ChangeKind.RENUMBERED, "等级评定实行记分管理、综合评定，划分A、B、C、D四级", "第九条", "第十条"),
    VersionChange(ChangeKind.RENUMBERED, "不作为分级依据的信息", "第十条", "第十一条"),
    VersionChange(ChangeKind.RENUMBERED, "A级条件；得分“90以上”明确为“90（含）以上”", "第十一条", "第十二条"),
    VersionChange(ChangeKind.RENUMBERED, "B级条件；得分“80～90”明确为“80（含）～90”", "第十二条", "第十三条"),
    VersionChange(ChangeKind.PERIOD, "评价时间由“每年度1月1日”调整为“每年度1季度”开展上一年度评价", "第十五条", "第十六条"),
    VersionChange(ChangeKind.RENUMBERED, "A级监管措施", "第十六条", "第十七条"),
    VersionChange(ChangeKind.RENUMBERED, "B级监管措施", "第十七条", "第十八条"),
    VersionChange(ChangeKind.RENUMBERED, "C级监管措施", "第十八条", "第十九条"),
    VersionChange(ChangeKind.RENUMBERED, "D级监管措施", "第十九条", "第二十条"),
    VersionChange(ChangeKind.PERIOD, "删除“试行期暂定2年”：试行期已满，修订后正式实施", "第二十三条", "第二十四条"),
)  # fmt: skip
