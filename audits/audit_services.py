"""Use cases of an open audit: list them, record a checklist, name the owner, close with a conclusion, share the
result up the chain, cancel; and what happens when the vendor submits an audit's questionnaire.

Each checks the role, then the audit's visibility (audits.audit_visibility: not visible → 404), then that the
actor acts for the auditor; validates everything before changing anything; writes the trail in its transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from audits import fields
from audits.audit_models import AUDIT_KINDS, AUDIT_OPEN_STATUSES, Audit, AuditShare
from audits.audit_visibility import get_audit, is_auditor, restrict_audits
from audits.checklists import MAX_NOTE, RESULTS
from oversight import mail, uow
from oversight import permissions as perm
from oversight.accounts.models import User
from oversight.errors import Conflict, Forbidden, ValidationFailed
from oversight.extensions import db
from oversight.outbox import services as outbox
from oversight.registry import queries as registry_queries
from oversight.registry.models import Organisation
from oversight.timeutil import today_jst, utcnow
from oversight.trail import services as trail

FILTERS = ("due", "overdue", "open", "closed", "cancelled", "all")
DUE_DAYS = 30  # "due": open audits falling due within this many days
LIST_LIMIT = 500
MAX_CONCLUSION = 5000


def _label(audit: Audit) -> str:
    return f"{audit.entrustment.data_set} / {audit.vendor.name}"


def _acting_auditor(actor, audit_id: int) -> Audit:
    perm.require(actor, "audit.run")
    audit = get_audit(actor, audit_id)
    if not is_auditor(actor, audit):
        raise Forbidden(_l("Only the auditor's organisation does this."))
    return audit


def _still_open(audit: Audit) -> None:
    if not audit.is_open:
        raise Conflict(_l("This audit is closed."))




# ---------------------------------------------------------------- reading


@dataclass(frozen=True)
class AuditList:
    """The audits the list shows, and how many the actor has in each filter."""

    audits: list[Audit]
    counts: dict[str, int]
    status: str


def _filtered(query, status: str, today: date):
    if status == "due":
        return query.where(Audit.status.in_(AUDIT_OPEN_STATUSES), Audit.due_on >= today,
                           Audit.due_on <= date.fromordinal(today.toordinal() + DUE_DAYS))
    if status == "overdue":
        return query.where(Audit.status.in_(AUDIT_OPEN_STATUSES), Audit.due_on < today)
    if status == "open":
        return query.where(Audit.status.in_(AUDIT_OPEN_STATUSES))
    if status in ("closed", "cancelled"):
        return query.where(Audit.status == status)
    return query


def list_audits(actor, *, status: str = "open", kind: str | None = None, vendor_id: int | None = None,
                entrustment_id: int | None = None, limit: int = LIST_LIMIT) -> AuditList:
    """The audits the actor may see (as auditor, as the audited vendor, or shared with its organisation), by
    status — due (within 30 days), overdue, open, closed, cancelled, all — the earliest due first."""
    if not (perm.allows(actor, "audit.view") or perm.allows(actor, "questionnaire.answer")):
        raise Forbidden(_l("Your role does not allow this action."))
    if status not in FILTERS:
        raise ValidationFailed({"status": [_l("Choose one of: %(list)s", list=", ".join(FILTERS))]})
    if kind is not None and kind not in AUDIT_KINDS:
        raise ValidationFailed({"kind": [_l("Choose one of the kinds of audit.")]})
    today = today_jst()
    base = restrict_audits(select(Audit), actor)
    if kind:
        base = base.where(Audit.kind == kind)
    if vendor_id is not None:
        base = base.where(Audit.vendor_id == vendor_id)
    if entrustment_id is not None:
        base = base.where(Audit.entrustment_id == entrustment_id)
    counts = {name: db.session.scalar(_filtered(base.with_only_columns(db.func.count(Audit.id)), name, today))
              for name in FILTERS}
    query = _filtered(base, status, today).options(
        selectinload(Audit.entrustment), selectinload(Audit.vendor), selectinload(Audit.auditor),
        selectinload(Audit.request)).order_by(Audit.due_on, Audit.id).limit(limit)
    return AuditList(list(db.session.scalars(query)), counts, status)


def chain_above(audit: Audit) -> list[int]:
    """The organisations above the auditor on the audited entrustment's chain (those it may share with)."""
    path = registry_queries.chain_path(audit.entrustment)
    consignors = [link.consignor_id for link in path]  # the original consignor first
    if audit.auditor_id not in consignors:
        return []
    return consignors[:consignors.index(audit.auditor_id)]


# ---------------------------------------------------------------- recording


