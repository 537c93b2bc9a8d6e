"""Monthly handling reports (月次の取扱状況報告): the consignor's plan for one entrustment (switched on or off, from
which month, whom to tell) and the reports its contractor files, one per month."""

from __future__ import annotations

from datetime import date

from sqlalchemy import JSON, Boolean, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from oversight.dbtypes import UTCDateTime
from oversight.extensions import db
from oversight.registry.models import Entrustment
from oversight.timeutil import utcnow


class HandlingReportPlan(db.Model):
    """Monthly reports switched on (or off again) for one entrustment by its consignor. Reports are due from
    `since` (the first day of a month); `owner` is the consignor's user told when one is missing."""

    __tablename__ = "handling_report_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    entrustment_id: Mapped[int] = mapped_column(ForeignKey("entrustment.id", ondelete="CASCADE"), unique=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    since: Mapped[date] = mapped_column(Date)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    owner_name: Mapped[str] = mapped_column(String(254), default="")
    changed_by_name: Mapped[str] = mapped_column(String(254), default="")
    changed_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    entrustment: Mapped[Entrustment] = relationship()
    owner = relationship("User", foreign_keys=[owner_id])


class HandlingReport(db.Model):
    """One month's report on one entrustment, as the contractor filed it: the answers to the form (its id and
    version kept), who filed and when. Filed once; a later correction is a remark in the next month's report."""

    __tablename__ = "handling_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    entrustment_id: Mapped[int] = mapped_column(ForeignKey("entrustment.id", ondelete="CASCADE"), index=True)
    period: Mapped[date] = mapped_column(Date)  # the first day of the month reported on
    form_id: Mapped[str] = mapped_column(String(60))
    form_version: Mapped[str] = mapped_column(String(40))
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    filed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    filed_by_name: Mapped[str] = mapped_column(String(254), default="")
    filed_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    entrustment: Mapped[Entrustment] = relationship()

    __table_args__ = (UniqueConstraint("entrustment_id", "period", name="uq_handling_report_month"),)
