"""/api/v1 incidents: the stateless Art. 26 assessment, the vocabularies, and the incident workspace.

The same services as the web pages and the CLI (`flask assess`); the same JSON refusals as the other resources.
"""

from __future__ import annotations

from datetime import date

from flask import request, url_for
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from oversight.api.base import ID, LOCATION, WRITE_ERRORS, ApiBlueprint, actor, documented, json_object
from oversight.errors import ValidationFailed
from oversight.incidents import board, services, workspace
from oversight.incidents.art26.facts import DATA_KINDS, HANDLER_KINDS, MAX_PERSONS
from oversight.incidents.art26.vocabulary import CAUSES, EVENTS, ITEMS, REPORT_ITEM_CODES
from oversight.incidents.models import INCIDENT_SCOPES

blp = ApiBlueprint("incidents_api", __name__, url_prefix="",
                   description="Article 26 assessments, the vocabularies behind them, incidents and their deadlines.")


class TierSchema(Schema):
    name = fields.String(required=True)
    kind = fields.String(validate=validate.OneOf(HANDLER_KINDS))
    notified_consignor_at = fields.String(allow_none=True, metadata={"example": "2026-11-17T15:00:00+09:00"})
    known_at = fields.String(allow_none=True)


class MyNumberSchema(Schema):
    designated_system = fields.Boolean()
    malicious_use = fields.Boolean()
    malicious_provision = fields.Boolean()
    used_against_art9 = fields.Boolean()
    provided_against_art19 = fields.Boolean()
    public_exposure = fields.Boolean(allow_none=True)


class PersonNoticeFactsSchema(Schema):
    contact_available = fields.Boolean(allow_none=True)


class OtherItemSchema(Schema):
    """A data item outside the vocabulary (給与額, 購買履歴 …): sensitive or financial only when said, with why."""

    name = fields.String(required=True, metadata={"example": "給与額"})
    sensitive = fields.Boolean()
    financial = fields.Boolean()
    reason = fields.String(metadata={"description": "required when sensitive or financial"})


class IncidentFactsSchema(Schema):
    """What happened, as the workspace records it (the chain and the handler come from the registry)."""

    data_kind = fields.String(validate=validate.OneOf(DATA_KINDS))
    events = fields.List(fields.String(validate=validate.OneOf(EVENTS)))
    certainty = fields.String(allow_none=True, validate=validate.OneOf(("occurred", "suspected")))
    data_items = fields.List(fields.String(validate=validate.OneOf(tuple(ITEMS))),
                             metadata={"example": ["name", "credit_card_number"]})
    cause = fields.String(allow_none=True, validate=validate.OneOf(tuple(CAUSES)),
                          metadata={"example": "unauthorised_access"})
    max_persons = fields.Integer(allow_none=True, validate=validate.Range(0, MAX_PERSONS))
    max_persons_known_at = fields.String(allow_none=True)
    high_grade_encryption = fields.Boolean()
    recovered_before_viewed = fields.Boolean()
    provided_intentionally = fields.Boolean()
    same_data_kept_elsewhere = fields.Boolean()
    deleted_for_reasonable_reason = fields.Boolean(metadata={
        "description": "deleted on purpose for a reasonable reason (e.g. retention expired): not a loss"})
    other_items = fields.List(fields.Nested(OtherItemSchema), allow_none=True)
    occurred_on = fields.Date(allow_none=True)
    known_at = fields.String(required=True, metadata={"example": "2026-11-17T10:00:00+09:00",
                                                      "description": "a date, or a date and time with its zone"})
    report_items = fields.Dict(keys=fields.String(validate=validate.OneOf(REPORT_ITEM_CODES)),
                               values=fields.String())
    person_notice = fields.Nested(PersonNoticeFactsSchema, allow_none=True)
    my_number = fields.Nested(MyNumberSchema, allow_none=True)


