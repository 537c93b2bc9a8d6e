"""Vendor selection (選定) records: a selection for a piece of work, the questionnaire sent to each candidate, its
answers and evidence, and the decision on each candidate with its conditions.

A request keeps the questionnaire it was sent with, frozen (audits.library.freeze): a later edit of the YAML never
changes what a vendor was asked or how its answers are scored.
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
from sqlalchemy.orm import Mapped, mapped_column, relationship

from oversight.dbtypes import UTCDateTime
from oversight.extensions import db
from oversight.registry.models import Organisation
from oversight.timeutil import utcnow

SELECTION_STATUSES = ("open", "decided", "closed")
REQUEST_STATUSES = ("draft", "sent", "in_progress", "submitted", "returned", "closed")
OPEN_STATUSES = ("sent", "in_progress", "returned")  # the vendor may still answer
OUTCOMES = ("approved", "conditional", "rejected")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Selection(db.Model):
    """A consignor choosing a vendor for a piece of work: what will be entrusted, and the candidates (requests)."""

    __tablename__ = "selection"

    id: Mapped[int] = mapped_column(primary_key=True)
    consignor_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(Text, default="")
    data_items: Mapped[list] = mapped_column(JSON, default=list)
    person_count: Mapped[int | None] = mapped_column(Integer)
    includes_sensitive: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(20), default="open")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_at = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False)

    consignor: Mapped[Organisation] = relationship()
    requests: Mapped[list[QuestionnaireRequest]] = relationship(
        back_populates="selection", cascade="all, delete-orphan", order_by="QuestionnaireRequest.id")

    __table_args__ = (
        CheckConstraint(_in("status", SELECTION_STATUSES), name="status"),
        CheckConstraint("person_count IS NULL OR person_count >= 0", name="person_count"),
    )

    def snapshot(self) -> dict:
        """Plain fields for the audit trail."""
        return {"title": self.title, "purpose": self.purpose, "data_items": list(self.data_items or []),
                "person_count": self.person_count, "includes_sensitive": self.includes_sensitive,
                "status": self.status}


class QuestionnaireRequest(db.Model):
    """A questionnaire sent to one candidate vendor of a selection, with the frozen copy it was sent with."""

    __tablename__ = "questionnaire_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    # None for the questionnaire of a periodic audit (audits.audit_models.Audit.request_id names it).
    selection_id: Mapped[int | None] = mapped_column(ForeignKey("selection.id", ondelete="CASCADE"), index=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    # Who asks: the selection's consignor, or the auditor of a periodic audit.
    requester_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    questionnaire_id: Mapped[str] = mapped_column(String(80))
    questionnaire_version: Mapped[str] = mapped_column(String(20))
    questionnaire_sha256: Mapped[str] = mapped_column(String(64))
    # Read only when the thawed copy is not cached yet (audits.responses.questionnaire_of, by the hash).
    questionnaire_frozen: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    due_on: Mapped[date | None] = mapped_column(Date)
    message: Mapped[str] = mapped_column(Text, default="")
    answered_count: Mapped[int] = mapped_column(Integer, default=0)
    question_count: Mapped[int] = mapped_column(Integer, default=0)
    sent_at = mapped_column(UTCDateTime)
    submitted_at = mapped_column(UTCDateTime)
    submitted_by_name: Mapped[str] = mapped_column(String(254), default="")
    # The score as computed on submission (audits.scoring.Score.to_dict()), kept as the record of what was judged.
    score: Mapped[dict | None] = mapped_column(JSON)
    score_percent: Mapped[float | None] = mapped_column(Float)
    blocked: Mapped[bool] = mapped_column(default=False)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_at = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False)

    selection: Mapped[Selection | None] = relationship(back_populates="requests")
    vendor: Mapped[Organisation] = relationship(foreign_keys=[vendor_id])
    requester: Mapped[Organisation] = relationship(foreign_keys=[requester_id])
    answers: Mapped[list[Answer]] = relationship(back_populates="request", cascade="all, delete-orphan")
    evidence: Mapped[list[EvidenceFile]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="EvidenceFile.id")
    decision: Mapped[Decision | None] = relationship(back_populates="request", cascade="all, delete-orphan",
                                                     uselist=False)

    __table_args__ = (
        UniqueConstraint("selection_id", "vendor_id", name="uq_questionnaire_request_vendor"),
        CheckConstraint(_in("status", REQUEST_STATUSES), name="status"),
    )

    @property
    def is_open(self) -> bool:
        """Whether the vendor may still change its answers."""
        return self.status in OPEN_STATUSES

    @property
    def work_title(self) -> str:
        """What the questionnaire is about: the selection's title, or the audited entrustment's data set."""
        if self.selection is not None:
            return self.selection.title
        audit = getattr(self, "audit", None)
        return audit.entrustment.data_set if audit is not None else ""

    def values(self) -> dict:
        """The stored answers as scoring takes them: question id → value."""
        return {a.question_id: a.value for a in self.answers}


class Answer(db.Model):
    """A vendor's current answer to one question of a request (the value as audits.answers reads it)."""

    __tablename__ = "questionnaire_answer"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_request.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[str] = mapped_column(String(80))
    value = mapped_column(JSON, nullable=False)
    on_behalf: Mapped[bool] = mapped_column(default=False)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    answered_by_name: Mapped[str] = mapped_column(String(254), default="")
    answered_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    request: Mapped[QuestionnaireRequest] = relationship(back_populates="answers")

    __table_args__ = (UniqueConstraint("request_id", "question_id", name="uq_questionnaire_answer_question"),)


