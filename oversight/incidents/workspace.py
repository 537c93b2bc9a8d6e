"""The incident as one viewer may read it: the parties it may see, each chain's assessment on its consignor's own
facts (shown once where chains agree, per chain only what differs), the facts and the timeline. The page and the
API both render this, so they cannot disagree about what a sibling consignor would see.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from oversight.incidents import chains, services
from oversight.incidents.models import Incident, IncidentEvent, IncidentParty
from oversight.incidents.validation import DERIVED_KEYS
from oversight.incidents.visibility import Sight, events_for, shared_facts, sight, visible_changes
from oversight.registry.models import Organisation


@dataclass
class Tier:
    """One organisation on a chain as the viewer sees it; `above` tiers (its consignors) show no duty."""

    organisation: Organisation
    engine: dict  # the engine's party answer on this chain
    above: bool


@dataclass
class ChainView:
    """One chain's assessment, on its consignor's own facts, cut to the tiers the viewer may see."""

    path: tuple[int, ...]  # the visible tiers' organisation ids, top first
    consignor: Organisation
    facts: dict
    assessment: dict
    tiers: list[Tier]
    full: bool  # the viewer may see the consignor's own deadlines

    @property
    def consignor_tier(self) -> Tier | None:
        return self.tiers[0] if self.tiers and self.tiers[0].organisation.id == self.consignor.id else None


@dataclass
class AssessmentGroup:
    """Chains whose assessments agree (apart from who is where on them): shown once."""

    assessment: dict
    chains: list[ChainView] = field(default_factory=list)

    def position_grounds(self, lang: str) -> list[tuple[dict, list[str]]]:
        """Each distinct ground a position on these chains rests on, once, with the positions it applies to."""
        found: dict[str, tuple[dict, list[str]]] = {}
        for chain in self.chains:
            for tier in chain.tiers:
                if tier.above:
                    continue
                ground = tier.engine["ground"]
                role = tier.engine["role_ja" if lang.startswith("ja") else "role_en"]
                key = json.dumps(ground, sort_keys=True, ensure_ascii=False)
                entry = found.setdefault(key, (ground, []))
                if role not in entry[1]:
                    entry[1].append(role)
        return list(found.values())


@dataclass
class PartyView:
    """One party as the viewer may see it."""

    party: IncidentParty
    full: bool  # its own duty, deadlines and records
    status: str  # must_report | exempt | no_duty | consignor (above the viewer: its place only)
    notices: list[tuple[Organisation, datetime]]  # its notices to consignors the viewer may see


@dataclass
class Workspace:
    incident: Incident
    sight: Sight
    parties: list[PartyView]
    groups: list[AssessmentGroup]
    facts: dict
    events: list[tuple[IncidentEvent, list]]
    own_party: IncidentParty | None

    @property
    def chains(self) -> list[ChainView]:
        return [c for g in self.groups for c in g.chains]


def _signature(assessment: dict) -> str:
    return json.dumps({k: v for k, v in assessment.items() if k != "parties"}, sort_keys=True, default=str)


def _chain_view(result: chains.PathAssessment, view: Sight, orgs: dict[int, Organisation]) -> ChainView | None:
    answer = result.assessment.to_dict()
    answer.pop("parties")
    engine_parties = [t.to_dict() for t in result.tiers]
    path = result.path or (None,)
    start = view.first_tier(result.path) if result.path else 0
    if start is None:
        return None
    own = result.path.index(view.organisation_id) if view.organisation_id in result.path else None
    tiers = [Tier(orgs[org_id] if org_id else None, engine_parties[i],
                  above=not view.everything and own is not None and i < own)
             for i, org_id in enumerate(path) if i >= start]
    consignor = orgs[result.path[0]] if result.path else None
    facts = {k: v for k, v in result.facts.items() if k not in DERIVED_KEYS}
    return ChainView(tuple(result.path[start:]), consignor, facts, answer, tiers,
                     full=view.full(result.path[0] if result.path else view.organisation_id))


def build(actor, incident_id: int) -> Workspace:
    """The incident as `actor` may read it (NotFound unless its organisation is a party)."""
    incident = services.get_incident(actor, incident_id)
    view = sight(actor, incident)
    orgs = {p.organisation_id: p.organisation for p in incident.parties}
    groups: dict[str, AssessmentGroup] = {}
    for result in chains.assessments(incident):
        chain = _chain_view(result, view, orgs)
        if chain is None:
            continue
        key = _signature(chain.assessment)
        groups.setdefault(key, AssessmentGroup(chain.assessment)).chains.append(chain)
    statuses: dict[int, list[str]] = {}
    for group in groups.values():
        for chain in group.chains:
            for tier in chain.tiers:
                if tier.organisation is None:
                    continue
                status = "consignor" if tier.above else (
                    "must_report" if tier.engine["must_report"] else "exempt" if tier.engine["exempt"] else "no_duty")
                statuses.setdefault(tier.organisation.id, []).append(status)
    parties = []
    for party in incident.parties:
        if not view.sees(party.organisation_id):
            continue
        full = view.full(party.organisation_id)
        if full:
            status = "must_report" if party.must_report else "exempt" if party.exempt else "no_duty"
        else:
            found = statuses.get(party.organisation_id, ["no_duty"])
            status = next((s for s in ("must_report", "exempt", "no_duty", "consignor") if s in found), "no_duty")
        notices = [(orgs[int(c)], party.notice_to_consignor(int(c))) for c in sorted(party.consignor_notices or {})
                   if int(c) in orgs and view.sees(int(c))]
        parties.append(PartyView(party, full, status, notices))
    facts = dict(incident.facts) if view.everything else shared_facts(incident.facts)
    events = [(e, visible_changes(view, e)) for e in events_for(view, incident.events, incident.organisation_id)]
    return Workspace(incident, view, parties, list(groups.values()), facts, events,
                     incident.party_for(getattr(actor, "organisation_id", None)))
