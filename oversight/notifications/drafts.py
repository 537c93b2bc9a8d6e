"""Writing a notification: drafts (保存), their changes and attachments, before anything is filed.

Nothing here reaches the consignor: a draft's changes are recorded in the trail for its writer alone. Filing
(`filing`) builds on the same checks, so a notification filed in one step is validated exactly as a draft is.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from oversight import files, uow
from oversight import permissions as perm
from oversight.errors import Forbidden, NotFound, ValidationFailed
from oversight.extensions import db
from oversight.incidents.models import Incident
from oversight.incidents.validation import facts_object, validate_facts
from oversight.inputs import object_id
from oversight.notifications.models import Notification, NotificationAttachment
from oversight.notifications.services import can_see, get_notification
from oversight.registry.models import Entrustment
from oversight.trail import services as trail

MAX_ATTACHMENTS = 10
MAX_MESSAGE = 10_000

NOT_YOURS = _l("There is no filed notification of your organisation with that number.")


def own_organisation(actor) -> int:
    """The actor's organisation, which files its notifications; Forbidden for a user of none (an operator)."""
    org_id = getattr(actor, "organisation_id", None)
    if org_id is None:
        raise Forbidden(_l("Only a user of the contractor can file its notifications."))
    return org_id


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
            problems.append(files.refusal_message(refusal))
        else:
            accepted.append((name, media_type, content))
    if problems:
        raise ValidationFailed({"attachments": problems})
    return accepted


def attach(n: Notification, accepted: list[tuple[str, str, bytes]]) -> None:
    """Add the accepted uploads to the notification, each with its SHA-256."""
    for name, media_type, content in accepted:
        n.attachments.append(NotificationAttachment(
            filename=name, media_type=media_type, size=len(content), sha256=hashlib.sha256(content).hexdigest(),
            content=content))


def own_engagement(actor, entrustment_id) -> Entrustment:
    """The entrustment if the actor's organisation holds it as contractor; ValidationFailed otherwise."""
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


def validated(actor, data: Mapping, e: Entrustment, *, stored_facts: Mapping | None = None,
               uploads=(), attached: int = 0) -> tuple[str, str, dict, list]:
    """Title, message, facts and accepted attachments, checked together: ValidationFailed naming every problem."""
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


@uow.atomic()
def create_draft(actor, data: Mapping, uploads: Iterable[tuple[str, bytes]] = ()) -> Notification:
    """Save a notification as a draft. data: entrustment_id, title, facts (the incident engine's), message,
    incident_id (optional: attach to an open incident of the filer), follow_up_to (a filed notification of
    the filer's: this one is then its follow-up 続報). Nothing is stored unless everything is valid."""
    n = new_notification(actor, data, uploads)
    db.session.add(n)
    db.session.flush()
    _draft_trail(actor, "notification_draft_create", n, None, _draft_snapshot(n))
    return n


def _draft_snapshot(n: Notification) -> dict:
    return {"title": n.title, "message": n.message, "facts": dict(n.facts or {}), "incident_id": n.incident_id,
            "entrustment_id": n.entrustment_id, "attachments": [a.filename for a in n.attachments]}


def _draft_trail(actor, action: str, n: Notification, before: dict | None, after: dict | None) -> None:
    """A draft's changes are the writer's own business: the trail shows them to its organisation alone."""
    trail.record(actor, action, "notification", n.id, label=n.title, before=before, after=after)


def build_notification(e: Entrustment, *, parent=None, forwarded_from=None, **fields) -> Notification:
    """A notification on `e` from its contractor to its consignor (not yet in the session)."""
    # Ids beside the objects: filing reads them before the one flush that would copy them over.
    return Notification(entrustment=e, entrustment_id=e.id, filer=e.contractor, filer_id=e.contractor_id,
                        recipient=e.consignor, recipient_id=e.consignor_id, parent=parent,
                        parent_id=parent.id if parent else None, forwarded_from=forwarded_from,
                        forwarded_from_id=forwarded_from.id if forwarded_from else None, **fields)


def new_notification(actor, data: Mapping, uploads) -> Notification:
    """A validated new notification, not yet in the session (filing adds it when complete: one INSERT)."""
    perm.require(actor, "notification.file")
    own_organisation(actor)
    parent = None
    if data.get("follow_up_to") not in (None, ""):
        parent = _own_filed(actor, data.get("follow_up_to"), "follow_up_to", NOT_YOURS)
        if parent.filer_id != actor.organisation_id:
            raise ValidationFailed({"follow_up_to": [NOT_YOURS]})
        parent = parent.root
        e = parent.entrustment
    else:
        e = own_engagement(actor, data.get("entrustment_id"))
    title, message, facts, accepted = validated(
        actor, data, e, stored_facts=parent.facts if parent else None, uploads=uploads)
    incident_id = parent.incident_id if parent else _incident_choice(actor, data, e)
    n = build_notification(e, parent=parent, kind="follow_up" if parent else "original", incident_id=incident_id,
                      title=title, facts=facts, message=message, created_by_id=getattr(actor, "id", None))
    attach(n, accepted)
    return n


def own_draft(actor, notification_id: int) -> Notification:
    """A draft the actor's organisation wrote and may still change; Forbidden or ValidationFailed otherwise."""
    perm.require(actor, "notification.file")
    n = get_notification(actor, notification_id)
    if n.filer_id != getattr(actor, "organisation_id", None):
        raise Forbidden(_l("Only the organisation that wrote a notification can change or file it."))
    if n.is_filed:
        raise ValidationFailed({"status": [_l("A filed notification cannot be changed: file a follow-up instead.")]})
    return n


@uow.atomic()
def update_draft(actor, notification_id: int, data: Mapping, uploads: Iterable[tuple[str, bytes]] = ()) -> Notification:
    """Change a draft (title, facts, message; more attachments). A filed notification is refused."""
    n = own_draft(actor, notification_id)
    e = n.entrustment
    merged = {"title": n.title, "message": n.message, **data, "facts": {**n.facts, **facts_object(data)}}
    title, message, facts, accepted = validated(actor, merged, e, uploads=uploads, attached=len(n.attachments))
    before = _draft_snapshot(n)
    if n.kind == "original" and "incident_id" in data:
        n.incident_id = _incident_choice(actor, data, e)
    n.title, n.message, n.facts = title, message, facts
    attach(n, accepted)
    after = _draft_snapshot(n)
    if after != before:
        _draft_trail(actor, "notification_draft_update", n, before, after)
    return n


@uow.atomic()
def remove_attachment(actor, notification_id: int, attachment_id: int) -> Notification:
    """Take an attachment off a draft."""
    n = own_draft(actor, notification_id)
    attachment = next((a for a in n.attachments if a.id == attachment_id), None)
    if attachment is None:
        raise NotFound(_l("Attachment not found."))
    n.attachments.remove(attachment)
    _draft_trail(actor, "notification_draft_update", n, {"attachments": [attachment.filename]}, {"attachments": []})
    return n


@uow.atomic()
def discard_draft(actor, notification_id: int) -> None:
    """Delete a draft (a filed notification is kept for ever)."""
    n = own_draft(actor, notification_id)
    _draft_trail(actor, "notification_draft_discard", n, _draft_snapshot(n), None)
    db.session.delete(n)


def get_attachment(actor, notification_id: int, attachment_id: int) -> NotificationAttachment:
    """An attachment of a notification the actor may see."""
    n = get_notification(actor, notification_id)
    attachment = next((a for a in n.attachments if a.id == attachment_id), None)
    if attachment is None:
        raise NotFound(_l("Attachment not found."))
    return attachment

