"""Filing a notification up the chain: its receipt (number, server time, content hash), the incident it opens
or joins, the forward to the next consignor up, the acknowledgement, and the mail each of them sends.

Filing is one transaction: the receipt, the consignor's incident (opened or attached, its known moment and
deadlines), the trail record and the e-mail in the outbox all commit together or not at all; the mail is sent
afterwards by the outbox, so a filing never waits for (or fails with) the mail server.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from contracts import services as contracts
from oversight import mail, uow
from oversight import permissions as perm
from oversight.errors import Conflict, Forbidden, ValidationFailed
from oversight.extensions import db
from oversight.incidents import services as incidents
from oversight.incidents.models import Incident
from oversight.incidents.validation import validate_facts
from oversight.inputs import object_id
from oversight.notifications.drafts import (
    attach,
    build_notification,
    new_notification,
    own_draft,
    own_engagement,
    own_organisation,
    validated,
)
from oversight.notifications.models import Notification, ReceiptCounter
from oversight.notifications.services import get_notification
from oversight.outbox import services as outbox
from oversight.registry import services as registry
from oversight.registry.models import Entrustment
from oversight.registry.recipients import incident_recipients
from oversight.timeutil import JST, utcnow
from oversight.trail import services as trail

SETTLED = ("direct", "approved", "notified")  # approval states that are not unapproved subcontracting


def _next_sequence(organisation_id: int) -> int:
    """The recipient's next receipt number, in one upsert. The counter row's lock orders concurrent filings:
    none is lost and none shares a number."""
    table = ReceiptCounter.__table__
    if db.engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(table).values(organisation_id=organisation_id, last_sequence=1)
    statement = statement.on_conflict_do_update(
        index_elements=["organisation_id"], set_={"last_sequence": table.c.last_sequence + 1})
    return db.session.execute(statement.returning(table.c.last_sequence)).scalar_one()


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(JST).isoformat() if moment else None


def receipt_content(n: Notification) -> dict:
    """Everything the content hash covers: the receipt, the parties, what was said, the files, and the hash of
    the notification it follows up or forwards (so a thread and a path are chained)."""
    return {
        "receipt_number": n.receipt_number, "sequence": n.sequence, "filed_at": _iso(n.filed_at),
        "kind": n.kind, "filer": {"id": n.filer_id, "name": n.filer.name},
        "recipient": {"id": n.recipient_id, "name": n.recipient.name}, "filed_by": n.filed_by_name,
        "entrustment": {"id": n.entrustment_id, "data_set": n.entrustment.data_set,
                        "approval_state": n.approval_state},
        "title": n.title, "facts": n.facts, "message": n.message,
        "attachments": [{"filename": a.filename, "size": a.size, "sha256": a.sha256} for a in n.attachments],
        "follows_up": n.parent.content_sha256 if n.parent else None,
        "forwards": n.forwarded_from.content_sha256 if n.forwarded_from else None,
        "filer_known_at": _iso(n.filer_known_at), "notice_hours": n.notice_hours,
        "notice_due_at": _iso(n.notice_due_at),
    }


def content_hash(n: Notification) -> str:
    """SHA-256 of the canonical JSON of `receipt_content` (keys sorted, UTF-8, no spaces)."""
    body = json.dumps(receipt_content(n), sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(body.encode()).hexdigest()


def verify(n: Notification) -> bool:
    """True if the stored notification still matches the hash on its receipt."""
    return n.is_filed and content_hash(n) == n.content_sha256


def _known_moment(facts: Mapping) -> datetime | None:
    value = facts.get("known_at")
    if not value:
        return None
    moment = datetime.fromisoformat(str(value))
    return moment.replace(tzinfo=JST) if moment.tzinfo is None else moment


def _approval_state(e: Entrustment) -> str:
    state = registry.link_state(e)
    return state.state if state.upstream_settled or state.state not in SETTLED else "unapproved_upstream"


def _contract_clock(n: Notification, known: datetime | None) -> None:
    """The contract's hours-to-notify (契約上の報告期限) from when the filer knew or suspected it."""
    n.filer_known_at = known
    n.notice_hours = contracts.contractual_notice_hours(n.entrustment_id) if n.kind != "follow_up" else None
    if known is not None and n.notice_hours:
        n.notice_due_at = known + timedelta(hours=n.notice_hours)
        n.late = n.filed_at > n.notice_due_at
    else:
        n.notice_due_at, n.late = None, None


