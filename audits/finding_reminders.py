"""The clock's sweep over what is owed (`flask scheduler`, job "finding-reminders"): an open finding past its due day
is reminded to the vendor's staff and the finding's owner, and escalated to the auditor's privacy office once it is
ESCALATE_AFTER_DAYS overdue; a subcontract approval's conditions past their due day are reminded to the original
consignor's privacy office and the contractor that must meet them.

Each mail's outbox key names the finding (or entrustment), the stage and the due date: running the sweep again —
a restarted clock, a second one started by mistake — queues nothing twice, and a finding reopened with a new due
date is reminded afresh.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from audits.audit_models import Finding, FindingEvent
from audits.findings import auditor_addresses, vendor_staff
from audits.obligation_models import ApprovalObligation
from audits.obligations import approval_due, conditioned_subcontracts
from oversight import mail, uow
from oversight.extensions import db
from oversight.outbox import services as outbox
from oversight.outbox.models import OutboxMessage
from oversight.registry.models import Entrustment
from oversight.registry.queries import original_consignor_id
from oversight.registry.recipients import user_addresses
from oversight.timeutil import today_jst

ESCALATE_AFTER_DAYS = 7
ESCALATED_TO = ("privacy_office",)
CLOCK = "時計（自動） / the clock"


def _taken(keys: list[str]) -> set[str]:
    return set(db.session.scalars(select(OutboxMessage.key).where(OutboxMessage.key.in_(keys)))) if keys else set()


def _queue(key: str, to, template: str, object_type: str, object_id: int, **context) -> bool:
    to = sorted(set(to))
    if not to:
        return False
    subject, body = mail.render(f"audits/{template}", **context)
    outbox.enqueue(key, to, subject, body, object_type=object_type, object_id=object_id)
    return True


@uow.atomic()
def enqueue_reminders(now: datetime | None = None) -> int:
    """Queue the reminders and escalations now due (Japan time); returns how many mails are new."""
    today = today_jst(now)
    overdue = list(db.session.scalars(
        select(Finding).where(Finding.status != "closed", Finding.due_on < today)
        .options(selectinload(Finding.vendor), selectinload(Finding.auditor)).order_by(Finding.id)))
    stages = [(f, stage, f"finding:{f.id}:{stage}:{f.due_on.isoformat()}") for f in overdue
              for stage in ("overdue", "escalated") if stage == "overdue" or (
                  today - f.due_on).days >= ESCALATE_AFTER_DAYS]
    taken = _taken([key for _f, _s, key in stages])
    queued = 0
    for finding, stage, key in stages:
        if key in taken:
            continue
        days_over = (today - finding.due_on).days
        if stage == "overdue":
            to = [*vendor_staff(finding.vendor_id), *auditor_addresses(finding)]
            template = "finding_overdue"
        else:
            to = user_addresses(finding.auditor_id, ESCALATED_TO)
            template = "finding_escalated"
        if _queue(key, to, template, "finding", finding.id, finding=finding, days_over=days_over):
            finding.events.append(FindingEvent(kind="reminded" if stage == "overdue" else "escalated",
                                               text=f"{days_over}", author_name=CLOCK))
            queued += 1
    return queued + _approval_reminders(today)


def _approval_reminders(today) -> int:
    entrustments = list(db.session.scalars(conditioned_subcontracts().options(
        selectinload(Entrustment.contractor))))
    rows = {r.entrustment_id: r for r in db.session.scalars(select(ApprovalObligation).where(
        ApprovalObligation.entrustment_id.in_([e.id for e in entrustments])))} if entrustments else {}
    due = [(e, approval_due(e, rows.get(e.id))) for e in entrustments
           if rows.get(e.id) is None or rows[e.id].is_open]
    late = [(e, day, f"approval-condition:{e.id}:overdue:{day.isoformat()}") for e, day in due if day < today]
    taken = _taken([key for *_rest, key in late])
    queued = 0
    for e, day, key in late:
        if key in taken:
            continue
        to = [*user_addresses(original_consignor_id(e), ESCALATED_TO), *user_addresses(e.consignor_id, (
            "privacy_office", "contractor_user"))]
        if _queue(key, to, "approval_condition_overdue", "entrustment", e.id, entrustment=e, due_on=day,
                  days_over=(today - day).days):
            queued += 1
    return queued

