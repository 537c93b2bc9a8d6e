"""Answer once, reuse: a vendor pre-fills a new request from its own latest submitted answers to the same
questionnaire (whoever asked then). Only the vendor's own staff do this, and only its answers are copied —
nothing of the earlier requester reaches the new one. Answers that no longer fit the new version are left out."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from audits.answers import AnswerError, check_answers, is_unanswered
from audits.models import EvidenceFile, QuestionnaireRequest
from audits.responses import open_for_answers, questionnaire_of, save_answers, set_evidence_answer
from oversight import uow
from oversight.errors import Conflict
from oversight.extensions import db
from oversight.timeutil import today_jst
from oversight.trail import services as trail


def previous_request(request: QuestionnaireRequest) -> QuestionnaireRequest | None:
    """The vendor's latest submitted answers to the same questionnaire, other than this request."""
    return db.session.scalar(select(QuestionnaireRequest).where(
        QuestionnaireRequest.vendor_id == request.vendor_id, QuestionnaireRequest.id != request.id,
        QuestionnaireRequest.questionnaire_id == request.questionnaire_id,
        QuestionnaireRequest.status.in_(("submitted", "closed"))).order_by(
        QuestionnaireRequest.submitted_at.desc(), QuestionnaireRequest.id.desc()).limit(1))


def prefill_from_previous(actor, request_id: int) -> list[str]:
    """Copy the vendor's previous answers (and evidence files) into the questions of this request not answered
    yet; return the ids of the questions filled."""
    request = open_for_answers(actor, request_id)
    previous = previous_request(request)
    if previous is None:
        raise Conflict(_l("There are no earlier submitted answers of your organisation to this questionnaire."))
    q = questionnaire_of(request)
    answered = {a.question_id for a in request.answers}
    candidates = {}
    for answer in previous.answers:
        question = q.question(answer.question_id)
        if question is None or question.type == "evidence" or answer.question_id in answered \
                or is_unanswered(answer.value):
            continue
        try:
            check_answers(q, {answer.question_id: answer.value}, today_jst())
        except AnswerError:
            continue
        candidates[answer.question_id] = answer.value
    with uow.atomic():
        if candidates:
            save_answers(actor, request.id, candidates)
        copied_files = []
        for f in previous.evidence:
            question = q.question(f.question_id)
            if question is None or question.type != "evidence" or f.question_id in answered:
                continue
            request.evidence.append(EvidenceFile(
                question_id=f.question_id, filename=f.filename, media_type=f.media_type, size=f.size, sha256=f.sha256,
                content=f.content, uploaded_by_id=getattr(actor, "id", None),
                uploaded_by_name=getattr(actor, "name", "") or ""))
            copied_files.append(f.question_id)
        for question_id in dict.fromkeys(copied_files):
            digests = [f.sha256 for f in request.evidence if f.question_id == question_id]
            set_evidence_answer(actor, request, question_id, digests)
        filled = sorted(candidates) + sorted(set(copied_files))
        trail.record(actor, "questionnaire_prefill", "questionnaire_request", request.id,
                     label=f"{request.work_title} / {request.vendor.name}",
                     after={"from_request_id": previous.id, "questions": filled})
    return filled