def _stamp(actor, n: Notification, known: datetime | None) -> None:
    """Fix the receipt: sequence, server time, approval state, contract clock, content hash."""
    n.sequence = _next_sequence(n.recipient_id)
    n.filed_at = utcnow()  # after the lock: receipt numbers and times run in the same order
    n.filed_by_id = getattr(actor, "id", None)
    n.filed_by_name = getattr(actor, "name", "") or getattr(actor, "email", "")
    n.status = "filed"
    n.approval_state = _approval_state(n.entrustment)
    _contract_clock(n, known)
    n.content_sha256 = content_hash(n)
    db.session.flush()


def _open_incident(actor, n: Notification) -> None:
    """An original notification without a chosen incident opens one at the filer, on this engagement."""
    if n.kind == "original" and n.incident_id is None:
        incident = incidents.open_incident(actor, {
            "organisation_id": n.filer_id, "title": n.title, "scope": "entrustment",
            "entrustment_id": n.entrustment_id, "facts": n.facts})
        n.incident_id = incident.id


def _record_on_incident(actor, n: Notification) -> None:
    """The notice and the recipient's knowledge on the incident; a follow-up's facts when the filer is its origin."""
    if n.incident_id is None:
        return
    incident = db.session.get(Incident, n.incident_id)
    if n.kind == "follow_up" and incident.organisation_id == n.filer_id and incident.status == "open":
        incidents.update_facts(actor, incident.id, {"facts": n.facts, "note": n.receipt_number})
    if not incidents.notice_received(actor, incident, n.filer_id, n.recipient_id, n.filed_at, n.receipt_number):
        n.incident_id = None  # the recipient is not a party (a forward to an unlinked engagement)


def mail_about(n: Notification, key: str, recipients: list[str], template: str, *, fresh_key: bool = False,
               **context) -> bool:
    """Queue the mail `template` about a notification; False when nobody has an address (nothing is blocked:
    the notification page shows that no mail went out, and says to telephone)."""
    if not recipients:
        return False
    subject, body = mail.render(template, n=n, **context)
    outbox.enqueue(key, recipients, subject, body, object_type="notification", object_id=n.id, fresh_key=fresh_key)
    return True


def _file(actor, n: Notification, known: datetime | None) -> Notification:
    # The trail's records are appended last: its lock (global) is held only from there to the commit, and the
    # recipient's counter is always taken before it, so two filings never wait on each other in a cycle.
    # Reads here never need this filing's pending rows: flushes are explicit.
    with trail.deferred(), db.session.no_autoflush:
        _open_incident(actor, n)
        db.session.add(n)
        _stamp(actor, n, known)
        _record_on_incident(actor, n)
        mail_about(n, f"notification:{n.id}", incident_recipients(n.recipient_id, (n.filer_id,)),
                   "notifications/filed", fresh_key=True)
        trail.record(actor, "notification_file", "notification", n.id, label=n.title, after={
            "receipt_number": n.receipt_number, "filed_at": _iso(n.filed_at), "content_sha256": n.content_sha256,
            "kind": n.kind, "filer_id": n.filer_id, "recipient_id": n.recipient_id,
            "entrustment_id": n.entrustment_id, "approval_state": n.approval_state, "late": n.late,
            "incident_id": n.incident_id, "attachments": [a.sha256 for a in n.attachments]})
    return n


def file_draft(actor, notification_id: int) -> Notification:
    """File a draft: from now on it cannot change. Returns it with its receipt; Conflict if it is already filed."""
    with uow.atomic():
        # The draft's row stays locked to the commit: of several filings at once one files it, the others then
        # find it filed. (SQLite runs one writing transaction at a time.)
        db.session.get(Notification, object_id(notification_id) or 0, with_for_update=True,
                       populate_existing=True)
        n = get_notification(actor, notification_id)
        if n.is_filed and n.filer_id == getattr(actor, "organisation_id", None):
            raise Conflict(_l("This draft has already been filed (receipt %(number)s).", number=n.receipt_number))
        n = own_draft(actor, notification_id)
        own_engagement(actor, n.entrustment_id)  # still the filer's engagement
        validate_facts(n.facts, n.entrustment.contractor)  # a known date still in the past, etc.
        known = _known_moment(n.facts) if n.kind == "original" else None
        _file(actor, n, known)
    return n


