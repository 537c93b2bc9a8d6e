"""Who sees which selection and which questionnaire request (the audits area's visibility rules).

A selection is its consignor's: its users whose role reads selections (procurement, the privacy office, auditors)
see it and every request in it. A vendor's staff see only the requests addressed to their own organisation once
sent — never the selection's other candidates, and never a request another consignor sent to the same vendor.
Operator admins see all. Whatever is not visible is "not found", so ids reveal nothing.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import false, or_

from audits.models import QuestionnaireRequest, Selection
from oversight import permissions as perm
from oversight.errors import NotFound
from oversight.extensions import db

NOT_FOUND = _l("No such selection, or you may not see it.")
REQUEST_NOT_FOUND = _l("No such questionnaire request, or you may not see it.")


def restrict_selections(query, actor):
    """Limit a Selection select to what the actor may see."""
    if perm.is_admin(actor):
        return query
    if not perm.allows(actor, "selection.view") or actor.organisation_id is None:
        return query.where(false())
    return query.where(Selection.consignor_id == actor.organisation_id)


def restrict_requests(query, actor):
    """Limit a QuestionnaireRequest select to what the actor may see (as requester or as the addressed vendor)."""
    if perm.is_admin(actor):
        return query
    org_id = actor.organisation_id
    if org_id is None:
        return query.where(false())
    conditions = []
    if perm.allows(actor, "selection.view"):
        conditions.append(QuestionnaireRequest.requester_id == org_id)
    if perm.allows(actor, "questionnaire.answer"):
        conditions.append((QuestionnaireRequest.vendor_id == org_id) & (QuestionnaireRequest.status != "draft"))
    return query.where(or_(*conditions)) if conditions else query.where(false())


def is_requester(actor, request: QuestionnaireRequest) -> bool:
    """Whether the actor reads the request as its consignor (or an operator admin), not as the vendor."""
    return perm.is_admin(actor) or (perm.allows(actor, "selection.view")
                                    and request.requester_id == actor.organisation_id)


def is_respondent(actor, request: QuestionnaireRequest) -> bool:
    """Whether the actor answers the request: staff of the addressed vendor, once it was sent."""
    return (perm.allows(actor, "questionnaire.answer") and actor.organisation_id is not None
            and request.vendor_id == actor.organisation_id and request.status != "draft")


def get_selection(actor, selection_id: int) -> Selection:
    """The selection if the actor may see it; else NotFound."""
    selection = db.session.get(Selection, selection_id)
    if selection is None or not (perm.is_admin(actor) or (
            perm.allows(actor, "selection.view") and selection.consignor_id == actor.organisation_id)):
        raise NotFound(NOT_FOUND)
    return selection


def get_request(actor, request_id: int) -> QuestionnaireRequest:
    """The request if the actor may see it (as requester or as the vendor addressed); else NotFound."""
    request = db.session.get(QuestionnaireRequest, request_id)
    if request is None or not (is_requester(actor, request) or is_respondent(actor, request)):
        raise NotFound(REQUEST_NOT_FOUND)
    return request