class FactsSchema(IncidentFactsSchema):
    """The complete input of the engine (see oversight/incidents/art26/facts.py)."""

    handler_kind = fields.String(required=True, validate=validate.OneOf(HANDLER_KINDS))
    report_authority = fields.String()
    chain = fields.List(fields.Nested(TierSchema))
    incident_at = fields.Raw(metadata={"description": "index of the tier where it happened, or \"consignor\""})


class AssessmentSchema(Schema):
    as_of = fields.String()
    is_incident = fields.Boolean()
    not_incident_reasons = fields.List(fields.Dict())
    events = fields.List(fields.Dict())
    certainty = fields.Dict()
    reportable = fields.Boolean()
    grounds = fields.List(fields.Dict(), metadata={"description": "each with its article and guideline example"})
    exceptions = fields.List(fields.Dict())
    quick_report = fields.Dict(allow_none=True)
    final_report = fields.Dict(allow_none=True)
    person_notice = fields.Dict()
    parties = fields.List(fields.Dict())
    destination = fields.Dict(allow_none=True)
    missing_report_items = fields.List(fields.String())
    notes = fields.List(fields.Dict())


class AsOfQuerySchema(Schema):
    as_of = fields.Date(metadata={"description": "assess as of this day (default: now)"})


class VocabularyEntrySchema(Schema):
    code = fields.String()
    label_ja = fields.String()
    label_en = fields.String()
    attributes = fields.Dict()


class VocabularySchema(Schema):
    items = fields.List(fields.Nested(VocabularyEntrySchema))


class IncidentOrganisationSchema(Schema):
    id = fields.Integer()
    name = fields.String()


class ConsignorNoticeSchema(Schema):
    consignor = fields.Nested(IncidentOrganisationSchema)
    at = fields.DateTime()


class IncidentPartySchema(Schema):
    id = fields.Integer()
    organisation = fields.Nested(IncidentOrganisationSchema)
    role = fields.String()
    status = fields.String(metadata={"description": "must_report, exempt or no_duty — for another organisation, as "
                                                    "far as your chains go; consignor: a consignor above you"})
    full = fields.Boolean(metadata={"description": "true when its own deadlines and records are shown"})
    must_report = fields.Boolean(allow_none=True)
    exempt = fields.Boolean(allow_none=True)
    notice_from = fields.Date(allow_none=True, metadata={"description": "window to notify its consignor"})
    notice_to = fields.Date(allow_none=True)
    quick_from = fields.Date(allow_none=True)
    quick_to = fields.Date(allow_none=True)
    final_due = fields.Date(allow_none=True)
    known_at = fields.DateTime(allow_none=True)
    notices = fields.List(fields.Nested(ConsignorNoticeSchema),
                          metadata={"description": "its notices to consignors you may see (法26条1項ただし書)"})
    facts = fields.Dict(allow_none=True, metadata={"description": "a consignor's own facts, when you may see them"})
    quick_reported_at = fields.DateTime(allow_none=True)
    final_reported_at = fields.DateTime(allow_none=True)
    person_notice_at = fields.DateTime(allow_none=True)
    person_notice_alternative = fields.String()
    public_notice_at = fields.DateTime(allow_none=True)


class PathAssessmentSchema(Schema):
    path = fields.List(fields.Integer(), metadata={"description": "organisation ids you may see, top first"})
    consignor = fields.Nested(IncidentOrganisationSchema, allow_none=True)
    facts = fields.Dict(metadata={"description": "the facts this chain is assessed on: its consignor's own data"})
    assessment = fields.Nested(AssessmentSchema)


class IncidentSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    status = fields.String()
    scope = fields.String()
    organisation = fields.Nested(IncidentOrganisationSchema)
    entrustment_id = fields.Integer(allow_none=True)
    facts = fields.Dict()
    created_at = fields.DateTime()
    parties = fields.List(fields.Nested(IncidentPartySchema))
    assessments = fields.List(fields.Nested(PathAssessmentSchema))


class IncidentSummarySchema(Schema):
    id = fields.Integer()
    title = fields.String()
    status = fields.String()
    organisation = fields.Nested(IncidentOrganisationSchema)
    created_at = fields.DateTime()


