"""Obligations in one list: findings, the conditions of vendor approvals (selection), and the conditions of
subcontract approvals (再委託承認の条件) — each with its due date, followed to closure.

A subcontract approval's conditions are the registry's text; their due date and closing are kept here
(ApprovalObligation). Until someone sets it, the due date is DEFAULT_APPROVAL_DAYS after the approval (Japan time).
Only the original consignor — who approved — sets the date and closes them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from audits.audit_models import Finding
from audits.audit_visibility import restrict_findings
from audits.obligation_models import ApprovalObligation
from audits.review import actor_name
from oversight import permissions as perm
from oversight import uow
from oversight.errors import Conflict, Forbidden, NotFound, ValidationFailed
from oversight.extensions import db
from oversight.registry.models import Entrustment
from oversight.registry.queries import original_consignor_id
from oversight.timeutil import to_jst, today_jst, utcnow
from oversight.trail import services as trail

DEFAULT_APPROVAL_DAYS = 30
CLOSINGS = ("met", "waived")
LIMIT = 500


@dataclass(frozen=True)
class Obligation:
    """One line of the obligations list."""

    kind: str  # finding | selection_condition | approval_condition
    id: int
    title: str
    vendor: str
    owner: str
    due_on: date
    status: str  # open | remediation_proposed | met | waived | closed
    severity: str = ""
    entrustment_id: int | None = None
    request_id: int | None = None

    @property
    def is_open(self) -> bool:
        return self.status in ("open", "remediation_proposed")

    def overdue(self, today: date) -> bool:
        """Open past its due day."""
        return self.is_open and self.due_on < today


def approval_due(entrustment: Entrustment, row: ApprovalObligation | None) -> date:
    """When a subcontract approval's conditions are due: the date set, else DEFAULT_APPROVAL_DAYS after approval."""
    if row is not None:
        return row.due_on
    approved = to_jst(entrustment.approved_at).date() if entrustment.approved_at else today_jst()
    return approved + timedelta(days=DEFAULT_APPROVAL_DAYS)


def conditioned_subcontracts(actor=None):
    """Select the approved subcontracts with conditions (visible to `actor`, when given)."""
    query = select(Entrustment).where(Entrustment.approved_at.is_not(None), Entrustment.approval_conditions != "",
                                      Entrustment.status.not_in(("rejected", "terminated")))
    return query if actor is None else perm.restrict(query, actor, "entrustment")


def _approval_rows(entrustments: list[Entrustment]) -> dict[int, ApprovalObligation]:
    if not entrustments:
        return {}
    return {r.entrustment_id: r for r in db.session.scalars(select(ApprovalObligation).where(
        ApprovalObligation.entrustment_id.in_([e.id for e in entrustments])))}


def list_obligations(actor, *, include_closed: bool = False) -> list[Obligation]:
    """Everything the actor may see that is owed: findings, selection conditions, subcontract approval conditions,
    the earliest due first."""
    out: list[Obligation] = []
    if perm.allows(actor, "audit.view") or perm.allows(actor, "finding.remediate") or perm.is_admin(actor):
        query = restrict_findings(select(Finding), actor).options(selectinload(Finding.vendor))
        if not include_closed:
            query = query.where(Finding.status != "closed")
        out += [Obligation("finding", f.id, f.title, f.vendor.name, f.owner_name, f.due_on, f.status, f.severity,
                           f.entrustment_id) for f in db.session.scalars(query.limit(LIMIT))]
    if perm.allows(actor, "selection.view"):
        from audits.selection import open_conditions

        for c in open_conditions(actor):
            request = c.decision.request
            out.append(Obligation("selection_condition", c.id, c.text, request.vendor.name, c.owner, c.due_on, "open",
                                  request_id=request.id))
    if perm.allows(actor, "entrustment.view"):
        entrustments = list(db.session.scalars(conditioned_subcontracts(actor).options(
            selectinload(Entrustment.contractor)).limit(LIMIT)))
        rows = _approval_rows(entrustments)
        for e in entrustments:
            row = rows.get(e.id)
            status = "open" if row is None or row.is_open else ("met" if row.met_on else "waived")
            if status == "open" or include_closed:
                out.append(Obligation("approval_condition", e.id, e.approval_conditions, e.contractor.name,
                                      e.consignor.name, approval_due(e, row), status, entrustment_id=e.id))
    return sorted(out, key=lambda o: (not o.is_open, o.due_on, o.kind, o.id))


