"""Incidents (漏えい等事案): the facts as they become known, the parties whose data it touches, what each did.

An incident happens at one organisation. Its parties are that organisation (origin) and every organisation
up the chain whose data it touches: the original consignors (委託元) and the contractors between them.
Each party's own duty and deadlines come from the Art. 26 engine over its path; the dates the engine gives
are stored on the party so the deadline board and the reminders can query them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from oversight.dbtypes import UTCDateTime
from oversight.extensions import db
from oversight.registry.models import Entrustment, Organisation
from oversight.timeutil import utcnow

INCIDENT_SCOPES = ("own", "entrustment", "engagements")
PARTY_ROLES = ("origin", "intermediate", "consignor")


class Incident(db.Model):
    """One incident at one organisation; `facts` is the engine's input dict (minus the chain, derived)."""

    __tablename__ = "incident"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    # own: the organisation's own data; entrustment: one engagement's data; engagements: every engagement
    scope: Mapped[str] = mapped_column(String(20), default="own")
    entrustment_id: Mapped[int | None] = mapped_column(ForeignKey("entrustment.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(10), default="open")
    facts: Mapped[dict] = mapped_column(JSON, default=dict)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_at = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False)
    closed_at = mapped_column(UTCDateTime)

    organisation: Mapped[Organisation] = relationship()
    entrustment: Mapped[Entrustment | None] = relationship()
    parties: Mapped[list[IncidentParty]] = relationship(
        back_populates="incident", cascade="all, delete-orphan", order_by="IncidentParty.id")
    events: Mapped[list[IncidentEvent]] = relationship(
        back_populates="incident", cascade="all, delete-orphan", order_by="IncidentEvent.id")
    measures: Mapped[list[PreventionMeasure]] = relationship(
        back_populates="incident", cascade="all, delete-orphan", order_by="PreventionMeasure.id")

    __table_args__ = (
        CheckConstraint("status IN ('open', 'closed')", name="status"),
        CheckConstraint("scope IN ('own', 'entrustment', 'engagements')", name="scope"),
    )

    def __str__(self) -> str:
        return self.title

    def party_for(self, organisation_id: int | None) -> IncidentParty | None:
        return next((p for p in self.parties if p.organisation_id == organisation_id), None)


class IncidentParty(db.Model):
    """An organisation the incident concerns, with its own knowledge, notices, reports and computed duty."""

    __tablename__ = "incident_party"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    # Chains from an original consignor down to the origin, as organisation ids, and the entrustment ids behind
    # each (consignors only, in the same order).
    paths: Mapped[list] = mapped_column(JSON, default=list)
    entrustment_paths: Mapped[list] = mapped_column(JSON, default=list)
    # A consignor's own facts (its persons, data items, report items …) over the incident's; see incidents.chains.
    facts: Mapped[dict] = mapped_column(JSON, default=dict)
    known_at = mapped_column(UTCDateTime)  # when it learned by itself (else: when notice reached it)
    # Its notices to its direct consignors, {consignor organisation id: UTC ISO moment}: a notice exempts it only
    # towards the consignor it reached (法26条1項ただし書).
    consignor_notices: Mapped[dict] = mapped_column(JSON, default=dict)
    quick_reported_at = mapped_column(UTCDateTime)
    final_reported_at = mapped_column(UTCDateTime)
    person_notice_at = mapped_column(UTCDateTime)
    person_notice_alternative: Mapped[str] = mapped_column(Text, default="")  # 代替措置 and why notice was impossible
    public_notice_at = mapped_column(UTCDateTime)
    # What the engine concluded at the last change of facts (the board and the reminders read these).
    must_report: Mapped[bool] = mapped_column(default=False)
    exempt: Mapped[bool] = mapped_column(default=False)
    quick_from: Mapped[date | None] = mapped_column()
    quick_to: Mapped[date | None] = mapped_column()
    final_due: Mapped[date | None] = mapped_column()
    # The window to notify its consignor while it has not (通則編3-5-3-5: promptly, about 3–5 days).
    notice_from: Mapped[date | None] = mapped_column()
    notice_to: Mapped[date | None] = mapped_column()
    # The last day of what it owes soonest (notice, quick or final), for the deadline board; None: nothing owed.
    next_due: Mapped[date | None] = mapped_column(index=True)

    incident: Mapped[Incident] = relationship(back_populates="parties")
    organisation: Mapped[Organisation] = relationship()

    __table_args__ = (
        UniqueConstraint("incident_id", "organisation_id", name="uq_incident_party_organisation"),
        CheckConstraint("role IN ('origin', 'intermediate', 'consignor')", name="role"),
        Index("ix_incident_party_final_due", "final_due"),
    )

    def notice_to_consignor(self, consignor_id: int) -> datetime | None:
        """When this party notified `consignor_id` (None: not yet)."""
        value = (self.consignor_notices or {}).get(str(consignor_id))
        return datetime.fromisoformat(value) if value else None

    def record_notice(self, consignor_id: int, at: datetime) -> bool:
        """Keep the earliest notice to `consignor_id`; True if it changed."""
        earlier = self.notice_to_consignor(consignor_id)
        if earlier is not None and earlier <= at:
            return False
        self.consignor_notices = {**(self.consignor_notices or {}), str(consignor_id): at.astimezone(UTC).isoformat()}
        return True

    @property
    def notified_consignor_at(self) -> datetime | None:
        """Its first notice to any of its direct consignors."""
        moments = [datetime.fromisoformat(v) for v in (self.consignor_notices or {}).values()]
        return min(moments) if moments else None

    def owed(self) -> list[tuple[str, date | None, date]]:
        """What it still owes: (notice | quick | final, first day or None, last day), soonest first."""
        owed = []
        if self.notice_to:
            owed.append(("notice", self.notice_from, self.notice_to))
        if self.must_report and self.final_reported_at is None:
            if self.quick_reported_at is None and self.quick_to:
                owed.append(("quick", self.quick_from, self.quick_to))
            if self.final_due:
                owed.append(("final", None, self.final_due))
        return sorted(owed, key=lambda o: o[2])

    def update_next_due(self) -> None:
        """Keep `next_due` (what the board sorts and pages by) in step with what it owes."""
        owed = self.owed()
        self.next_due = owed[0][2] if owed else None

    def snapshot(self) -> dict:
        """Plain fields for the timeline and the audit trail."""
        return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in (
            ("organisation_id", self.organisation_id), ("role", self.role), ("known_at", self.known_at),
            ("consignor_notices", dict(self.consignor_notices or {})), ("quick_reported_at", self.quick_reported_at),
            ("final_reported_at", self.final_reported_at), ("person_notice_at", self.person_notice_at),
            ("person_notice_alternative", self.person_notice_alternative or None),
            ("public_notice_at", self.public_notice_at))}


class IncidentEvent(db.Model):
    """One entry of the timeline: who recorded what, when, and what changed."""

    __tablename__ = "incident_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id", ondelete="CASCADE"), index=True)
    at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    kind: Mapped[str] = mapped_column(String(40))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    actor_name: Mapped[str] = mapped_column(String(254), default="")
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="SET NULL"))
    changes: Mapped[list] = mapped_column(JSON, default=list)  # [[field, before, after], …]
    note: Mapped[str] = mapped_column(Text, default="")
    # The party the entry is about (its notices, reports, own facts); None: the incident as a whole.
    concerns_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="SET NULL"))

    incident: Mapped[Incident] = relationship(back_populates="events")
    organisation: Mapped[Organisation | None] = relationship(foreign_keys=[organisation_id])


class PreventionMeasure(db.Model):
    """再発防止策: what will be done, by whom, by when, and when it was done."""

    __tablename__ = "prevention_measure"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id", ondelete="CASCADE"), index=True)
    description: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[date] = mapped_column()
    done_on: Mapped[date | None] = mapped_column()
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    incident: Mapped[Incident] = relationship(back_populates="measures")
