"""Answer once, share with many (use cases): a vendor keeps its current answers to a questionnaire version in its
own company profile (会社の情報) — started blank, or saved from a request it submitted — edits them, attaches
evidence, and shares them with a consignor that asks by filling that consignor's request from them. Each share is
recorded (which consignor, which answers, the day they were given — 回答日 —, who shared, when) and is read by
that consignor and the vendor only. Only the company's own users (the role that answers questionnaires) read or
change its answers; whatever else is "not found".
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import false, select

from audits import library
from audits.answers import AnswerError, check_answers, is_unanswered
from audits.company_models import AnswerShare, CompanyAnswers, CompanyEvidence
from audits.models import EvidenceFile, QuestionnaireRequest
from audits.responses import (
    _refusal,
    open_for_answers,
    questionnaire_of,
    save_answers,
    set_evidence_answer,
    stored_form,
)
from audits.selection import SENDABLE
from audits.visibility import get_request, is_requester, is_respondent
from oversight import files, uow
from oversight import permissions as perm
from oversight.errors import Conflict, Forbidden, NotFound, ValidationFailed
from oversight.extensions import db
from oversight.timeutil import to_jst, today_jst
from oversight.trail import services as trail

NOT_FOUND = _l("No such answers of your company, or you may not see them.")


def _name(actor) -> str:
    return getattr(actor, "name", "") or getattr(actor, "email", "")


def restrict_company_answers(query, actor):
    """Limit a CompanyAnswers select to the actor's own company's (operator admins: all)."""
    if perm.is_admin(actor):
        return query
    if not perm.allows(actor, "questionnaire.answer") or actor.organisation_id is None:
        return query.where(false())
    return query.where(CompanyAnswers.organisation_id == actor.organisation_id)


def restrict_shares(query, actor):
    """Limit an AnswerShare select to the shares the actor may read: its company's own (as the vendor), or those
    made into its own organisation's requests (as the consignor)."""
    if perm.is_admin(actor):
        return query
    org_id = actor.organisation_id
    if org_id is None:
        return query.where(false())
    own = [AnswerShare.consignor_id == org_id] if perm.allows(actor, "selection.view") else []
    if perm.allows(actor, "questionnaire.answer"):
        own.append(AnswerShare.vendor_id == org_id)
    if not own:
        return query.where(false())
    condition = own[0] if len(own) == 1 else (own[0] | own[1])
    return query.where(condition)


def list_company_answers(actor) -> list[CompanyAnswers]:
    """The actor's company's current answers, one per questionnaire version."""
    perm.require(actor, "questionnaire.answer")
    query = restrict_company_answers(select(CompanyAnswers), actor)
    return list(db.session.scalars(query.order_by(CompanyAnswers.questionnaire_id,
                                                  CompanyAnswers.questionnaire_version.desc())))


def get_company_answers(actor, answers_id: int) -> CompanyAnswers:
    """One set of the company's answers, if the actor is one of its users; else NotFound."""
    perm.require(actor, "questionnaire.answer")
    found = db.session.get(CompanyAnswers, answers_id)
    if found is None or not (perm.is_admin(actor) or found.organisation_id == actor.organisation_id):
        raise NotFound(NOT_FOUND)
    return found


def _own(actor, answers_id: int) -> CompanyAnswers:
    found = get_company_answers(actor, answers_id)
    if found.organisation_id != actor.organisation_id:
        raise Forbidden(_l("Only the company's own users keep its answers."))
    return found


