"""Reading incidents: which the actor sees, who records what on them, and the lists the pages and the API show."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, select
from sqlalchemy.orm import selectinload

from oversight import permissions as perm
from oversight.errors import NotFound
from oversight.extensions import db
from oversight.incidents.models import Incident, IncidentParty
from oversight.incidents.visibility import visible_incident_ids
from oversight.registry.services import Page


def get_incident(actor, incident_id: int) -> Incident:
    """The incident if the actor's organisation is a party to it (admins: any); NotFound otherwise."""
    perm.require(actor, "incident.view")
    incident = db.session.get(Incident, incident_id, options=[
        selectinload(Incident.parties).selectinload(IncidentParty.organisation)])
    if incident is None or not (perm.is_admin(actor) or incident.party_for(actor.organisation_id)):
        raise NotFound(_l("Incident not found."))
    return incident


def can_edit_facts(actor, incident: Incident) -> bool:
    """The organisation where it happened records the incident's facts (admins: any)."""
    return perm.allows(actor, "incident.edit") and (
        perm.is_admin(actor) or actor.organisation_id == incident.organisation_id)


def can_record_for(actor, party: IncidentParty) -> bool:
    """A party records its own knowledge, notices and reports (admins: any party)."""
    return perm.allows(actor, "incident.edit") and (
        perm.is_admin(actor) or actor.organisation_id == party.organisation_id)


def recordable_parties(actor, parties) -> set[int]:
    """Ids of the parties the actor records for (can_record_for, the role checked once)."""
    if not perm.allows(actor, "incident.edit"):
        return set()
    return {p.id for p in parties if perm.is_admin(actor) or p.organisation_id == actor.organisation_id}


def can_record_facts_for(actor, incident: Incident, party: IncidentParty) -> bool:
    """A consignor records the facts of its own data; the organisation where it happened records them for it."""
    return party.role == "consignor" and perm.allows(actor, "incident.edit") and (
        perm.is_admin(actor) or actor.organisation_id in (party.organisation_id, incident.organisation_id))


def list_incidents(actor, *, status: str = "open", page: int = 1, per_page: int = 50) -> Page:
    """Incidents the actor may see, newest first, a page at a time."""
    perm.require(actor, "incident.view")
    query = select(Incident).where(Incident.id.in_(visible_incident_ids(actor)))
    if status in ("open", "closed"):
        query = query.where(Incident.status == status)
    total = db.session.scalar(query.with_only_columns(func.count()).order_by(None))
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    items = db.session.scalars(query.options(selectinload(Incident.organisation)).order_by(
        Incident.created_at.desc(), Incident.id.desc()).limit(per_page).offset((page - 1) * per_page))
    return Page(list(items), total, page, per_page)


def own_open_incidents(actor) -> list[Incident]:
    """The open incidents at the actor's own organisation (what a notification can attach to), newest first."""
    org_id = getattr(actor, "organisation_id", None)
    return list(db.session.scalars(select(Incident).where(Incident.organisation_id == org_id,
                                                          Incident.status == "open")
                                   .order_by(Incident.created_at.desc(), Incident.id.desc())))


def direct_consignors(incident: Incident, organisation_id: int) -> list[int]:
    """The organisations `organisation_id` notifies about this incident: the tier above it on each chain."""
    found = []
    for party in incident.parties:
        for path in party.paths if party.role == "consignor" else ():
            for i, org_id in enumerate(path):
                if org_id == organisation_id and i and path[i - 1] not in found:
                    found.append(path[i - 1])
    return found


def has_incidents(organisation_id: int) -> bool:
    """True if the organisation is a party to any open incident (for the dashboard)."""
    return bool(db.session.scalar(select(exists().where(
        IncidentParty.organisation_id == organisation_id, IncidentParty.incident_id == Incident.id,
        Incident.status == "open"))))
