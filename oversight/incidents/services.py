"""Use cases of the incident workspace. The web pages, the JSON API and the CLI call these and nothing below.

The engine (`art26`) is pure; this module feeds it each party's path through the chain, stores the dates
it concludes on the parties (for the deadline board and the reminders) and keeps the timeline.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select
from sqlalchemy.orm import selectinload

from oversight import permissions as perm
from oversight import uow
from oversight.errors import Forbidden, NotFound, ValidationFailed
from oversight.extensions import db
from oversight.incidents.art26 import Assessment, FactsError, assess, parse_facts
from oversight.incidents.art26.deadlines import JST
from oversight.incidents.art26.facts import HANDLER_KINDS
from oversight.incidents.models import Incident, IncidentEvent, IncidentParty, PreventionMeasure
from oversight.registry import chain
from oversight.registry import services as registry
from oversight.registry.models import Entrustment, Organisation
from oversight.timeutil import today_jst, utcnow
from oversight.trail import services as trail

# The engine's keys that the workspace derives from the registry instead of asking the user.
DERIVED_KEYS = frozenset({"handler_kind", "report_authority", "chain", "incident_at"})
FACT_KEYS = frozenset({
    "data_kind", "events", "certainty", "data_items", "cause", "max_persons", "max_persons_known_at",
    "high_grade_encryption", "recovered_before_viewed", "provided_intentionally", "same_data_kept_elsewhere",
    "occurred_on", "known_at", "report_items", "person_notice", "my_number"})
CLOCK_SKEW = timedelta(minutes=5)

FACT_MESSAGES = {
    "required": _l("This field is required."),
    "unknown_field": _l("Unknown field."),
    "unknown_code": _l("Unknown code: %(value)s."),
    "not_a_list": _l("Expected a list."),
    "not_an_object": _l("Expected an object."),
    "not_a_boolean": _l("Expected true or false."),
    "not_an_integer": _l("Enter a whole number."),
    "not_a_string": _l("Expected text."),
    "negative": _l("The number of persons cannot be negative."),
    "absurd": _l("More than 200,000,000 persons cannot be right."),
    "invalid_date": _l("Enter a date (YYYY-MM-DD)."),
    "invalid_datetime": _l("Enter a date, or a date and time with its time zone."),
    "timezone_required": _l("A date and time needs its time zone (e.g. +09:00)."),
    "known_before_occurrence": _l("The date it became known cannot be before the date it occurred."),
    "notice_before_occurrence": _l("The notice to the consignor cannot be dated before the incident occurred."),
    "notice_before_known": _l("The notice to the consignor cannot be dated before the incident became known."),
    "consignor_has_no_consignor": _l("This organisation has no consignor to notify."),
    "not_in_chain": _l("No such tier in the chain."),
    "my_number_item_missing": _l("My Number data was chosen, but the data items do not include the My Number."),
    "conflicts_with_handler_kind": _l("The kind of the original consignor conflicts with the handler kind."),
}


def _jst_iso(moment: datetime | None) -> str | None:
    return moment.astimezone(JST).isoformat() if moment else None


def _message(entry: Mapping) -> str:
    template = FACT_MESSAGES.get(entry["code"])
    if template is None:
        return entry["message"]
    value = entry["message"].removeprefix("Unknown code: ").rstrip(".") if entry["code"] == "unknown_code" else ""
    return str(template) % {"value": value} if entry["code"] == "unknown_code" else str(template)


def facts_error(error: FactsError, rename: Mapping[str, str] | None = None) -> ValidationFailed:
    """The engine's field errors as a ValidationFailed in the user's language (field names kept)."""
    rename = rename or {}
    errors: dict[str, list[str]] = {}
    for field, entries in error.errors.items():
        errors.setdefault(rename.get(field, field), []).extend(_message(e) for e in entries)
    return ValidationFailed(errors)


def parse(raw) -> object:
    """Engine facts from a JSON-shaped dict, or ValidationFailed naming each bad field."""
    try:
        return parse_facts(raw)
    except FactsError as error:
        raise facts_error(error) from None


def assess_facts(raw, as_of: datetime | date | None = None) -> dict:
    """Stateless: the assessment (JSON-ready) of a complete facts dict, nothing stored."""
    return assess(parse(raw), as_of or utcnow()).to_dict()


# ---------------------------------------------------------------- the chain behind an incident

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
        links = {x.id: registry.to_link(x) for x in registry.chain_path(e)} if e is not None else {}
    else:
        seeds = select(Entrustment.id).where(Entrustment.contractor_id == organisation_id,
                                             Entrustment.status.not_in(("rejected", "terminated")))
        links = {row.id: registry.to_link(row) for row in registry.with_ancestors(seeds)}
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


def _engine_facts(incident: Incident, path: tuple[int, ...], parties: Mapping[int, IncidentParty],
                  orgs: Mapping[int, Organisation]) -> dict:
    handler = orgs[path[0]] if path else incident.organisation
    facts = {**incident.facts, "handler_kind": handler.kind if handler.kind in HANDLER_KINDS else "company",
             "report_authority": handler.report_authority or "ppc"}
    if path:
        facts["chain"] = [{
            "name": orgs[org_id].name, "kind": orgs[org_id].kind,
            "known_at": _jst_iso(parties[org_id].known_at) if i < len(path) - 1 else None,
            "notified_consignor_at": _jst_iso(parties[org_id].notified_consignor_at) if i else None,
        } for i, org_id in enumerate(path)]
        facts["incident_at"] = len(path) - 1
    return facts


@dataclass
class PathAssessment:
    """The engine's answer for one chain (or for the organisation's own data when `path` is empty)."""

    path: tuple[int, ...]
    facts: dict
    assessment: Assessment


def assessments(incident: Incident, as_of: datetime | date | None = None) -> list[PathAssessment]:
    """One assessment per chain the incident touches (one for the organisation's own data)."""
    parties = {p.organisation_id: p for p in incident.parties}
    orgs = {p.organisation_id: p.organisation for p in incident.parties}
    orgs.setdefault(incident.organisation_id, incident.organisation)
    paths = [tuple(p) for party in incident.parties if party.role == "consignor" for p in party.paths] or [()]
    result = []
    for path in paths:
        facts = _engine_facts(incident, path, parties, orgs)
        result.append(PathAssessment(path, facts, assess(parse(facts), as_of or utcnow())))
    return result


def _refresh(incident: Incident) -> list[PathAssessment]:
    """Recompute every party's duty and deadlines from the current facts, notices and known dates."""
    results = assessments(incident)
    by_org = {p.organisation_id: p for p in incident.parties}
    duties: dict[int, list] = {org_id: [] for org_id in by_org}
    for result in results:
        engine_parties = result.assessment.parties
        tiers = result.path or (incident.organisation_id,)
        for org_id, engine_party in zip(tiers, engine_parties, strict=True):
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
    return results


# ---------------------------------------------------------------- reading

def get_incident(actor, incident_id: int) -> Incident:
    """The incident if the actor's organisation is a party to it (admins: any); NotFound otherwise."""
    perm.require(actor, "incident.view")
    incident = db.session.get(Incident, incident_id, options=[
        selectinload(Incident.parties).selectinload(IncidentParty.organisation)])
    if incident is None or not (perm.is_admin(actor) or incident.party_for(actor.organisation_id)):
        raise NotFound(_l("Incident not found."))
    return incident


def can_edit_facts(actor, incident: Incident) -> bool:
    """The organisation where it happened records the facts (admins: any)."""
    return perm.allows(actor, "incident.edit") and (
        perm.is_admin(actor) or actor.organisation_id == incident.organisation_id)


def _editable(actor, incident: Incident, message) -> None:
    if not can_edit_facts(actor, incident):
        raise Forbidden(message)
    if incident.status != "open":
        raise ValidationFailed({"status": [_l("The incident is closed.")]})


def can_record_for(actor, party: IncidentParty) -> bool:
    """A party records its own knowledge, notices and reports (admins: any party)."""
    return perm.allows(actor, "incident.edit") and (
        perm.is_admin(actor) or actor.organisation_id == party.organisation_id)


def list_incidents(actor, *, status: str = "open") -> list[Incident]:
    """Incidents the actor may see, newest first."""
    perm.require(actor, "incident.view")
    query = select(Incident).where(Incident.id.in_(perm.visible_incident_ids(actor))).options(
        selectinload(Incident.organisation)).order_by(Incident.created_at.desc(), Incident.id.desc())
    if status in ("open", "closed"):
        query = query.where(Incident.status == status)
    return list(db.session.scalars(query))


@dataclass
class BoardRow:
    """One report a party still owes, for the deadline board."""

    incident: Incident
    party: IncidentParty
    kind: str  # quick | final
    due: date
    days_left: int

    @property
    def bucket(self) -> str:
        if self.days_left < 0:
            return "overdue"
        if self.days_left == 0:
            return "today"
        return "week" if self.days_left <= 7 else "later"


BOARD_SORTS = ("due", "incident", "organisation")


def deadline_board(actor, *, sort: str = "due", today: date | None = None) -> list[BoardRow]:
    """Every report still owed in the open incidents the actor may see, soonest first (or as sorted)."""
    perm.require(actor, "incident.view")
    today = today or today_jst()
    query = (select(IncidentParty).join(Incident).where(
        Incident.status == "open", Incident.id.in_(perm.visible_incident_ids(actor)),
        IncidentParty.must_report.is_(True), IncidentParty.final_reported_at.is_(None))
        .options(selectinload(IncidentParty.incident), selectinload(IncidentParty.organisation)))
    rows = []
    for party in db.session.scalars(query):
        due = party.next_due
        if due:
            rows.append(BoardRow(party.incident, party, due[0], due[1], (due[1] - today).days))
    keys = {"due": lambda r: (r.due, r.incident.id, r.party.organisation.name),
            "incident": lambda r: (r.incident.title, r.due),
            "organisation": lambda r: (r.party.organisation.name_kana or r.party.organisation.name, r.due)}
    rows.sort(key=keys.get(sort, keys["due"]))
    return rows


# ---------------------------------------------------------------- writing

def _clean_facts(raw, *, stored: Mapping | None = None) -> dict:
    if not isinstance(raw, Mapping):
        raise ValidationFailed({"facts": [_l("Expected an object.")]})
    errors = {str(k): [FACT_MESSAGES["unknown_field"]] for k in raw.keys() - FACT_KEYS - {"notified_consignor_at"}}
    if errors:
        raise ValidationFailed(errors)
    facts = {k: v for k, v in {**(stored or {}), **raw}.items() if k in FACT_KEYS and v not in (None, "", [], {})}
    return facts


def _check(facts: dict, organisation: Organisation, notified: datetime | None) -> None:
    """Run the engine's own validation over the facts as one chain would see them; name the user's fields."""
    probe = {**facts, "handler_kind": "company"}
    if notified is not None:
        probe["chain"] = [{"name": "consignor"}, {"name": organisation.name,
                                                  "notified_consignor_at": notified.isoformat()}]
        probe["incident_at"] = 1
    try:
        parsed = parse_facts(probe)
    except FactsError as error:
        raise facts_error(error, {"chain[1].notified_consignor_at": "notified_consignor_at"}) from None
    known = parsed.known_at
    known_moment = known if isinstance(known, datetime) else datetime.combine(known, datetime.min.time(), JST)
    if known_moment > utcnow() + CLOCK_SKEW:
        raise ValidationFailed({"known_at": [_l("The date it became known cannot be in the future.")]})
    if notified is not None and notified > utcnow() + CLOCK_SKEW:
        raise ValidationFailed({"notified_consignor_at": [_l("The notice cannot be dated in the future.")]})


def validate_facts(raw, organisation: Organisation, *, stored: Mapping | None = None) -> dict:
    """The facts as stored (empty values dropped), after the engine's own validation; ValidationFailed names
    each bad field and a future known date. Used by the workspace and by notifications from contractors."""
    facts = _clean_facts(raw, stored=stored)
    _check(facts, organisation, None)
    return facts


def _moment(value, field: str) -> datetime | None:
    """A stored UTC moment from an ISO string with a time zone (a bare date: 00:00 Japan time)."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value))
        except ValueError:
            raise ValidationFailed({field: [FACT_MESSAGES["invalid_datetime"]]}) from None
        if len(str(value)) == 10:
            moment = moment.replace(tzinfo=JST)
    if moment.tzinfo is None:
        raise ValidationFailed({field: [FACT_MESSAGES["timezone_required"]]})
    return moment.astimezone(JST)


def _event(incident: Incident, actor, kind: str, changes=(), note: str = "", organisation_id=None) -> None:
    # Through the backref, not incident.events.append: a long timeline is not loaded to add one line to it.
    db.session.add(IncidentEvent(
        incident=incident,
        kind=kind, actor_id=getattr(actor, "id", None),
        actor_name=getattr(actor, "email", None) or getattr(actor, "name", "system"),
        organisation_id=organisation_id or getattr(actor, "organisation_id", None),
        changes=[[f, _plain(b), _plain(a)] for f, b, a in changes], note=note))


def _plain(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def _diff(before: Mapping, after: Mapping) -> list[tuple[str, object, object]]:
    return [(k, before.get(k), after.get(k)) for k in sorted(before.keys() | after.keys())
            if before.get(k) != after.get(k)]


MAX_ID = 2**31 - 1


def _object_id(value) -> int | None:
    """An id from a form or a JSON body; anything that cannot be a row id (text, 0, 2**63) is None."""
    if isinstance(value, bool):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 1 <= number <= MAX_ID else None


def open_incident(actor, data: Mapping) -> Incident:
    """Open an incident at an organisation with the facts known so far; compute who it concerns and their duty.

    data: organisation_id, title, scope (own | entrustment | engagements), entrustment_id (scope entrustment),
    facts (the engine's dict without the derived keys), notified_consignor_at (optional, the origin's notice).
    """
    perm.require(actor, "incident.edit")
    errors: dict[str, list] = {}
    title = str(data.get("title") or "").strip()
    if not title:
        errors["title"] = [_l("This field is required.")]
    elif len(title) > 200:
        errors["title"] = [_l("At most 200 characters.")]
    organisation_id = _object_id(data.get("organisation_id") or getattr(actor, "organisation_id", None))
    organisation = db.session.get(Organisation, organisation_id) if organisation_id else None
    if organisation is None or not perm.can_see_organisation(actor, organisation.id):
        errors["organisation_id"] = [_l("Choose the organisation where the incident happened.")]
    elif not (perm.is_admin(actor) or organisation.id == actor.organisation_id):
        errors["organisation_id"] = [_l("You can open an incident only at your own organisation.")]
    scope = data.get("scope") or "engagements"
    entrustment_id = None
    if scope not in ("own", "entrustment", "engagements"):
        errors["scope"] = [FACT_MESSAGES["unknown_code"] % {"value": scope}]
    elif scope == "entrustment":
        entrustment_id = _object_id(data.get("entrustment_id"))
        e = db.session.get(Entrustment, entrustment_id) if entrustment_id else None
        if e is None or organisation is None or e.contractor_id != organisation.id \
                or not perm.can_see_entrustment(actor, e.id):
            errors["entrustment_id"] = [_l("Choose an entrustment your organisation holds as contractor.")]
    if errors:
        raise ValidationFailed(errors)
    facts = _clean_facts(data.get("facts") or {})
    notified = _moment(data.get("notified_consignor_at"), "notified_consignor_at") if scope != "own" else None
    _check(facts, organisation, notified)

    incident = Incident(organisation_id=organisation.id, scope=scope, entrustment_id=entrustment_id, title=title,
                        facts=facts, opened_by_id=getattr(actor, "id", None))
    incident.organisation = organisation
    db.session.add(incident)
    paths = fan_out(organisation.id, scope, entrustment_id)
    _build_parties(incident, paths, notified)
    _refresh(incident)
    _event(incident, actor, "opened", [(k, None, v) for k, v in sorted(facts.items())], organisation_id=organisation.id)
    db.session.flush()
    trail.record(actor, "incident_open", "incident", incident.id, label=title,
                 after={"organisation_id": organisation.id, "scope": scope, "entrustment_id": entrustment_id,
                        "facts": facts, "parties": [p.organisation_id for p in incident.parties]})
    uow.commit()
    return incident


def _build_parties(incident: Incident, paths: list[Path], notified: datetime | None) -> None:
    roles: dict[int, str] = {incident.organisation_id: "origin"}
    consignor_paths: dict[int, list] = {}
    for path in paths:
        top = path.organisation_ids[0]
        consignor_paths.setdefault(top, []).append(list(path.organisation_ids))
        for org_id in path.organisation_ids[1:-1]:
            roles.setdefault(org_id, "intermediate")
        if top != incident.organisation_id:
            roles[top] = "consignor"
    orgs = {o.id: o for o in db.session.scalars(select(Organisation).where(Organisation.id.in_(roles)))}
    for org_id, role in roles.items():
        party = IncidentParty(organisation_id=org_id, role=role, paths=consignor_paths.get(org_id, []))
        party.organisation = orgs[org_id]
        if role == "origin":
            party.notified_consignor_at = notified
        incident.parties.append(party)


def update_facts(actor, incident_id: int, data: Mapping) -> Incident:
    """Record facts as they become known (only the keys given change; null clears); the timeline keeps each change."""
    incident = get_incident(actor, incident_id)
    _editable(actor, incident, _l("Only the organisation where the incident happened records its facts."))
    raw = dict(data.get("facts") or {})
    cleared = {k for k, v in raw.items() if v in (None, "", [], {})}
    facts = {k: v for k, v in _clean_facts(raw, stored=incident.facts).items() if k not in cleared}
    origin = incident.party_for(incident.organisation_id)
    notified = origin.notified_consignor_at
    if "notified_consignor_at" in data and incident.scope != "own":
        notified = _moment(data.get("notified_consignor_at"), "notified_consignor_at")
    _check(facts, incident.organisation, notified)
    changes = _diff(incident.facts, facts)
    if notified != origin.notified_consignor_at:
        changes.append(("notified_consignor_at", origin.notified_consignor_at, notified))
        origin.notified_consignor_at = notified
    if not changes:
        return incident
    before = dict(incident.facts)
    incident.facts = facts
    _refresh(incident)
    _event(incident, actor, "facts", changes, note=str(data.get("note") or "")[:2000])
    trail.record(actor, "incident_facts", "incident", incident.id, label=incident.title, before=before, after=facts)
    uow.commit()
    return incident


PARTY_ACTIONS = {
    "known": "known_at",
    "notified_consignor": "notified_consignor_at",
    "quick_report": "quick_reported_at",
    "final_report": "final_reported_at",
    "person_notice": "person_notice_at",
    "public_notice": "public_notice_at",
}


def record_for_party(actor, incident_id: int, party_id: int, action: str, data: Mapping) -> IncidentParty:
    """A party records when it learned, notified its consignor, reported, noticed the persons or published;
    or the alternative measure (and why the persons could not be reached)."""
    incident = get_incident(actor, incident_id)
    party = next((p for p in incident.parties if p.id == party_id), None)
    if party is None:
        raise NotFound(_l("Incident not found."))
    if not can_record_for(actor, party):
        raise Forbidden(_l("Only the organisation concerned records its own notices and reports."))
    if incident.status != "open":
        raise ValidationFailed({"action": [_l("The incident is closed.")]})
    before = party.snapshot()
    if action == "person_notice_alternative":
        text = str(data.get("reason") or "").strip()
        if not text:
            raise ValidationFailed({"reason": [_l("Say which alternative measure was taken and why the persons "
                                                  "could not be notified.")]})
        party.person_notice_alternative = text[:4000]
    elif action in PARTY_ACTIONS:
        if action == "notified_consignor" and party.role == "consignor":
            raise ValidationFailed({"at": [FACT_MESSAGES["consignor_has_no_consignor"]]})
        at = _moment(data.get("at"), "at")
        if at is None:
            raise ValidationFailed({"at": [_l("This field is required.")]})
        if at > utcnow() + CLOCK_SKEW:
            raise ValidationFailed({"at": [_l("The date cannot be in the future.")]})
        occurred = incident.facts.get("occurred_on")
        if occurred and at.astimezone(JST).date() < date.fromisoformat(occurred):
            raise ValidationFailed({"at": [_l("The date cannot be before the incident occurred.")]})
        setattr(party, PARTY_ACTIONS[action], at)
        if action in ("known", "notified_consignor"):
            _refresh(incident)
    else:
        raise ValidationFailed({"action": [FACT_MESSAGES["unknown_code"] % {"value": action}]})
    after = party.snapshot()
    _event(incident, actor, action, _diff(before, after), organisation_id=party.organisation_id)
    trail.record(actor, f"incident_{action}", "incident", incident.id, label=incident.title, before=before,
                 after=after)
    uow.commit()
    return party


def notice_received(actor, incident: Incident, notifier_id: int, recipient_id: int, at: datetime,
                    receipt_number: str) -> bool:
    """A filed notification reached `recipient_id` at `at`: the notifier's notice (法26条1項ただし書) and the
    recipient's knowledge start then, unless either was recorded earlier. The caller has authorised the filing;
    False if the recipient is not a party to this incident (nothing changes)."""
    notifier, recipient = incident.party_for(notifier_id), incident.party_for(recipient_id)
    if notifier is None or recipient is None:
        return False
    changes = []
    if notifier.notified_consignor_at is None or notifier.notified_consignor_at > at:
        changes.append(("notified_consignor_at", notifier.notified_consignor_at, at))
        notifier.notified_consignor_at = at
    if recipient.known_at is None or recipient.known_at > at:
        recipient.known_at = at
    _refresh(incident)
    _event(incident, actor, "notification", changes, note=receipt_number, organisation_id=notifier_id)
    return True


def add_measure(actor, incident_id: int, data: Mapping) -> PreventionMeasure:
    """A prevention measure (再発防止策) with its owner and due date."""
    incident = get_incident(actor, incident_id)
    _editable(actor, incident, _l("Only the organisation where the incident happened records its measures."))
    errors: dict[str, list] = {}
    description = str(data.get("description") or "").strip()
    owner = str(data.get("owner") or "").strip()
    if not description:
        errors["description"] = [_l("This field is required.")]
    if not owner:
        errors["owner"] = [_l("This field is required.")]
    elif len(owner) > 200:
        errors["owner"] = [_l("At most 200 characters.")]
    try:
        due_on = date.fromisoformat(str(data.get("due_on") or ""))
    except ValueError:
        errors["due_on"] = [FACT_MESSAGES["invalid_date"]]
    if errors:
        raise ValidationFailed(errors)
    measure = PreventionMeasure(description=description[:4000], owner=owner, due_on=due_on)
    incident.measures.append(measure)
    _event(incident, actor, "measure", [("measure", None, f"{owner}: {description[:200]} ({due_on})")])
    db.session.flush()
    trail.record(actor, "incident_measure", "incident", incident.id, label=incident.title,
                 after={"description": description, "owner": owner, "due_on": due_on.isoformat()})
    uow.commit()
    return measure


def complete_measure(actor, incident_id: int, measure_id: int, done_on=None) -> PreventionMeasure:
    """Mark a prevention measure done (today in Japan unless a date is given)."""
    incident = get_incident(actor, incident_id)
    _editable(actor, incident, _l("Only the organisation where the incident happened records its measures."))
    measure = next((m for m in incident.measures if m.id == measure_id), None)
    if measure is None:
        raise NotFound(_l("Measure not found."))
    try:
        done = date.fromisoformat(str(done_on)) if done_on else today_jst()
    except ValueError:
        raise ValidationFailed({"done_on": [FACT_MESSAGES["invalid_date"]]}) from None
    if done > today_jst():
        raise ValidationFailed({"done_on": [_l("The date cannot be in the future.")]})
    measure.done_on = done
    _event(incident, actor, "measure_done", [("measure", measure.description[:200], done.isoformat())])
    trail.record(actor, "incident_measure_done", "incident", incident.id, label=incident.title,
                 after={"measure_id": measure.id, "done_on": done.isoformat()})
    uow.commit()
    return measure


def close_incident(actor, incident_id: int, note: str = "") -> Incident:
    """Close the incident; reports still owed are listed in the refusal."""
    incident = get_incident(actor, incident_id)
    _editable(actor, incident, _l("Only the organisation where the incident happened closes it."))
    owed = [p.organisation.name for p in incident.parties if p.must_report and p.final_reported_at is None]
    if owed:
        raise ValidationFailed({"status": [_l("Final reports are still owed by: %(names)s.",
                                              names="、".join(owed))]})
    incident.status = "closed"
    incident.closed_at = utcnow()
    _event(incident, actor, "closed", [("status", "open", "closed")], note=note[:2000])
    trail.record(actor, "incident_close", "incident", incident.id, label=incident.title,
                 before={"status": "open"}, after={"status": "closed"})
    uow.commit()
    return incident


def has_incidents(organisation_id: int) -> bool:
    """True if the organisation is a party to any open incident (for the dashboard)."""
    return bool(db.session.scalar(select(exists().where(
        IncidentParty.organisation_id == organisation_id, IncidentParty.incident_id == Incident.id,
        Incident.status == "open"))))
