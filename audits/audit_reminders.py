"""Reminders of open audits, run by the clock (`flask scheduler`, job `audit-reminders`):

* the vendor, while its answers are outstanding: 7, 3 and 1 days before the day it was asked to answer by, on
  the day, and once overdue (audits.cadence.reminder_stage) — but not a stage already reached on the day the
  audit opened, which the opening mail announced; for a document review or an on-site visit, at the same stages of
  the audit's due date while it is open (the documents to provide, the visit to host);
* the audit's internal owner (else the auditor's auditors, else its privacy office) at the same stages of the
  audit's due date, until it is closed;
* the auditor's privacy office, once, when the audit is overdue (the escalation).

Each mail's outbox key names the audit, who is reminded, the due date and the stage, so a sweep run again — after
a restart, or by a second scheduler at the same moment — queues nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from audits.audit_models import AUDIT_OPEN_STATUSES, Audit
from audits.audit_services import owner_addresses
from audits.cadence import days_left, overdue, reminder_stage
from audits.campaigns import vendor_recipients
from oversight import mail, uow
from oversight.extensions import db
from oversight.outbox import services as outbox
from oversight.outbox.models import OutboxMessage
from oversight.registry.recipients import user_addresses
from oversight.timeutil import to_jst, today_jst

ESCALATED_TO = ("privacy_office",)


@dataclass(frozen=True)
class Reminder:
    """One mail due: its outbox key, its template, to whom (vendor, owner, escalation), about which due date."""

    key: str
    audit: Audit
    side: str
    due_on: date
    stage: str


def due_reminders(audits: list[Audit], today: date) -> list[Reminder]:
    """The reminders the open `audits` call for today (already sent or not)."""
    out = []
    for audit in audits:
        opened_on = to_jst(audit.opened_at).date()
        request = audit.request
        if audit.kind == "questionnaire":
            vendor_due = request.due_on if request is not None and request.is_open else None
        else:
            vendor_due = audit.due_on if audit.status == "open" else None
        stage = reminder_stage(vendor_due, today) if vendor_due else None
        if stage and (stage == "overdue" or reminder_stage(vendor_due, opened_on) != stage):
            out.append(Reminder(f"audit:{audit.id}:vendor:{vendor_due.isoformat()}:{stage}", audit, "vendor",
                                vendor_due, stage))
        stage = reminder_stage(audit.due_on, today)
        if stage:
            out.append(Reminder(f"audit:{audit.id}:owner:{audit.due_on.isoformat()}:{stage}", audit, "owner",
                                audit.due_on, stage))
        if overdue(audit.due_on, today):
            out.append(Reminder(f"audit:{audit.id}:escalated:{audit.due_on.isoformat()}", audit, "escalation",
                                audit.due_on, "overdue"))
    return out


def _recipients(reminder: Reminder) -> list[str]:
    if reminder.side == "vendor":
        return vendor_recipients(reminder.audit)
    if reminder.side == "owner":
        return owner_addresses(reminder.audit)
    return sorted(user_addresses(reminder.audit.auditor_id, ESCALATED_TO))


TEMPLATES = {"vendor": "audits/audit_reminder", "owner": "audits/audit_owner_reminder",
             "escalation": "audits/audit_escalated"}
VISIT_TEMPLATE = "audits/audit_visit_reminder"  # the vendor, of a document review or an on-site visit


def _template(reminder: Reminder) -> str:
    if reminder.side == "vendor" and reminder.audit.kind != "questionnaire":
        return VISIT_TEMPLATE
    return TEMPLATES[reminder.side]


@uow.atomic()
def send_due_reminders(now: datetime | None = None) -> int:
    """Queue every reminder and escalation due today (Japan time) not queued before; returns how many are new."""
    today = today_jst(now)
    audits = list(db.session.scalars(
        select(Audit).where(Audit.status.in_(AUDIT_OPEN_STATUSES), Audit.due_on <= date.fromordinal(
            today.toordinal() + 7)).options(selectinload(Audit.request), selectinload(Audit.entrustment),
                                            selectinload(Audit.vendor), selectinload(Audit.auditor))
        .order_by(Audit.id)))
    reminders = due_reminders(audits, today)
    if not reminders:
        return 0
    queued_before = set(db.session.scalars(select(OutboxMessage.key).where(
        OutboxMessage.key.in_([r.key for r in reminders]))))
    queued = 0
    for reminder in reminders:
        if reminder.key in queued_before:
            continue
        to = _recipients(reminder)
        if not to:
            continue
        audit = reminder.audit
        subject, body = mail.render(_template(reminder), audit=audit, entrustment=audit.entrustment,
                                    vendor=audit.vendor, auditor=audit.auditor, due=reminder.due_on,
                                    stage=reminder.stage, days_left=days_left(reminder.due_on, today))
        outbox.enqueue(reminder.key, to, subject, body, object_type="audit", object_id=audit.id)
        queued += 1
    return queued
