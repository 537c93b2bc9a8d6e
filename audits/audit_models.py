"""Periodic audit (定期監査) records: an audit of one entrustment, the auditor's review of each answer, the findings
(指摘事項) with their thread and remediation evidence, and the organisations an audit's result was shared with.

An audit is opened by the clock when the schedule (audits.cadence) says it is due, or by hand. Its auditor is the
organisation that audits: the entrustment's consignor, or — for a subcontractor (再委託先) — an organisation
further up the chain that audits it directly. The vendor is always the entrustment's contractor. A questionnaire
audit answers through a QuestionnaireRequest (audit_id set, no selection); a document review or on-site visit
(実地監査) keeps its checklist on the audit itself.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from audits.models import QuestionnaireRequest
from oversight.dbtypes import UTCDateTime
from oversight.extensions import db
from oversight.registry.models import Entrustment, Organisation
from oversight.timeutil import utcnow

AUDIT_KINDS = ("questionnaire", "document_review", "onsite")
AUDIT_STATUSES = ("open", "submitted", "in_review", "closed", "cancelled")
AUDIT_OPEN_STATUSES = ("open", "submitted", "in_review")
REVIEW_VERDICTS = ("accepted", "queried", "rejected", "revised")  # revised: the vendor's answer to a query
FINDING_SEVERITIES = ("critical", "high", "medium", "low")
FINDING_STATUSES = ("open", "remediation_proposed", "closed")
FINDING_ORIGINS = ("review", "cross_check", "manual")
FINDING_EVENTS = ("opened", "comment", "remediation", "closed", "reopened", "reminded", "escalated")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Audit(db.Model):
    """One periodic audit of one entrustment, due on a business day (JST), by questionnaire, document review or
    on-site visit. (auditor, entrustment, due_on) is unique: whoever opens the audit due that day — the clock, a
    second clock started by mistake, or a person — opens the same one."""

    __tablename__ = "audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    auditor_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    entrustment_id: Mapped[int] = mapped_column(ForeignKey("entrustment.id", ondelete="CASCADE"), index=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    due_on: Mapped[date] = mapped_column(Date, index=True)
    period_start: Mapped[date | None] = mapped_column(Date)  # the period the audit covers
    period_end: Mapped[date | None] = mapped_column(Date)
    # The tier and its reasons when the audit was opened (audits.tiers.Tier), kept as the record of why this often.
    tier: Mapped[str] = mapped_column(String(40), default="")
    tier_reasons: Mapped[list] = mapped_column(JSON, default=list)
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("questionnaire_request.id", ondelete="SET NULL"), unique=True)
    # Document review and on-site visit: [{"id", "text": {"ja", "en"}, "result": ok|ng|na|None, "note"}].
    checklist: Mapped[list] = mapped_column(JSON, default=list)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))  # internal owner
    owner_name: Mapped[str] = mapped_column(String(254), default="")
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    opened_by_name: Mapped[str] = mapped_column(String(254), default="")  # a person, or the clock
    opened_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    submitted_at = mapped_column(UTCDateTime)
    score_percent: Mapped[float | None] = mapped_column(Float)
    closed_at = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    closed_by_name: Mapped[str] = mapped_column(String(254), default="")
    conclusion: Mapped[str] = mapped_column(Text, default="")
    updated_at = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False)

    auditor: Mapped[Organisation] = relationship(foreign_keys=[auditor_id])
    vendor: Mapped[Organisation] = relationship(foreign_keys=[vendor_id])
    entrustment: Mapped[Entrustment] = relationship()
    request: Mapped[QuestionnaireRequest | None] = relationship(backref=backref("audit", uselist=False))
    findings: Mapped[list[Finding]] = relationship(back_populates="audit", order_by="Finding.id")
    shares: Mapped[list[AuditShare]] = relationship(back_populates="audit", cascade="all, delete-orphan",
                                                    order_by="AuditShare.id")

    __table_args__ = (
        UniqueConstraint("auditor_id", "entrustment_id", "due_on", name="uq_audit_due"),
        CheckConstraint(_in("kind", AUDIT_KINDS), name="kind"),
        CheckConstraint(_in("status", AUDIT_STATUSES), name="status"),
    )

    @property
    def is_open(self) -> bool:
        return self.status in AUDIT_OPEN_STATUSES


class AuditShare(db.Model):
    """The result of an audit of a subcontractor shared upward with an organisation further up the chain."""

    __tablename__ = "audit_share"

    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audit.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    shared_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    shared_by_name: Mapped[str] = mapped_column(String(254), default="")
    shared_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    audit: Mapped[Audit] = relationship(back_populates="shares")
    organisation: Mapped[Organisation] = relationship()

    __table_args__ = (UniqueConstraint("audit_id", "organisation_id", name="uq_audit_share"),)


class AnswerReview(db.Model):
    """One entry of the thread on one answer of an audit's questionnaire: the auditor accepts, queries or rejects;
    the vendor revises. The latest entry is the answer's current state."""

    __tablename__ = "answer_review"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_request.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[str] = mapped_column(String(80))
    verdict: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str] = mapped_column(Text, default="")
    answer_value = mapped_column(JSON)  # the answer as it stood when this entry was written
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    author_name: Mapped[str] = mapped_column(String(254), default="")
    author_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="SET NULL"))
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    __table_args__ = (CheckConstraint(_in("verdict", REVIEW_VERDICTS), name="verdict"),)


