"""GraphQL types of a policy's dated versions (:class:`~qcredit.core.contract.PolicyVersion`)."""

from __future__ import annotations

import datetime as dt

import strawberry
from qcredit.api.graphql.enums import VersionChangeKind
from qcredit.core.contract import PolicyVersion as PolicyVersionValue


@strawberry.type(description="One change a revision made, from the previous version.")
class VersionChange:
    kind: VersionChangeKind = strawberry.field(description="What the revision did.")
    text: str = strawberry.field(description="What changed, in the text's words.")
    article: str | None = strawberry.field(description="The article in this version.")
    previous_article: str | None = strawberry.field(
        description="The article in the previous version (null for an article added)."
    )


@strawberry.type(
    description="One dated version of a policy's text. Grading a date uses the version in "
    "force on it; Assessment.policyVersion names it."
)
class PolicyVersion:
    version: str = strawberry.field(description="The code assessments graded under it carry.")
    label: str = strawberry.field(description="Its name, e.g. 试行版 or 修订版.")
    effective_from: dt.date | None = strawberry.field(description="First day; null: open.")
    effective_until: dt.date | None = strawberry.field(description="Last day; null: open.")
    dates_source: str = strawberry.field(
        description="Where the dates come from: an article, or a local default and why."
    )
    changes: list[VersionChange] = strawberry.field(
        description="What changed from the previous version (empty for the first)."
    )


def version_type(v: PolicyVersionValue) -> PolicyVersion:
    return PolicyVersion(
        version=v.version,
        label=v.label,
        effective_from=v.effective_from,
        effective_until=v.effective_until,
        dates_source=v.dates_source,
        changes=[
            VersionChange(
                kind=c.kind, text=c.text, article=c.article, previous_article=c.previous_article
            )
            for c in v.changes
        ],
    )
