"""Who may do what, and which objects each user may see. Every list, page, export and API call asks here.

Visibility follows the chain (DESIGN.md): a user of organisation O sees entrustments where O is consignor
or contractor, and everything downstream of those; never a sibling consignor's. Operator admins see all.

An organisation is seen in three layers: its identity (public facts) by whoever keeps a record of it or meets
it in a visible chain; its own profile by its own users and by its consignors up the chain; a tenant's
record of it by that tenant alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, or_, select, union
from sqlalchemy.orm import aliased

from oversight.errors import Forbidden
from oversight.extensions import db
from oversight.registry.models import Entrustment, Organisation, OrganisationRecord

VIEW = {"org.view", "entrustment.view"}
ROLE_ACTIONS: dict[str, frozenset[str]] = {
    "admin": frozenset(
        VIEW | {"org.create", "org.edit", "org.delete", "entrustment.create", "entrustment.edit",
                "entrustment.propose", "entrustment.decide", "entrustment.record_discovered",
                "entrustment.transition", "data.import", "data.export", "trail.view", "user.manage",
                "contract.view", "contract.edit", "incident.view", "incident.edit", "notification.view",
                "notification.file", "outbox.view", "selection.view", "selection.edit", "selection.decide",
                "selection.condition"}
    ),
    "privacy_office": frozenset(
        VIEW | {"org.create", "org.edit", "org.delete", "entrustment.create", "entrustment.edit",
                "entrustment.propose", "entrustment.decide", "entrustment.record_discovered",
                "entrustment.transition", "data.import", "data.export", "trail.view", "contract.view",
                "contract.edit", "incident.view", "incident.edit", "notification.view", "notification.file",
                "selection.view", "selection.condition"}
    ),
    "procurement": frozenset(
        VIEW | {"org.create", "org.edit", "entrustment.create", "entrustment.edit", "entrustment.propose",
                "entrustment.transition", "data.import", "data.export", "contract.view", "incident.view",
                "notification.view", "selection.view", "selection.edit", "selection.decide",
                "selection.condition"}
    ),
    "legal": frozenset(VIEW | {"data.export", "contract.view", "contract.edit", "incident.view",
                               "notification.view"}),
    "auditor": frozenset(VIEW | {"entrustment.record_discovered", "data.export", "trail.view", "contract.view",
                                 "incident.view", "notification.view", "selection.view"}),
    "incident_team": frozenset(VIEW | {"data.export", "contract.view", "incident.view", "incident.edit",
                                       "notification.view", "notification.file"}),
    "contractor_user": frozenset(VIEW | {"org.create", "org.edit", "entrustment.propose",
                                         "entrustment.record_discovered", "incident.view", "incident.edit",
                                         "notification.view", "notification.file", "questionnaire.answer"}),
    "viewer": frozenset(VIEW | {"incident.view", "notification.view"}),
}


def is_admin(actor) -> bool:
    return getattr(actor, "role", None) == "admin"


def allows(actor, action: str) -> bool:
    """Role-level check: may this kind of user ever do `action`?"""
    if actor is None or not getattr(actor, "is_authenticated", True):
        return False
    return action in ROLE_ACTIONS.get(actor.role, frozenset())


def require(actor, action: str) -> None:
    """Refuse (Forbidden) unless the actor's role allows `action`: the role-level check every service starts with."""
    if not allows(actor, action):
        raise Forbidden(_l("Your role does not allow this action."))


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
    return union(own, recorded, parties, contractors)


def profile_visible_organisation_ids(actor):
    """Organisations whose own profile (contacts, certifications) the actor may read: its own, and each that
    holds data of its organisation — the contractor of an entrustment it may see, at any depth below it."""
    if is_admin(actor):
        return select(Organisation.id)
    entrustments = visible_entrustment_ids(actor).subquery()
    own = select(Organisation.id).where(Organisation.id == actor.organisation_id)
    holders = select(Entrustment.contractor_id.label("id")).where(Entrustment.id.in_(select(entrustments)))
    return union(own, holders)


def readable_record_ids(actor):
    """Ids of the organisation records the actor may read: its own organisation's (operator admins: all)."""
    if is_admin(actor):
        return select(OrganisationRecord.id)
    return select(OrganisationRecord.id).where(OrganisationRecord.tenant_id == actor.organisation_id)


def restrict_entrustments(query, actor):
    """Limit an Entrustment select to what the actor may see."""
    if is_admin(actor):
        return query
    return query.where(Entrustment.id.in_(visible_entrustment_ids(actor)))


def restrict_organisations(query, actor):
    """Limit an Organisation select to what the actor may see."""
    if is_admin(actor):
        return query
    return query.where(Organisation.id.in_(select(visible_organisation_ids(actor).subquery())))


def can_see_entrustment(actor, entrustment_id: int) -> bool:
    """One entrustment: a party to it sees it at once (usually from the session); else the visibility query."""
    org_id = getattr(actor, "organisation_id", None)
    if org_id is not None and not is_admin(actor):
        e = db.session.get(Entrustment, entrustment_id)
        if e is None:
            return False
        if org_id in (e.consignor_id, e.contractor_id):
            return True
    query = restrict_entrustments(select(Entrustment.id).where(Entrustment.id == entrustment_id), actor)
    return db.session.scalar(query) is not None


