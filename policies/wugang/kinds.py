"""Event kinds Wugang adds to the core vocabulary.

第十二条（三） lets the bureau put any market subject on the annual key routine inspection list
("市场监督管理部门认为应当列入的其他情形").  No core kind records such a decision, so the policy
registers ``KEY_INSPECTION_DESIGNATION`` through the ``qcredit_event_kinds`` hook.  A designation
holds for the calendar year named in ``year`` (the list is annual), or for the year it was made.
"""

from __future__ import annotations

from qcredit.core.vocabulary import ENTERPRISE, AttributeSpec, EventKind

KEY_INSPECTION_DESIGNATION = "KEY_INSPECTION_DESIGNATION"

KEY_INSPECTION_DESIGNATION_KIND = EventKind(
    KEY_INSPECTION_DESIGNATION,
    "列入年度常规重点监督检查对象",
    ENTERPRISE,
    (
        AttributeSpec(
            "reason", "string", True, description="列入理由（第十二条（三））", label="列入理由"
        ),
        AttributeSpec(
            "year",
            "int",
            minimum=2022,
            description="名单年度；缺省为作出决定的年度",
            label="名单年度",
        ),
    ),
    description="舞钢 第十二条（三）: the bureau designates the subject for the annual key "
    "routine inspection list",
)

EVENT_KINDS = (KEY_INSPECTION_DESIGNATION_KIND,)
