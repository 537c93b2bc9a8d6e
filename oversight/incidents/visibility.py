"""Who sees what of a shared incident (DESIGN.md: a vendor's consignors never see each other).

The organisation where it happened sees every party: they are its customers. A consignor sees its own party and
the organisations on its own chains down to where it happened — their exemption and their notices as far as they
concern its chains — and nothing of any other branch. A contractor in between sees the chains through it from its
direct consignor down (as in the registry, a tier does not see the consignors above its own). Operator admins see
everything. Every surface (pages, API, board, timeline, trail) asks here; `register` declares incidents and their
parties to the core's one visibility mechanism (oversight.permissions).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select, true

from oversight import permissions as perm
from oversight.incidents.models import Incident, IncidentEvent, IncidentParty
from oversight.incidents.validation import DATA_KEYS


@dataclass(frozen=True)
class Sight:
    """What one viewer may see of one incident."""

    organisation_id: int | None
    everything: bool  # the organisation where it happened, or an operator admin
    chains: tuple[tuple[tuple[int, ...], int], ...]  # (chain, first tier the viewer may see) for its own chains
    organisations: frozenset[int]

    def sees(self, organisation_id: int | None) -> bool:
        """May the viewer see this organisation's place in the incident?"""
        return self.everything or organisation_id in self.organisations

    def full(self, organisation_id: int | None) -> bool:
        """May the viewer see this party's own duty, deadlines and records (not only its place on a chain)?"""
        return self.everything or organisation_id == self.organisation_id

    def first_tier(self, chain: tuple[int, ...]) -> int | None:
        """The first tier of `chain` the viewer may see (None: not one of its chains)."""
        if self.everything:
            return 0
        return next((start for c, start in self.chains if c == tuple(chain)), None)


def sight(actor, incident: Incident) -> Sight:
    """What `actor` may see of `incident` (the caller has checked that the actor's organisation is a party)."""
    org_id = getattr(actor, "organisation_id", None)
    if perm.is_admin(actor) or org_id == incident.organisation_id:
        return Sight(org_id, True, (), frozenset(p.organisation_id for p in incident.parties))
    chains, organisations = [], {org_id}
    for party in incident.parties:
        if party.role != "consignor":
            continue
        for chain in party.paths or []:
            chain = tuple(chain)
            if org_id in chain:
                start = max(0, chain.index(org_id) - 1)
                chains.append((chain, start))
                organisations.update(chain[start:])
    return Sight(org_id, False, tuple(chains), frozenset(organisations))


def shared_facts(facts: dict) -> dict:
    """The incident's facts as a party other than where it happened may read them: without the totals and
    items of everyone's data (each consignor has its own)."""
    return {k: v for k, v in facts.items() if k not in DATA_KEYS}


def events_for(sight: Sight, events: list[IncidentEvent], origin_id: int) -> list[IncidentEvent]:
    """The timeline entries the viewer may read: the incident's own, and those about parties it may fully see
    or recorded by its own organisation. Changes to everyone's totals and items are left out for others."""
    if sight.everything:
        return list(events)
    shown = []
    for event in events:
        if event.concerns_organisation_id is not None and not sight.full(event.concerns_organisation_id) \
                and event.organisation_id != sight.organisation_id:
            continue
        if event.concerns_organisation_id is None and event.organisation_id not in (origin_id, sight.organisation_id):
            continue
        shown.append(event)
    return shown


def visible_changes(sight: Sight, event: IncidentEvent) -> list:
    """An entry's changes as the viewer may read them."""
    if sight.everything or event.concerns_organisation_id is not None:
        return list(event.changes or [])
    return [c for c in event.changes or [] if c[0] not in DATA_KEYS]


def visible_incident_ids(actor):
    """Ids of the incidents the actor may open: those its organisation is a party to (admins: all)."""
    if perm.is_admin(actor):
        return select(Incident.id)
    return select(IncidentParty.incident_id).where(IncidentParty.organisation_id == actor.organisation_id)


def party_rows(actor):
    """A where-clause keeping the parties whose duties the actor may see: its own, and every party of an incident
    that happened at its organisation (admins: all)."""
    if perm.is_admin(actor):
        return true()
    return or_(IncidentParty.organisation_id == actor.organisation_id,
               IncidentParty.incident_id.in_(select(Incident.id).where(
                   Incident.organisation_id == actor.organisation_id)))


def trail_incident_ids(actor):
    """Ids of the incidents whose own trail records the actor reads: those that happened at its organisation (their
    records name every party)."""
    return select(Incident.id).where(Incident.organisation_id == actor.organisation_id)


def visible_party_ids(actor):
    """Ids of the parties whose duties and records the actor may see (admins: all)."""
    return select(IncidentParty.id).where(party_rows(actor))


def register() -> None:
    """Declare incidents and their parties to oversight.permissions."""
    perm.register_visibility("incident", Incident.id, visible_incident_ids, trail_ids=trail_incident_ids)
    perm.register_visibility("incident_party", IncidentParty.id, visible_party_ids)
