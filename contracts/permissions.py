"""Who may see and edit contracts. Object visibility always goes through the entrustment.

`ROLE_CONTRACT_ACTIONS` is what oversight/permissions.py's ROLE_ACTIONS should grant (see the hand-over
note); until it does, contract pages refuse every role but the operator admin's actions listed there.
"""

from __future__ import annotations

from oversight import permissions as perm

ROLE_CONTRACT_ACTIONS: dict[str, frozenset[str]] = {
    "admin": frozenset({"contract.view", "contract.edit"}),
    "privacy_office": frozenset({"contract.view", "contract.edit"}),
    "legal": frozenset({"contract.view", "contract.edit"}),
    "procurement": frozenset({"contract.view"}),
    "auditor": frozenset({"contract.view"}),
    "incident_team": frozenset({"contract.view"}),
    "contractor_user": frozenset(),
    "viewer": frozenset(),
}


def can_edit_contract(actor, entrustment) -> bool:
    """The consignor's legal or privacy staff draft the contract with their contractor (admins: any)."""
    if not perm.allows(actor, "contract.edit"):
        return False
    return perm.is_admin(actor) or entrustment.consignor_id == getattr(actor, "organisation_id", None)
