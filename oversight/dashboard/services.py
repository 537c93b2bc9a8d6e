"""What needs the privacy office's attention now."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from oversight import permissions as perm
from oversight.extensions import db
from oversight.registry import services as registry
from oversight.registry.models import Certification, Entrustment
from oversight.registry.queries import expiry_warning_days
from oversight.timeutil import today_jst


@dataclass
class Attention:
    unapproved: list[Entrustment]
    states: dict
    certifications: list[Certification]
    pending: list[Entrustment]
    today: date
    counts: dict
    notifications_waiting: list = field(default_factory=list)  # received, not acknowledged yet
    late_notifications: list = field(default_factory=list)  # later than the contract allows
    deadlines: list = field(default_factory=list)  # notices and reports its own organisation owes (incidents.board)


def attention(actor, today: date | None = None, warning_days: int | None = None) -> Attention:
    """Unapproved subcontracting, expired and expiring certifications, subcontracts awaiting a decision,
    incident notifications not yet acknowledged and those later than their contract allows."""
    today = today or today_jst()
    warning_days = expiry_warning_days() if warning_days is None else warning_days
    flagged = registry.search_entrustments(actor, flagged=True, per_page=500)
    unapproved = [e for e in flagged.items if e.status != "terminated"]
    # The company's own certifications where the actor may read its profile, and its organisation's verified ones.
    certifications = db.session.scalars(
        select(Certification).where(registry.seen_certification(actor),
                                    Certification.expires_on.is_not(None),
                                    Certification.expires_on <= today + timedelta(days=warning_days))
        .options(selectinload(Certification.organisation)).order_by(Certification.expires_on)
    ).all()
    pending = registry.pending_decisions(actor)
    total_entrustments = db.session.scalar(
        perm.restrict(select(db.func.count(Entrustment.id)), actor, "entrustment"))
    waiting, late, deadlines = [], [], []
    if perm.allows(actor, "incident.view"):
        from oversight.incidents import board

        deadlines = board.own_rows(actor, today=today)
    if perm.allows(actor, "notification.view"):
        from oversight.notifications import services as notifications

        waiting, late = notifications.lists(actor).unacknowledged, notifications.breaches(actor)
    return Attention(
        unapproved=unapproved, states=flagged.extra["states"], certifications=certifications,
        pending=pending, today=today, notifications_waiting=waiting, late_notifications=late, deadlines=deadlines,
        counts={"entrustments": total_entrustments,
                "expired": sum(1 for c in certifications if c.expires_on < today),
                "expiring": sum(1 for c in certifications if c.expires_on >= today)},
    )
