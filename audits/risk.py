"""The one place that builds each entrustment's risk facts (audits.tiers.EntrustmentRisk) from the database, and
what the schedule needs beside them (its last audit, start, end, the contract's audit interval).

What it holds comes from the registry; how it behaved from the audits (the last closed audit and its score, open
findings, answers found false), the incidents and notifications of the past 365 days, and the chain (unapproved
subcontracting at or below it). Everything is read in bulk — a constant number of statements whatever the number
of entrustments — for the ids a select gives (a tenant's visible entrustments, or every live one for the clock).
An entrustment belongs to one chain, so nothing here mixes one consignor's matters with a sibling's.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, func, select

from audits.audit_models import Audit, Finding
from audits.crosscheck_rules import FALSE_ANSWER_CHECKS, UNAPPROVED_SUBCONTRACTOR_CHECKS
from audits.tiers import EntrustmentRisk
from oversight.extensions import db
from oversight.incidents.art26.deadlines import JST
from oversight.registry import chain
from oversight.registry.models import Entrustment
from oversight.registry.queries import to_link, with_ancestors, with_descendants
from oversight.timeutil import to_jst

LIVE = ("active", "approved")
INLINE_IDS = 5_000  # as oversight.permissions.visible_ids: beyond this many, the select is used as it is
_SEVERITY = {"critical": "high", "high": "high", "medium": "medium", "low": "low"}  # tiers know three


@dataclass(frozen=True)
class RiskFacts:
    """One entrustment's risk facts and the dates the schedule counts from."""

    entrustment_id: int
    risk: EntrustmentRisk
    last_audit_on: date | None
    started_on: date | None
    ends_on: date | None
    consignor_id: int
    contractor_id: int
    parent_id: int | None
    consignors_up: tuple[int, ...]  # its consignor, then each one above it, the original consignor last


def _day(moment: datetime | None) -> date | None:
    return to_jst(moment).date() if moment is not None else None


def _contract_interval(parameters: dict | None) -> int | None:
    stored = parameters or {}
    if "audit" in (stored.get("omit") or []):
        return None
    months = (stored.get("params") or {}).get("audit_interval_months")
    return months if isinstance(months, int) and not isinstance(months, bool) and months >= 1 else None


def _chain_flags(ids_select) -> tuple[dict[int, int], set[int], dict[int, tuple[int, ...]]]:
    """(depth of each entrustment, the entrustments with a violation at or below them, the consignors up each
    one's chain)."""
    rows = with_ancestors(with_descendants(ids_select))
    states = chain.assess(to_link(r) for r in rows)
    depth = {link_id: state.depth for link_id, state in states.items()}
    flagged: set[int] = set()
    by_id = {link_id: state.link for link_id, state in states.items()}
    up: dict[int, tuple[int, ...]] = {}

    def consignors(link) -> tuple[int, ...]:
        if link.id not in up:
            parent = by_id.get(link.parent_id) if link.parent_id is not None else None
            up[link.id] = (link.consignor_id, *(consignors(parent) if parent is not None else ()))
        return up[link.id]

    for link in sorted(by_id.values(), key=lambda item: depth[item.id]):  # parents first: no deep recursion
        consignors(link)
    for state in states.values():
        if state.violation:
            walk = state.link
            while walk is not None and walk.id not in flagged:  # it counts for every entrustment above it too
                flagged.add(walk.id)
                walk = by_id.get(walk.parent_id) if walk.parent_id is not None else None
    return depth, flagged, up


def _materialised(ids_select):
    """The ids as a list when there are few (each of the statements below then reads them by index instead of
    evaluating the visibility rule again), else the select itself."""
    if not isinstance(ids_select, Select):
        return list(ids_select)
    found = db.session.scalars(ids_select.limit(INLINE_IDS + 1)).all()
    return found if len(found) <= INLINE_IDS else ids_select


