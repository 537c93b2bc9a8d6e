"""/api/v1 answer once, share with many: the company's current answers (会社の回答) its own users keep, and their
shares with consignors — the same services as the pages (audits.company_answers) and the CLI."""

from __future__ import annotations

from flask import jsonify, url_for
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields

from audits import company_answers, responses
from audits.library import to_data
from audits.visibility import get_request
from oversight import permissions as perm
from oversight import uow
from oversight.api.base import ID, LOCATION, WRITE_ERRORS, ApiBlueprint, actor, documented, json_object
from oversight.errors import Forbidden

blp = ApiBlueprint("company_answers_api", __name__, url_prefix="",
                   description="Answer once, share with many: a vendor's current answers to each questionnaire "
                               "version, kept in its own company profile and shared with each consignor that asks.")


class AnswerShareSchema(Schema):
    id = fields.Integer()
    request_id = fields.Integer()
    consignor = fields.Dict(metadata={"description": "{id, name}: the consignor the answers were shared with"})
    questionnaire_version = fields.String(metadata={"description": "the version of the answers shared"})
    answered_on = fields.Date(allow_none=True, metadata={"description": "回答日: the day the answers were given"})
    answers_sha256 = fields.String(metadata={"description": "SHA-256 of the answers as shared (canonical JSON)"})
    questions = fields.List(fields.String(), metadata={"description": "the questions the share filled in"})
    shared_by_name = fields.String()
    shared_at = fields.DateTime()


class AnswerShareListSchema(Schema):
    items = fields.List(fields.Nested(AnswerShareSchema))


class CompanyAnswersSchema(Schema):
    id = fields.Integer()
    organisation = fields.Dict(metadata={"description": "{id, name}: the company"})
    questionnaire = fields.Dict(metadata={"description": "{id, version, sha256}"})
    answered_on = fields.Date(allow_none=True, metadata={"description": "回答日: the day the answers were last given"})
    answers = fields.Dict(metadata={"description": "question id → value, as a request stores it"})
    evidence = fields.List(fields.Dict(), metadata={"description": "{id, question_id, filename, size, sha256}"})
    shares = fields.List(fields.Nested(AnswerShareSchema), metadata={"description": "newest first"})
    updated_by_name = fields.String()
    updated_at = fields.DateTime()


class CompanyAnswersDetailSchema(CompanyAnswersSchema):
    questions = fields.List(fields.Dict(), metadata={"description": "the questionnaire's questions, as frozen"})


class CompanyAnswersListSchema(Schema):
    items = fields.List(fields.Nested(CompanyAnswersSchema))


class CompanyAnswersCreateSchema(Schema):
    questionnaire = fields.String(required=True, metadata={"enum": ["dd-selection", "triage"],
                                                           "example": "dd-selection"})


class CompanyAnswersUpdateSchema(Schema):
    answers = fields.Dict(required=True, metadata={
        "description": "question id → value (as for a request's answers); null or \"\" clears an answer. Evidence "
                       "files are attached on the company answers page.",
        "example": {"bp_policy": True, "sub_practice": "none"}})


def _share(s) -> dict:
    return {"id": s.id, "request_id": s.request_id, "consignor": {"id": s.consignor.id, "name": s.consignor.name},
            "questionnaire_version": s.questionnaire_version, "answered_on": s.answered_on,
            "answers_sha256": s.values_sha256, "questions": list(s.questions or []),
            "shared_by_name": s.shared_by_name, "shared_at": s.shared_at}


def _answers(a, *, detail: bool = False) -> dict:
    out = {"id": a.id, "organisation": {"id": a.organisation.id, "name": a.organisation.name},
           "questionnaire": {"id": a.questionnaire_id, "version": a.questionnaire_version,
                             "sha256": a.questionnaire_sha256},
           "answered_on": a.answered_on, "answers": dict(a.values or {}),
           "evidence": [{"id": f.id, "question_id": f.question_id, "filename": f.filename, "size": f.size,
                         "sha256": f.sha256} for f in a.evidence],
           "shares": [_share(s) for s in a.shares], "updated_by_name": a.updated_by_name, "updated_at": a.updated_at}
    if detail:
        out["questions"] = to_data(responses.questionnaire_of(a))["questions"]
    return out


@blp.route("/company-answers")
@blp.response(200, CompanyAnswersListSchema)
@documented(errors=(401, 403))
def list_company_answers():
    """Your company's current answers, one per questionnaire version, with their shares"""
    return {"items": [_answers(a) for a in company_answers.list_company_answers(actor())]}


@blp.route("/company-answers", methods=["POST"])
@blp.response(201, CompanyAnswersDetailSchema, headers=LOCATION)
@documented(errors=WRITE_ERRORS, body=CompanyAnswersCreateSchema)
def start_company_answers():
    """Start your company's answers to the current version of a questionnaire (blank)"""
    body = json_object()
    with uow.atomic():
        started = company_answers.start_company_answers(actor(), body)
        out = _answers(started, detail=True)
    return jsonify(out), 201, {"Location": url_for(".get_company_answers", answers_id=started.id)}


@blp.route(f"/company-answers/<{ID}:answers_id>")
@blp.response(200, CompanyAnswersDetailSchema)
@documented()
def get_company_answers(answers_id: int):
    """One set of your company's answers: the questions, the answers, the evidence, the shares"""
    return _answers(company_answers.get_company_answers(actor(), answers_id), detail=True)


@blp.route(f"/company-answers/<{ID}:answers_id>/answers", methods=["POST"])
@blp.response(200, CompanyAnswersDetailSchema)
@documented(errors=WRITE_ERRORS, body=CompanyAnswersUpdateSchema)
def update_company_answers(answers_id: int):
    """Change your company's answers; each malformed answer is named and none is saved"""
    body = json_object()
    return _answers(company_answers.update_company_answers(actor(), answers_id, body.get("answers")), detail=True)


@blp.route(f"/questionnaire-requests/<{ID}:request_id>/company-answers", methods=["POST"])
@blp.response(200, CompanyAnswersSchema)
@documented(errors=(401, 403, 404, 409))
def keep_request_answers(request_id: int):
    """Keep a submitted request's answers (and files) as your company's answers to that questionnaire version"""
    return _answers(company_answers.save_from_request(actor(), request_id))


@blp.route(f"/questionnaire-requests/<{ID}:request_id>/share", methods=["POST"])
@blp.response(201, AnswerShareSchema)
@documented(errors=(401, 403, 404, 409, 422))
def share_answers(request_id: int):
    """Share your company's current answers with the consignor of this open request (fills it in from them)"""
    with uow.atomic():
        share = company_answers.share_into_request(actor(), request_id)
        out = _share(share)
    return jsonify(out), 201


@blp.route(f"/questionnaire-requests/<{ID}:request_id>/shares")
@blp.response(200, AnswerShareListSchema)
@documented()
def request_shares(request_id: int):
    """The shares of a vendor's company answers into this request (its consignor and the vendor read them)"""
    if not any(perm.allows(actor(), a) for a in ("selection.view", "questionnaire.answer")):
        raise Forbidden(_l("Your role does not allow this action."))
    request = get_request(actor(), request_id)
    return {"items": [_share(s) for s in company_answers.shares_of_request(actor(), request)]}
