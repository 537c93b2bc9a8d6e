"""/api/v1 selection resources: selections and their candidates, the questionnaire requests a vendor answers, the
score, the comparison and the decision. The same services as the web pages and the CLI; the same JSON refusals.
"""

from __future__ import annotations

import base64
import binascii

from flask import jsonify, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields
from sqlalchemy import select

from audits import conditions, responses, selection
from audits.models import OUTCOMES, REQUEST_STATUSES, SELECTION_STATUSES, QuestionnaireRequest
from audits.visibility import get_request, get_selection, is_requester, restrict_requests
from oversight import inputs, uow
from oversight import permissions as perm
from oversight.api.base import ID, LOCATION, WRITE_ERRORS, ApiBlueprint, actor, documented, json_object
from oversight.errors import Forbidden, ValidationFailed
from oversight.extensions import db
from oversight.notifications import attachments

blp = ApiBlueprint("audits_api", __name__, url_prefix="",
                   description="Vendor selection: due-diligence questionnaires sent, answered, scored, compared, "
                               "decided.")


class ConditionSchema(Schema):
    id = fields.Integer(dump_only=True)
    text = fields.String(required=True, metadata={"example": "SOC 2 Type II報告書の提出"})
    owner = fields.String(required=True, metadata={"example": "調達部 鈴木"})
    due_on = fields.Date(required=True, metadata={"example": "2027-03-31"})
    met_on = fields.Date(allow_none=True, dump_only=True)
    waived_on = fields.Date(allow_none=True, dump_only=True)
    closed_note = fields.String(dump_only=True, metadata={"description": "how it was met, or why it was waived"})
    closed_by_name = fields.String(dump_only=True)
    closed_at = fields.DateTime(allow_none=True, dump_only=True)


class ConditionClosingSchema(Schema):
    closing = fields.String(required=True, metadata={"enum": ["met", "waived"]})
    note = fields.String(metadata={"description": "how it was met; required to waive (the reason)"})


class DecisionSchema(Schema):
    outcome = fields.String(metadata={"enum": list(OUTCOMES)})
    reason = fields.String()
    score_percent = fields.Float(allow_none=True)
    decided_by_name = fields.String()
    decided_at = fields.DateTime()
    conditions = fields.List(fields.Nested(ConditionSchema))


class DecisionRequestSchema(Schema):
    outcome = fields.String(required=True, metadata={"enum": list(OUTCOMES)})
    reason = fields.String(metadata={"description": "required for a rejection, and to approve despite a blocker"})
    conditions = fields.List(fields.Nested(ConditionSchema), metadata={"description": "for a conditional approval"})


class RequestSchema(Schema):
    id = fields.Integer()
    selection_id = fields.Integer(allow_none=True, metadata={"description": "null for a periodic audit's"})
    consignor = fields.Dict(metadata={"description": "{id, name}: who asks (the consignor, or the auditor)"})
    vendor = fields.Dict(metadata={"description": "{id, name}: who answers"})
    title = fields.String(metadata={"description": "the work the selection is for, or the data set audited"})
    questionnaire = fields.Dict(metadata={"description": "{id, version, sha256, title}: as frozen when added"})
    status = fields.String(metadata={"enum": list(REQUEST_STATUSES)})
    due_on = fields.Date(allow_none=True)
    answered = fields.Integer()
    total = fields.Integer()
    sent_at = fields.DateTime(allow_none=True)
    submitted_at = fields.DateTime(allow_none=True)
    score_percent = fields.Float(allow_none=True)
    blocked = fields.Boolean()
    decision = fields.Nested(DecisionSchema, allow_none=True)


class RequestListSchema(Schema):
    items = fields.List(fields.Nested(RequestSchema))


class RequestDetailSchema(RequestSchema):
    questions = fields.List(fields.Dict(), metadata={"description": "the frozen questionnaire's questions"})
    answers = fields.Dict(metadata={"description": "question id → the current answer"})
    evidence = fields.List(fields.Dict(), metadata={"description": "{id, question_id, filename, size, sha256}"})


class SelectionSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    purpose = fields.String()
    data_items = fields.List(fields.String())
    person_count = fields.Integer(allow_none=True)
    includes_sensitive = fields.Boolean()
    status = fields.String(metadata={"enum": list(SELECTION_STATUSES)})
    created_at = fields.DateTime()
    candidates = fields.List(fields.Nested(RequestSchema))


