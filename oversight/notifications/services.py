"""The contractor portal as its users see it: who sees which notification, and the lists of the portal.

The use cases that change something live beside it, one module each: `drafts` (writing, attachments),
`filing` (receipts, forwarding, acknowledgement and their mail), `escalation` (the sweeper) and `documents`
(the receipt PDF). The web pages, the JSON API and the CLI call these and nothing below.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from oversight import permissions as perm
from oversight.errors import NotFound
from oversight.extensions import db
from oversight.incidents.models import Incident
from oversight.notifications.models import Notification
from oversight.notifications.visibility import can_see
from oversight.outbox import services as outbox
from oversight.registry.models import Entrustment

# ---------------------------------------------------------------- who sees what

def get_notification(actor, notification_id: int) -> Notification:
    """The notification if the actor may see it; NotFound otherwise (another organisation's drafts included)."""
    perm.require(actor, "notification.view")
    n = db.session.get(Notification, notification_id)
    if n is None or not can_see(actor, n):
        raise NotFound(_l("Notification not found."))
    return n


def engagements(actor) -> list[Entrustment]:
    """Entrustments the actor's organisation holds as contractor: what it can file a notification on."""
    perm.require(actor, "notification.view")
    org_id = getattr(actor, "organisation_id", None)
    if org_id is None:
        return []
    return list(db.session.scalars(select(Entrustment).where(Entrustment.contractor_id == org_id).options(
        selectinload(Entrustment.consignor)).order_by(Entrustment.id)))


@dataclass
class Lists:
    """A user's view of the portal: received (to acknowledge), sent (drafts and filed)."""

    received: list[Notification]
    sent: list[Notification]

    @property
    def unacknowledged(self) -> list[Notification]:
        return [n for n in self.received if n.acknowledged_at is None]


def lists(actor, *, limit: int = 200) -> Lists:
    """Notifications the actor's organisation received and sent, newest first."""
    perm.require(actor, "notification.view")
    org_id = getattr(actor, "organisation_id", None)
    options = [selectinload(Notification.filer), selectinload(Notification.recipient),
               selectinload(Notification.entrustment)]
    if perm.is_admin(actor) and org_id is None:
        everything = list(db.session.scalars(select(Notification).where(Notification.status == "filed").options(
            *options).order_by(Notification.filed_at.desc()).limit(limit)))
        return Lists(everything, [])
    received = db.session.scalars(select(Notification).where(
        Notification.recipient_id == org_id, Notification.status == "filed").options(*options)
        .order_by(Notification.filed_at.desc(), Notification.id.desc()).limit(limit))
    sent = db.session.scalars(select(Notification).where(Notification.filer_id == org_id).options(*options)
                              .order_by(Notification.id.desc()).limit(limit))
    return Lists(list(received), list(sent))


def breaches(actor) -> list[Notification]:
    """Notifications that came later than their contract allows (契約上の報告期限の超過), for the privacy office:
    those the actor's organisation received, and those further down its chains it sees through forwards."""
    perm.require(actor, "notification.view")
    query = select(Notification).where(Notification.late.is_(True), Notification.status == "filed").options(
        selectinload(Notification.filer), selectinload(Notification.recipient),
        selectinload(Notification.entrustment)).order_by(Notification.filed_at.desc())
    return list(db.session.scalars(perm.restrict(query, actor, "notification")))


def path(actor, n: Notification) -> list[Notification]:
    """The tiers this notification climbed, from where it started to `n`: each forward's source, in order."""
    tiers = [n]
    while tiers[0].forwarded_from is not None:
        tiers.insert(0, tiers[0].forwarded_from)
    return tiers


def thread(actor, n: Notification) -> list[Notification]:
    """The original and its filed follow-ups (続報), in filing order."""
    root = n.root
    follow_ups = db.session.scalars(select(Notification).where(
        Notification.parent_id == root.id, Notification.status == "filed").order_by(Notification.sequence))
    return [root, *follow_ups]


def forwards(actor, n: Notification) -> list[Notification]:
    """Where the actor's organisation (or anyone it may see) passed this notification on."""
    return list(db.session.scalars(perm.restrict(select(Notification).where(
        Notification.forwarded_from_id == n.id, Notification.status == "filed"), actor, "notification")))


def for_incident(actor, incident: Incident) -> list[Notification]:
    """Filed notifications behind an incident that the actor may see, in filing order."""
    return list(db.session.scalars(perm.restrict(select(Notification).where(
        Notification.incident_id == incident.id, Notification.status == "filed").options(
        selectinload(Notification.filer), selectinload(Notification.recipient)).order_by(Notification.filed_at),
        actor, "notification")))


def mail_status(n: Notification) -> list:
    """The outbox messages about this notification (filing notice, escalation, acknowledgement)."""
    return outbox.recent_for("notification", n.id)
