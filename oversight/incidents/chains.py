"""The chains behind an incident, and what each consignor's assessment rests on.

An incident at a contractor touches every original consignor (委託元) whose data it holds, through the chain of
entrustments between them. Each consignor's duty rests on *its own* data (DESIGN.md, the 146-school vendor of
reference 001): the persons and data items it entrusted. Where the organisation where it happened knows them it
records them per consignor; where nobody has, the largest possible number is the recorded number of persons of
the consignor's entrustments (通則編3-5-3-1: the largest possible number counts) and its data items are those the
incident names among the items entrusted. The consignor records and corrects its own facts beside the incident's.

A contractor's notice exempts it only towards the consignor it reached (法26条1項ただし書), and that consignor knows
from the moment it arrives: notices are kept per consignor on the party that sent them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import select

from oversight.extensions import db
from oversight.incidents.art26 import Assessment, assess
from oversight.incidents.art26.facts import HANDLER_KINDS
from oversight.incidents.models import Incident, IncidentParty
from oversight.incidents.validation import DATA_KEYS, parse
from oversight.registry import chain
from oversight.registry import queries as chain_queries
from oversight.registry.models import Entrustment, Organisation
from oversight.timeutil import JST, utcnow


@dataclass(frozen=True)
class Path:
    """One chain from an original consignor down to the organisation where the incident happened."""

    entrustment_ids: tuple[int, ...]
    organisation_ids: tuple[int, ...]


def fan_out(organisation_id: int, scope: str, entrustment_id: int | None = None) -> list[Path]:
    """Every chain whose data the incident touches: one per engagement of the organisation (through the chain
    up to the original consignor); none for its own data."""
    if scope == "own":
        return []
    if scope == "entrustment":  # one chain: walked through the session, where it usually is already
        e = db.session.get(Entrustment, entrustment_id)
        links = {x.id: chain_queries.to_link(x) for x in chain_queries.chain_path(e)} if e is not None else {}
    else:
        seeds = select(Entrustment.id).where(Entrustment.contractor_id == organisation_id,
                                             Entrustment.status.not_in(("rejected", "terminated")))
        links = {row.id: chain_queries.to_link(row) for row in chain_queries.with_ancestors(seeds)}
    paths = []
    for link in links.values():
        if link.contractor_id != organisation_id or (scope == "entrustment" and link.id != entrustment_id):
            continue
        if scope != "entrustment" and link.status in ("rejected", "terminated"):
            continue
        path = chain.path_to_root(link.id, links)
        paths.append(Path(tuple(e.id for e in path), tuple(chain.organisations_on_path(path))))
    paths.sort(key=lambda p: (p.organisation_ids[0], len(p.organisation_ids), p.entrustment_ids))
    return paths


# ---------------------------------------------------------------- each consignor's facts

@dataclass(frozen=True)
class Entrusted:
    """What a consignor entrusted along the chains an incident touches: the recorded number of persons (None when
    none is recorded) and the data items."""

    persons: int | None
    items: frozenset[str]


def entrusted(party: IncidentParty, entrustments: Mapping[int, Entrustment]) -> Entrusted:
    """What `party` (an original consignor) entrusted: the entrustments that reach where it happened, one per chain."""
    bottoms = {path[-1] for path in party.entrustment_paths or [] if path}
    rows = [entrustments[i] for i in bottoms if i in entrustments]
    persons = sum(e.person_count or 0 for e in rows)
    items = frozenset(code for e in rows for code in (e.data_items or []))
    return Entrusted(persons or None, items)


def entrusted_of(party: IncidentParty) -> Entrusted:
    """What one consignor party entrusted (one query)."""
    return entrusted(party, bottom_entrustments([party]))


def facts_of(incident: Incident, party: IncidentParty) -> dict:
    """The facts one consignor's assessment rests on (its own over the incident's)."""
    consignors = sum(1 for p in incident.parties if p.role == "consignor")
    return consignor_facts(incident.facts, party.facts or {}, entrusted_of(party), alone=consignors == 1)


def consignor_facts(incident_facts: Mapping, party_facts: Mapping, data: Entrusted, *, alone: bool) -> dict:
    """The facts of one consignor's assessment: the incident's, its own data (defaults from what it entrusted),
    and what the consignor (or the organisation where it happened, for it) recorded for it. When it is the only
    consignor concerned, the incident's number of persons is its own."""
    facts = {k: v for k, v in incident_facts.items() if k not in DATA_KEYS}
    total = incident_facts.get("max_persons")
    if total is not None and (alone or data.persons is None):
        facts["max_persons"] = total
    elif data.persons is not None:
        facts["max_persons"] = data.persons if total is None else min(total, data.persons)
    if incident_facts.get("max_persons_known_at"):
        facts["max_persons_known_at"] = incident_facts["max_persons_known_at"]
    items = set(incident_facts.get("data_items") or ())
    common = items & data.items
    if common:
        facts["data_items"] = sorted(common)
    elif items or data.items:
        facts["data_items"] = sorted(items or data.items)
    if incident_facts.get("other_items"):
        facts["other_items"] = list(incident_facts["other_items"])
    for key, value in party_facts.items():
        if key == "report_items":
            facts["report_items"] = {**(facts.get("report_items") or {}), **value}
        elif key in ENGINE_PARTY_KEYS:
            facts[key] = value
    return facts


ENGINE_PARTY_KEYS = frozenset({"max_persons", "max_persons_known_at", "data_items", "other_items",
                               "high_grade_encryption", "person_notice"})


# ---------------------------------------------------------------- assessing each chain

def _jst_iso(moment: datetime | None) -> str | None:
    return moment.astimezone(JST).isoformat() if moment else None


