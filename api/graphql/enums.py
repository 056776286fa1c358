"""The schema's enums: every closed set the API returns, each built from the core's own constants.

An enum value's NAME is the string the field served before it was an enum (``ACTIVE``,
``PRODUCER``, ``PUBLIC`` …), so a response reads the same on the wire; only the schema says more
(docs/schema.md).  Open sets that plug-ins extend — level codes, event kinds, measure kinds, policy
ids — stay ``String``, with their catalogues queryable (``policies { levels }``, ``eventKinds``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import Enum
from typing import TYPE_CHECKING, Any, get_args

import strawberry
from qcredit.core.contract import Audience as AudienceValue
from qcredit.core.contract import ChangeKind as ChangeKindValue
from qcredit.core.contract import NoticeKind as NoticeKindValue
from qcredit.core.disclosure.audit import Action as AuditActionValue
from qcredit.core.disclosure.callers import CallerRole as CallerRoleValue
from qcredit.core.disclosure.reviews import RequestKind as RequestKindValue
from qcredit.core.disclosure.reviews import RequestState as RequestStateValue
from qcredit.core.grading.regions import SubRegionKind as SubRegionKindValue
from qcredit.core.model import CorrectionAction as CorrectionActionValue
from qcredit.core.model import EnterpriseRole as EnterpriseRoleValue
from qcredit.core.model import EventStatus as EventStatusValue
from qcredit.core.model import SubjectType as SubjectTypeValue
from qcredit.core.supervision.plans.outcome import CheckReason as CheckReasonValue
from qcredit.core.supervision.plans.outcome import ShortfallKind as ShortfallKindValue
from qcredit.core.vocabulary import AttrType


def enum_of(name: str, values: Iterable[str], description: str, meanings: Mapping[str, str]) -> Any:
    """A GraphQL enum named ``name`` whose members are the core's ``values``, each described.

    Built as a new Python enum rather than decorating the core's class, so the core carries no
    GraphQL definition; a value without a meaning here fails at import, not in a client."""
    members = {str(v): strawberry.enum_value(str(v), description=meanings[str(v)]) for v in values}
    extra = set(meanings) - set(members)
    if extra:
        raise AssertionError(f"{name}: meanings for unknown values {sorted(extra)}")
    make: Any = Enum  # the functional API with a computed name, which mypy cannot follow
    python_enum = make(name, members)
    return strawberry.enum(python_enum, description=description)


if TYPE_CHECKING:
    # To mypy each enum is the string it serialises as (its names are its values), which is
    # what resolvers return; strawberry reads the enums built below.
    SubjectType = str
    EnterpriseRole = str
    CallerRole = str
    Audience = str
    EventStatus = str
    CorrectionAction = str
    NoticeKind = str
    RequestKind = str
    RequestState = str
    AuditAction = str
    VersionChangeKind = str
    SubRegionKind = str
    ShortfallKind = str
    CheckReason = str
    AttributeType = str
else:
    SubjectType = enum_of(
        "SubjectType",
        SubjectTypeValue,
        "What a policy grades: an enterprise (监管对象：企业) or one of its products (产品).",
        {
            "ENTERPRISE": "An enterprise, identified by its 统一社会信用代码.",
            "PRODUCT": "A product: one trademark in one Nice class of one enterprise.",
        },
    )

    EnterpriseRole = enum_of(
        "EnterpriseRole",
        EnterpriseRoleValue,
        "What an enterprise does with products (产品质量法: 生产者、销售者、经营性服务). "
        "Not the caller's role: that is CallerRole.",
        {
            "PRODUCER": "Makes products (生产者).",
            "SELLER": "Sells products (销售者).",
            "SERVICE": "Uses products to provide a commercial service (用产品提供经营性服务).",
        },
    )

    CallerRole = enum_of(
        "CallerRole",
        CallerRoleValue,
        "Who the caller is to the service, from its token (none: PUBLIC); decides what it may see "
        "and write. Not an enterprise's role: that is EnterpriseRole.",
        {
            "PUBLIC": "No token: sees what the policies publish.",
            "SUBJECT": "One enterprise, acting for itself (its own grades and ledger).",
            "REGULATOR": "The market-regulation bureau of its regions: reads and writes there.",
            "REVIEWER": "Decides disclosure requests in its regions.",
            "DEPARTMENT": "A partner department (发改、工信、税务 …), named by the token.",
            "INDUSTRY": "An industry association or e-commerce platform.",
            "ADMIN": "Operates the service: the audit log, tokens; every region when it has none.",
        },
    )

    Audience = enum_of(
        "Audience",
        AudienceValue,
        "To whom a policy's publicity rules open a grade (信用信息公示的对象).",
        {
            "PUBLIC": "Anyone, without a token (社会公众).",
            "SUBJECT": "The graded enterprise itself.",
            "DEPARTMENT": "Partner departments (发改、工信、税务 …); also regulators of other "
            "regions.",
            "INDUSTRY": "Industry associations and e-commerce platforms.",
            "REGULATOR": "The bureau in charge of the subject's region.",
        },
    )

    EventStatus = enum_of(
        "EventStatus",
        EventStatusValue,
        "Whether a ledger event still counts as recorded, derived from the corrections referring "
        "to it (the latest one wins).",
        {
            "ACTIVE": "No correction: the event counts as recorded.",
            "REVOKED": "The act was revoked or cancelled (撤销): it no longer counts.",
            "AMENDED": "The act was changed or partly revoked (变更): it counts as amended.",
            "ERRONEOUS": "Found to be a misjudgement, error or slip (认定错误): it never counted.",
            "REPAIRED": "Credit repaired (信用修复): no effect from the repair date on.",
        },
    )

    CorrectionAction = enum_of(
        "CorrectionAction",
        CorrectionActionValue,
        "How a correction makes a recorded fact stop counting as it was.",
        {
            "REVOKE": "The act was revoked or cancelled (撤销); the event becomes REVOKED.",
            "AMEND": "The act was changed or partly revoked (变更); the event becomes AMENDED.",
            "ERRONEOUS": "A misjudgement, error or slip (认定错误); the event becomes ERRONEOUS.",
            "REPAIR": "Credit repaired (信用修复) from effectiveOn; the event becomes REPAIRED.",
        },
    )

    NoticeKind = enum_of(
        "NoticeKind",
        NoticeKindValue,
        "What a notice (warning) is about.",
        {
            "SUBJECT_WARNING": "To one subject's operator: its grade entered a warned level "
            "(提示、警示、黄牌、预警).",
            "REGIONAL_WARNING": "About a region: its share of high-risk subjects passed the "
            "policy's parameter (区域性预警).",
            "INDUSTRY_WARNING": "About a product category (industry): its share of high-risk "
            "products passed the policy's parameter (行业性预警).",
        },
    )

    RequestKind = enum_of(
        "DisclosureRequestKind",
        RequestKindValue,
        "What a disclosure request asks for.",
        {
            "PUBLICATION": "The enterprise (or its regulator for it) applies to have its grade "
            "published.",
            "EXPOSURE": "The bureau asks to expose a grade after re-checking the facts.",
        },
    )

    RequestState = enum_of(
        "DisclosureRequestState",
        RequestStateValue,
        "Where a disclosure request stands in its review.",
        {
            "PENDING": "Waiting for a REVIEWER's decision.",
            "APPROVED": "Approved: the grade is disclosed as asked.",
            "REJECTED": "Rejected by the reviewer (see decisionReason).",
            "WITHDRAWN": "Withdrawn by the requester (reserved: no operation sets it yet).",
        },
    )

    AuditAction = enum_of(
        "AuditAction",
        AuditActionValue,
        "What an audit-log entry records.",
        {
            "WRITE": "A write: a registration, an event, a correction, a plan or inspector change.",
            "DISCLOSURE_REQUEST": "A disclosure request was made.",
            "DISCLOSURE_DECISION": "A disclosure request was approved or rejected.",
            "EXPORT": "A partner export (CSV, XLSX or JSON Lines) was produced.",
            "READ_NONPUBLIC": "An authenticated caller read a grade or notice the public may "
            "not see.",
            "TOKEN": "Reserved for creating and revoking API tokens; nothing records it yet.",
        },
    )

    VersionChangeKind = enum_of(
        "VersionChangeKind",
        ChangeKindValue,
        "What a revision of a policy's text did, article by article.",
        {
            "ADDED": "An article was added.",
            "DELETED": "An article was deleted.",
            "RENUMBERED": "An article kept its text under a new number.",
            "AMENDED": "An article's wording changed.",
            "SCOPE": "Who or what the policy applies to changed.",
            "PERIOD": "When it applies, or when evaluations run, changed.",
            "PUBLICITY": "What may be disclosed, and to whom, changed.",
            "PARAMETER": "A number or threshold changed.",
        },
    )

    SubRegionKind = enum_of(
        "SubRegionKind",
        (v for k, v in vars(SubRegionKindValue).items() if k.isupper()),
        "What the cells of a regional map are (GB/T 2260 levels below the region).",
        {
            "CITY": "Prefecture-level cities (地级市) of a province.",
            "COUNTY": "Counties and districts (县、区) of a city.",
            "TOWN": "Towns and streets (乡镇、街道) of a county, by 9-digit code.",
        },
    )

    ShortfallKind = enum_of(
        "ShortfallKind",
        ShortfallKindValue,
        "What an inspection plan could not give a level.",
        {
            "CAPACITY": "The year's capacity ran out before the level's required checks.",
            "SHARE_MIN": "The level got less of the plan than the policy's minimum share.",
            "SHARE_MAX": "Required checks push the level past the policy's maximum share.",
            "INSPECTORS": "Too few inspectors free of conflicts to pair for a check.",
        },
    )

    CheckReason = enum_of(
        "CheckReason",
        CheckReasonValue,
        "Why a subject is in an inspection plan: the rule that put it there.",
        {
            "REQUIRED": "A supervision measure's minimum checks per year (Measure.minPerYear).",
            "KEY_LIST": "A measure puts the subject on the key inspection list.",
            "FULL_COVERAGE": "A measure asks every subject of the level to be checked "
            "(Measure.planShareMin of 1).",
            "POLICY_RULE": "The policy's own plan rule, citing its article.",
            "RANDOM_DRAW": "Drawn at random from the rest of the level (双随机), by the seed.",
        },
    )

    AttributeType = enum_of(
        "AttributeType",
        get_args(AttrType),
        "How an event attribute's value is written in `attributes` (JSON).",
        {
            "enum": "One of the attribute's values (EventAttribute.values), by code.",
            "bool": "true or false.",
            "int": "A whole number (at least the attribute's minimum, if any).",
            "number": "A finite number (at least the attribute's minimum, if any).",
            "string": "A non-empty text of at most 500 characters.",
            "date": "A calendar date, YYYY-MM-DD.",
            "event": "Another event, by its id or global id.",
            "object": "A JSON object (e.g. a correction's amended attributes).",
        },
    )