def can_see_organisation(actor, organisation_id: int) -> bool:
    """One identity: own or recorded by the actor's organisation, else party to a visible entrustment."""
    org = db.session.get(Organisation, organisation_id)
    if org is None:
        return False
    if is_admin(actor) or org.id == actor.organisation_id or _keeps_record(actor, org.id):
        return True
    party = select(Entrustment.id).where(
        or_(Entrustment.consignor_id == organisation_id, Entrustment.contractor_id == organisation_id),
        Entrustment.id.in_(visible_entrustment_ids(actor))).limit(1)
    return db.session.scalar(party) is not None


def can_see_profile(actor, organisation_id: int) -> bool:
    """The company's own profile: its own users, operator admins, and its consignors up the chain."""
    if is_admin(actor) or organisation_id == actor.organisation_id:
        return True
    holds = select(Entrustment.id).where(
        Entrustment.contractor_id == organisation_id, Entrustment.id.in_(visible_entrustment_ids(actor))).limit(1)
    return db.session.scalar(holds) is not None


def _keeps_record(actor, organisation_id: int) -> bool:
    return actor.organisation_id is not None and db.session.scalar(select(OrganisationRecord.id).where(
        OrganisationRecord.tenant_id == actor.organisation_id,
        OrganisationRecord.organisation_id == organisation_id)) is not None


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
    return is_admin(actor) or _keeps_record(actor, org.id)


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


INLINE_IDS = 5_000


@dataclass(frozen=True)
class VisibleIds:
    """What one actor may see, fetched once: for each kind the ids as a list, or beyond INLINE_IDS the select
    that finds them. A list lets the database use an index for the rows that name them (a subquery inside OR does
    not: a page of a million trail records became a scan).

    `incidents` are those the actor may open (its organisation is a party); `trail_incidents` those whose own trail
    records it reads (they happened at its organisation: their records name every party, incidents.visibility)."""

    organisations: list[int] | Select
    entrustments: list[int] | Select
    incidents: list[int] | Select
    trail_incidents: list[int] | Select
    incident_parties: list[int] | Select
    notifications: list[int] | Select
    organisation_profiles: list[int] | Select
    organisation_records: list[int] | Select

    def contains(self, kind: str, object_id: int) -> bool | None:
        """Whether the actor may see that object; None when only the database can tell (a select)."""
        ids = {"organisation": self.organisations, "entrustment": self.entrustments, "incident": self.incidents,
               "incident_party": self.incident_parties, "notification": self.notifications,
               "organisation_profile": self.organisation_profiles,
               "organisation_record": self.organisation_records}.get(kind)
        if ids is None:
            return False
        return object_id in ids if isinstance(ids, list) else None


def _ids(selectable) -> list[int] | Select:
    found = db.session.scalars(selectable.limit(INLINE_IDS + 1)).all()
    return found if len(found) <= INLINE_IDS else selectable


def visible_ids(actor) -> VisibleIds | None:
    """What the actor may see, by kind (None for an operator admin: all)."""
    from oversight.incidents.models import Incident, IncidentParty
    from oversight.notifications.models import Notification

    if is_admin(actor):
        return None
    org_id = actor.organisation_id
    at_own = select(Incident.id).where(Incident.organisation_id == org_id)
    return VisibleIds(
        organisations=_ids(select(visible_organisation_ids(actor).subquery())),
        entrustments=_ids(visible_entrustment_ids(actor)),
        incidents=_ids(select(IncidentParty.incident_id).where(IncidentParty.organisation_id == org_id)),
        trail_incidents=_ids(at_own),
        incident_parties=_ids(select(IncidentParty.id).where(or_(IncidentParty.organisation_id == org_id,
                                                                 IncidentParty.incident_id.in_(at_own)))),
        notifications=_ids(select(Notification.id).where(
            or_(Notification.filer_id == org_id, Notification.recipient_id == org_id), Notification.status == "filed")),
        organisation_profiles=_ids(select(profile_visible_organisation_ids(actor).subquery())),
        organisation_records=_ids(readable_record_ids(actor)))


def restrict_trail(query, actor, visible: VisibleIds | None = None):
    """Trail records about objects the actor may see, or made by its own organisation (`visible`: the actor's
    visible_ids, when the caller has them already).

    Of a shared identity, only the changes made by the company itself or by an operator: another tenant's
    edit would say who else knows the company. Of a record, only its own tenant's. Of a shared incident, a party
    other than where it happened sees only the records about its own part (incidents.visibility)."""
    from oversight.trail.models import TrailRecord

    if is_admin(actor):
        return query
    visible = visible or visible_ids(actor)
    return query.where(or_(
        TrailRecord.actor_org_id == actor.organisation_id,
        (TrailRecord.object_type == "organisation") & TrailRecord.object_id.in_(visible.organisations)
        & (TrailRecord.actor_org_id.is_(None) | (TrailRecord.actor_org_id == TrailRecord.object_id)),
        (TrailRecord.object_type == "organisation_profile") & TrailRecord.object_id.in_(visible.organisation_profiles),
        (TrailRecord.object_type == "organisation_record") & TrailRecord.object_id.in_(visible.organisation_records),
        (TrailRecord.object_type == "entrustment") & TrailRecord.object_id.in_(visible.entrustments),
        (TrailRecord.object_type == "incident") & TrailRecord.object_id.in_(visible.trail_incidents),
        (TrailRecord.object_type == "incident_party") & TrailRecord.object_id.in_(visible.incident_parties),
        (TrailRecord.object_type == "notification") & TrailRecord.object_id.in_(visible.notifications),
    ))
