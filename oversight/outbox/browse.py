"""The operator admins' reading of the outbox: every queued mail, newest first, and what became of it.

Only an operator admin (role admin, no organisation) reads it: a mail names other tenants' staff and
incidents, and operator admins already see every organisation. Without a mail server it is where the demo's
mail is read; with one it stays the delivery record (failures, skipped addresses, sending again).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from oversight import permissions as perm
from oversight import uow
from oversight.errors import Forbidden, NotFound
from oversight.extensions import db
from oversight.outbox import services
from oversight.outbox.models import OUTBOX_STATUSES, OutboxMessage
from oversight.registry.services import Page
from oversight.trail import services as trail

PER_PAGE = 50


def can_read(actor) -> bool:
    """May this user read the outbox? Operator admins only (an organisation's admin may not)."""
    return perm.allows(actor, "outbox.view") and getattr(actor, "organisation_id", None) is None


def _require(actor) -> None:
    if not can_read(actor):
        raise Forbidden(_l("Only an operator admin may read the outbox."))


def messages(actor, *, status: str | None = None, page: int = 1) -> Page:
    """One page of messages, newest first, optionally of one status; `extra["counts"]` per status."""
    _require(actor)
    query = select(OutboxMessage)
    if status in OUTBOX_STATUSES:
        query = query.where(OutboxMessage.status == status)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    page = max(1, page)
    items = db.session.scalars(query.order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
                               .limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    counts = dict(db.session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())
    return Page(items, total, page, PER_PAGE, extra={"counts": counts})


def message(actor, message_id: int) -> OutboxMessage:
    """One message with everything recorded about it."""
    _require(actor)
    found = db.session.get(OutboxMessage, message_id)
    if found is None:
        raise NotFound(_l("There is no such mail in the outbox."))
    return found


def send_again(actor, message_id: int) -> OutboxMessage:
    """Put a failed message back in the queue with fresh attempts, on an operator admin's request (trailed)."""
    with uow.atomic():
        was = message(actor, message_id).status
        again = services.retry(message_id)
        if was != again.status:
            trail.record(actor, "outbox_retry", "outbox_message", again.id, label=again.subject,
                         before={"status": was}, after={"status": again.status})
    return again
