"""Who may edit contracts. Viewing is the `contract.view` action plus the entrustment's visibility."""

from __future__ import annotations

from oversight import permissions as perm


def can_edit_contract(actor, entrustment) -> bool:
    """The consignor's legal or privacy staff draft the contract with their contractor (admins: any)."""
    if not perm.allows(actor, "contract.edit"):
        return False
    return perm.is_admin(actor) or entrustment.consignor_id == getattr(actor, "organisation_id", None)
