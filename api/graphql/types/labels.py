"""The Chinese labels of every closed code a person sees, for pages and front ends.

One source: event kinds, their attributes and values come from the vocabulary (a plug-in's kinds
included); the model's, the contract's and the disclosure rules' codes from
``qcredit.core.vocabulary.LABEL_SETS``; policies' names and level labels from the policies
themselves.  A code without a label is listed with its code as the label, so a page still shows
something, and tests/test_pages_chinese.py fails on it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Annotated

import strawberry
from qcredit.api.graphql.types.enterprise import ctx
from qcredit.core.contract import Audience, MeasureKind, NoticeKind
from qcredit.core.disclosure.callers import CallerRole
from qcredit.core.disclosure.reviews import RequestKind, RequestState
from qcredit.core.errors import InvalidInput
from qcredit.core.model import CorrectionAction, EnterpriseRole, EventStatus, SubjectType
from qcredit.core.plugins import Registry
from qcredit.core.vocabulary import LABEL_SETS
from strawberry.types import Info

# The enumeration behind each closed set: every member is listed, labelled or not.
ENUMS: Mapping[str, type[StrEnum]] = {
    "enterpriseRole": EnterpriseRole,
    "subjectType": SubjectType,
    "eventStatus": EventStatus,
    "correctionAction": CorrectionAction,
    "measureKind": MeasureKind,
    "noticeKind": NoticeKind,
    "audience": Audience,
    "callerRole": CallerRole,
    "requestKind": RequestKind,
    "requestState": RequestState,
}

# Sets built from the installation (the vocabulary with the plug-ins' kinds, the policies).
INSTALLED = {
    "eventKind": "Event kinds (Event.kind), the plug-ins' included.",
    "eventAttribute": 'Attribute names of an event kind; code "KIND.attribute".',
    "attributeValue": 'Values of an enumerated attribute; code "KIND.attribute.VALUE".',
    "policy": "Policy ids and their names.",
    "level": 'Levels of each policy; code "policy.LEVEL", label the policy\'s.',
}


@strawberry.type(description="A code and its Chinese label.")
class CodeLabel:
    code: str = strawberry.field(description="The code as the API writes it.")
    label: str = strawberry.field(
        description="Its Chinese label; the code itself when it has none (a gap to report)."
    )


@strawberry.type(description="One set of codes with their Chinese labels.")
class LabelSet:
    name: str = strawberry.field(description="The set's name, e.g. eventStatus or colour.")
    description: str = strawberry.field(description="Which codes the set labels.")
    labels: list[CodeLabel] = strawberry.field(description="Every code of the set, labelled.")


def _installed(registry: Registry, name: str) -> Iterable[tuple[str, str]]:
    kinds = registry.vocabulary.kinds.values()
    if name == "eventKind":
        return ((k.code, k.label) for k in kinds)
    if name == "eventAttribute":
        return (
            (f"{k.code}.{a.name}", a.label or f"{k.code}.{a.name}")
            for k in kinds
            for a in k.all_attributes.values()
        )
    if name == "attributeValue":
        return (
            (code, label if label != v else code)
            for k in kinds
            for a in k.all_attributes.values()
            for v in a.values
            for code, label in [(f"{k.code}.{a.name}.{v}", a.value_label(v))]
        )
    policies = registry.all_policies()
    if name == "policy":
        return ((p.id, p.name) for p in policies)
    return ((f"{p.id}.{level.code}", level.label) for p in policies for level in p.levels)


def _closed(name: str, registry: Registry) -> Iterable[tuple[str, str]]:
    labels = dict(LABEL_SETS[name][1])
    codes = [m.value for m in ENUMS[name]] if name in ENUMS else []
    if name == "color":  # an open set: whatever colours the installed policies give levels
        codes = sorted({lv.color for p in registry.all_policies() for lv in p.levels if lv.color})
    codes += [c for c in labels if c not in codes]
    return ((c, labels.get(c, c)) for c in codes)


def label_sets(registry: Registry, names: list[str] | None = None) -> list[LabelSet]:
    known = [*LABEL_SETS, *INSTALLED]
    wanted = known if names is None else names
    unknown = [n for n in wanted if n not in known]
    if unknown:
        raise InvalidInput(
            f"no label set {unknown[0]!r}; known sets: {', '.join(known)}", field="sets"
        )
    out = []
    for name in wanted:
        if name in INSTALLED:
            description, pairs = INSTALLED[name], _installed(registry, name)
        else:
            description, pairs = LABEL_SETS[name][0], _closed(name, registry)
        out.append(
            LabelSet(
                name=name,
                description=description,
                labels=[CodeLabel(code=code, label=label) for code, label in pairs],
            )
        )
    return out


@strawberry.type
class LabelQuery:
    @strawberry.field(
        description="The Chinese labels of every closed code a page shows: event kinds, "
        "attributes and values, event status, enterprise roles, colours, measure and notice "
        "kinds, audiences, caller roles, request kinds and states, policy names and level "
        "labels. Public."
    )
    def labels(
        self,
        info: Info,
        sets: Annotated[
            list[str] | None,
            strawberry.argument(description="Only these sets (by name); all when omitted."),
        ] = None,
    ) -> list[LabelSet]:
        return label_sets(ctx(info).registry, sets)
