"""Who may do what, and which objects each user may see. Every list, page, export and API call asks here.

Visibility follows the chain (DESIGN.md): a user of organisation O sees entrustments where O is consignor
or contractor, and everything downstream of those; never a sibling consignor's. Operator admins see all.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, or_, select, union
from sqlalchemy.orm import aliased

from oversight.errors import Forbidden
from oversight.extensions import db
from oversight.registry.models import Entrustment, Organisation

VIEW = {"org.view", "entrustment.view"}
ROLE_ACTIONS: dict[str, frozenset[str]] = {
    "admin": frozenset(
        VIEW | {"org.create", "org.edit", "org.delete", "entrustment.create", "entrustment.edit",
                "entrustment.propose", "entrustment.decide", "entrustment.record_discovered",
                "entrustment.transition", "data.import", "data.export", "trail.view", "user.manage",
                "contract.view", "contract.edit", "incident.view", "incident.edit", "notification.view",
                "notification.file"}
    ),
    "privacy_office": frozenset(
        VIEW | {"org.create", "org.edit", "org.delete", "entrustment.create", "entrustment.edit",
                "entrustment.propose", "entrustment.decide", "entrustment.record_discovered",
                "entrustment.transition", "data.import", "data.export", "trail.view", "contract.view",
                "contract.edit", "incident.view", "incident.edit", "notification.view", "notification.file"}
    ),
    "procurement": frozenset(
        VIEW | {"org.create", "org.edit", "entrustment.create", "entrustment.edit", "entrustment.propose",
                "entrustment.transition", "data.import", "data.export", "contract.view", "incident.view",
                "notification.view"}
    ),
    "legal": frozenset(VIEW | {"data.export", "contract.view", "contract.edit", "incident.view",
                               "notification.view"}),
    "auditor": frozenset(VIEW | {"entrustment.record_discovered", "data.export", "trail.view", "contract.view",
                                 "incident.view", "notification.view"}),
    "incident_team": frozenset(VIEW | {"data.export", "contract.view", "incident.view", "incident.edit",
                                       "notification.view", "notification.file"}),
    "contractor_user": frozenset(VIEW | {"org.create", "org.edit", "entrustment.propose",
                                         "entrustment.record_discovered", "incident.view", "incident.edit",
                                         "notification.view", "notification.file"}),
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
    """Own organisation, those it registered, and every party of an entrustment it may see."""
    if is_admin(actor):
        return select(Organisation.id)
    org_id = actor.organisation_id
    entrustments = visible_entrustment_ids(actor).subquery()
    parties = select(Entrustment.consignor_id.label("id")).where(Entrustment.id.in_(select(entrustments)))
    contractors = select(Entrustment.contractor_id.label("id")).where(
        Entrustment.id.in_(select(entrustments))
    )
    own = select(Organisation.id).where(
        or_(Organisation.id == org_id, Organisation.registered_by_org_id == org_id)
    )
    return union(own, parties, contractors)


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
    """One organisation: own or registered by the actor's organisation, else party to a visible entrustment."""
    if is_admin(actor):
        return db.session.get(Organisation, organisation_id) is not None
    org = db.session.get(Organisation, organisation_id)
    if org is None:
        return False
    if org.id == actor.organisation_id or (
            actor.organisation_id is not None and org.registered_by_org_id == actor.organisation_id):
        return True
    party = select(Entrustment.id).where(
        or_(Entrustment.consignor_id == organisation_id, Entrustment.contractor_id == organisation_id),
        Entrustment.id.in_(visible_entrustment_ids(actor))).limit(1)
    return db.session.scalar(party) is not None


def can_edit_organisation(actor, org: Organisation) -> bool:
    """Own organisation, or one the actor's organisation registered (contractor staff: own only)."""
    if not allows(actor, "org.edit"):
        return False
    if is_admin(actor):
        return True
    if org.id == actor.organisation_id:
        return True
    return actor.role != "contractor_user" and org.registered_by_org_id == actor.organisation_id


def can_delete_organisation(actor, org: Organisation) -> bool:
    if not allows(actor, "org.delete"):
        return False
    return is_admin(actor) or org.registered_by_org_id == actor.organisation_id


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
    not: a page of a million trail records became a scan)."""

    organisations: list[int] | Select
    entrustments: list[int] | Select
    incidents: list[int] | Select

    def contains(self, kind: str, object_id: int) -> bool | None:
        """Whether the actor may see that object; None when only the database can tell (a select)."""
        ids = {"organisation": self.organisations, "entrustment": self.entrustments,
               "incident": self.incidents}.get(kind)
        if ids is None:
            return False
        return object_id in ids if isinstance(ids, list) else None


def _ids(selectable) -> list[int] | Select:
    found = db.session.scalars(selectable.limit(INLINE_IDS + 1)).all()
    return found if len(found) <= INLINE_IDS else selectable


def visible_ids(actor) -> VisibleIds | None:
    """The organisations, entrustments and incidents the actor may see (None for an operator admin: all)."""
    if is_admin(actor):
        return None
    return VisibleIds(_ids(select(visible_organisation_ids(actor).subquery())), _ids(visible_entrustment_ids(actor)),
                      _ids(visible_incident_ids(actor)))


def restrict_trail(query, actor, visible: VisibleIds | None = None):
    """Trail records about objects the actor may see, or made by its own organisation (`visible`: the actor's
    visible_ids, when the caller has them already)."""
    from oversight.trail.models import TrailRecord

    if is_admin(actor):
        return query
    visible = visible or visible_ids(actor)
    return query.where(or_(
        TrailRecord.actor_org_id == actor.organisation_id,
        (TrailRecord.object_type == "organisation") & TrailRecord.object_id.in_(visible.organisations),
        (TrailRecord.object_type == "entrustment") & TrailRecord.object_id.in_(visible.entrustments),
        (TrailRecord.object_type == "incident") & TrailRecord.object_id.in_(visible.incidents),
    ))


def visible_incident_ids(actor):
    """Ids of the incidents the actor may see: those its organisation is a party to (admins: all)."""
    from oversight.incidents.models import Incident, IncidentParty

    if is_admin(actor):
        return select(Incident.id)
    return select(IncidentParty.incident_id).where(IncidentParty.organisation_id == actor.organisation_id)
