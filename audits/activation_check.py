"""Starting a direct entrustment to a contractor that no selection review of its consignor approved: the check
audits plugs into the registry (oversight.registry.activation). The selection policy (audits/selection_policy.yaml)
decides: with an override reason, kept in the trail, or not at all. Subcontracts have their own approval
(事前承認制) and are not checked here, as in the gap analysis (audits.selection_gaps)."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l

from audits.selection_gaps import APPROVING, CODE, GROUND, latest_outcomes
from audits.selection_policy import POLICY_FILE, SelectionPolicy, load_policy
from oversight.errors import ValidationFailed
from oversight.registry.activation import Override

MISSING = Override(CODE, "この委託先を承認（条件付き承認を含む）した選定審査の記録がありません",
                   "no due-diligence review approved (or conditionally approved) this contractor", GROUND)


def current_policy() -> SelectionPolicy:
    """The selection policy the app runs with (SELECTION_POLICY_FILE, else audits/selection_policy.yaml)."""
    return load_policy(current_app.config.get("SELECTION_POLICY_FILE") or POLICY_FILE)


def needs_override(entrustment) -> bool:
    """Whether starting this entrustment meets the selection check: a direct one whose consignor's latest
    selection decision on the contractor neither approved nor conditionally approved it."""
    if entrustment.parent_id is not None or not entrustment.consignor_id or not entrustment.contractor_id:
        return False
    pair = (entrustment.consignor_id, entrustment.contractor_id)
    return latest_outcomes({pair}).get(pair) not in APPROVING


def check_selection(actor, entrustment, reason: str) -> Override | None:
    """The registry's activation check: None when a review approved the contractor; the override when the policy
    allows a start on the reason given; ValidationFailed when the reason is missing or the policy forbids it."""
    if not needs_override(entrustment):
        return None
    if current_policy().forbids_activation:
        message = _l("No due-diligence review approved this contractor, and the selection policy does not allow an "
                     "entrustment to start without one. Record the review's approval first (委託先の選定, 法25条).")
        raise ValidationFailed({"contractor_id": [message]}, message)
    if not reason:
        message = _l("No due-diligence review approved this contractor: give the reason for starting without one "
                     "(it is kept in the audit trail).")
        raise ValidationFailed({"override_reason": [message]}, message)
    return MISSING
