"""Who may change what in the registry: identities, profiles, records, entrustments and their approval (事前承認制).

Each rule starts from the role table (oversight.permissions.allows) and adds the chain's own conditions.
"""

from __future__ import annotations

from sqlalchemy import select

from oversight.extensions import db
from oversight.permissions import allows, is_admin
from oversight.registry.models import Entrustment, Organisation
from oversight.registry.visibility import keeps_record


def _has_users(organisation_id: int) -> bool:
    from oversight.accounts.models import User

    return db.session.scalar(select(User.id).where(User.organisation_id == organisation_id).limit(1)) is not None


def can_edit_identity(actor, org: Organisation) -> bool:
    """Who may change an identity's public facts (name, kana, kind, industry, address, report authority):
    operator admins; the company's own users; and the tenant that created it, if it has no corporate number
    (so no other tenant can name it) and the company has no users of its own yet.

    A numbered identity is shared by every tenant that names the number: none of them may rewrite what the
    others see, and whether one may must not depend on whether others exist."""
    if not allows(actor, "org.edit"):
        return False
    if is_admin(actor) or org.id == actor.organisation_id:
        return True
    return (org.corporate_number is None and actor.organisation_id is not None
            and org.registered_by_org_id == actor.organisation_id and not _has_users(org.id))


def can_edit_profile(actor, org: Organisation) -> bool:
    """The company's own profile: its own users and operator admins only."""
    return allows(actor, "org.edit") and (is_admin(actor) or org.id == actor.organisation_id)


def can_keep_record(actor, org: Organisation) -> bool:
    """A record of `org` is kept by the users of another organisation (operator admins keep none)."""
    return (allows(actor, "org.edit") and actor.organisation_id is not None
            and org.id != actor.organisation_id)


def can_delete_organisation(actor, org: Organisation) -> bool:
    """Operator admins delete identities; a tenant deletes its own record (the identity goes with it only when
    nothing else uses it)."""
    if not allows(actor, "org.delete"):
        return False
    return is_admin(actor) or keeps_record(actor, org.id)


def can_edit_entrustment(actor, e: Entrustment) -> bool:
    """The consignor's staff; the proposing contractor while the proposal is pending."""
    if not allows(actor, "entrustment.edit") and not allows(actor, "entrustment.propose"):
        return False
    if is_admin(actor):
        return True
    if allows(actor, "entrustment.edit") and e.consignor_id == actor.organisation_id:
        return True
    return e.status == "proposed" and e.parent is not None and e.consignor_id == actor.organisation_id


def can_propose_under(actor, parent: Entrustment) -> bool:
    """Only the contractor holding the data may propose handing it on."""
    if not allows(actor, "entrustment.propose"):
        return False
    return is_admin(actor) or parent.contractor_id == actor.organisation_id


def can_record_discovered_under(actor, parent: Entrustment, original_consignor_id: int) -> bool:
    """The original consignor or the direct consignor found it (audit, filing); the contractor declares it."""
    if not allows(actor, "entrustment.record_discovered"):
        return False
    if is_admin(actor):
        return True
    return actor.organisation_id in (original_consignor_id, parent.consignor_id, parent.contractor_id)


def can_decide(actor, original_consignor_id: int) -> bool:
    """Subcontracting approval belongs to the original consignor (事前承認制)."""
    if not allows(actor, "entrustment.decide"):
        return False
    return is_admin(actor) or actor.organisation_id == original_consignor_id


def can_transition(actor, e: Entrustment, original_consignor_id: int) -> bool:
    if not allows(actor, "entrustment.transition"):
        return False
    return is_admin(actor) or actor.organisation_id in (e.consignor_id, original_consignor_id)
