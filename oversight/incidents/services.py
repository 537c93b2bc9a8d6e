"""Use cases of the incident workspace. The web pages, the JSON API and the CLI call these and nothing below.

The engine (`art26`) is pure; `chains` feeds it each consignor's chain and facts, and stores the dates it
concludes on the parties (for the deadline board and the reminders); this module keeps the timeline and the trail.
Reading (which incidents the actor sees, who records what) lives in `queries` and is re-exported here.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from oversight import permissions as perm
from oversight import uow
from oversight.errors import Forbidden, NotFound, ValidationFailed
from oversight.extensions import db
from oversight.incidents import chains, validation
from oversight.incidents.art26 import assess
from oversight.incidents.models import Incident, IncidentEvent, IncidentParty, PreventionMeasure
from oversight.incidents.queries import (  # the reading use cases, called as services.* everywhere
    can_edit_facts,
    can_record_facts_for,
    can_record_for,
    direct_consignors,
    get_incident,
    has_incidents,
    list_incidents,
    own_open_incidents,
    recordable_parties,
)
from oversight.incidents.validation import FACT_MESSAGES, moment, parse
from oversight.inputs import object_id
from oversight.registry.models import Entrustment, Organisation
from oversight.timeutil import today_jst, utcnow
from oversight.trail import services as trail

__all__ = [  # the reading use cases re-exported (queries); the writing ones are below
    "can_edit_facts", "can_record_facts_for", "can_record_for", "direct_consignors", "get_incident", "has_incidents",
    "list_incidents", "own_open_incidents", "recordable_parties",
]


def assess_facts(raw, as_of: datetime | date | None = None) -> dict:
    """Stateless: the assessment (JSON-ready) of a complete facts dict, nothing stored."""
    return assess(parse(raw), as_of or utcnow()).to_dict()


# ---------------------------------------------------------------- guards

def _editable(actor, incident: Incident, message) -> None:
    if not can_edit_facts(actor, incident):
        raise Forbidden(message)
    _open(incident)


def _open(incident: Incident) -> None:
    if incident.status != "open":
        raise ValidationFailed({"status": [_l("The incident is closed.")]})


# ---------------------------------------------------------------- the timeline

def _event(incident: Incident, actor, kind: str, changes=(), note: str = "", organisation_id=None,
           concerns: int | None = None) -> None:
    # Through the backref, not incident.events.append: a long timeline is not loaded to add one line to it.
    db.session.add(IncidentEvent(
        incident=incident,
        kind=kind, actor_id=getattr(actor, "id", None),
        actor_name=getattr(actor, "email", None) or getattr(actor, "name", "system"),
        organisation_id=organisation_id or getattr(actor, "organisation_id", None),
        concerns_organisation_id=concerns,
        changes=[[f, _plain(b), _plain(a)] for f, b, a in changes], note=note))


def _plain(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def _diff(before: Mapping, after: Mapping) -> list[tuple[str, object, object]]:
    return [(k, before.get(k), after.get(k)) for k in sorted(before.keys() | after.keys())
            if before.get(k) != after.get(k)]


# ---------------------------------------------------------------- opening and facts

@uow.atomic()
def open_incident(actor, data: Mapping) -> Incident:
    """Open an incident at an organisation with the facts known so far; compute who it concerns and their duty.

    data: organisation_id, title, scope (own | entrustment | engagements), entrustment_id (scope entrustment),
    facts (the engine's dict without the derived keys), notified_consignor_at (optional: when the organisation
    notified its direct consignor — every one of them, for the engagements scope).
    """
    perm.require(actor, "incident.edit")
    errors: dict[str, list] = {}
    title = str(data.get("title") or "").strip()
    if not title:
        errors["title"] = [_l("This field is required.")]
    elif len(title) > 200:
        errors["title"] = [_l("At most 200 characters.")]
    organisation_id = object_id(data.get("organisation_id") or getattr(actor, "organisation_id", None))
    organisation = db.session.get(Organisation, organisation_id) if organisation_id else None
    if organisation is None or not perm.can_see(actor, "organisation", organisation.id):
        errors["organisation_id"] = [_l("Choose the organisation where the incident happened.")]
    elif not (perm.is_admin(actor) or organisation.id == actor.organisation_id):
        errors["organisation_id"] = [_l("You can open an incident only at your own organisation.")]
    scope = data.get("scope") or "engagements"
    entrustment_id = None
    if scope not in ("own", "entrustment", "engagements"):
        errors["scope"] = [FACT_MESSAGES["unknown_code"] % {"value": scope}]
    elif scope == "entrustment":
        entrustment_id = object_id(data.get("entrustment_id"))
        e = db.session.get(Entrustment, entrustment_id) if entrustment_id else None
        if e is None or organisation is None or e.contractor_id != organisation.id \
                or not perm.can_see(actor, "entrustment", e.id):
            errors["entrustment_id"] = [_l("Choose an entrustment your organisation holds as contractor.")]
    if errors:
        raise ValidationFailed(errors)
    facts = validation.clean(data.get("facts") or {})
    notified = moment(data.get("notified_consignor_at"), "notified_consignor_at") if scope != "own" else None
    validation.check(facts, organisation, notified)

    incident = Incident(organisation_id=organisation.id, scope=scope, entrustment_id=entrustment_id, title=title,
                        facts=facts, opened_by_id=getattr(actor, "id", None))
    incident.organisation = organisation
    db.session.add(incident)
    _build_parties(incident, chains.fan_out(organisation.id, scope, entrustment_id))
    if notified is not None:
        origin = incident.party_for(organisation.id)
        for consignor_id in direct_consignors(incident, organisation.id):
            origin.record_notice(consignor_id, notified)
    chains.refresh(incident)
    _event(incident, actor, "opened", [(k, None, v) for k, v in sorted(facts.items())], organisation_id=organisation.id)
    db.session.flush()
    trail.record(actor, "incident_open", "incident", incident.id, label=title,
                 after={"organisation_id": organisation.id, "scope": scope, "entrustment_id": entrustment_id,
                        "facts": facts, "parties": [p.organisation_id for p in incident.parties]})
    return incident


def _build_parties(incident: Incident, paths: list[chains.Path]) -> None:
    roles: dict[int, str] = {incident.organisation_id: "origin"}
    consignor_paths: dict[int, list] = {}
    for path in paths:
        top = path.organisation_ids[0]
        consignor_paths.setdefault(top, []).append(path)
        for org_id in path.organisation_ids[1:-1]:
            roles.setdefault(org_id, "intermediate")
        if top != incident.organisation_id:
            roles[top] = "consignor"
    orgs = {o.id: o for o in db.session.scalars(select(Organisation).where(Organisation.id.in_(roles)))}
    for org_id, role in roles.items():
        own = consignor_paths.get(org_id, [])
        party = IncidentParty(organisation_id=org_id, role=role, paths=[list(p.organisation_ids) for p in own],
                              entrustment_paths=[list(p.entrustment_ids) for p in own], facts={},
                              consignor_notices={})
        party.organisation = orgs[org_id]
        incident.parties.append(party)


@uow.atomic()
def update_facts(actor, incident_id: int, data: Mapping) -> Incident:
    """Record facts as they become known (only the keys given change; null clears); the timeline keeps each change.

    The organisation where it happened records the incident's facts; a consignor that sends this records the facts
    of its own data instead (`record_party_facts` on its own party)."""
    incident = get_incident(actor, incident_id)
    if not can_edit_facts(actor, incident):
        party = incident.party_for(getattr(actor, "organisation_id", None))
        if party is not None and party.role == "consignor":
            facts = data.get("facts") if isinstance(data, Mapping) else None
            record_party_facts(actor, incident.id, party.id, {"facts": facts if facts is not None else {},
                                                              "note": data.get("note", "")})
            return incident
    _editable(actor, incident, _l("Only the organisation where the incident happened records its facts."))
    raw = validation.facts_object(data)
    cleared = {k for k, v in raw.items() if v in (None, "", [], {})}
    facts = {k: v for k, v in validation.clean(raw, stored=incident.facts).items() if k not in cleared}
    origin = incident.party_for(incident.organisation_id)
    changes = _diff(incident.facts, facts)
    notices_before = dict(origin.consignor_notices or {})
    notified = None
    if "notified_consignor_at" in data and incident.scope != "own":
        notified = moment(data.get("notified_consignor_at"), "notified_consignor_at")
        origin.consignor_notices = {}
        for consignor_id in direct_consignors(incident, incident.organisation_id) if notified else ():
            origin.record_notice(consignor_id, notified)
    validation.check(facts, incident.organisation, notified or origin.notified_consignor_at)
    if origin.consignor_notices != notices_before:
        changes.append(("notified_consignor_at", _earliest(notices_before), origin.notified_consignor_at))
    if not changes:
        return incident
    before = dict(incident.facts)
    incident.facts = facts
    chains.refresh(incident)
    _event(incident, actor, "facts", changes, note=str(data.get("note") or "")[:2000])
    trail.record(actor, "incident_facts", "incident", incident.id, label=incident.title, before=before, after=facts)
    return incident


def _earliest(notices: Mapping) -> datetime | None:
    moments = [datetime.fromisoformat(v) for v in notices.values()]
    return min(moments) if moments else None


def consignor_party(actor, incident: Incident, party_id: int) -> IncidentParty:
    """A consignor party whose facts the actor may record: its own, or any where it happened (NotFound for another
    party's, as if it did not exist; Forbidden for a role that may not record)."""
    party = next((p for p in incident.parties if p.id == party_id), None)
    if party is None or not (perm.is_admin(actor) or party.organisation_id == actor.organisation_id
                             or incident.organisation_id == actor.organisation_id):
        raise NotFound(_l("Incident not found."))
    if not can_record_facts_for(actor, incident, party):
        raise Forbidden(_l("Only a consignor records the facts of its own data (or the organisation where it "
                           "happened, for it)."))
    return party


@uow.atomic()
def record_party_facts(actor, incident_id: int, party_id: int, data: Mapping) -> IncidentParty:
    """Record the facts of one consignor's own data — its persons, data items, encryption, report items — without
    changing any other party's; by the consignor itself or by the organisation where it happened. A count above
    the persons the consignor entrusted needs a reason."""
    incident = get_incident(actor, incident_id)
    party = consignor_party(actor, incident, party_id)
    _open(incident)
    data = data if isinstance(data, Mapping) else {}
    facts = validation.validate_party_facts(
        data.get("facts") if data.get("facts") is not None else {}, stored=party.facts or {},
        incident_facts=incident.facts, entrusted_persons=chains.entrusted_of(party).persons)
    changes = _diff(party.facts or {}, facts)
    if not changes:
        return party
    before = dict(party.facts or {})
    party.facts = facts
    chains.refresh(incident)
    _event(incident, actor, "party_facts", changes, note=str(data.get("note") or "")[:2000],
           concerns=party.organisation_id)
    trail.record(actor, "incident_party_facts", "incident_party", party.id, label=incident.title,
                 before=before, after=facts)
    return party


# ---------------------------------------------------------------- what each party did

PARTY_ACTIONS = {
    "known": "known_at",
    "notified_consignor": "consignor_notices",
    "quick_report": "quick_reported_at",
    "final_report": "final_reported_at",
    "person_notice": "person_notice_at",
    "public_notice": "public_notice_at",
}


@uow.atomic()
def record_for_party(actor, incident_id: int, party_id: int, action: str, data: Mapping) -> IncidentParty:
    """A party records when it learned, notified a consignor (`consignor_id` when it has several), reported,
    noticed the persons or published; or the alternative measure (and why the persons could not be reached)."""
    incident = get_incident(actor, incident_id)
    party = next((p for p in incident.parties if p.id == party_id), None)
    if party is None or not (perm.is_admin(actor) or party.organisation_id == actor.organisation_id
                             or incident.organisation_id == actor.organisation_id):
        raise NotFound(_l("Incident not found."))
    if not can_record_for(actor, party):
        raise Forbidden(_l("Only the organisation concerned records its own notices and reports."))
    _open(incident)
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
        at = moment(data.get("at"), "at")
        if at is None:
            raise ValidationFailed({"at": [_l("This field is required.")]})
        validation.check_past(at, incident.facts.get("occurred_on"))
        if action == "notified_consignor":
            consignor_id = _notified_consignor(incident, party, data.get("consignor_id"))
            party.consignor_notices = {**(party.consignor_notices or {}), str(consignor_id): at.isoformat()}
        else:
            setattr(party, PARTY_ACTIONS[action], at)
        if action in ("known", "notified_consignor"):
            chains.refresh(incident)
        party.update_next_due()
    else:
        raise ValidationFailed({"action": [FACT_MESSAGES["unknown_code"] % {"value": action}]})
    after = party.snapshot()
    _event(incident, actor, action, _diff(before, after), organisation_id=party.organisation_id,
           concerns=party.organisation_id)
    trail.record(actor, f"incident_{action}", "incident_party", party.id, label=incident.title, before=before,
                 after=after)
    return party


def _notified_consignor(incident: Incident, party: IncidentParty, raw) -> int:
    consignors = direct_consignors(incident, party.organisation_id)
    chosen = object_id(raw) if raw not in (None, "") else (consignors[0] if len(consignors) == 1 else None)
    if chosen is None or chosen not in consignors:
        raise ValidationFailed({"consignor_id": [_l("Choose the consignor that was notified.")]})
    return chosen


def notice_received(actor, incident: Incident, notifier_id: int, recipient_id: int, at: datetime,
                    receipt_number: str) -> bool:
    """A filed notification reached `recipient_id` at `at`: the notifier's notice to that consignor
    (法26条1項ただし書) and the recipient's knowledge start then, unless either was recorded earlier. The caller
    has authorised the filing; False if either is not a party to this incident (nothing changes)."""
    notifier, recipient = incident.party_for(notifier_id), incident.party_for(recipient_id)
    if notifier is None or recipient is None or recipient_id not in direct_consignors(incident, notifier_id):
        return False
    before = notifier.notice_to_consignor(recipient_id)
    changes = [("notified_consignor_at", before, at)] if notifier.record_notice(recipient_id, at) else []
    if recipient.known_at is None or recipient.known_at > at:
        recipient.known_at = at
    chains.refresh(incident)
    _event(incident, actor, "notification", changes, note=receipt_number, organisation_id=notifier_id,
           concerns=recipient_id)
    return True


# ---------------------------------------------------------------- prevention measures and closing

@uow.atomic()
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
    return measure


@uow.atomic()
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
    return measure


@uow.atomic()
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
    return incident
