"""Who sees the monthly handling reports of an entrustment: the consignor of that entrustment and its contractor —
nobody else. Not an organisation further up the chain, and never a sibling consignor of the same vendor (not a
report, its month, its count, nor that reports are on). Operator admins see all. Whatever is not visible is "not
found"."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import false, or_, select

from audits.handling_models import HandlingReport, HandlingReportPlan
from oversight import permissions as perm
from oversight.errors import NotFound
from oversight.extensions import db
from oversight.registry.models import Entrustment

NOT_FOUND = _l("No such entrustment, or you may not see its monthly reports.")


def party_entrustment_ids(actor):
    """The entrustments whose reports the actor reads: those its organisation is the consignor or contractor of."""
    if perm.is_admin(actor):
        return select(Entrustment.id)
    org_id = getattr(actor, "organisation_id", None)
    if org_id is None or not perm.allows(actor, "handling_report.view"):
        return select(Entrustment.id).where(false())
    return select(Entrustment.id).where(or_(Entrustment.consignor_id == org_id, Entrustment.contractor_id == org_id))


def restrict_reports(query, actor):
    """Limit a HandlingReport select to the reports the actor may read."""
    return query if perm.is_admin(actor) else query.where(
        HandlingReport.entrustment_id.in_(party_entrustment_ids(actor)))


def restrict_plans(query, actor):
    """Limit a HandlingReportPlan select to the plans the actor may read."""
    return query if perm.is_admin(actor) else query.where(
        HandlingReportPlan.entrustment_id.in_(party_entrustment_ids(actor)))


def get_entrustment(actor, entrustment_id: int) -> Entrustment:
    """The entrustment, if the actor reads its monthly reports (its consignor's or contractor's staff); else
    NotFound — the same answer as for an id that does not exist."""
    entrustment = db.session.get(Entrustment, entrustment_id)
    org_id = getattr(actor, "organisation_id", None)
    if entrustment is None or not (perm.is_admin(actor) or (
            perm.allows(actor, "handling_report.view") and org_id in (entrustment.consignor_id,
                                                                     entrustment.contractor_id))):
        raise NotFound(NOT_FOUND)
    return entrustment


def is_consignor(actor, entrustment: Entrustment) -> bool:
    return getattr(actor, "organisation_id", None) == entrustment.consignor_id


def is_contractor(actor, entrustment: Entrustment) -> bool:
    return getattr(actor, "organisation_id", None) == entrustment.contractor_id


def register() -> None:
    """Declare "handling_report" and "handling_report_plan" to oversight.permissions (audits.reporting.init_app)."""
    perm.register_visibility("handling_report", HandlingReport.id,
                             lambda actor: restrict_reports(select(HandlingReport.id), actor))
    perm.register_visibility("handling_report_plan", HandlingReportPlan.id,
                             lambda actor: restrict_plans(select(HandlingReportPlan.id), actor))
