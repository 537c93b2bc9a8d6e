"""Who sees which periodic audit and which finding (the audits area's rules for them).

An audit is its auditor's: the auditor organisation's users whose role reads audits (privacy office, auditors,
procurement) see it, its answers, reviews and findings. The audited vendor's staff see their own audits once
opened, and the findings addressed to them — never an audit another consignor runs on the same vendor. An audit
of a subcontractor shared upward is seen, read-only, by the organisations it was shared with. Operator admins see
all. Whatever is not visible is "not found", so ids reveal nothing.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import false, or_, select

from audits.audit_models import Audit, AuditShare, Finding
from oversight import permissions as perm
from oversight.errors import NotFound
from oversight.extensions import db

AUDIT_NOT_FOUND = _l("No such audit, or you may not see it.")
FINDING_NOT_FOUND = _l("No such finding, or you may not see it.")


def _shared_with(org_id: int):
    return select(AuditShare.audit_id).where(AuditShare.organisation_id == org_id)


def restrict_audits(query, actor):
    """Limit an Audit select to what the actor may see (as auditor, as the vendor audited, or shared with)."""
    if perm.is_admin(actor):
        return query
    org_id = actor.organisation_id
    if org_id is None:
        return query.where(false())
    conditions = []
    if perm.allows(actor, "audit.view"):
        conditions += [Audit.auditor_id == org_id, Audit.id.in_(_shared_with(org_id))]
    if perm.allows(actor, "questionnaire.answer"):
        conditions.append((Audit.vendor_id == org_id) & (Audit.status != "cancelled"))
    return query.where(or_(*conditions)) if conditions else query.where(false())


def audits_audited_by(actor):
    """The ids of the audits the actor's organisation runs (its trail records are the auditor's)."""
    return select(Audit.id).where(Audit.auditor_id == actor.organisation_id)


def restrict_findings(query, actor):
    """Limit a Finding select to what the actor may see: the auditor's, the vendor's own, and those of audits
    shared with the actor's organisation."""
    if perm.is_admin(actor):
        return query
    org_id = actor.organisation_id
    if org_id is None:
        return query.where(false())
    conditions = []
    if perm.allows(actor, "audit.view"):
        conditions += [Finding.auditor_id == org_id, Finding.audit_id.in_(_shared_with(org_id))]
    if perm.allows(actor, "finding.remediate"):
        conditions.append(Finding.vendor_id == org_id)
    return query.where(or_(*conditions)) if conditions else query.where(false())


def is_auditor(actor, audit_or_finding) -> bool:
    """Whether the actor acts for the auditor of this audit or finding (or is an operator admin)."""
    return perm.is_admin(actor) or (perm.allows(actor, "audit.view")
                                    and audit_or_finding.auditor_id == actor.organisation_id)


def is_audited(actor, audit_or_finding) -> bool:
    """Whether the actor is staff of the vendor audited."""
    return (actor.organisation_id is not None and audit_or_finding.vendor_id == actor.organisation_id
            and (perm.allows(actor, "questionnaire.answer") or perm.allows(actor, "finding.remediate")))


def get_audit(actor, audit_id: int) -> Audit:
    """The audit if the actor may see it; else NotFound."""
    audit = db.session.get(Audit, audit_id)
    if audit is None or db.session.scalar(
            restrict_audits(select(Audit.id).where(Audit.id == audit_id), actor)) is None:
        raise NotFound(AUDIT_NOT_FOUND)
    return audit


def get_finding(actor, finding_id: int) -> Finding:
    """The finding if the actor may see it; else NotFound."""
    finding = db.session.get(Finding, finding_id)
    if finding is None or db.session.scalar(
            restrict_findings(select(Finding.id).where(Finding.id == finding_id), actor)) is None:
        raise NotFound(FINDING_NOT_FOUND)
    return finding


def register() -> None:
    """Declare the rules for "audit" and "finding" (called from audits.init_app). The vendor reads in the trail
    only what its own users did on its audits; the auditor's review and decisions stay the auditor's."""
    perm.register_visibility("audit", Audit.id, lambda actor: restrict_audits(select(Audit.id), actor),
                             trail_ids=audits_audited_by)
    perm.register_visibility("finding", Finding.id, lambda actor: restrict_findings(select(Finding.id), actor))