@uow.atomic()
def record_checklist(actor, audit_id: int, data: Mapping) -> Audit:
    """Record items of a document review or on-site checklist: {"items": {item id: {"result": ok|ng|na|"",
    "note": text}}}. Every bad item is named; nothing is stored then."""
    audit = _acting_auditor(actor, audit_id)
    _still_open(audit)
    if audit.kind == "questionnaire":
        raise Conflict(_l("A questionnaire audit has no checklist."))
    items = data.get("items")
    if not isinstance(items, Mapping) or not items:
        raise ValidationFailed({"items": [_l("Expected an object.")]})
    known = {item["id"] for item in audit.checklist}
    errors: dict = {}
    clean: dict[str, tuple] = {}
    for item_id, entry in items.items():
        where = f"items.{item_id}"
        if item_id not in known:
            errors[where] = [_l("This checklist has no such item.")]
            continue
        if not isinstance(entry, Mapping):
            errors[where] = [_l("Expected an object.")]
            continue
        result = entry.get("result") or None
        if result is not None and result not in RESULTS:
            errors[f"{where}.result"] = [_l("Choose one of the answers.")]
        found: dict = {}
        note = fields.text(entry, "note", found, limit=MAX_NOTE)
        if found:
            errors[f"{where}.note"] = found["note"]
        if result == "ng" and not note and f"{where}.note" not in errors:
            errors[f"{where}.note"] = [_l("Say what is not met.")]
        clean[item_id] = (result, note)
    if errors:
        raise ValidationFailed(errors)
    before = {i["id"]: i.get("result") for i in audit.checklist}
    audit.checklist = [{**i, "result": clean[i["id"]][0], "note": clean[i["id"]][1]} if i["id"] in clean else i
                       for i in audit.checklist]
    if audit.status == "open" and all(i.get("result") for i in audit.checklist):
        audit.status = "in_review"
    trail.record(actor, "audit_checklist", "audit", audit.id, label=_label(audit),
                 before={k: before[k] for k in clean}, after={k: v[0] for k, v in clean.items()})
    return audit


def checklist_score(checklist: list[dict]) -> float | None:
    """The share of items met among those that apply (ok / (ok + ng)), in percent; None when none applies."""
    applicable = [i for i in checklist if i.get("result") in ("ok", "ng")]
    if not applicable:
        return None
    return round(100 * sum(1 for i in applicable if i["result"] == "ok") / len(applicable), 1)


@uow.atomic()
def assign_owner(actor, audit_id: int, data: Mapping) -> Audit:
    """Name the audit's internal owner: a user of the auditor's organisation who runs audits (reminded of it)."""
    audit = _acting_auditor(actor, audit_id)
    _still_open(audit)
    raw = data.get("owner_id")
    try:
        owner = db.session.get(User, int(raw))
    except (TypeError, ValueError):
        owner = None
    if owner is None or owner.organisation_id != audit.auditor_id or not owner.is_enabled \
            or not perm.allows(owner, "audit.run"):
        raise ValidationFailed({"owner_id": [_l("Choose a user of your organisation who runs audits.")]})
    before = {"owner_id": audit.owner_id, "owner_name": audit.owner_name}
    audit.owner_id, audit.owner_name = owner.id, owner.name or owner.email
    trail.record(actor, "audit_owner", "audit", audit.id, label=_label(audit), before=before,
                 after={"owner_id": owner.id, "owner_name": audit.owner_name})
    return audit


def owner_choices(actor, audit: Audit) -> list[User]:
    """The users the audit may be given to (its auditor's who run audits), for the form."""
    if not is_auditor(actor, audit):
        return []
    users = db.session.scalars(select(User).where(User.organisation_id == audit.auditor_id, User.is_enabled.is_(True))
                               .order_by(User.name, User.id))
    return [u for u in users if perm.allows(u, "audit.run")]


@uow.atomic()
def close_audit(actor, audit_id: int, data: Mapping) -> Audit:
    """Close an audit with its conclusion: a questionnaire audit once the vendor has submitted, a checklist once
    every item is recorded. With `share_upward` (default true) an audit of a subcontract is shared with the
    organisations above the auditor on the chain."""
    audit = _acting_auditor(actor, audit_id)
    _still_open(audit)
    errors: dict = {}
    conclusion = fields.text(data, "conclusion", errors, limit=MAX_CONCLUSION, required=True)
    request = audit.request
    if audit.kind == "questionnaire" and (request is None or request.status not in ("submitted", "closed")):
        errors["audit"] = [_l("The vendor has not submitted its answers yet.")]
    if audit.kind != "questionnaire" and not all(i.get("result") for i in audit.checklist):
        errors["checklist"] = [_l("Record every item of the checklist first.")]
    if errors:
        raise ValidationFailed(errors)
    score = request.score_percent if audit.kind == "questionnaire" else checklist_score(audit.checklist)
    before = {"status": audit.status}
    audit.status, audit.conclusion, audit.score_percent = "closed", conclusion, score
    audit.closed_at, audit.closed_by_id, audit.closed_by_name = utcnow(), getattr(actor, "id", None), \
        getattr(actor, "name", "") or getattr(actor, "email", "")
    if request is not None:
        request.status = "closed"
    trail.record(actor, "audit_close", "audit", audit.id, label=_label(audit), before=before,
                 after={"status": "closed", "conclusion": conclusion, "score_percent": score})
    if data.get("share_upward", True) not in (False, "false", "0", "") and chain_above(audit):
        _share(actor, audit, chain_above(audit))
    return audit