def _digest(values: dict) -> str:
    content = json.dumps(values, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def _label(answers: CompanyAnswers) -> str:
    return f"{answers.organisation.name} / {answers.questionnaire_id} {answers.questionnaire_version}"


@uow.atomic()
def start_company_answers(actor, data: dict) -> CompanyAnswers:
    """Start the company's answers to the current version of a questionnaire of the library (blank)."""
    perm.require(actor, "questionnaire.answer")
    if actor.organisation_id is None:
        raise Forbidden(_l("Only the company's own users keep its answers."))
    questionnaire_id = data.get("questionnaire") if isinstance(data, dict) else None
    if questionnaire_id not in SENDABLE:
        raise ValidationFailed({"questionnaire": [_l("Choose a questionnaire of the library.")]})
    q = library.current(questionnaire_id)
    if _find(actor.organisation_id, q.id, q.version) is not None:
        raise ValidationFailed({"questionnaire": [_l("Your company keeps answers to this questionnaire already.")]})
    frozen, digest = library.freeze(q)
    answers = CompanyAnswers(organisation_id=actor.organisation_id, questionnaire_id=q.id,
                             questionnaire_version=q.version, questionnaire_sha256=digest,
                             questionnaire_frozen=frozen, values={}, updated_by_id=getattr(actor, "id", None),
                             updated_by_name=_name(actor))
    db.session.add(answers)
    db.session.flush()
    trail.record(actor, "company_answers_save", "company_answers", answers.id, label=_label(answers), after={
        "questionnaire": q.id, "version": q.version, "answers": 0})
    return answers


def _find(organisation_id: int, questionnaire_id: str, version: str) -> CompanyAnswers | None:
    return db.session.scalar(select(CompanyAnswers).where(
        CompanyAnswers.organisation_id == organisation_id, CompanyAnswers.questionnaire_id == questionnaire_id,
        CompanyAnswers.questionnaire_version == version))


@uow.atomic()
def update_company_answers(actor, answers_id: int, values: Any) -> CompanyAnswers:
    """Change the company's answers (question id → value; blank clears); one malformed answer refuses them all,
    each named. The 回答日 becomes today."""
    answers = _own(actor, answers_id)
    q = questionnaire_of(answers)
    if not isinstance(values, dict):
        raise ValidationFailed({"answers": [_l("Expected an object.")]})
    errors = {}
    for question_id in values:
        question = q.question(question_id) if isinstance(question_id, str) else None
        if question is None:
            errors[str(question_id)] = [_l("This questionnaire has no such question.")]
        elif question.type == "evidence":
            errors[question_id] = [_l("Attach files to this question with the upload.")]
    if errors:
        raise ValidationFailed(errors)
    try:
        normal = check_answers(q, {k: v for k, v in values.items() if not is_unanswered(v)}, today_jst())
    except AnswerError as error:
        raise _refusal(error) from None
    current = dict(answers.values or {})
    changed = []
    for question_id in values:
        value = stored_form(q.question(question_id), normal[question_id]) if question_id in normal else None
        if value != current.get(question_id):
            changed.append(question_id)
            if value is None:
                current.pop(question_id, None)
            else:
                current[question_id] = value
    if changed:
        before = _digest(answers.values or {})
        answers.values, answers.answered_on = current, today_jst()
        answers.updated_by_id, answers.updated_by_name = getattr(actor, "id", None), _name(actor)
        trail.record(actor, "company_answers_update", "company_answers", answers.id, label=_label(answers),
                     before={"answers_sha256": before},
                     after={"answers_sha256": _digest(current), "questions": changed})
    return answers


@uow.atomic()
def save_from_request(actor, request_id: int) -> CompanyAnswers:
    """Keep a submitted request's answers (and evidence files) as the company's current answers to that
    questionnaire version; their 回答日 is the day of submission."""
    perm.require(actor, "questionnaire.answer")
    request = get_request(actor, request_id)
    if not is_respondent(actor, request):
        raise Forbidden(_l("Only the vendor's staff answer its questionnaire."))
    if request.status not in ("submitted", "closed"):
        raise Conflict(_l("Submit the answers first; then keep them as your company's answers."))
    answers = _find(request.vendor_id, request.questionnaire_id, request.questionnaire_version)
    if answers is None:
        answers = CompanyAnswers(organisation_id=request.vendor_id, questionnaire_id=request.questionnaire_id,
                                 questionnaire_version=request.questionnaire_version,
                                 questionnaire_sha256=request.questionnaire_sha256,
                                 questionnaire_frozen=bytes(request.questionnaire_frozen))
        db.session.add(answers)
    answers.values = dict(request.values())
    answers.answered_on = to_jst(request.submitted_at).date()
    answers.source_request_id = request.id
    answers.updated_by_id, answers.updated_by_name = getattr(actor, "id", None), _name(actor)
    answers.evidence = [CompanyEvidence(question_id=f.question_id, filename=f.filename, media_type=f.media_type,
                                        size=f.size, sha256=f.sha256, content=f.content,
                                        uploaded_by_name=f.uploaded_by_name) for f in request.evidence]
    db.session.flush()
    trail.record(actor, "company_answers_save", "company_answers", answers.id, label=_label(answers), after={
        "questionnaire": answers.questionnaire_id, "version": answers.questionnaire_version,
        "answers": len(answers.values), "answers_sha256": _digest(answers.values),
        "answered_on": answers.answered_on.isoformat(), "files": len(answers.evidence)})
    return answers


@uow.atomic()
def attach_company_evidence(actor, answers_id: int, question_id: str, filename: str, content: bytes
                            ) -> CompanyEvidence:
    """Attach a file (PDF or Office, checked by its content, within the size limit) to an evidence question."""
    answers = _own(actor, answers_id)
    question = questionnaire_of(answers).question(question_id) if isinstance(question_id, str) else None
    if question is None or question.type != "evidence":
        raise ValidationFailed({"question_id": [_l("This question takes no files.")]})
    filename = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()[:255]
    if not filename:
        raise ValidationFailed({"file": [_l("Choose a file to upload.")]})
    media_type, refusal = files.check(filename, content, current_app.config["ATTACHMENT_MAX_BYTES"])
    if refusal is not None:
        raise ValidationFailed({"file": [files.refusal_message(refusal)]})
    kept = [f for f in answers.evidence if f.question_id == question_id]
    digest = hashlib.sha256(content).hexdigest()
    if any(f.sha256 == digest for f in kept):
        raise ValidationFailed({"file": [_l("%(name)s is attached already.", name=filename)]})
    if len(kept) >= question.max_files:
        raise ValidationFailed({"file": [_l("At most %(max)s files.", max=question.max_files)]})
    evidence = CompanyEvidence(question_id=question_id, filename=filename, media_type=media_type, size=len(content),
                               sha256=digest, content=content, uploaded_by_name=_name(actor))
    answers.evidence.append(evidence)
    answers.values = {**(answers.values or {}), question_id: [f.sha256 for f in kept] + [digest]}
    answers.answered_on = today_jst()
    db.session.flush()
    trail.record(actor, "company_answers_update", "company_answers", answers.id, label=filename, after={
        "question": question_id, "filename": filename, "size": len(content), "sha256": digest})
    return evidence


@uow.atomic()
def remove_company_evidence(actor, answers_id: int, evidence_id: int) -> None:
    """Remove a file from the company's answers."""
    answers = _own(actor, answers_id)
    evidence = next((f for f in answers.evidence if f.id == evidence_id), None)
    if evidence is None:
        raise NotFound(_l("No such file."))
    answers.evidence.remove(evidence)
    left = [f.sha256 for f in answers.evidence if f.question_id == evidence.question_id]
    values = {k: v for k, v in (answers.values or {}).items() if k != evidence.question_id}
    answers.values = {**values, evidence.question_id: left} if left else values
    trail.record(actor, "company_answers_update", "company_answers", answers.id, label=evidence.filename,
                 before={"question": evidence.question_id, "filename": evidence.filename, "sha256": evidence.sha256})


def get_company_evidence(actor, answers_id: int, evidence_id: int) -> CompanyEvidence:
    """One file of the company's answers, for its own users."""
    answers = get_company_answers(actor, answers_id)
    evidence = next((f for f in answers.evidence if f.id == evidence_id), None)
    if evidence is None:
        raise NotFound(_l("No such file."))
    return evidence


def answers_for_request(request: QuestionnaireRequest) -> CompanyAnswers | None:
    """The vendor's current answers to the request's questionnaire: to its version if kept, else the latest kept."""
    rows = list(db.session.scalars(select(CompanyAnswers).where(
        CompanyAnswers.organisation_id == request.vendor_id,
        CompanyAnswers.questionnaire_id == request.questionnaire_id)))
    same = [a for a in rows if a.questionnaire_version == request.questionnaire_version]
    if same:
        return same[0]
    return max(rows, key=lambda a: (a.answered_on is not None, a.updated_at), default=None)


@uow.atomic()
def share_into_request(actor, request_id: int) -> AnswerShare:
    """Share the company's current answers with the consignor of an open request: fill the request from them
    (answers that do not fit its version are left out; evidence files are copied) and record the share."""
    request = open_for_answers(actor, request_id)
    answers = answers_for_request(request)
    if answers is None or not answers.values:
        raise Conflict(_l("Your company keeps no answers to this questionnaire yet: answer it under 会社の回答 "
                          "(Company answers), or keep a submitted request's answers there."))
    q = questionnaire_of(request)
    fitting = {}
    for question_id, value in (answers.values or {}).items():
        question = q.question(question_id)
        if question is None or question.type == "evidence" or is_unanswered(value):
            continue
        try:
            check_answers(q, {question_id: value}, today_jst())
        except AnswerError:
            continue
        fitting[question_id] = value
    if fitting:
        save_answers(actor, request.id, fitting)
    copied = []
    attached = {(f.question_id, f.sha256) for f in request.evidence}
    for f in answers.evidence:
        question = q.question(f.question_id)
        if question is None or question.type != "evidence" or (f.question_id, f.sha256) in attached:
            continue
        if sum(1 for e in request.evidence if e.question_id == f.question_id) >= question.max_files:
            continue
        request.evidence.append(EvidenceFile(
            question_id=f.question_id, filename=f.filename, media_type=f.media_type, size=f.size, sha256=f.sha256,
            content=f.content, uploaded_by_id=getattr(actor, "id", None), uploaded_by_name=_name(actor)))
        copied.append(f.question_id)
    for question_id in dict.fromkeys(copied):
        set_evidence_answer(actor, request, question_id,
                            [e.sha256 for e in request.evidence if e.question_id == question_id])
    share = AnswerShare(answers_id=answers.id, request_id=request.id, vendor_id=request.vendor_id,
                        consignor_id=request.requester_id, questionnaire_version=answers.questionnaire_version,
                        questionnaire_sha256=answers.questionnaire_sha256, answered_on=answers.answered_on,
                        values=dict(answers.values), values_sha256=_digest(answers.values or {}),
                        questions=sorted(fitting) + sorted(set(copied)), shared_by_id=getattr(actor, "id", None),
                        shared_by_name=_name(actor))
    db.session.add(share)
    db.session.flush()
    trail.record(actor, "company_answers_share", "answer_share", share.id,
                 label=f"{request.vendor.name} → {request.requester.name}", after={
                     "request_id": request.id, "questionnaire": request.questionnaire_id,
                     "version": answers.questionnaire_version, "answered_on": share.answered_on.isoformat()
                     if share.answered_on else None, "answers_sha256": share.values_sha256,
                     "questions": len(share.questions)})
    return share


def shares_of_request(actor, request: QuestionnaireRequest) -> list[AnswerShare]:
    """The shares into this request, newest first, for its consignor and the vendor (nobody else)."""
    if not (is_requester(actor, request) or is_respondent(actor, request)):
        return []
    return list(db.session.scalars(select(AnswerShare).where(AnswerShare.request_id == request.id)
                                   .order_by(AnswerShare.id.desc())))
