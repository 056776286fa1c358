"""The article a case names must be one the grading cites (principle 3 of docs/design.md: every
grade explains itself, each rule with the article it comes from).

A case table's article column is evidence, not a label. Each table's runner calls
:func:`assert_cites` with what the grading cites — its reasons, blockers, measures and
disclosures, or the out-of-scope reason — so a case whose article none of them carries fails and
names the articles that were cited. A case showing that a rule does *not* fire (the far side of
a boundary) names the article of that rule: the one the rule cites where it fires in the same
table (:func:`rule_articles`).

Where the text's article is right but the code carries it in no reason, the case is marked
:func:`uncited`: a strict expected failure of the citation alone, which turns into a failure
the day the code cites the article.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

import pytest
from qcredit.core.grading.assess import Assessment, Subject
from qcredit.core.policy import Policy

# Chinese numerals that may precede an article number: "二（二）" must not match "十二（二）".
_NUMERAL = "一二三四五六七八九十百零"


class NotCited(AssertionError):
    """A case's article is carried by nothing the grading returns."""


def uncited(why: str) -> pytest.MarkDecorator:
    """Mark a case whose article the code does not cite (a gap in the code, not in the case)."""
    return pytest.mark.xfail(raises=NotCited, strict=True, reason=why)


def cited_articles(result: Assessment) -> list[str]:
    """Every article an assessment cites: reasons, blockers, measures and disclosures."""
    return [
        c.article
        for c in (*result.reasons, *result.blockers, *result.supervision, *result.publicity)
    ]


def rule_articles(results: Iterable[Assessment | None]) -> dict[str, set[str]]:
    """The articles each rule cites wherever it fires among ``results``."""
    found: dict[str, set[str]] = {}
    for result in results:
        for reason in (*result.reasons, *result.blockers) if result else ():
            found.setdefault(reason.rule, set()).add(reason.article)
    return found


def out_of_scope_reason(policy: Policy, subject: Subject, on: date) -> str:
    """Why ``policy`` does not grade ``subject`` on ``on``."""
    reason = policy.out_of_scope(subject.facts(on), policy.parameters.at(on))
    assert reason is not None, f"{policy.id} grades the subject on {on}"
    return reason


def _within(item: str, article: str) -> bool:
    """Whether ``item`` is ``article`` itself or one of its sub-items: "三（二）1" is within
    "三（二）", "第七条（一）" within "第七条"; "三12" is not within "三1"."""
    if not item.startswith(article):
        return False
    rest = item[len(article) :]
    return not rest or rest[0] in "（( " or (rest[0].isdigit() and not article[-1].isdigit())


def cites(article: str, citation: str) -> bool:
    """Whether an article field (items joined by "、") cites ``article``: one of its items is the
    article, an item of it, or the article it belongs to (a reason citing "第十一条" as a whole
    covers each of its conditions)."""
    items = [i.strip() for i in citation.split("、")]
    return any(_within(i, article) or _within(article, i) for i in items)


def mentions(article: str, text: str) -> bool:
    """Whether a free text (an out-of-scope reason) names ``article``; "二（二）" is not named by
    "十二（二）" nor "三1" by "三12"."""
    tail = r"(?!\d)" if article[-1].isdigit() else ""
    return re.search(rf"(?<![{_NUMERAL}]){re.escape(article)}{tail}", text) is not None


def assert_cites(article: str, citations: Iterable[str]) -> None:
    """Fail unless one of the article fields ``citations`` cites ``article``."""
    fields = sorted(set(citations))
    if not any(cites(article, c) for c in fields):
        raise NotCited(f"{article} is not among {fields}")


def assert_mentions(article: str, reason: str) -> None:
    """Fail unless the out-of-scope ``reason`` names ``article``."""
    if not mentions(article, reason):
        raise NotCited(f"{article} is not named in {reason!r}")


def assert_scope_cited(
    article: str, policy: Policy, subject: Subject, on: date, result: Assessment | None
) -> None:
    """A scope case: the out-of-scope reason names ``article``, or the grading cites it."""
    if result is None:
        assert_mentions(article, out_of_scope_reason(policy, subject, on))
    else:
        assert_cites(article, cited_articles(result))