class IncidentListSchema(Schema):
    items = fields.List(fields.Nested(IncidentSummarySchema))
    page = fields.Integer()


class IncidentCreateSchema(Schema):
    organisation_id = fields.Integer(metadata={"description": "default: your organisation"})
    title = fields.String(required=True)
    scope = fields.String(validate=validate.OneOf(INCIDENT_SCOPES),
                          metadata={"description": "own data, one entrustment, or every engagement (default)"})
    entrustment_id = fields.Integer(allow_none=True)
    facts = fields.Nested(IncidentFactsSchema, required=True)
    notified_consignor_at = fields.String(allow_none=True, metadata={"example": "2026-11-17T15:00:00+09:00"})


class FactsUpdateSchema(Schema):
    facts = fields.Nested(IncidentFactsSchema, metadata={"description": "only the keys sent change; null clears"})
    notified_consignor_at = fields.String(allow_none=True)
    note = fields.String()


class PartyFactsSchema(Schema):
    """A consignor's own data in the incident: only the keys sent change; null clears."""

    max_persons = fields.Integer(allow_none=True, validate=validate.Range(0, MAX_PERSONS))
    persons_reason = fields.String(allow_none=True, metadata={
        "description": "required when max_persons is above the persons recorded for its entrustments"})
    max_persons_known_at = fields.String(allow_none=True)
    data_items = fields.List(fields.String(validate=validate.OneOf(tuple(ITEMS))), allow_none=True)
    other_items = fields.List(fields.Nested(OtherItemSchema), allow_none=True)
    high_grade_encryption = fields.Boolean(allow_none=True)
    report_items = fields.Dict(keys=fields.String(validate=validate.OneOf(REPORT_ITEM_CODES)),
                               values=fields.String(), allow_none=True)
    person_notice = fields.Nested(PersonNoticeFactsSchema, allow_none=True)


class PartyFactsUpdateSchema(Schema):
    facts = fields.Nested(PartyFactsSchema, required=True)
    note = fields.String()


class PartyRecordSchema(Schema):
    action = fields.String(required=True, validate=validate.OneOf(
        (*services.PARTY_ACTIONS, "person_notice_alternative")))
    at = fields.String(metadata={"example": "2026-11-19T10:00:00+09:00"})
    reason = fields.String(metadata={"description": "person_notice_alternative: the measure and why"})
    consignor_id = fields.Integer(metadata={"description": "notified_consignor: which consignor, when it has several"})


class WindowSchema(Schema):
    first = fields.Date(allow_none=True, metadata={"description": "the first day of a window (none: a due day)"})
    last = fields.Date()
    days_left = fields.Integer()


class DeadlineSchema(Schema):
    incident_id = fields.Integer()
    incident_title = fields.String()
    organisation = fields.Nested(IncidentOrganisationSchema)
    notice = fields.Nested(WindowSchema, allow_none=True, metadata={
        "description": "notify its consignor: about 3–5 days from knowing (通則編3-5-3-5)"})
    quick_report = fields.Nested(WindowSchema, allow_none=True, metadata={
        "description": "quick report window, a guideline target (通則編3-5-3-3)"})
    final_report = fields.Nested(WindowSchema, allow_none=True, metadata={"description": "施行規則8条2項"})
    next = fields.String(metadata={"description": "what is owed soonest: notice, quick or final"})
    due = fields.Date(metadata={"description": "the last day of what is owed soonest"})
    days_left = fields.Integer()
    bucket = fields.String(metadata={"description": "overdue, today, week or later"})


class DeadlineListSchema(Schema):
    items = fields.List(fields.Nested(DeadlineSchema))
    page = fields.Integer()


class BoardQuerySchema(Schema):
    sort = fields.String(validate=validate.OneOf(board.SORTS))
    page = fields.Integer(validate=validate.Range(1, 100_000), metadata={"description": "100 rows a page"})