class EvidenceFile(db.Model):
    """A file a vendor attached to an evidence question, checked by its content and kept with its SHA-256."""

    __tablename__ = "evidence_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_request.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[str] = mapped_column(String(80))
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    uploaded_by_name: Mapped[str] = mapped_column(String(254), default="")
    uploaded_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    request: Mapped[QuestionnaireRequest] = relationship(back_populates="evidence")


class Decision(db.Model):
    """The consignor's decision on one candidate: approved, approved with conditions, or rejected — who, when, why."""

    __tablename__ = "selection_decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_request.id", ondelete="CASCADE"), unique=True)
    outcome: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text, default="")
    score_percent: Mapped[float | None] = mapped_column(Float)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    decided_by_name: Mapped[str] = mapped_column(String(254), default="")
    decided_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    request: Mapped[QuestionnaireRequest] = relationship(back_populates="decision")
    conditions: Mapped[list[DecisionCondition]] = relationship(
        back_populates="decision", cascade="all, delete-orphan", order_by="DecisionCondition.id")

    __table_args__ = (CheckConstraint(_in("outcome", OUTCOMES), name="outcome"),)


class DecisionCondition(db.Model):
    """A condition of an approval: an obligation with an owner and a due date, open until it is met."""

    __tablename__ = "selection_condition"

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("selection_decision.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(String(500))
    owner: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[date] = mapped_column(Date)
    met_on: Mapped[date | None] = mapped_column(Date)
    # Closed either as met (met_on) or waived (waived_on); the note or reason, who and when are kept with it.
    waived_on: Mapped[date | None] = mapped_column(Date)
    closed_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    closed_by_name: Mapped[str] = mapped_column(String(254), default="", server_default="")
    closed_at = mapped_column(UTCDateTime)

    decision: Mapped[Decision] = relationship(back_populates="conditions")

    @property
    def is_open(self) -> bool:
        return self.met_on is None and self.waived_on is None


class RespondentLink(db.Model):
    """A link that lets a person without an account answer one request: only the SHA-256 of its secret is kept;
    it expires, can be revoked, and each use is recorded in the trail."""

    __tablename__ = "respondent_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_request.id", ondelete="CASCADE"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    recipient: Mapped[str] = mapped_column(String(200))  # whom it was given to (name, department)
    expires_at = mapped_column(UTCDateTime, nullable=False)
    revoked_at = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_by_name: Mapped[str] = mapped_column(String(254), default="")
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    uses: Mapped[int] = mapped_column(Integer, default=0)
    last_used_at = mapped_column(UTCDateTime)

    request: Mapped[QuestionnaireRequest] = relationship()