def _share(actor, audit: Audit, organisation_ids: list[int]) -> list[int]:
    have = {s.organisation_id for s in audit.shares}
    new = [org for org in organisation_ids if org not in have]
    name = getattr(actor, "name", "") or getattr(actor, "email", "")
    for org in new:
        audit.shares.append(AuditShare(organisation_id=org, shared_by_id=getattr(actor, "id", None),
                                       shared_by_name=name))
    if new:
        db.session.flush()
        trail.record(actor, "audit_share", "audit", audit.id, label=_label(audit), after={"organisation_ids": new})
    return new


@uow.atomic()
def share_audit(actor, audit_id: int, data: Mapping | None = None) -> list[int]:
    """Share an audit's result with organisations above the auditor on the chain (all of them by default, or
    `organisation_ids`); anyone else — a sibling consignor of the vendor included — is refused. Returns the
    organisations newly shared with."""
    audit = _acting_auditor(actor, audit_id)
    above = chain_above(audit)
    raw = (data or {}).get("organisation_ids")
    if raw in (None, "", []):
        wanted = above
    elif not isinstance(raw, list) or not all(isinstance(v, int) and not isinstance(v, bool) for v in raw):
        raise ValidationFailed({"organisation_ids": [_l("Give the organisations as a list of ids.")]})
    else:
        wanted = list(dict.fromkeys(raw))
    if not above or any(org not in above for org in wanted):
        raise ValidationFailed({"organisation_ids": [_l("Share only with organisations above you on this chain.")]})
    return _share(actor, audit, wanted)


@uow.atomic()
def cancel_audit(actor, audit_id: int, data: Mapping) -> Audit:
    """Cancel an open audit (the entrustment ended, opened by mistake), with the reason; its questionnaire closes."""
    audit = _acting_auditor(actor, audit_id)
    _still_open(audit)
    errors: dict = {}
    reason = fields.text(data, "reason", errors, limit=2000, required=True)
    if errors:
        raise ValidationFailed(errors)
    audit.status, audit.conclusion, audit.closed_at = "cancelled", reason, utcnow()
    audit.closed_by_id, audit.closed_by_name = getattr(actor, "id", None), getattr(actor, "name", "") or ""
    if audit.request is not None and audit.request.status != "submitted":
        audit.request.status = "closed"
    trail.record(actor, "audit_cancel", "audit", audit.id, label=_label(audit), after={"reason": reason})
    return audit


# ---------------------------------------------------------------- the vendor submits


def request_submitted(request) -> None:
    """Called in the vendor's submission (audits.responses.submit): the audit is submitted, and its owner — else the
    auditor's staff who run audits — is mailed."""
    audit = request.audit
    if audit is None:
        return
    if audit.status == "open":
        audit.status = "submitted"
    audit.submitted_at = request.submitted_at
    to = owner_addresses(audit)
    if not to:
        return
    subject, body = mail.render("audits/audit_answered", audit=audit, request=request,
                                entrustment=audit.entrustment, vendor=audit.vendor)
    stamp = request.submitted_at.strftime("%Y%m%d%H%M%S")
    outbox.enqueue(f"audit:{audit.id}:submitted:{stamp}", to, subject, body, object_type="audit", object_id=audit.id)


def owner_addresses(audit: Audit) -> list[str]:
    """Who answers for an audit inside the auditor: its owner; else the auditor's auditors; else its privacy
    office."""
    if audit.owner_id is not None:
        owner = db.session.get(User, audit.owner_id)
        if owner is not None and owner.is_enabled:
            return [owner.email]
    for roles in (("auditor",), ("privacy_office",)):
        found = sorted(db.session.scalars(select(User.email).where(
            User.organisation_id == audit.auditor_id, User.role.in_(roles), User.is_enabled.is_(True))))
        if found:
            return found
    return []


def organisation_names(ids: list[int]) -> dict[int, str]:
    """Names of organisations by id (those the page already may show)."""
    if not ids:
        return {}
    return dict(db.session.execute(select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids))).all())

