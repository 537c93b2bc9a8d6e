"""The gap the contract analysis shows for an active direct entrustment whose contractor no selection review of its
consignor approved (APPI Art. 25; 通則編 3-4-4 (1)): 「選定審査の記録なし」, at the severity the contract policy sets.
Activation is not blocked; the gap says what is missing. Plugged into contracts by `audits.init_app`."""

from __future__ import annotations

from sqlalchemy import select, tuple_

from audits.models import Decision, QuestionnaireRequest, Selection
from contracts.gaps import Gap, Policy, Text
from oversight import permissions as perm
from oversight.extensions import db
from oversight.registry.models import Entrustment

APPROVING = ("approved", "conditional")
CODE = "selection:none"
NO_REVIEW = Text("選定審査の記録なし：この委託先を承認（条件付き承認を含む）した委託先選定の審査が記録されていません。",
                 "No selection review on record: no due-diligence review approved (or conditionally approved) this "
                 "contractor.")
GROUND = "個人情報保護法25条; 通則編 3-4-4 (1) 適切な委託先の選定; 001 委託先選定時のセキュリティ審査"


def latest_outcomes(pairs: set[tuple[int, int]]) -> dict[tuple[int, int], str]:
    """(consignor, vendor) → the outcome of the consignor's latest decision on that vendor, for the pairs given."""
    if not pairs:
        return {}
    rows = db.session.execute(
        select(Selection.consignor_id, QuestionnaireRequest.vendor_id, Decision.outcome)
        .join(QuestionnaireRequest, QuestionnaireRequest.selection_id == Selection.id)
        .join(Decision, Decision.request_id == QuestionnaireRequest.id)
        .where(tuple_(Selection.consignor_id, QuestionnaireRequest.vendor_id).in_(sorted(pairs)))
        .order_by(Decision.decided_at, Decision.id))
    return {(consignor, vendor): outcome for consignor, vendor, outcome in rows}  # the latest wins


def unselected_gaps(actor, entrustments: list[Entrustment], policy: Policy) -> dict[int, list[Gap]]:
    """Entrustment id → the gap, for each active direct entrustment whose contractor the consignor's latest
    selection decision did not approve (or that was never reviewed). Only the consignor's own users (and operator
    admins) read it: whether a consignor reviewed its vendor is its own matter, not the vendor's."""
    own = None if perm.is_admin(actor) else getattr(actor, "organisation_id", None)
    active = [e for e in entrustments if e.parent_id is None and e.status == "active"
              and (perm.is_admin(actor) or e.consignor_id == own)]
    outcomes = latest_outcomes({(e.consignor_id, e.contractor_id) for e in active})
    return {e.id: [Gap(CODE, policy.unselected_contractor, None, NO_REVIEW, GROUND)] for e in active
            if outcomes.get((e.consignor_id, e.contractor_id)) not in APPROVING}