def _approval(actor, entrustment_id: int) -> tuple[Entrustment, ApprovalObligation | None]:
    e = db.session.get(Entrustment, entrustment_id)
    if e is None or not perm.can_see(actor, "entrustment", entrustment_id) or not e.approval_conditions \
            or e.approved_at is None:
        raise NotFound(_l("No such condition."))
    if not perm.allows(actor, "entrustment.decide") or not (
            perm.is_admin(actor) or actor.organisation_id == original_consignor_id(e)):
        raise Forbidden(_l("Only the original consignor, who approved the subcontract, follows its conditions."))
    return e, db.session.scalar(select(ApprovalObligation).where(ApprovalObligation.entrustment_id == e.id))


@uow.atomic()
def close_approval_conditions(actor, entrustment_id: int, data: Mapping) -> ApprovalObligation:
    """Mark a subcontract approval's conditions met (a note on how) or waived (the reason is required)."""
    e, row = _approval(actor, entrustment_id)
    errors: dict = {}
    closing = data.get("closing")
    if closing not in CLOSINGS:
        errors["closing"] = [_l("Choose one of the answers.")]
    note = data.get("note") or ""
    note = note.strip() if isinstance(note, str) else ""
    if len(note) > 2000:
        errors["note"] = [_l("At most %(max)s characters.", max=2000)]
    elif closing == "waived" and not note:
        errors["note"] = [_l("Give the reason for waiving the condition.")]
    if row is not None and not row.is_open:
        raise Conflict(_l("This condition is closed already."))
    if errors:
        raise ValidationFailed(errors)
    if row is None:
        row = ApprovalObligation(entrustment_id=e.id, due_on=approval_due(e, None))
        db.session.add(row)
    today = today_jst()
    row.met_on, row.waived_on = (today, None) if closing == "met" else (None, today)
    row.closed_note, row.closed_by_id, row.closed_by_name = note, getattr(actor, "id", None), actor_name(actor)
    row.closed_at = utcnow()
    db.session.flush()
    trail.record(actor, f"approval_condition_{closing}", "entrustment", e.id, label=str(e), after={
        "conditions": e.approval_conditions, "due_on": row.due_on.isoformat(), "note": note})
    return row


@uow.atomic()
def set_approval_due(actor, entrustment_id: int, data: Mapping) -> ApprovalObligation:
    """Set when a subcontract approval's conditions are due."""
    e, row = _approval(actor, entrustment_id)
    raw = data.get("due_on")
    try:
        due_on = raw if isinstance(raw, date) else date.fromisoformat(str(raw or "").strip())
    except ValueError:
        raise ValidationFailed({"due_on": [_l("Enter a date (YYYY-MM-DD).")]}) from None
    if due_on < today_jst():
        raise ValidationFailed({"due_on": [_l("This date cannot be in the past.")]})
    if row is not None and not row.is_open:
        raise Conflict(_l("This condition is closed already."))
    before = approval_due(e, row).isoformat()
    if row is None:
        row = ApprovalObligation(entrustment_id=e.id, due_on=due_on)
        db.session.add(row)
    row.due_on = due_on
    db.session.flush()
    trail.record(actor, "approval_condition_due", "entrustment", e.id, label=str(e), before={"due_on": before},
                 after={"conditions": e.approval_conditions, "due_on": due_on.isoformat()})
    return row