class StatusQuerySchema(Schema):
    status = fields.String(validate=validate.OneOf(("open", "closed", "all")))
    page = fields.Integer(validate=validate.Range(1, 100_000), metadata={"description": "100 incidents a page"})


def _as_of() -> date | None:
    raw = request.args.get("as_of")
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed({"as_of": [_l("Enter a date (YYYY-MM-DD).")]}) from None


@blp.route("/assessments", methods=["POST"])
@blp.arguments(AsOfQuerySchema, location="query", as_kwargs=True)
@blp.response(200, AssessmentSchema)
@documented(errors=(400, 401, 413, 415, 422), body=FactsSchema)
def assess(as_of: date | None = None):
    """Assess a set of facts under Article 26 without storing anything

    The body is the engine's whole input: handler_kind and known_at are required; the chain (original consignor
    first) and incident_at place the incident in an outsourcing chain. Every conclusion carries its article.
    """
    return services.assess_facts(json_object(), as_of)


def _vocabulary(entries) -> dict:
    return {"items": list(entries)}


@blp.route("/vocabularies/data-items")
@blp.response(200, VocabularySchema)
@documented(errors=(401,))
def data_items():
    """The data items the engine knows, with their legal attributes (要配慮, 財産的被害, My Number)"""
    return _vocabulary({"code": i.code, "label_ja": i.ja, "label_en": i.en, "attributes": {
        "sensitive": i.sensitive, "financial_alone": i.financial_alone,
        "financial_with": sorted(i.financial_with), "my_number": i.my_number}} for i in ITEMS.values())


@blp.route("/vocabularies/causes")
@blp.response(200, VocabularySchema)
@documented(errors=(401,))
def causes():
    """The causes the engine knows, with what each implies (events, certainty, malicious purpose)"""
    return _vocabulary({"code": c.code, "label_ja": c.ja, "label_en": c.en, "attributes": {
        "events": sorted(c.events), "certainty": c.certainty, "malicious": c.malicious,
        "about_to_acquire": c.about_to_acquire, "public_exposure": c.public_exposure}} for c in CAUSES.values())


def _org(org) -> dict | None:
    return {"id": org.id, "name": org.name} if org is not None else None


def _party(view) -> dict:
    p, full = view.party, view.full
    own = {"must_report": p.must_report, "exempt": p.exempt, "notice_from": p.notice_from, "notice_to": p.notice_to,
           "quick_from": p.quick_from, "quick_to": p.quick_to, "final_due": p.final_due, "known_at": p.known_at,
           "quick_reported_at": p.quick_reported_at, "final_reported_at": p.final_reported_at,
           "person_notice_at": p.person_notice_at, "person_notice_alternative": p.person_notice_alternative,
           "public_notice_at": p.public_notice_at,
           "facts": dict(p.facts or {}) if p.role == "consignor" else None} if full else {}
    return {"id": p.id, "organisation": _org(p.organisation), "role": p.role, "status": view.status, "full": full,
            "notices": [{"consignor": _org(org), "at": at} for org, at in view.notices], **own}


def _incident(incident_id: int) -> dict:
    page = workspace.build(actor(), incident_id)
    incident = page.incident
    return {"id": incident.id, "title": incident.title, "status": incident.status, "scope": incident.scope,
            "organisation": _org(incident.organisation), "entrustment_id": incident.entrustment_id,
            "facts": page.facts, "created_at": incident.created_at,
            "parties": [_party(p) for p in page.parties],
            "assessments": [{"path": list(c.path), "consignor": _org(c.consignor), "facts": c.facts,
                             "assessment": {**c.assessment, "parties": [
                                 t.engine if not t.above else {"name": t.organisation.name, "role": t.engine["role"]}
                                 for t in c.tiers]}}
                            for c in page.chains]}


