"""The conditions of approvals, followed to closure: marked met (with a note) or waived (with the reason) by the
consignor's privacy office or procurement, and reminded once past due to the consignor's privacy office.

The reminder sweeper runs with `flask scheduler`; each reminder's outbox key names the condition and the stage,
so running it again never queues a second copy.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from audits.models import Decision, DecisionCondition, QuestionnaireRequest, Selection
from audits.visibility import get_request
from oversight import mail, uow
from oversight import permissions as perm
from oversight.errors import Conflict, Forbidden, NotFound, ValidationFailed
from oversight.extensions import db
from oversight.outbox import services as outbox
from oversight.outbox.models import OutboxMessage
from oversight.registry.recipients import user_addresses
from oversight.timeutil import today_jst, utcnow
from oversight.trail import services as trail

CLOSINGS = ("met", "waived")
REMINDED_ROLES = ("privacy_office",)


def get_condition(actor, condition_id: int) -> DecisionCondition:
    """The condition if the actor may see its selection (404 otherwise, like an unknown id)."""
    condition = db.session.get(DecisionCondition, condition_id)
    if condition is None:
        raise NotFound(_l("No such condition."))
    get_request(actor, condition.decision.request_id)
    return condition


@uow.atomic()
def close_condition(actor, condition_id: int, data: Mapping) -> DecisionCondition:
    """Mark a condition met (a note on how) or waived (the reason is required): only the consignor's own privacy
    office or procurement; who and when are kept with it and in the trail."""
    perm.require(actor, "selection.condition")
    condition = get_condition(actor, condition_id)
    request = condition.decision.request
    if not perm.is_admin(actor) and request.requester_id != actor.organisation_id:
        raise Forbidden(_l("Your role does not allow this action."))
    errors: dict = {}
    closing = data.get("closing")
    if closing not in CLOSINGS:
        errors["closing"] = [_l("Choose one of the answers.")]
    note = data.get("note") or ""
    if not isinstance(note, str):
        errors["note"] = [_l("Enter text.")]
        note = ""
    note = note.strip()
    if len(note) > 2000:
        errors["note"] = [_l("At most %(max)s characters.", max=2000)]
    elif closing == "waived" and not note:
        errors["note"] = [_l("Give the reason for waiving the condition.")]
    if not condition.is_open:
        raise Conflict(_l("This condition is closed already."))
    if errors:
        raise ValidationFailed(errors)
    today = today_jst()
    if closing == "met":
        condition.met_on = today
    else:
        condition.waived_on = today
    condition.closed_note = note
    condition.closed_by_id = getattr(actor, "id", None)
    condition.closed_by_name = getattr(actor, "name", "") or getattr(actor, "email", "")
    condition.closed_at = utcnow()
    db.session.flush()
    trail.record(actor, f"selection_condition_{closing}", "selection_condition", condition.id,
                 label=f"{request.work_title} / {request.vendor.name}: {condition.text}", after={
                     "request_id": request.id, "vendor_id": request.vendor_id, "text": condition.text,
                     "owner": condition.owner, "due_on": condition.due_on.isoformat(), "note": note,
                     "on": today.isoformat()})
    return condition


@uow.atomic()
def enqueue_overdue_reminders(now: datetime | None = None) -> int:
    """Queue a reminder for every open condition past its due day (Japan time) to the privacy office users of the
    organisation whose approval it conditions; returns how many are new."""
    today = today_jst(now)
    overdue = list(db.session.scalars(
        select(DecisionCondition).join(Decision).join(QuestionnaireRequest).join(Selection)
        .where(DecisionCondition.met_on.is_(None), DecisionCondition.waived_on.is_(None),
               DecisionCondition.due_on < today)
        .options(selectinload(DecisionCondition.decision).selectinload(Decision.request)
                 .selectinload(QuestionnaireRequest.selection))))
    keys = {c.id: f"selection-condition:{c.id}:overdue" for c in overdue}
    sent_before = set(db.session.scalars(select(OutboxMessage.key).where(
        OutboxMessage.key.in_(list(keys.values()))))) if keys else set()
    queued = 0
    for condition in overdue:
        key = keys[condition.id]
        request = condition.decision.request
        to = user_addresses(request.requester_id, REMINDED_ROLES)
        if key in sent_before or not to:
            continue
        subject, body = mail.render("audits/condition_overdue", condition=condition, request=request,
                                    selection=request.selection, days_over=(today - condition.due_on).days)
        outbox.enqueue(key, sorted(to), subject, body, object_type="questionnaire_request", object_id=request.id)
        queued += 1
    return queued