class SelectionListSchema(Schema):
    items = fields.List(fields.Nested(SelectionSchema))


class SelectionCreateSchema(Schema):
    title = fields.String(required=True, metadata={"example": "会員コールセンター業務の委託先選定"})
    purpose = fields.String()
    data_items = fields.List(fields.String(), metadata={"example": ["name", "phone"]})
    person_count = fields.Integer(allow_none=True, metadata={"example": 120000})
    includes_sensitive = fields.Boolean()


class CandidateCreateSchema(Schema):
    vendor_id = fields.Integer(required=True, metadata={"description": "an organisation you may see"})
    questionnaire = fields.String(metadata={"enum": list(selection.SENDABLE), "example": "dd-selection"})
    due_on = fields.Date(allow_none=True)
    message = fields.String()


class AnswersSchema(Schema):
    answers = fields.Dict(required=True, metadata={
        "description": "question id → value (yes_no: true/false; single_choice: a code; multiple_choice: a list of "
                       "codes; number; date: YYYY-MM-DD; text). null or \"\" clears an answer.",
        "example": {"bp_policy": True, "sub_practice": "none"}})


class EvidenceCreateSchema(Schema):
    question_id = fields.String(required=True)
    filename = fields.String(required=True, metadata={"example": "ISMS認証書.pdf"})
    content_base64 = fields.String(required=True, metadata={"description": "the file, base64 (RFC 4648)"})


class ScoreSchema(Schema):
    questionnaire = fields.String()
    version = fields.String()
    as_of = fields.Date()
    max = fields.Float()
    earned = fields.Float()
    percent = fields.Float(allow_none=True)
    blocked = fields.Boolean()
    categories = fields.List(fields.Dict())
    red_flags = fields.List(fields.Dict())
    unanswered = fields.Dict()
    skipped = fields.List(fields.String())
    costs = fields.List(fields.Dict())
    questions = fields.List(fields.Dict())


class ComparisonSchema(Schema):
    selection_id = fields.Integer()
    candidates = fields.List(fields.Dict(), metadata={
        "description": "per candidate: request id, vendor, percent, blocked, categories, red flags, certifications, "
                       "incidents, subcontractors (declared; in your registry), accepts_contract_clauses (null if "
                       "not asked), late notifications to you, decision"})


def _require_reader() -> None:
    if not any(perm.allows(actor(), a) for a in ("selection.view", "questionnaire.answer")):
        raise Forbidden(_l("Your role does not allow this action."))


def _lang() -> str:
    locale = get_locale()
    return "ja" if locale is None or locale.language == "ja" else "en"


def _decision(d) -> dict | None:
    if d is None:
        return None
    return {"outcome": d.outcome, "reason": d.reason, "score_percent": d.score_percent,
            "decided_by_name": d.decided_by_name, "decided_at": d.decided_at,
            "conditions": [_condition(c) for c in d.conditions]}


def _condition(c) -> dict:
    return {"id": c.id, "text": c.text, "owner": c.owner, "due_on": c.due_on, "met_on": c.met_on,
            "waived_on": c.waived_on, "closed_note": c.closed_note, "closed_by_name": c.closed_by_name,
            "closed_at": c.closed_at}


def _request(r: QuestionnaireRequest) -> dict:
    q = responses.questionnaire_of(r)
    return {"id": r.id, "selection_id": r.selection_id,
            "consignor": {"id": r.requester.id, "name": r.requester.name},
            "vendor": {"id": r.vendor.id, "name": r.vendor.name}, "title": r.work_title,
            "questionnaire": {"id": r.questionnaire_id, "version": r.questionnaire_version,
                              "sha256": r.questionnaire_sha256, "title": q.title.get(_lang())},
            "status": r.status, "due_on": r.due_on, "answered": r.answered_count, "total": r.question_count,
            "sent_at": r.sent_at, "submitted_at": r.submitted_at, "score_percent": r.score_percent,
            "blocked": r.blocked, "decision": _decision(r.decision)}


def _detail(r: QuestionnaireRequest) -> dict:
    from audits.library import to_data

    return {**_request(r), "questions": to_data(responses.questionnaire_of(r))["questions"],
            "answers": r.values(),
            "evidence": [{"id": f.id, "question_id": f.question_id, "filename": f.filename, "size": f.size,
                          "sha256": f.sha256} for f in r.evidence]}


