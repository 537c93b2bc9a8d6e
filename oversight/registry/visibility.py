"""Who sees what of the registry: the chain rule (DESIGN.md) for entrustments, and the three layers of an
organisation, declared to the core's one visibility mechanism (oversight.permissions) by `register`.

A user of organisation O sees entrustments where O is consignor or contractor, and everything downstream of those;
never a sibling consignor's. An organisation is seen in three layers: its identity (public facts) by whoever keeps
a record of it or meets it in a visible chain; its own profile by its own users and by its consignors up the chain;
a tenant's record of it by that tenant alone. Operator admins see all.
"""

from __future__ import annotations

from sqlalchemy import or_, select, union
from sqlalchemy.orm import aliased

from oversight import permissions as perm
from oversight.extensions import db
from oversight.permissions import is_admin
from oversight.registry.models import Entrustment, Organisation, OrganisationRecord


def visible_entrustment_ids(actor):
    """A selectable of ids of every entrustment the actor may see (recursive down the chain)."""
    if is_admin(actor):
        return select(Entrustment.id)
    org_id = actor.organisation_id
    seeds = select(Entrustment.id).where(
        or_(Entrustment.consignor_id == org_id, Entrustment.contractor_id == org_id)
    )
    tree = seeds.cte(recursive=True)  # anonymous: one query may need it twice
    child = aliased(Entrustment)
    tree = tree.union(select(child.id).join(tree, child.parent_id == tree.c.id))
    return select(tree.c.id)


def visible_organisation_ids(actor):
    """Identities the actor may see: its own, those its organisation keeps a record of, and every party of an
    entrustment it may see."""
    if is_admin(actor):
        return select(Organisation.id)
    org_id = actor.organisation_id
    entrustments = visible_entrustment_ids(actor).subquery()
    parties = select(Entrustment.consignor_id.label("id")).where(Entrustment.id.in_(select(entrustments)))
    contractors = select(Entrustment.contractor_id.label("id")).where(
        Entrustment.id.in_(select(entrustments))
    )
    own = select(Organisation.id).where(Organisation.id == org_id)
    recorded = select(OrganisationRecord.organisation_id.label("id")).where(OrganisationRecord.tenant_id == org_id)
    return select(union(own, recorded, parties, contractors).subquery())


def profile_visible_organisation_ids(actor):
    """Organisations whose own profile (contacts, certifications) the actor may read: its own, and each that
    holds data of its organisation — the contractor of an entrustment it may see, at any depth below it."""
    if is_admin(actor):
        return select(Organisation.id)
    entrustments = visible_entrustment_ids(actor).subquery()
    own = select(Organisation.id).where(Organisation.id == actor.organisation_id)
    holders = select(Entrustment.contractor_id.label("id")).where(Entrustment.id.in_(select(entrustments)))
    return select(union(own, holders).subquery())


def readable_record_ids(actor):
    """Ids of the organisation records the actor may read: its own organisation's (operator admins: all)."""
    if is_admin(actor):
        return select(OrganisationRecord.id)
    return select(OrganisationRecord.id).where(OrganisationRecord.tenant_id == actor.organisation_id)


def sees_entrustment(actor, entrustment_id: int) -> bool | None:
    """One entrustment: a party to it sees it at once (usually from the session); else the visibility query."""
    org_id = getattr(actor, "organisation_id", None)
    if org_id is None:
        return None
    e = db.session.get(Entrustment, entrustment_id)
    if e is None:
        return False
    return True if org_id in (e.consignor_id, e.contractor_id) else None


def sees_organisation(actor, organisation_id: int) -> bool:
    """One identity: own or recorded by the actor's organisation, else party to a visible entrustment."""
    org = db.session.get(Organisation, organisation_id)
    if org is None:
        return False
    if org.id == actor.organisation_id or keeps_record(actor, org.id):
        return True
    party = select(Entrustment.id).where(
        or_(Entrustment.consignor_id == organisation_id, Entrustment.contractor_id == organisation_id),
        Entrustment.id.in_(visible_entrustment_ids(actor))).limit(1)
    return db.session.scalar(party) is not None


def sees_profile(actor, organisation_id: int) -> bool:
    """The company's own profile: its own users, operator admins, and its consignors up the chain."""
    if organisation_id == actor.organisation_id:
        return True
    holds = select(Entrustment.id).where(
        Entrustment.contractor_id == organisation_id, Entrustment.id.in_(visible_entrustment_ids(actor))).limit(1)
    return db.session.scalar(holds) is not None


def keeps_record(actor, organisation_id: int) -> bool:
    """Does the actor's organisation keep a record of this organisation?"""
    return actor.organisation_id is not None and db.session.scalar(select(OrganisationRecord.id).where(
        OrganisationRecord.tenant_id == actor.organisation_id,
        OrganisationRecord.organisation_id == organisation_id)) is not None


def _own_change_or_operators(record):
    # Of a shared identity, only the changes made by the company itself or by an operator: another tenant's edit
    # would say who else knows the company.
    return record.actor_org_id.is_(None) | (record.actor_org_id == record.object_id)


def register() -> None:
    """Declare the registry's object types to oversight.permissions."""
    perm.register_visibility("organisation", Organisation.id, visible_organisation_ids, check=sees_organisation,
                             trail_condition=_own_change_or_operators)
    perm.register_visibility("organisation_profile", Organisation.id, profile_visible_organisation_ids,
                             check=sees_profile)
    perm.register_visibility("organisation_record", OrganisationRecord.id, readable_record_ids)
    perm.register_visibility("entrustment", Entrustment.id, visible_entrustment_ids, check=sees_entrustment)