def risk_facts(ids_select, as_of: date) -> dict[int, RiskFacts]:
    """The risk facts of every entrustment whose id `ids_select` (a select, or ids) gives, by id."""
    ids_select = _materialised(ids_select)
    year_ago = datetime.combine(as_of - timedelta(days=365), time(0), JST)
    rows = db.session.execute(select(
        Entrustment.id, Entrustment.parent_id, Entrustment.consignor_id, Entrustment.contractor_id,
        Entrustment.person_count, Entrustment.includes_sensitive, Entrustment.includes_my_number,
        Entrustment.storage_country, Entrustment.start_on, Entrustment.end_on, Entrustment.created_at)
        .where(Entrustment.id.in_(ids_select))).all()
    if not rows:
        return {}
    from contracts.models import Contract
    from oversight.incidents.models import Incident, IncidentParty
    from oversight.notifications.models import Notification

    depth, unapproved, up = _chain_flags(ids_select)
    intervals = {e_id: _contract_interval(params) for e_id, params in db.session.execute(
        select(Contract.entrustment_id, Contract.parameters).where(Contract.entrustment_id.in_(ids_select)))}
    last: dict[int, tuple] = {}
    for e_id, closed_at, score in db.session.execute(
            select(Audit.entrustment_id, Audit.closed_at, Audit.score_percent)
            .where(Audit.entrustment_id.in_(ids_select), Audit.status == "closed")
            .order_by(Audit.entrustment_id, Audit.closed_at, Audit.id)):
        last[e_id] = (closed_at, score)
    findings: dict[int, Counter] = defaultdict(Counter)
    for e_id, severity, count in db.session.execute(
            select(Finding.entrustment_id, Finding.severity, func.count())
            .where(Finding.entrustment_id.in_(ids_select), Finding.status != "closed")
            .group_by(Finding.entrustment_id, Finding.severity)):
        findings[e_id][_SEVERITY.get(severity, "low")] += count
    false_answers, found_unapproved = set(), set()
    for e_id, check in db.session.execute(
            select(Finding.entrustment_id, Finding.check).distinct()
            .where(Finding.entrustment_id.in_(ids_select),
                   Finding.check.in_(FALSE_ANSWER_CHECKS + UNAPPROVED_SUBCONTRACTOR_CHECKS))):
        (false_answers if check in FALSE_ANSWER_CHECKS else found_unapproved).add(e_id)
    incidents = Counter(dict(db.session.execute(
        select(Incident.entrustment_id, func.count()).where(
            Incident.entrustment_id.in_(ids_select), Incident.created_at >= year_ago)
        .group_by(Incident.entrustment_id)).all()))
    # An incident over all of a contractor's engagements concerns each consignor it names as a party.
    at_contractor = Counter({(org, party): n for org, party, n in db.session.execute(
        select(Incident.organisation_id, IncidentParty.organisation_id, func.count(func.distinct(Incident.id)))
        .join(IncidentParty, IncidentParty.incident_id == Incident.id)
        .where(Incident.scope == "engagements", Incident.created_at >= year_ago,
               Incident.organisation_id.in_(select(Entrustment.contractor_id)
                                            .where(Entrustment.id.in_(ids_select))))
        .group_by(Incident.organisation_id, IncidentParty.organisation_id))})
    late = Counter(dict(db.session.execute(
        select(Notification.entrustment_id, func.count()).where(
            Notification.entrustment_id.in_(ids_select), Notification.late.is_(True),
            Notification.status != "draft", Notification.filed_at >= year_ago)
        .group_by(Notification.entrustment_id)).all()))
    out = {}
    for r in rows:
        closed_at, score = last.get(r.id, (None, None))
        risk = EntrustmentRisk(
            sensitive=bool(r.includes_sensitive), my_number=bool(r.includes_my_number),
            person_count=max(0, r.person_count or 0), storage_country=(r.storage_country or "JP").upper(),
            subcontract_depth=depth.get(r.id, 0),
            last_audit_score=score if score is None else min(100.0, max(0.0, float(score))),
            open_findings=dict(findings.get(r.id, {})),
            incidents_last_year=incidents.get(r.id, 0) + at_contractor.get((r.contractor_id, r.consignor_id), 0),
            late_notifications_last_year=late.get(r.id, 0),
            unapproved_subcontracting=r.id in unapproved or r.id in found_unapproved,
            false_answers_found=r.id in false_answers,
            contract_audit_interval_months=intervals.get(r.id))
        out[r.id] = RiskFacts(r.id, risk, _day(closed_at), r.start_on or _day(r.created_at), r.end_on,
                              r.consignor_id, r.contractor_id, r.parent_id, up.get(r.id, (r.consignor_id,)))
    return out


def live_ids(as_of: date):
    """A select of the ids of the entrustments audits are planned for: approved or active, not ended."""
    return select(Entrustment.id).where(Entrustment.status.in_(LIVE),
                                        (Entrustment.end_on.is_(None)) | (Entrustment.end_on >= as_of))