@dataclass
class PathAssessment:
    """The engine's answer for one chain (or for the organisation's own data when `path` is empty).

    `assessment` is the consignor's: on its own data. `tiers` are each organisation's answers on the chain; where
    it happened, the organisation answers for all the data it holds (the incident's own number of persons and
    items: 施行規則7条 counts the persons of *its* personal data), so its tier comes from the incident's facts."""

    path: tuple[int, ...]
    facts: dict  # the engine's whole input: the consignor's facts, its chain and its kind
    assessment: Assessment
    tiers: tuple

    @property
    def consignor_id(self) -> int | None:
        return self.path[0] if self.path else None


def _engine_facts(incident: Incident, path: tuple[int, ...], facts: Mapping, parties: Mapping[int, IncidentParty],
                  orgs: Mapping[int, Organisation]) -> dict:
    handler = orgs[path[0]] if path else incident.organisation
    engine = {k: v for k, v in facts.items() if k != "persons_reason"}
    engine.update(handler_kind=handler.kind if handler.kind in HANDLER_KINDS else "company",
                  report_authority=handler.report_authority or "ppc")
    if path:
        engine["chain"] = [{
            "name": orgs[org_id].name, "kind": orgs[org_id].kind,
            "known_at": _jst_iso(parties[org_id].known_at) if i < len(path) - 1 else None,
            "notified_consignor_at": _jst_iso(parties[org_id].notice_to_consignor(path[i - 1])) if i else None,
        } for i, org_id in enumerate(path)]
        engine["incident_at"] = len(path) - 1
    return engine


def bottom_entrustments(parties: Iterable[IncidentParty]) -> dict[int, Entrustment]:
    """The entrustments at the bottom of the parties' chains (those held where it happened), by id, in one query."""
    ids = {path[-1] for p in parties for path in (p.entrustment_paths or []) if path}
    if not ids:
        return {}
    return {e.id: e for e in db.session.scalars(select(Entrustment).where(Entrustment.id.in_(ids)))}


class _Assessor:
    """Assesses the chains of one incident, each distinct set of facts once: the 146 schools of one album vendor
    differ by name, not by the facts the engine reads, so one answer serves them all (renamed for each chain).
    Lives for one call: nothing is shared between incidents or requests."""

    def __init__(self, moment):
        self.moment = moment
        self.answers: dict[str, Assessment] = {}

    def __call__(self, engine: dict) -> Assessment:
        chain = engine.get("chain") or []
        key = json.dumps({**engine, "chain": [{k: v for k, v in t.items() if k != "name"} for t in chain]},
                         sort_keys=True, ensure_ascii=False, default=str)
        answer = self.answers.get(key)
        if answer is None:
            answer = self.answers[key] = assess(parse(engine), self.moment)
        if not chain or all(p.name == chain[p.tier]["name"] for p in answer.parties):
            return answer
        return replace(answer, parties=tuple(replace(p, name=chain[p.tier]["name"]) for p in answer.parties))


def assessments(incident: Incident, as_of: datetime | date | None = None) -> list[PathAssessment]:
    """One assessment per chain the incident touches, each on its consignor's own facts (one for the
    organisation's own data when it touches no chain)."""
    parties = {p.organisation_id: p for p in incident.parties}
    orgs = {p.organisation_id: p.organisation for p in incident.parties}
    orgs.setdefault(incident.organisation_id, incident.organisation)
    consignors = [p for p in incident.parties if p.role == "consignor"]
    entrustments = bottom_entrustments(consignors)
    assessed = _Assessor(as_of or utcnow())
    result = []
    for party in consignors:
        facts = consignor_facts(incident.facts, party.facts or {}, entrusted(party, entrustments),
                                alone=len(consignors) == 1)
        for path in party.paths:
            path = tuple(path)
            engine = _engine_facts(incident, path, facts, parties, orgs)
            answer = assessed(engine)
            tiers = answer.parties
            holder = _engine_facts(incident, path, incident.facts, parties, orgs)
            if {k: holder.get(k) for k in DATA_KEYS} != {k: engine.get(k) for k in DATA_KEYS}:
                tiers = (*tiers[:-1], assessed(holder).parties[-1])
            result.append(PathAssessment(path, engine, answer, tiers))
    if not result:
        engine = _engine_facts(incident, (), incident.facts, parties, orgs)
        answer = assessed(engine)
        result.append(PathAssessment((), engine, answer, answer.parties))
    return result


def refresh(incident: Incident) -> list[PathAssessment]:
    """Recompute every party's duty and deadlines from the current facts, notices and known dates."""
    results = assessments(incident)
    by_org = {p.organisation_id: p for p in incident.parties}
    duties: dict[int, list] = {org_id: [] for org_id in by_org}
    for result in results:
        tiers = result.path or (incident.organisation_id,)
        for org_id, engine_party in zip(tiers, result.tiers, strict=True):
            duties[org_id].append(engine_party)
    for org_id, party in by_org.items():
        owed = [d for d in duties[org_id] if d.must_report]
        party.must_report = bool(owed)
        party.exempt = not owed and any(d.exempt for d in duties[org_id])
        quick = [d.quick_report for d in owed if d.quick_report]
        final = [d.final_report for d in owed if d.final_report]
        party.quick_from = min((q.from_day for q in quick), default=None)
        party.quick_to = min((q.to_day for q in quick), default=None)
        party.final_due = min((f.due for f in final), default=None)
        notices = [d.consignor_notice for d in owed if d.consignor_notice]
        party.notice_from = min((n.from_day for n in notices), default=None)
        party.notice_to = min((n.to_day for n in notices), default=None)
        party.update_next_due()
    return results
