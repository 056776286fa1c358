"""Tables (SQLAlchemy 2.x typed declarative models).

The ledger (``events``) is append-only: the code has no UPDATE or DELETE path for it.
``assessments`` and ``standing_grades`` are derived data — a cache of a pure function of the
ledger — and may be recomputed at any time.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

JSONType = JSON().with_variant(JSONB(), "postgresql")
# BIGINT on PostgreSQL; on SQLite only INTEGER PRIMARY KEY is the rowid alias that autoincrements.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSONType}


class EnterpriseRow(Base):
    __tablename__ = "enterprises"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    region_code: Mapped[str] = mapped_column(String(6), index=True)
    town_code: Mapped[str | None] = mapped_column(String(9), index=True)
    established_on: Mapped[date | None] = mapped_column(Date)
    roles: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ProductRow(Base):
    __tablename__ = "products"
    __table_args__ = (UniqueConstraint("enterprise_id", "trademark", "nice_class"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    trademark: Mapped[str] = mapped_column(String(200))
    nice_class: Mapped[int] = mapped_column(Integer)
    category: Mapped[str | None] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class EventRow(Base):
    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_enterprise_occurred", "enterprise_id", "occurred_on", "id"),
        Index("ix_events_product_occurred", "product_id", "occurred_on", "id"),
        # One correction per state of an event: the n-th correction of an event is stored once,
        # however many writers (API workers, the importer) race to store it.  NULLs (events that
        # correct nothing) are distinct in a unique index on both databases.
        Index("uq_events_correction_seq", "corrects_id", "correction_seq", unique=True),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    kind: Mapped[str] = mapped_column(String(48), index=True)
    occurred_on: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSONType)
    external_id: Mapped[str | None] = mapped_column(String(128), unique=True)
    content_digest: Mapped[str] = mapped_column(String(64))
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"), index=True)
    # For a correction: 1 for the first correction of ``corrects_id``, 2 for the next …
    correction_seq: Mapped[int | None] = mapped_column(Integer)


class AssessmentRow(Base):
    """An assessment of a subject under a policy on a date (derived; keyed by its inputs)."""

    __tablename__ = "assessments"
    __table_args__ = (
        UniqueConstraint("policy_id", "subject_type", "subject_id", "as_of"),
        Index("ix_assessments_enterprise", "enterprise_id", "policy_id", "as_of"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    policy_id: Mapped[str] = mapped_column(String(64))
    subject_type: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[int] = mapped_column(BigInteger)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"))
    as_of: Mapped[date] = mapped_column(Date)
    level: Mapped[str | None] = mapped_column(String(16))  # NULL: out of scope on that date
    score: Mapped[float | None] = mapped_column(Float)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    policy_version: Mapped[str] = mapped_column(String(32))
    parameters_digest: Mapped[str] = mapped_column(String(32))
    inputs_digest: Mapped[str] = mapped_column(String(64))
    graded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class StandingGradeRow(Base):
    """The grade each subject holds now under each policy (what lists filter and count on)."""

    __tablename__ = "standing_grades"
    __table_args__ = (
        Index("ix_standing_policy_level", "policy_id", "level", "region_code"),
        Index("ix_standing_enterprise", "enterprise_id"),
        # Regional tallies (core/supervision/notices.py) read this index alone.
        Index("ix_standing_tally", "policy_id", "region_code", "category", "level"),
    )

    policy_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    subject_type: Mapped[str] = mapped_column(String(16), primary_key=True)
    subject_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"))
    region_code: Mapped[str] = mapped_column(String(9))
    # A product's category (NULL for an enterprise): fixed once the product is recorded, so
    # kept here like the region code, for counts per region and category without a join.
    category: Mapped[str | None] = mapped_column(String(64))
    level: Mapped[str] = mapped_column(String(16))
    score: Mapped[float | None] = mapped_column(Float)
    as_of: Mapped[date] = mapped_column(Date)
    graded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Audiences that may see this grade as it stands, and those that may after a review
    # (from the policy's publicity rules); lists and counts filter on these so that they never
    # reveal a level the caller may not see.
    open_to: Mapped[str] = mapped_column(String(80), default="")
    review_to: Mapped[str] = mapped_column(String(80), default="")


class GradingInputRow(Base):
    """What the standing grades of one enterprise (and its products) under one policy were
    graded from: a fingerprint of its ledger (enterprise, products, events), a fingerprint of
    the grading (policy version, parameters, date, code), and how many standing grades that
    wrote.  A re-grade compares these with the ledger it reads and skips what is unchanged;
    derived data like the grades themselves, so deleting rows only costs a re-grade."""

    __tablename__ = "grading_inputs"

    enterprise_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    policy_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    ledger_digest: Mapped[str] = mapped_column(String(32))
    grading_key: Mapped[str] = mapped_column(String(32))
    standing: Mapped[int] = mapped_column(Integer)


class Note(Base):
    """Free-form key/value facts about this database (e.g. when the demo was loaded)."""

    __tablename__ = "notes"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class TokenRow(Base):
    """A bearer token.  Only its SHA-256 is stored: the token itself is shown once, at creation."""

    __tablename__ = "tokens"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    regions: Mapped[str] = mapped_column(String(512), default="")
    department: Mapped[str | None] = mapped_column(String(100))
    enterprise_code: Mapped[str | None] = mapped_column(String(18))
    label: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class DisclosureRequestRow(Base):
    """An application to publish a grade, or a re-check before exposing one; decided by a
    REVIEWER.  Published lists derive from approved requests only."""

    __tablename__ = "disclosure_requests"
    __table_args__ = (
        Index("ix_disclosure_subject", "policy_id", "subject_type", "subject_id", "state"),
        Index("ix_disclosure_state", "state", "region_code"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    policy_id: Mapped[str] = mapped_column(String(64))
    subject_type: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[int] = mapped_column(BigInteger)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"))
    region_code: Mapped[str] = mapped_column(String(9))
    kind: Mapped[str] = mapped_column(String(16))  # PUBLICATION (apply) / EXPOSURE (re-check)
    level: Mapped[str] = mapped_column(String(16))
    # The grade change that made the standing grade this request is for: an approval publishes
    # that standing grade only, and lapses with the next change (even back to the same level).
    grade_change_id: Mapped[int | None] = mapped_column(ForeignKey("grade_changes.id"))
    audience: Mapped[str] = mapped_column(String(16), default="PUBLIC")
    state: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    requested_by: Mapped[str] = mapped_column(String(100))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reviewer: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision_reason: Mapped[str | None] = mapped_column(Text)


class GradeChangeRow(Base):
    """Every change of a standing grade, in order: the feed partner departments pull."""

    __tablename__ = "grade_changes"
    __table_args__ = (
        Index("ix_grade_changes_policy", "policy_id", "id"),
        # The latest change of a subject: what its standing grade has been since.
        Index("ix_grade_changes_subject", "policy_id", "subject_type", "subject_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    policy_id: Mapped[str] = mapped_column(String(64))
    subject_type: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[int] = mapped_column(BigInteger)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"))
    region_code: Mapped[str] = mapped_column(String(9))
    as_of: Mapped[date] = mapped_column(Date)
    previous: Mapped[str | None] = mapped_column(String(16))
    current: Mapped[str | None] = mapped_column(String(16))
    # Who may see each side of the change without review, and after review (policy publicity).
    open_to: Mapped[str] = mapped_column(String(80), default="")
    review_to: Mapped[str] = mapped_column(String(80), default="")
    previous_open_to: Mapped[str] = mapped_column(String(80), default="")


class AuditRow(Base):
    """Append-only: every write, disclosure decision, export and read of non-public data."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_at", "at"), Index("ix_audit_action", "action", "at"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(32))
    target: Mapped[str] = mapped_column(String(200))
    detail: Mapped[dict[str, Any]] = mapped_column(JSONType)


