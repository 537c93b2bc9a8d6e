"""Who sees which notification, declared to the core's one visibility mechanism (oversight.permissions).

Filer and recipient see a filed notification, and its filer its drafts; so does every organisation further up that
received it forwarded (the top consignor sees the whole path). Operator admins see all.
"""

from __future__ import annotations

from sqlalchemy import or_, select, union
from sqlalchemy.orm import aliased

from oversight import permissions as perm
from oversight.extensions import db
from oversight.notifications.models import Notification


def visible_notification_ids(actor):
    """Ids of the notifications the actor may see, in one query: those its organisation filed or received, and
    the filed ones below them each forward came from (a recursive walk down the path)."""
    if perm.is_admin(actor):
        return select(Notification.id)
    org_id = actor.organisation_id
    touching = select(Notification.id, Notification.forwarded_from_id).where(
        Notification.status == "filed", or_(Notification.filer_id == org_id, Notification.recipient_id == org_id))
    path = touching.cte(recursive=True)
    source = aliased(Notification)
    path = path.union(select(source.id, source.forwarded_from_id).join(path, source.id == path.c.forwarded_from_id)
                      .where(source.status == "filed"))
    own = select(Notification.id).where(Notification.filer_id == org_id)
    return select(union(select(path.c.id), own).subquery())


def sees_notification(actor, notification_id: int) -> bool | None:
    """One notification: its filer and recipient see it at once; further up, the walk down the path decides."""
    org_id = getattr(actor, "organisation_id", None)
    n = db.session.get(Notification, notification_id) if org_id is not None else None
    if n is None:
        return False
    if n.filer_id == org_id:
        return True
    if not n.is_filed:
        return False
    return True if n.recipient_id == org_id else None


def can_see(actor, n: Notification) -> bool:
    """May the actor see this notification?"""
    return perm.can_see(actor, "notification", n.id)


def register() -> None:
    """Declare notifications to oversight.permissions."""
    perm.register_visibility("notification", Notification.id, visible_notification_ids, check=sees_notification)
