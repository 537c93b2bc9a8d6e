"""Use cases of the contractor portal: notifications up the chain, their receipts, acknowledgement, escalation.

The web pages, the JSON API and the CLI call these and nothing below. Filing is one transaction: the receipt
(sequence, server time, content hash), the consignor's incident (opened or attached, its known moment and
deadlines), the trail record and the e-mail in the outbox all commit together or not at all; the mail is sent
afterwards by the outbox, so a filing never waits for (or fails with) the mail server.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload, selectinload

from contracts import services as contracts
from oversight import permissions as perm
from oversight import uow
from oversight.accounts.models import User
from oversight.errors import Conflict, Forbidden, NotFound, ValidationFailed
from oversight.extensions import db
from oversight.incidents import services as incidents
from oversight.incidents.art26.deadlines import JST
from oversight.incidents.models import Incident
from oversight.incidents.reminders import recipients as incident_recipients
from oversight.incidents.validation import facts_object, validate_facts
from oversight.inputs import object_id
from oversight.notifications import attachments as files
from oversight.notifications.models import Notification, NotificationAttachment, ReceiptCounter
from oversight.notifications.visibility import can_see
from oversight.outbox import services as outbox
from oversight.registry import services as registry
from oversight.registry.contacts import round_the_clock_addresses
from oversight.registry.models import Entrustment
from oversight.timeutil import utcnow
from oversight.trail import services as trail

MAX_ATTACHMENTS = 10
MAX_MESSAGE = 10_000
SETTLED = ("direct", "approved", "notified")  # approval states that are not unapproved subcontracting

NOT_YOURS = _l("There is no filed notification of your organisation with that number.")
ATTACHMENT_MESSAGES = {
    "too_large": _l("%(name)s is larger than %(mb)s MB. Send a smaller file (or split it)."),
    "empty": _l("%(name)s is empty."),
    "unsupported_type": _l("%(name)s cannot be attached: only %(allowed)s files are accepted."),
    "not_really": _l("%(name)s is not a real %(ext)s file: its content does not match its name."),
}


# ---------------------------------------------------------------- who sees what

def get_notification(actor, notification_id: int) -> Notification:
    """The notification if the actor may see it; NotFound otherwise (another organisation's drafts included)."""
    perm.require(actor, "notification.view")
    n = db.session.get(Notification, notification_id)
    if n is None or not can_see(actor, n):
        raise NotFound(_l("Notification not found."))
    return n


def _own_organisation(actor) -> int:
    org_id = getattr(actor, "organisation_id", None)
    if org_id is None:
        raise Forbidden(_l("Only a user of the contractor can file its notifications."))
    return org_id


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


# ---------------------------------------------------------------- drafting

def _clean_text(data: Mapping, errors: dict) -> tuple[str, str]:
    title = str(data.get("title") or "").strip()
    if not title:
        errors["title"] = [_l("This field is required.")]
    elif len(title) > 200:
        errors["title"] = [_l("At most 200 characters.")]
    message = str(data.get("message") or "").strip()
    if len(message) > MAX_MESSAGE:
        errors["message"] = [_l("At most %(n)s characters.", n=f"{MAX_MESSAGE:,}")]
    return title, message


def check_attachments(uploads: Iterable[tuple[str, bytes]], already: int = 0) -> list[tuple[str, str, bytes]]:
    """(filename, media type, bytes) of acceptable uploads; ValidationFailed naming every refused file."""
    uploads = [(str(name or "").strip()[:255], content) for name, content in uploads]
    limit = current_app.config["ATTACHMENT_MAX_BYTES"]
    problems, accepted = [], []
    if already + len(uploads) > MAX_ATTACHMENTS:
        problems.append(_l("At most %(n)s attachments per notification.", n=MAX_ATTACHMENTS))
    for name, content in uploads:
        media_type, refusal = files.check(name, content, limit)
        if refusal:
            problems.append(ATTACHMENT_MESSAGES[refusal.code] % refusal.values)
        else:
            accepted.append((name, media_type, content))
    if problems:
        raise ValidationFailed({"attachments": problems})
    return accepted


def _attach(n: Notification, accepted: list[tuple[str, str, bytes]]) -> None:
    for name, media_type, content in accepted:
        n.attachments.append(NotificationAttachment(
            filename=name, media_type=media_type, size=len(content), sha256=hashlib.sha256(content).hexdigest(),
            content=content))


def _engagement(actor, entrustment_id) -> Entrustment:
    e = db.session.get(Entrustment, object_id(entrustment_id) or 0,
                       options=[joinedload(Entrustment.consignor), joinedload(Entrustment.contractor)])
    if e is None or e.contractor_id != getattr(actor, "organisation_id", None):
        raise ValidationFailed({"entrustment_id": [
            _l("Choose an engagement your organisation holds as contractor: you can notify only your own "
               "direct consignor.")]})
    return e


def _own_filed(actor, notification_id, field: str, message) -> Notification:
    n = db.session.get(Notification, object_id(notification_id) or 0)
    if n is None or not n.is_filed or not can_see(actor, n):
        raise ValidationFailed({field: [message]})
    return n


def _validated(actor, data: Mapping, e: Entrustment, *, stored_facts: Mapping | None = None,
               uploads=(), attached: int = 0) -> tuple[str, str, dict, list]:
    errors: dict[str, list] = {}
    title, message = _clean_text(data, errors)
    facts = {}
    try:
        facts = validate_facts(data.get("facts") or {}, e.contractor, stored=stored_facts)
    except ValidationFailed as error:
        errors.update(error.errors)
    try:
        accepted = check_attachments(uploads, attached)
    except ValidationFailed as error:
        errors.update(error.errors)
    if errors:
        raise ValidationFailed(errors)
    return title, message, facts, accepted


def _incident_choice(actor, data: Mapping, e: Entrustment) -> int | None:
    raw = data.get("incident_id")
    if raw in (None, ""):
        return None
    incident = db.session.get(Incident, object_id(raw) or 0)
    if incident is None or incident.organisation_id != actor.organisation_id or incident.status != "open" \
            or incident.party_for(e.consignor_id) is None:
        raise ValidationFailed({"incident_id": [
            _l("Choose an open incident of your organisation that concerns this consignor's data.")]})
    return incident.id


def create_draft(actor, data: Mapping, uploads: Iterable[tuple[str, bytes]] = ()) -> Notification:
    """Save a notification as a draft. data: entrustment_id, title, facts (the incident engine's), message,
    incident_id (optional: attach to an open incident of the filer), follow_up_to (a filed notification of
    the filer's: this one is then its follow-up 続報). Nothing is stored unless everything is valid."""
    n = _new(actor, data, uploads)
    db.session.add(n)
    db.session.flush()
    _draft_trail(actor, "notification_draft_create", n, None, _draft_snapshot(n))
    uow.commit()
    return n


def _draft_snapshot(n: Notification) -> dict:
    return {"title": n.title, "message": n.message, "facts": dict(n.facts or {}), "incident_id": n.incident_id,
            "entrustment_id": n.entrustment_id, "attachments": [a.filename for a in n.attachments]}


def _draft_trail(actor, action: str, n: Notification, before: dict | None, after: dict | None) -> None:
    """A draft's changes are the writer's own business: the trail shows them to its organisation alone."""
    trail.record(actor, action, "notification", n.id, label=n.title, before=before, after=after)


def _notification(e: Entrustment, *, parent=None, forwarded_from=None, **fields) -> Notification:
    # Ids beside the objects: filing reads them before the one flush that would copy them over.
    return Notification(entrustment=e, entrustment_id=e.id, filer=e.contractor, filer_id=e.contractor_id,
                        recipient=e.consignor, recipient_id=e.consignor_id, parent=parent,
                        parent_id=parent.id if parent else None, forwarded_from=forwarded_from,
                        forwarded_from_id=forwarded_from.id if forwarded_from else None, **fields)


def _new(actor, data: Mapping, uploads) -> Notification:
    """A validated new notification, not yet in the session (filing adds it when complete: one INSERT)."""
    perm.require(actor, "notification.file")
    _own_organisation(actor)
    parent = None
    if data.get("follow_up_to") not in (None, ""):
        parent = _own_filed(actor, data.get("follow_up_to"), "follow_up_to", NOT_YOURS)
        if parent.filer_id != actor.organisation_id:
            raise ValidationFailed({"follow_up_to": [NOT_YOURS]})
        parent = parent.root
        e = parent.entrustment
    else:
        e = _engagement(actor, data.get("entrustment_id"))
    title, message, facts, accepted = _validated(
        actor, data, e, stored_facts=parent.facts if parent else None, uploads=uploads)
    incident_id = parent.incident_id if parent else _incident_choice(actor, data, e)
    n = _notification(e, parent=parent, kind="follow_up" if parent else "original", incident_id=incident_id,
                      title=title, facts=facts, message=message, created_by_id=getattr(actor, "id", None))
    _attach(n, accepted)
    return n


def _own_draft(actor, notification_id: int) -> Notification:
    perm.require(actor, "notification.file")
    n = get_notification(actor, notification_id)
    if n.filer_id != getattr(actor, "organisation_id", None):
        raise Forbidden(_l("Only the organisation that wrote a notification can change or file it."))
    if n.is_filed:
        raise ValidationFailed({"status": [_l("A filed notification cannot be changed: file a follow-up instead.")]})
    return n


def update_draft(actor, notification_id: int, data: Mapping, uploads: Iterable[tuple[str, bytes]] = ()) -> Notification:
    """Change a draft (title, facts, message; more attachments). A filed notification is refused."""
    n = _own_draft(actor, notification_id)
    e = n.entrustment
    merged = {"title": n.title, "message": n.message, **data, "facts": {**n.facts, **facts_object(data)}}
    title, message, facts, accepted = _validated(actor, merged, e, uploads=uploads, attached=len(n.attachments))
    before = _draft_snapshot(n)
    if n.kind == "original" and "incident_id" in data:
        n.incident_id = _incident_choice(actor, data, e)
    n.title, n.message, n.facts = title, message, facts
    _attach(n, accepted)
    after = _draft_snapshot(n)
    if after != before:
        _draft_trail(actor, "notification_draft_update", n, before, after)
    uow.commit()
    return n


def remove_attachment(actor, notification_id: int, attachment_id: int) -> Notification:
    """Take an attachment off a draft."""
    n = _own_draft(actor, notification_id)
    attachment = next((a for a in n.attachments if a.id == attachment_id), None)
    if attachment is None:
        raise NotFound(_l("Attachment not found."))
    n.attachments.remove(attachment)
    _draft_trail(actor, "notification_draft_update", n, {"attachments": [attachment.filename]}, {"attachments": []})
    uow.commit()
    return n


def discard_draft(actor, notification_id: int) -> None:
    """Delete a draft (a filed notification is kept for ever)."""
    n = _own_draft(actor, notification_id)
    _draft_trail(actor, "notification_draft_discard", n, _draft_snapshot(n), None)
    db.session.delete(n)
    uow.commit()


def get_attachment(actor, notification_id: int, attachment_id: int) -> NotificationAttachment:
    """An attachment of a notification the actor may see."""
    n = get_notification(actor, notification_id)
    attachment = next((a for a in n.attachments if a.id == attachment_id), None)
    if attachment is None:
        raise NotFound(_l("Attachment not found."))
    return attachment


# ---------------------------------------------------------------- filing: the receipt

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


def _mail(n: Notification, key: str, recipients: list[str], subject: str, body: str, *,
          fresh_key: bool = False) -> bool:
    """Queue a mail about a notification; False when nobody has an address (nothing is blocked: the
    notification page shows that no mail went out, and says to telephone)."""
    if not recipients:
        return False
    outbox.enqueue(key, recipients, subject, body, object_type="notification", object_id=n.id, fresh_key=fresh_key)
    return True


def _announce(n: Notification) -> None:
    base = current_app.config.get("BASE_URL", "").rstrip("/")
    kinds = {"original": ("事故等の報告", "Incident notification"), "follow_up": ("続報", "Follow-up"),
             "forward": ("事故等の報告（転送）", "Forwarded incident notification")}
    ja, en = kinds[n.kind]
    flags = []
    if n.unapproved:
        flags.append("※未承認の再委託に関する報告です / concerns an unapproved subcontract")
    if n.late:
        flags.append(f"※契約上の報告期限（{n.notice_hours}時間）を過ぎています / later than the contract's "
                     f"{n.notice_hours} hours")
    subject = f"【oversight】{ja}：{n.filer.name}（{n.receipt_number}） / {en} from {n.filer.name}"
    body = "\n".join([
        f"{n.recipient.name} ご担当者様 / To {n.recipient.name}", "",
        f"{n.filer.name}から{ja}を受け付けました。/ {en} received from {n.filer.name}.", "",
        f"件名 / Title: {n.title}",
        f"受付番号 / Receipt no.: {n.receipt_number}",
        f"受付日時 / Received at: {n.filed_at.astimezone(JST):%Y-%m-%d %H:%M:%S} (JST)",
        f"委託業務 / Entrustment: {n.entrustment.data_set}",
        f"内容のSHA-256 / Content SHA-256: {n.content_sha256}",
        *flags, "",
        "内容を確認し、受領確認をしてください。/ Read it and acknowledge it:",
        f"{base}/notifications/{n.id}",
    ])
    _mail(n, f"notification:{n.id}", incident_recipients(n.recipient_id, (n.filer_id,)), subject, body, fresh_key=True)


def _file(actor, n: Notification, known: datetime | None) -> Notification:
    # The trail's records are appended last: its lock (global) is held only from there to the commit, and the
    # recipient's counter is always taken before it, so two filings never wait on each other in a cycle.
    # Reads here never need this filing's pending rows: flushes are explicit.
    with trail.deferred(), db.session.no_autoflush:
        _open_incident(actor, n)
        db.session.add(n)
        _stamp(actor, n, known)
        _record_on_incident(actor, n)
        _announce(n)
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
        n = _own_draft(actor, notification_id)
        _engagement(actor, n.entrustment_id)  # still the filer's engagement
        validate_facts(n.facts, n.entrustment.contractor)  # a known date still in the past, etc.
        known = _known_moment(n.facts) if n.kind == "original" else None
        _file(actor, n, known)
    return n


def file_new(actor, data: Mapping, uploads: Iterable[tuple[str, bytes]] = ()) -> Notification:
    """Write and file in one step (the API's usual call; the form's "file now")."""
    with uow.atomic():
        n = _new(actor, data, uploads)
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
        org_id = _own_organisation(actor)
        if source.recipient_id != org_id or not source.is_filed:
            raise ValidationFailed({"notification": [_l("You can forward only a notification your organisation "
                                                        "received.")]})
        below = source.entrustment
        if below.parent_id is not None:
            e = below.parent
        else:
            e = _engagement(actor, data.get("entrustment_id"))
        if e.contractor_id != org_id:
            raise ValidationFailed({"entrustment_id": [_l("Choose an engagement your organisation holds as "
                                                          "contractor.")]})
        title, message, facts, accepted = _validated(
            actor, {"title": data.get("title") or source.title, "message": data.get("message"),
                    "facts": data.get("facts") or {}}, e, stored_facts=source.facts, uploads=uploads)
        upstream_parent = None
        if source.kind == "follow_up":
            upstream_parent = db.session.scalar(select(Notification).where(
                Notification.forwarded_from_id == source.parent_id, Notification.filer_id == org_id,
                Notification.status == "filed").limit(1))
        n = _notification(e, kind="forward", forwarded_from=source, parent=upstream_parent,
                          incident_id=source.incident_id, title=title, facts=facts, message=message,
                          created_by_id=getattr(actor, "id", None))
        _attach(n, accepted)
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
    _mail(n, f"notification-ack:{n.id}", incident_recipients(n.filer_id, (n.recipient_id,)),
          f"【oversight】受領確認：{n.receipt_number} / Acknowledged: {n.receipt_number}",
          f"{n.recipient.name}が{n.receipt_number}（{n.title}）の受領を確認しました"
          f"（{n.acknowledged_at.astimezone(JST):%Y-%m-%d %H:%M} JST）。\n"
          f"{n.recipient.name} acknowledged {n.receipt_number} ({n.title}).")
    trail.record(actor, "notification_acknowledge", "notification", n.id, label=n.title,
                 after={"receipt_number": n.receipt_number, "acknowledged_at": _iso(n.acknowledged_at)})


# ---------------------------------------------------------------- escalation

def escalation_recipients(n: Notification) -> list[str]:
    """Everyone at the recipient who should act, its round-the-clock contacts, and the filer's incident
    contacts (who can then telephone)."""
    round_the_clock = round_the_clock_addresses(n.recipient_id, (n.filer_id,))
    admins = db.session.scalars(select(User.email).where(
        User.organisation_id == n.recipient_id, User.role.in_(("privacy_office", "admin")),
        User.is_enabled.is_(True)))
    return sorted(set(incident_recipients(n.recipient_id, (n.filer_id,))) | set(round_the_clock) | set(admins)
                  | set(incident_recipients(n.filer_id, (n.recipient_id,))))


def escalate_unacknowledged(now: datetime | None = None) -> int:
    """Escalate each notification still unacknowledged NOTIFICATION_ACK_HOURS after filing (once); the count."""
    now = now or utcnow()
    hours = current_app.config["NOTIFICATION_ACK_HOURS"]
    due = db.session.scalars(select(Notification).where(
        Notification.status == "filed", Notification.acknowledged_at.is_(None), Notification.escalated_at.is_(None),
        Notification.filed_at <= now - timedelta(hours=hours)).order_by(Notification.id).limit(500))
    count = 0
    base = current_app.config.get("BASE_URL", "").rstrip("/")
    for n in due:
        n.escalated_at = now
        mailed = _mail(
            n, f"notification-escalation:{n.id}", escalation_recipients(n),
            f"【oversight】未確認の事故報告（{hours:g}時間経過）：{n.receipt_number} / Unacknowledged for {hours:g} h",
            "\n".join([
                f"{n.filer.name}からの報告 {n.receipt_number}（{n.title}）は、受付から{hours:g}時間を過ぎても"
                f"{n.recipient.name}で受領確認されていません。",
                f"Notification {n.receipt_number} from {n.filer.name} has not been acknowledged by "
                f"{n.recipient.name} {hours:g} hours after it was received.",
                f"受付日時 / Received at: {n.filed_at.astimezone(JST):%Y-%m-%d %H:%M} JST",
                f"{base}/notifications/{n.id}"]))
        # Without an address the page and the dashboard still show it escalated.
        trail.record(None, "notification_escalate", "notification", n.id, label=n.title,
                     after={"receipt_number": n.receipt_number, "hours": hours, "mailed": mailed})
        count += 1
    db.session.commit()
    return count


# ---------------------------------------------------------------- the receipt document

KIND_LABELS = {"original": ("初報", "First notice"), "follow_up": ("続報", "Follow-up"),
               "forward": ("転送（上位の委託元への報告）", "Forwarded up the chain")}
APPROVAL_LABELS = {
    "direct": ("直接の委託", "direct entrustment"), "approved": ("承認済みの再委託", "approved subcontract"),
    "notified": ("事後通知の再委託", "subcontract under notice-after terms"),
    "pending": ("未承認の再委託（承認待ち）", "unapproved subcontract (decision pending)"),
    "unapproved": ("未承認の再委託", "unapproved subcontract"),
    "unapproved_upstream": ("上位が未承認の再委託", "subcontract under an unapproved one"),
    "rejected": ("承認が拒否された再委託", "rejected subcontract"),
    "prohibited": ("再委託禁止の契約に反する再委託", "subcontract the contract prohibits"),
}


def _when(moment: datetime | None) -> str:
    return f"{moment.astimezone(JST):%Y-%m-%d %H:%M:%S} (JST)" if moment else "—"


def receipt_document(actor, notification_id: int) -> tuple[str, bytes]:
    """The receipt (受領証) of a filed notification as a PDF, with its file name; the same bytes for the same
    notification (its acknowledgement, once given, is printed on it)."""
    from oversight.errors import Unavailable
    from oversight.notifications import receipt  # ReportLab loads only when a receipt is asked for

    n = get_notification(actor, notification_id)
    if not n.is_filed:
        raise NotFound(_l("A draft has no receipt."))
    kind_ja, kind_en = KIND_LABELS[n.kind]
    state_ja, state_en = APPROVAL_LABELS.get(n.approval_state, (n.approval_state, n.approval_state))
    if n.notice_hours:
        timely = ("期限超過 / LATE" if n.late else "期限内 / in time")
        clock = f"{n.notice_hours}時間 / {n.notice_hours} h — 期限 / due {_when(n.notice_due_at)} — {timely}"
    else:
        clock = "契約上の定めなし / no contractual term" if n.kind != "follow_up" else "—"
    rows = {
        "number": ("受付番号", "Receipt no.", n.receipt_number),
        "filed_at": ("受付日時（サーバー時刻）", "Received at (server time)", _when(n.filed_at)),
        "kind": ("区分", "Kind", f"{kind_ja} / {kind_en}"),
        "filer": ("報告者（委託先）", "From (contractor)", f"{n.filer.name}（{n.filed_by_name}）"),
        "recipient": ("報告先（委託元）", "To (consignor)", n.recipient.name),
        "entrustment": ("委託業務", "Entrustment", f"{n.entrustment.data_set}（{state_ja} / {state_en}）"),
        "title": ("件名", "Title", n.title),
        "known": ("報告者が知った日時", "Filer knew or suspected at", _when(n.filer_known_at)),
        "clock": ("契約上の報告期限", "Contractual notice term", clock),
    }
    if n.parent:
        rows["parent"] = ("続報の対象", "Follows up", f"{n.parent.receipt_number}  {n.parent.content_sha256}")
    if n.forwarded_from:
        source = n.forwarded_from
        rows["source"] = ("転送元の報告", "Forwards", f"{source.receipt_number}（{source.filer.name} → "
                          f"{source.recipient.name}、{_when(source.filed_at)}）  {source.content_sha256}")
    for i, a in enumerate(n.attachments, 1):
        rows[f"attachment{i}"] = (f"添付{i}", f"Attachment {i}", f"{a.filename}（{a.size:,} bytes） SHA-256 {a.sha256}")
    rows["hash"] = ("内容のSHA-256", "Content SHA-256", n.content_sha256)
    if n.acknowledged_at:
        rows["ack"] = ("受領確認", "Acknowledged", f"{_when(n.acknowledged_at)}（{n.acknowledged_by_name}）")
    footer = [
        "上記の報告が上記の日時に報告先に到達したことを証します（個人情報保護法26条1項ただし書）。"
        "内容のSHA-256は、報告の内容（件名・事実・本文・添付ファイルのハッシュ・受付情報）の正規化JSONから計算したもので、"
        "oversightに保存された報告と照合できます。",
        "This receipt certifies that the notification above reached its recipient at the time shown "
        "(APPI Art. 26(1) proviso). The content SHA-256 is computed over the canonical JSON of the notification "
        "(title, facts, text, attachment hashes, receipt data) and can be checked against the record in oversight.",
    ]
    try:
        pdf = receipt.render(("事故等報告 受領証", "Receipt of incident notification"), receipt.rows_from(rows),
                             footer, f"oversight {n.receipt_number} {n.content_sha256}")
    except receipt.FontMissing as error:
        current_app.logger.error("receipt PDF: %s", error)
        raise Unavailable(_l("The receipt PDF cannot be printed: the server lacks its Japanese font (IPAexGothic, "
                             "Debian package fonts-ipaexfont). The notification and its receipt are stored; ask "
                             "the operator to install the font.")) from error
    return f"receipt-{n.receipt_number}.pdf", pdf