class InspectorRow(Base):
    """An inspector who can be drawn for checks (双随机: inspectors are drawn at random too)."""

    __tablename__ = "inspectors"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    region_code: Mapped[str] = mapped_column(String(9), index=True)
    active: Mapped[bool] = mapped_column(default=True)


class InspectorConflictRow(Base):
    """A declared conflict of interest: this inspector never checks this enterprise."""

    __tablename__ = "inspector_conflicts"

    inspector_id: Mapped[int] = mapped_column(ForeignKey("inspectors.id"), primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), primary_key=True)
    reason: Mapped[str] = mapped_column(Text, default="")


class InspectionPlanRow(Base):
    """A year's inspection plan for a policy and region, drawn from a published seed."""

    __tablename__ = "inspection_plans"
    __table_args__ = (Index("ix_plans_policy_region_year", "policy_id", "region_code", "year"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    policy_id: Mapped[str] = mapped_column(String(64))
    region_code: Mapped[str] = mapped_column(String(9))
    year: Mapped[int] = mapped_column(Integer)
    capacity: Mapped[int] = mapped_column(Integer)
    seed: Mapped[str] = mapped_column(String(64))
    as_of: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(100))
    summary: Mapped[dict[str, Any]] = mapped_column(JSONType)  # per level: required, planned
    shortfalls: Mapped[dict[str, Any]] = mapped_column(JSONType)  # per level: missing checks


class PlanItemRow(Base):
    """One planned check of one subject, with its two inspectors."""

    __tablename__ = "plan_items"
    __table_args__ = (
        Index("ix_plan_items_plan", "plan_id", "sequence"),
        Index("ix_plan_items_enterprise", "enterprise_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("inspection_plans.id"))
    sequence: Mapped[int] = mapped_column(Integer)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"))
    subject_type: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[int] = mapped_column(BigInteger)
    level: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(64))  # why it is in the plan (rule / article)
    article: Mapped[str] = mapped_column(String(64), default="")
    due: Mapped[str] = mapped_column(String(16), default="")  # e.g. 2025-Q1, 2025-H2, 2025
    inspectors: Mapped[dict[str, Any]] = mapped_column(JSONType)  # {"ids": [..], "codes": [..]}
    result_event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"))


class NoticeRow(Base):
    """A warning or notice a grade change produced (coloured prompts, yellow cards, early
    warnings, regional warnings …)."""

    __tablename__ = "notices"
    __table_args__ = (
        Index("ix_notices_policy_region", "policy_id", "region_code", "id"),
        Index("ix_notices_enterprise", "enterprise_id"),
        # A re-grade closes the open notices of the subjects it re-graded.
        Index("ix_notices_subject", "policy_id", "subject_type", "subject_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    policy_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))  # SUBJECT_WARNING, REGIONAL_WARNING …
    subject_type: Mapped[str | None] = mapped_column(String(16))
    subject_id: Mapped[int | None] = mapped_column(BigInteger)
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"))
    region_code: Mapped[str] = mapped_column(String(9))
    category: Mapped[str | None] = mapped_column(String(64))  # product category (industry)
    colour: Mapped[str | None] = mapped_column(String(16))
    level: Mapped[str | None] = mapped_column(String(16))
    previous_level: Mapped[str | None] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    article: Mapped[str] = mapped_column(String(64), default="")
    as_of: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    open_to: Mapped[str] = mapped_column(String(80), default="")
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RegradeTaskRow(Base):
    """A work queue for re-grading across processes: one row per slice of a region (a county
    code and a range of enterprise ids).  Workers claim rows with ``SELECT … FOR UPDATE SKIP
    LOCKED`` on PostgreSQL, so several processes — on several machines — share one re-grade
    through the database itself, and a slice whose worker died is claimed again after its lease.
    """

    __tablename__ = "regrade_tasks"
    __table_args__ = (Index("ix_regrade_tasks_state", "run_id", "state"),)

    run_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    region_code: Mapped[str] = mapped_column(String(9), primary_key=True)
    first_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    last_id: Mapped[int] = mapped_column(BigInteger)
    as_of: Mapped[date | None] = mapped_column(Date)
    policies: Mapped[str] = mapped_column(String(400), default="")  # comma-separated ids
    state: Mapped[str] = mapped_column(String(16), default="PENDING")  # RUNNING, DONE
    worker: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    enterprises: Mapped[int] = mapped_column(Integer, default=0)


class DataVersionRow(Base):
    """One counter, bumped in the same transaction as every write that can change a response
    (ledger writes and their re-grades, disclosure decisions, plans): the key of the response
    cache, shared by every worker through the database."""

    __tablename__ = "data_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)
