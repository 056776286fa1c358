"""Rules that move the level away from the score band: 第六条 (what is D), 第七条 (never A),
第十三条 (locks and relief).

Each rule is a :class:`Constraint`: the best level it allows and the reason.  The final level is
the worst of them, so a cap or lock always wins over relief (relief only lowers the score band).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from qcredit.core.contract import History, Reason
from qcredit.core.facts import Fact, Facts, ids
from qcredit.core.temporal import period_end, window_start
from qcredit.policies.wugang.history import accidents_in_lock, evaluation_calendar, held_between
from qcredit.policies.wugang.scoring import indicator, rectifications

RANKS = {"A": 1, "B": 2, "C": 3, "D": 4}

# 第十三条 has two paragraphs.  The first holds four provisions, one per sentence after the
# opening one (自动分级，动态更新): 2 失信违法 raises the level, 3 confirmed rectification lowers
# it (cited by ``scoring``), 4 the C→A one-year lock, 5 the accident no-downgrade lock; the
# second paragraph holds the relief grounds.  Each provision is cited by its own paragraph and
# sentence so that a reader can tell them apart.
C_TO_A_LOCK = "第十三条第一款第四句"
ACCIDENT_LOCK = "第十三条第一款第五句"
RELIEF = "第十三条第二款"
CODES = {rank: code for code, rank in RANKS.items()}


@dataclass(frozen=True)
class Constraint:
    best_rank: int  # the best (lowest-risk) rank this rule still allows
    reason: Reason


def band_level(score: float, params: Mapping[str, Any]) -> str:
    """第六条: the score band (limits inclusive; above C's limit is D)."""
    if score <= params["band_a_max"]:
        return "A"
    if score <= params["band_b_max"]:
        return "B"
    if score <= params["band_c_max"]:
        return "C"
    return "D"


# -- 第六条: D ----------------------------------------------------------------------------------
def _fined_and_ordered(fact: Fact) -> bool:
    fined = fact.get("measure") == "FINE" or (fact.get("fineYuan") or 0) > 0
    return bool(fact.get("correctionOrdered")) and fined


def forced_d(facts: Facts, params: Mapping[str, Any]) -> list[Constraint]:
    """第六条 D级: "存在被依法责令改正并处罚款以及近3年发生过产品质量事故，可能导致重大和特别重大
    事故等情形" — either situation alone makes a D.  A penalty whose problem was rectified and
    confirmed no longer does (第十三条第一款第三句: 整改确认后下调)."""
    out: list[Constraint] = []
    fixed = rectifications(facts)
    penalties = [
        p
        for p in facts.within_years(params["d_penalty_years"], "ADMINISTRATIVE_PENALTY")
        if _fined_and_ordered(p) and p.id not in fixed
    ]
    if penalties:
        out.append(
            Constraint(
                RANKS["D"],
                Reason(
                    "force_d.correction_and_fine",
                    "第六条",
                    "被依法责令改正并处罚款，属D级（信用风险高）情形；整改经确认后方可下调",
                    ids(penalties),
                ),
            )
        )
    accidents = facts.within_years(
        params["d_accident_years"],
        "QUALITY_ACCIDENT",
        severity=set(params["d_accident_severities"]),
    )
    if accidents:
        out.append(
            Constraint(
                RANKS["D"],
                Reason(
                    "force_d.major_accident",
                    "第六条",
                    "近3年发生过产品质量事故，可能导致重大和特别重大事故，属D级（信用风险高）情形",
                    ids(accidents),
                ),
            )
        )
    return out


# -- 第十三条: relief ------------------------------------------------------------------------------
def _recognised(facts: Facts, type_: str) -> list[Fact]:
    return [
        r
        for r in facts.of("RECOGNITION", type=type_)
        if r.get("until") is None or date.fromisoformat(r.get("until")) >= facts.as_of
    ]


def accident_free_since(facts: Facts) -> date | None:
    """Start of the current run without a quality accident (establishment or the last accident)."""
    last = facts.latest("QUALITY_ACCIDENT")
    return last.occurred_on if last is not None else facts.enterprise.established_on


def reliefs(facts: Facts, params: Mapping[str, Any]) -> list[Reason]:
    """第十三条第二款: grounds that lower the risk level (each by ``relief_levels_per_ground``)."""
    out: list[Reason] = []
    since = accident_free_since(facts)
    years = params["relief_no_accident_years"]
    if since is not None and facts.as_of >= period_end(since, years=years):
        last = facts.latest("QUALITY_ACCIDENT")
        out.append(
            Reason(
                "relief.no_accident_3y",
                RELIEF,
                f"自{since}起连续三年以上未发生产品质量事故，予以下调信用风险等级",
                (last.id,) if last else (),
            )
        )
    for type_, rule, text in (
        (
            "DUAL_PREVENTION_BENCHMARK",
            "relief.dual_prevention_benchmark",
            "认定为双重预防体系标杆企业，予以下调信用风险等级",
        ),
        (
            "OFFSITE_MONITORING",
            "relief.offsite_monitoring",
            "纳入舞钢市产品质量安全非现场监管系统，予以下调信用风险等级",
        ),
    ):
        found = _recognised(facts, type_)
        if found:
            out.append(Reason(rule, RELIEF, text, ids(found)))
    return out


# -- 第七条: never A ---------------------------------------------------------------------------
def caps(facts: Facts, history: History, params: Mapping[str, Any]) -> list[Constraint]:
    out: list[Constraint] = []
    if not facts.established_for(params["cap_established_years"]):
        est = facts.enterprise.established_on
        when = f"{est}成立" if est else "成立日期不明"
        out.append(
            Constraint(
                RANKS["B"],
                Reason(
                    "cap.young_enterprise",
                    "第七条（一）",
                    f"成立不满三年的，不得划分为A级（{when}）",
                ),
            )
        )
    out += previous_period_cap(facts, history, params)
    accidents = facts.within_years(params["cap_accident_years"], "QUALITY_ACCIDENT")
    if accidents:
        out.append(
            Constraint(
                RANKS["B"],
                Reason(
                    "cap.accident_within_1y",
                    "第七条（三）",
                    "一年内发生过产品质量事故的，不得划分为A级",
                    ids(accidents),
                ),
            )
        )
    return out


def previous_period_cap(
    facts: Facts, history: History, params: Mapping[str, Any]
) -> list[Constraint]:
    """第七条（二） "上个评价周期内信用风险等级为C级或D级的": C or D at any time in the previous
    period, not only on its last day (``history.checkpoints`` grades every date it may have
    started on)."""
    start, end = evaluation_calendar(params).previous_period(facts.as_of)
    held = [
        g
        for g in history.known()
        if start <= g.as_of <= end and g.level in params["cap_previous_period_levels"]
    ]
    if not held:
        return []
    levels = "或".join(sorted({g.level for g in held}))
    first, last = held[0].as_of, held[-1].as_of
    when = f"{first}" if first == last else f"{first}至{last}间"
    return [
        Constraint(
            RANKS["B"],
            Reason(
                "cap.previous_period_c_or_d",
                "第七条（二）",
                f"上个评价周期（{start}至{end}）内信用风险等级曾为{levels}级（{when}），"
                "不得划分为A级",
                ids(
                    f
                    for f in facts.between(start, end)
                    if indicator(f, f.occurred_on, params) is not None
                ),
            ),
        )
    ]


# -- 第十三条: locks ---------------------------------------------------------------------------
def c_to_a_lock(facts: Facts, history: History, params: Mapping[str, Any]) -> list[Constraint]:
    """C级一年内不得调整至A级 (and D, a fortiori, when ``lock_c_to_a_includes_d``)."""
    locked = {"C", "D"} if params["lock_c_to_a_includes_d"] else {"C"}
    start = window_start(facts.as_of, years=params["lock_c_to_a_years"])
    held = [g for g in held_between(history, start, facts.as_of) if g.level in locked]
    if not held:
        return []
    last = held[-1]
    return [
        Constraint(
            RANKS["B"],
            Reason(
                "lock.c_to_a_1y",
                C_TO_A_LOCK,
                f"{last.as_of}信用风险等级为{last.level}级；C级一年内不得调整至A级"
                + ("（D级风险更高，同样适用）" if last.level == "D" else ""),
                ids(f for f in facts.events if f.occurred_on in {g.as_of for g in held}),
            ),
        )
    ]


def accident_lock(facts: Facts, history: History, params: Mapping[str, Any]) -> list[Constraint]:
    """发生产品质量事故的，三年内不得下调信用风险等级: no better than any level held since."""
    out: list[Constraint] = []
    for accident in accidents_in_lock(facts, params):
        held = held_between(history, accident.occurred_on, facts.as_of)
        if not held:
            continue
        worst = max(held, key=lambda g: RANKS[g.level])
        out.append(
            Constraint(
                RANKS[worst.level],
                Reason(
                    "lock.accident_3y",
                    ACCIDENT_LOCK,
                    f"{accident.occurred_on}发生产品质量事故，三年内不得下调信用风险等级"
                    f"（事故后曾为{worst.level}级，{worst.as_of}）",
                    (accident.id,),
                ),
            )
        )
    return out
