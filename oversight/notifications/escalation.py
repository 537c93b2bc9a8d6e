"""The sweeper that escalates notifications a consignor has not acknowledged in time (run by `flask scheduler`)."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from oversight import uow
from oversight.extensions import db
from oversight.notifications.filing import mail_about
from oversight.notifications.models import Notification
from oversight.registry.recipients import (
    OWNER_ROLES,
    incident_recipients,
    round_the_clock_addresses,
    user_addresses,
)
from oversight.timeutil import utcnow
from oversight.trail import services as trail


def escalation_recipients(n: Notification) -> list[str]:
    """Everyone at the recipient who should act, its round-the-clock contacts, and the filer's incident
    contacts (who can then telephone)."""
    return sorted(set(incident_recipients(n.recipient_id, (n.filer_id,)))
                  | set(round_the_clock_addresses(n.recipient_id, (n.filer_id,)))
                  | set(user_addresses(n.recipient_id, OWNER_ROLES))
                  | set(incident_recipients(n.filer_id, (n.recipient_id,))))


@uow.atomic()
def escalate_unacknowledged(now: datetime | None = None) -> int:
    """Escalate each notification still unacknowledged NOTIFICATION_ACK_HOURS after filing (once); the count."""
    now = now or utcnow()
    hours = current_app.config["NOTIFICATION_ACK_HOURS"]
    due = db.session.scalars(select(Notification).where(
        Notification.status == "filed", Notification.acknowledged_at.is_(None), Notification.escalated_at.is_(None),
        Notification.filed_at <= now - timedelta(hours=hours)).order_by(Notification.id).limit(500))
    count = 0
    for n in due:
        n.escalated_at = now
        mailed = mail_about(n, f"notification-escalation:{n.id}", escalation_recipients(n),
                            "notifications/escalated", hours=hours)
        # Without an address the page and the dashboard still show it escalated.
        trail.record(None, "notification_escalate", "notification", n.id, label=n.title,
                     after={"receipt_number": n.receipt_number, "hours": hours, "mailed": mailed})
        count += 1
    return count