def file_new(actor, data: Mapping, uploads: Iterable[tuple[str, bytes]] = ()) -> Notification:
    """Write and file in one step (the API's usual call; the form's "file now")."""
    with uow.atomic():
        n = new_notification(actor, data, uploads)
        known = _known_moment(n.facts) if n.kind == "original" else None
        _file(actor, n, known)
    return n


def forward(actor, notification_id: int, data: Mapping, uploads: Iterable[tuple[str, bytes]] = ()) -> Notification:
    """Pass a received notification to the organisation's own consignor, with its additions, in one action.

    data: message (what this tier adds), facts (corrections or additions, optional), entrustment_id (only when
    the engagement the notice came on is not linked to one of the organisation's own engagements)."""
    perm.require(actor, "notification.file")
    with uow.atomic():
        source = get_notification(actor, notification_id)
        org_id = own_organisation(actor)
        if source.recipient_id != org_id or not source.is_filed:
            raise ValidationFailed({"notification": [_l("You can forward only a notification your organisation "
                                                        "received.")]})
        below = source.entrustment
        if below.parent_id is not None:
            e = below.parent
        else:
            e = own_engagement(actor, data.get("entrustment_id"))
        if e.contractor_id != org_id:
            raise ValidationFailed({"entrustment_id": [_l("Choose an engagement your organisation holds as "
                                                          "contractor.")]})
        title, message, facts, accepted = validated(
            actor, {"title": data.get("title") or source.title, "message": data.get("message"),
                    "facts": data.get("facts") or {}}, e, stored_facts=source.facts, uploads=uploads)
        upstream_parent = None
        if source.kind == "follow_up":
            upstream_parent = db.session.scalar(select(Notification).where(
                Notification.forwarded_from_id == source.parent_id, Notification.filer_id == org_id,
                Notification.status == "filed").limit(1))
        n = build_notification(e, kind="forward", forwarded_from=source, parent=upstream_parent,
                          incident_id=source.incident_id, title=title, facts=facts, message=message,
                          created_by_id=getattr(actor, "id", None))
        attach(n, accepted)
        incident = db.session.get(Incident, source.incident_id) if source.incident_id else None
        party = incident.party_for(org_id) if incident else None
        known = min(filter(None, [party.known_at if party else None, source.filed_at]))
        _acknowledge(actor, source)  # passing it on shows it was read (README: acknowledge and forward in one)
        _file(actor, n, known)
    return n


def acknowledge(actor, notification_id: int) -> Notification:
    """The recipient confirms it has read the notification (受領確認); the filer is told."""
    perm.require(actor, "notification.file")
    with uow.atomic():
        n = get_notification(actor, notification_id)
        if n.recipient_id != getattr(actor, "organisation_id", None):
            raise Forbidden(_l("Only the organisation that received a notification acknowledges it."))
        _acknowledge(actor, n)
    return n


def _acknowledge(actor, n: Notification) -> None:
    """Acknowledge once, in the caller's transaction: the filer is mailed and the trail records it."""
    if n.acknowledged_at is not None:
        return
    # Conditional: of several acknowledgements at once exactly one sets the moment, mails and is recorded;
    # the others find it set (PostgreSQL re-checks the condition once the first commits) and answer with it.
    claimed = db.session.execute(
        update(Notification).where(Notification.id == n.id, Notification.acknowledged_at.is_(None))
        .values(acknowledged_at=utcnow(), acknowledged_by_name=getattr(actor, "name", "") or
                getattr(actor, "email", "")).execution_options(synchronize_session=False)).rowcount
    db.session.refresh(n, ["acknowledged_at", "acknowledged_by_name"])
    if not claimed:
        return
    mail_about(n, f"notification-ack:{n.id}", incident_recipients(n.filer_id, (n.recipient_id,)),
               "notifications/acknowledged")
    trail.record(actor, "notification_acknowledge", "notification", n.id, label=n.title,
                 after={"receipt_number": n.receipt_number, "acknowledged_at": _iso(n.acknowledged_at)})