def _selection(s, candidates) -> dict:
    return {"id": s.id, "title": s.title, "purpose": s.purpose, "data_items": list(s.data_items or []),
            "person_count": s.person_count, "includes_sensitive": s.includes_sensitive, "status": s.status,
            "created_at": s.created_at, "candidates": [_request(r) for r in candidates]}


@blp.route("/selections")
@blp.response(200, SelectionListSchema)
@documented(errors=(401, 403))
def list_selections():
    """Your organisation's selections, newest first, with their candidates"""
    return {"items": [_selection(s, s.requests) for s in selection.list_selections(actor())]}


@blp.route("/selections", methods=["POST"])
@blp.response(201, SelectionSchema, headers=LOCATION)
@documented(errors=WRITE_ERRORS, body=SelectionCreateSchema)
def create_selection():
    """Open a selection for a piece of work: what will be entrusted (data items, persons, sensitive data)"""
    with uow.atomic():
        s = selection.create_selection(actor(), json_object())
        body = _selection(s, [])
    return jsonify(body), 201, {"Location": url_for(".get_selection_", selection_id=s.id)}


@blp.route(f"/selections/<{ID}:selection_id>")
@blp.response(200, SelectionSchema)
@documented()
def get_selection_(selection_id: int):
    """One selection with its candidates"""
    perm.require(actor(), "selection.view")
    s = get_selection(actor(), selection_id)
    return _selection(s, s.requests)


@blp.route(f"/selections/<{ID}:selection_id>/candidates", methods=["POST"])
@blp.response(201, RequestSchema, headers=LOCATION)
@documented(errors=WRITE_ERRORS, body=CandidateCreateSchema)
def add_candidate(selection_id: int):
    """Add a candidate vendor with its questionnaire (dd-selection or triage), frozen now; send it with /send"""
    with uow.atomic():
        r = selection.add_candidate(actor(), selection_id, json_object())
        body = _request(r)
    return jsonify(body), 201, {"Location": url_for(".get_request_", request_id=r.id)}


@blp.route(f"/selections/<{ID}:selection_id>/send", methods=["POST"])
@blp.response(200, RequestListSchema)
@documented(errors=(401, 403, 404, 409, 422))
def send_all(selection_id: int):
    """Send every candidate's questionnaire not sent yet; the vendors' staff are mailed"""
    return {"items": [_request(r) for r in selection.send_all(actor(), selection_id)]}


@blp.route(f"/selections/<{ID}:selection_id>/comparison")
@blp.response(200, ComparisonSchema)
@documented()
def comparison(selection_id: int):
    """The candidates side by side: score per category, red flags, certifications and their expiry"""
    lang = _lang()
    columns = selection.compare(actor(), selection_id)
    return {"selection_id": selection_id, "candidates": [{
        "request_id": c["request"].id, "vendor": {"id": c["request"].vendor.id, "name": c["request"].vendor.name},
        "status": c["request"].status, "percent": c["score"].percent, "blocked": c["score"].blocked,
        "categories": {k: v.percent for k, v in c["categories"].items()},
        "red_flags": [{"question": f.question, "severity": f.severity, "reason": f.reason.get(lang)}
                      for f in c["score"].red_flags],
        "certifications": [{"question": q.id, "expires_on": value, "result": line.result}
                           for q, value, line in c["certifications"]],
        "incidents": len(c["incidents"]),
        "subcontractors": {"declared": [said.get(lang) for said in c["subcontractors_declared"]],
                           "in_registry": [{"entrustment_id": e.id, "contractor": e.contractor.name}
                                           for e in c["subcontracted"]]},
        "accepts_contract_clauses": (c["clauses_answer"].get(lang) if c["clauses_answer"] else None)
        if c["clauses_question"] else None,
        "late_notifications": [{"id": n.id, "title": n.title, "filed_at": n.filed_at.isoformat()}
                               for n in c["late_notifications"]],
        "decision": _decision(c["request"].decision)} for c in columns]}


@blp.route("/questionnaire-requests")
@blp.response(200, RequestListSchema)
@documented(errors=(401, 403))
def list_requests():
    """Questionnaire requests: those your organisation sent, or those addressed to it"""
    _require_reader()
    query = restrict_requests(select(QuestionnaireRequest), actor()).order_by(QuestionnaireRequest.id.desc())
    return {"items": [_request(r) for r in db.session.scalars(query.limit(500))]}


