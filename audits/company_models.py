"""Answer once, share with many: a vendor's current answers to a questionnaire version, kept in its own company
profile (会社の情報) by its own users, the evidence files that go with them, and each share of them with a consignor.

The answers belong to the company, like its contacts and certifications: only its own users read and change
them. A consignor never reads them here; it reads what was shared with it — copied into its own request, with the
share that says which answers, given on which day (回答日), were shared by whom and when.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import JSON, Date, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from audits.models import QuestionnaireRequest
from oversight.dbtypes import UTCDateTime
from oversight.extensions import db
from oversight.registry.models import Organisation
from oversight.timeutil import utcnow


class CompanyAnswers(db.Model):
    """A company's current answers to one questionnaire version (id + version), with the frozen copy they answer."""

    __tablename__ = "company_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    questionnaire_id: Mapped[str] = mapped_column(String(80))
    questionnaire_version: Mapped[str] = mapped_column(String(20))
    questionnaire_sha256: Mapped[str] = mapped_column(String(64))
    questionnaire_frozen: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    values: Mapped[dict] = mapped_column(JSON, default=dict)  # question id → the value as a request stores it
    answered_on: Mapped[date | None] = mapped_column(Date)  # 回答日: the day the answers were last given
    source_request_id: Mapped[int | None] = mapped_column(
        ForeignKey("questionnaire_request.id", ondelete="SET NULL"))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    updated_by_name: Mapped[str] = mapped_column(String(254), default="")
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_at = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False)

    organisation: Mapped[Organisation] = relationship()
    evidence: Mapped[list[CompanyEvidence]] = relationship(
        back_populates="answers", cascade="all, delete-orphan", order_by="CompanyEvidence.id")
    shares: Mapped[list[AnswerShare]] = relationship(back_populates="answers", order_by="AnswerShare.id.desc()")

    __table_args__ = (UniqueConstraint("organisation_id", "questionnaire_id", "questionnaire_version",
                                       name="uq_company_answers_version"),)


class CompanyEvidence(db.Model):
    """A file kept with the company's answers to an evidence question, checked by its content, with its SHA-256."""

    __tablename__ = "company_answer_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    answers_id: Mapped[int] = mapped_column(ForeignKey("company_answers.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[str] = mapped_column(String(80))
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    uploaded_by_name: Mapped[str] = mapped_column(String(254), default="")
    uploaded_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    answers: Mapped[CompanyAnswers] = relationship(back_populates="evidence")


class AnswerShare(db.Model):
    """The company's answers shared with one consignor, into its request: which answers (as given on which day),
    who shared them and when. The consignor of the request and the company's own users see it; nobody else."""

    __tablename__ = "answer_share"

    id: Mapped[int] = mapped_column(primary_key=True)
    answers_id: Mapped[int | None] = mapped_column(ForeignKey("company_answers.id", ondelete="SET NULL"), index=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_request.id", ondelete="CASCADE"), index=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    consignor_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    questionnaire_version: Mapped[str] = mapped_column(String(20))  # of the answers shared
    questionnaire_sha256: Mapped[str] = mapped_column(String(64))
    answered_on: Mapped[date | None] = mapped_column(Date)  # 回答日 of the answers as shared
    values: Mapped[dict] = mapped_column(JSON, default=dict)  # the answers as shared
    values_sha256: Mapped[str] = mapped_column(String(64))
    questions: Mapped[list] = mapped_column(JSON, default=list)  # the question ids the share filled in
    shared_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    shared_by_name: Mapped[str] = mapped_column(String(254), default="")
    shared_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    answers: Mapped[CompanyAnswers | None] = relationship(back_populates="shares")
    request: Mapped[QuestionnaireRequest] = relationship()
    consignor: Mapped[Organisation] = relationship(foreign_keys=[consignor_id])
