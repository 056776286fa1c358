"""兵团 graded under the version of its text in force on each date (附件2 方案修改前后对照表).

The table gives no dates: ``revision_effective_from`` (local default 2023-01-01) is the first day
of the 修改后 version; the day before is graded under the 修改前 (trial) version — its scope
(修改前第三条), its article numbers, and 修改前第七条 (分级情况不对外公布)."""

from __future__ import annotations

from datetime import date, timedelta

import httpx
import pytest
from qcredit.core.contract import Assessment, Audience, ChangeKind
from qcredit.core.grading.assess import assess
from qcredit.core.testing import SubjectBuilder
from qcredit.policies.bingtuan import BingtuanPolicy

from ..support import gql

POLICY = BingtuanPolicy()
REVISION = POLICY.parameters.get("revision_effective_from", date.today()).value
LAST_TRIAL_DAY = REVISION - timedelta(days=1)
REGION = "659001"


def _licence_holder() -> SubjectBuilder:
    b = SubjectBuilder(established_on="2012-01-01", region_code=REGION)
    b.event("LICENCE", "2015-01-01", status="GRANTED", licenceNo="XK1")
    b.event("SELF_INSPECTION_REPORT", "2022-02-01", year=2021, onTime=True)
    b.event("SELF_INSPECTION_REPORT", "2023-02-01", year=2022, onTime=True)
    return b


def _graded(b: SubjectBuilder, on: date, policy: BingtuanPolicy = POLICY) -> Assessment:
    a = assess(policy, b.enterprise_subject(), on)
    assert a is not None
    return a


def test_the_revision_date_decides_the_version_first_and_last_day() -> None:
    b = _licence_holder()
    assert _graded(b, LAST_TRIAL_DAY).policy_version == "trial-1"
    assert _graded(b, REVISION).policy_version == "revised-1"
    assert POLICY.version_on(LAST_TRIAL_DAY).version == "trial-1"  # type: ignore[union-attr]


def test_trial_version_discloses_nothing_outside_the_bureau() -> None:
    """修改前第七条: 分级情况不对外公布，仅作为市场监管系统实施市场监管执法的参考."""
    trial = {d.audience: d for d in _graded(_licence_holder(), LAST_TRIAL_DAY).publicity}
    assert all(not trial[a].allowed for a in Audience if a is not Audience.REGULATOR)
    assert {trial[a].article for a in Audience} == {"第七条"}
    revised = _graded(_licence_holder(), REVISION).publicity
    assert "第七条" not in {d.article for d in revised}


def test_trial_version_cites_its_own_article_numbers() -> None:
    """修改后第十一条 (A) was 修改前第十二条, 第十二条 (B) was 第十三条."""
    trial = _graded(_licence_holder(), LAST_TRIAL_DAY)
    revised = _graded(_licence_holder(), REVISION)
    trial_numbers = {"a.conditions_met": "第十二条", "b.conditions_met": "第十三条"}
    revised_numbers = {"a.conditions_met": "第十一条", "b.conditions_met": "第十二条"}
    met = [r for r in trial.reasons if r.rule in trial_numbers]
    assert met and all(r.article == trial_numbers[r.rule] for r in met)
    assert all(
        r.article == revised_numbers[r.rule] for r in revised.reasons if r.rule in revised_numbers
    )
    assert {r.rule: r.article for r in trial.reasons}["scope.in_force"] == "第二十四条"


@pytest.mark.parametrize(
    ("on", "in_scope"),
    [(LAST_TRIAL_DAY, True), (REVISION, False)],
    ids=["修改前第三条-key-product-maker", "修改后第三条-licence-holders-only"],
)
def test_scope_follows_the_version(on: date, in_scope: bool) -> None:
    """修改前第三条: 生产经营《兵团重点工业产品质量安全监管目录》内产品的企业; 修改后: 获证企业."""
    b = SubjectBuilder(established_on="2012-01-01", region_code=REGION)
    b.product(trademark="天山", category="水泥")  # no production licence
    graded = assess(POLICY, b.enterprise_subject(), on)
    assert (graded is not None) is in_scope
    if graded is not None:
        scope = {r.rule: r for r in graded.reasons}["scope.key_product_enterprise"]
        assert scope.article == "第二条、第三条" and "水泥" in scope.text
    else:
        why = POLICY.rules_on(on).out_of_scope(
            b.enterprise_subject().facts(on), POLICY.parameters.at(on)
        )
        assert why is not None and "第三条" in why


def test_a_deployment_moves_the_revision_date() -> None:
    policy = BingtuanPolicy(
        POLICY.parameters.with_overrides({"revision_effective_from": date(2024, 4, 1)})
    )
    assert _graded(_licence_holder(), date(2024, 3, 31), policy).policy_version == "trial-1"
    assert _graded(_licence_holder(), date(2024, 4, 1), policy).policy_version == "revised-1"
    trial, revised = policy.versions()
    assert trial.effective_until == date(2024, 3, 31) and revised.effective_from == date(2024, 4, 1)
    assert "本地默认" in revised.dates_source


def test_the_revision_lists_its_changes_from_the_table() -> None:
    trial, revised = POLICY.versions()
    assert trial.changes == ()
    kinds = {c.kind for c in revised.changes}
    assert {ChangeKind.SCOPE, ChangeKind.PUBLICITY, ChangeKind.DELETED, ChangeKind.PERIOD} <= kinds
    renumbered = {c.previous_article: c.article for c in revised.changes}
    assert renumbered["第十二条"] == "第十一条" and renumbered["第二十四条"] == "第二十三条"
    assert renumbered["第七条"] is None  # deleted: 分级情况不对外公布


async def test_the_api_lists_both_versions_and_their_differences(
    client: httpx.AsyncClient,
) -> None:
    body = await gql(
        client,
        '{ policy(id: "bingtuan") { versions { version label effectiveFrom effectiveUntil '
        "datesSource changes { kind article previousArticle text } } } }",
    )
    versions = body["data"]["policy"]["versions"]
    assert [v["version"] for v in versions] == ["trial-1", "revised-1"]
    assert versions[0]["effectiveUntil"] == LAST_TRIAL_DAY.isoformat()
    assert versions[1]["effectiveFrom"] == REVISION.isoformat()
    deleted = [c for c in versions[1]["changes"] if c["kind"] == "PUBLICITY"]
    assert deleted and deleted[0]["previousArticle"] == "第七条"