@blp.route(f"/questionnaire-requests/<{ID}:request_id>")
@blp.response(200, RequestDetailSchema)
@documented()
def get_request_(request_id: int):
    """One request: its frozen questions, the answers so far and the evidence"""
    _require_reader()
    return _detail(get_request(actor(), request_id))


@blp.route(f"/questionnaire-requests/<{ID}:request_id>/answers", methods=["POST"])
@blp.response(200, RequestDetailSchema)
@documented(errors=WRITE_ERRORS, body=AnswersSchema)
def save_answers(request_id: int):
    """Save answers (the vendor's staff, while the request is open); each malformed answer is named, none is saved"""
    body = json_object()
    answers = body.get("answers")
    if not isinstance(answers, dict):
        raise ValidationFailed({"answers": [_l("Expected an object.")]})
    return _detail(responses.save_answers(actor(), request_id, answers))


evidence_body = inputs.body_limit(
    lambda config: attachments.request_limit(config["ATTACHMENT_MAX_BYTES"], 1, base64=True,
                                             other=config["API_MAX_JSON_BYTES"]),
    lambda config: attachments.limit_refusal(config["ATTACHMENT_MAX_BYTES"], 1))


@blp.route(f"/questionnaire-requests/<{ID}:request_id>/evidence", methods=["POST"])
@evidence_body
@blp.response(201, RequestDetailSchema)
@documented(errors=WRITE_ERRORS, body=EvidenceCreateSchema)
def attach_evidence(request_id: int):
    """Attach a file (PDF or Office, checked by its content) to an evidence question"""
    body = json_object()
    errors = {k: [_l("This field is required.")] for k in ("question_id", "filename", "content_base64")
              if not isinstance(body.get(k), str) or not body.get(k)}
    if errors:
        raise ValidationFailed(errors)
    try:
        content = base64.b64decode(body["content_base64"], validate=True)
    except (binascii.Error, ValueError):
        raise ValidationFailed({"content_base64": [_l("The content is not valid base64.")]}) from None
    with uow.atomic():
        responses.attach_evidence(actor(), request_id, body["question_id"], body["filename"], content)
        detail = _detail(get_request(actor(), request_id))
    return jsonify(detail), 201


@blp.route(f"/questionnaire-requests/<{ID}:request_id>/submit", methods=["POST"])
@blp.response(200, RequestSchema)
@documented(errors=(401, 403, 404, 409, 422))
def submit(request_id: int):
    """Submit the answers: every required question that applies must be answered"""
    return _request(responses.submit(actor(), request_id))


@blp.route(f"/questionnaire-requests/<{ID}:request_id>/score")
@blp.response(200, ScoreSchema)
@documented()
def score(request_id: int):
    """The score of the answers (as kept on submission, else of the answers so far), explaining what cost what"""
    perm.require(actor(), "selection.view")
    r = get_request(actor(), request_id)
    if not is_requester(actor(), r):
        raise Forbidden(_l("The score is the requester's."))
    return jsonify(r.score if r.score is not None else responses.current_score(r).to_dict())


@blp.route(f"/questionnaire-requests/<{ID}:request_id>/decision", methods=["POST"])
@blp.response(201, DecisionSchema)
@documented(errors=WRITE_ERRORS, body=DecisionRequestSchema)
def decide(request_id: int):
    """Record the decision on a candidate: approved, conditional (conditions with owner and due date), rejected"""
    with uow.atomic():
        d = selection.decide(actor(), request_id, json_object())
        body = _decision(d)
    body = {**body, "decided_at": body["decided_at"].isoformat(),
            "conditions": [{**c, "due_on": c["due_on"].isoformat()} for c in body["conditions"]]}
    return jsonify(body), 201


@blp.route(f"/selection-conditions/<{ID}:condition_id>/closing", methods=["POST"])
@blp.response(200, ConditionSchema)
@documented(errors=WRITE_ERRORS, body=ConditionClosingSchema)
def condition_close(condition_id: int):
    """Mark a condition of an approval met (with a note) or waived (with the reason)"""
    with uow.atomic():
        c = conditions.close_condition(actor(), condition_id, json_object())
        body = _condition(c)
    return body