@blp.route("/incidents")
@blp.arguments(StatusQuerySchema, location="query", as_kwargs=True)
@blp.response(200, IncidentListSchema)
@documented(errors=(401, 403, 422))
def list_incidents(status: str = "open", page: int = 1):
    """Incidents your organisation is a party to (where it happened, or whose data it touches)"""
    return {"items": [{"id": i.id, "title": i.title, "status": i.status, "organisation": _org(i.organisation),
                       "created_at": i.created_at}
                      for i in services.list_incidents(actor(), status=status, page=page, per_page=100).items],
            "page": page}


@blp.route("/incidents", methods=["POST"])
@blp.response(201, IncidentSchema, headers=LOCATION)
@documented(errors=WRITE_ERRORS, body=IncidentCreateSchema)
def open_incident():
    """Open an incident with the facts known so far

    Every consignor whose data it touches (through the chain) becomes a party with its own assessment.
    """
    incident = services.open_incident(actor(), json_object())
    return _incident(incident.id), 201, {"Location": url_for(".get_incident", incident_id=incident.id)}


@blp.route(f"/incidents/<{ID}:incident_id>")
@blp.response(200, IncidentSchema)
@documented()
def get_incident(incident_id: int):
    """One incident: its facts, parties, duties and deadlines, and the assessment of each chain"""
    return _incident(incident_id)


@blp.route(f"/incidents/<{ID}:incident_id>/facts", methods=["PATCH"])
@blp.response(200, IncidentSchema)
@documented(errors=WRITE_ERRORS, body=FactsUpdateSchema)
def update_facts(incident_id: int):
    """Record facts as they become known (the timeline keeps each change)

    The organisation where it happened records the incident's facts. A consignor records the facts of its own
    data (persons, data items, encryption, report items) on its own party instead: the same as
    `PATCH /incidents/{id}/parties/{party_id}/facts`.
    """
    services.update_facts(actor(), incident_id, json_object())
    return _incident(incident_id)


@blp.route(f"/incidents/<{ID}:incident_id>/parties/<{ID}:party_id>/facts", methods=["PATCH"])
@blp.response(200, IncidentSchema)
@documented(errors=WRITE_ERRORS, body=PartyFactsUpdateSchema)
def update_party_facts(incident_id: int, party_id: int):
    """Record the facts of one consignor's own data, without changing any other party's

    By the consignor itself, or by the organisation where it happened (which knows them per consignor). A count above
    the persons recorded for the consignor's entrustments needs `persons_reason`.
    """
    services.record_party_facts(actor(), incident_id, party_id, json_object())
    return _incident(incident_id)


@blp.route(f"/incidents/<{ID}:incident_id>/parties/<{ID}:party_id>/records", methods=["POST"])
@blp.response(200, IncidentPartySchema)
@documented(errors=WRITE_ERRORS, body=PartyRecordSchema)
def record(incident_id: int, party_id: int):
    """Record what a party did: learned of it, notified its consignor, reported, notified the persons, published"""
    body = json_object()
    action = body.get("action")
    if not isinstance(action, str):
        raise ValidationFailed({"action": [_l("This field is required.")]})
    party = services.record_for_party(actor(), incident_id, party_id, action, body)
    page = workspace.build(actor(), incident_id)
    return _party(next(v for v in page.parties if v.party.id == party.id))


@blp.route("/deadlines")
@blp.arguments(BoardQuerySchema, location="query", as_kwargs=True)
@blp.response(200, DeadlineListSchema)
@documented(errors=(401, 403, 422))
def deadlines(sort: str = "due", page: int = 1):
    """Every notice and report still owed in the open incidents, by the parties you may see, soonest first"""
    def window(w):
        return {"first": w.first, "last": w.last, "days_left": w.days_left} if w else None

    return {"items": [{"incident_id": r.incident.id, "incident_title": r.incident.title,
                       "organisation": _org(r.party.organisation), "notice": window(r.notice),
                       "quick_report": window(r.quick), "final_report": window(r.final), "next": r.next[0],
                       "due": r.next[1].last, "days_left": r.next[1].days_left, "bucket": r.bucket}
                      for r in board.deadline_board(actor(), sort=sort, page=page).rows],
            "page": page}
