"""The follow-up of a subcontract approval's conditions (再委託承認の条件) as an obligation: when they fall due, and
whether they were met or waived. The registry keeps the approval and its conditions' text; this row, kept by the
audits area, exists once someone set a due date or closed them (until then the due date is the default, counted from
the approval: audits.obligations)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from oversight.dbtypes import UTCDateTime
from oversight.extensions import db
from oversight.registry.models import Entrustment
from oversight.timeutil import utcnow


class ApprovalObligation(db.Model):
    """The conditions of one approved subcontract, followed to closure."""

    __tablename__ = "approval_obligation"

    id: Mapped[int] = mapped_column(primary_key=True)
    entrustment_id: Mapped[int] = mapped_column(ForeignKey("entrustment.id", ondelete="CASCADE"), unique=True)
    due_on: Mapped[date] = mapped_column(Date, index=True)
    met_on: Mapped[date | None] = mapped_column(Date)
    waived_on: Mapped[date | None] = mapped_column(Date)
    closed_note: Mapped[str] = mapped_column(Text, default="")
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    closed_by_name: Mapped[str] = mapped_column(String(254), default="")
    closed_at = mapped_column(UTCDateTime)
    updated_at = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False)

    entrustment: Mapped[Entrustment] = relationship()

    @property
    def is_open(self) -> bool:
        return self.met_on is None and self.waived_on is None