class Finding(db.Model):
    """A finding (指摘事項): what is wrong, how serious, whose it is to fix by when. The vendor proposes remediation
    with evidence; the auditor verifies and closes it, or reopens it. `dedupe_key` keeps a cross-check that runs
    twice from raising the same finding twice."""

    __tablename__ = "finding"

    id: Mapped[int] = mapped_column(primary_key=True)
    auditor_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    entrustment_id: Mapped[int | None] = mapped_column(ForeignKey("entrustment.id", ondelete="CASCADE"), index=True)
    audit_id: Mapped[int | None] = mapped_column(ForeignKey("audit.id", ondelete="CASCADE"), index=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("questionnaire_request.id", ondelete="SET NULL"))
    question_id: Mapped[str | None] = mapped_column(String(80))
    origin: Mapped[str] = mapped_column(String(20), default="manual")
    check: Mapped[str | None] = mapped_column(String(60))  # the cross-check that raised it, if one did
    severity: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(300))
    detail: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    owner_name: Mapped[str] = mapped_column(String(254), default="")
    due_on: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(30), default="open", index=True)
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_by_name: Mapped[str] = mapped_column(String(254), default="")
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    closed_at = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    closed_by_name: Mapped[str] = mapped_column(String(254), default="")
    updated_at = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False)

    auditor: Mapped[Organisation] = relationship(foreign_keys=[auditor_id])
    vendor: Mapped[Organisation] = relationship(foreign_keys=[vendor_id])
    entrustment: Mapped[Entrustment | None] = relationship()
    audit: Mapped[Audit | None] = relationship(back_populates="findings")
    events: Mapped[list[FindingEvent]] = relationship(back_populates="finding", cascade="all, delete-orphan",
                                                      order_by="FindingEvent.id")
    evidence: Mapped[list[FindingEvidence]] = relationship(back_populates="finding", cascade="all, delete-orphan",
                                                           order_by="FindingEvidence.id")

    __table_args__ = (
        CheckConstraint(_in("severity", FINDING_SEVERITIES), name="severity"),
        CheckConstraint(_in("status", FINDING_STATUSES), name="status"),
        CheckConstraint(_in("origin", FINDING_ORIGINS), name="origin"),
    )

    @property
    def is_open(self) -> bool:
        return self.status != "closed"


class FindingEvent(db.Model):
    """One entry of a finding's thread: opened, a comment, a remediation proposal, closed, reopened, reminded."""

    __tablename__ = "finding_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("finding.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    author_name: Mapped[str] = mapped_column(String(254), default="")
    author_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="SET NULL"))
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    finding: Mapped[Finding] = relationship(back_populates="events")

    __table_args__ = (CheckConstraint(_in("kind", FINDING_EVENTS), name="kind"),)


class FindingEvidence(db.Model):
    """A file the vendor attached to a remediation proposal, checked by content (oversight.files) and hashed."""

    __tablename__ = "finding_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("finding.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("finding_event.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    uploaded_by_name: Mapped[str] = mapped_column(String(254), default="")
    uploaded_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    finding: Mapped[Finding] = relationship(back_populates="evidence")
