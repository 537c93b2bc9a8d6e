"""Use cases of the vendor answering a questionnaire request: save answers (autosave, or the form's save button),
attach and remove evidence, submit; and what the requester reads while it is open: progress and the score.

Answers are checked by audits.answers and scored by audits.scoring against the request's frozen questionnaire,
never against the YAML of today. Nothing bad is stored: one malformed answer refuses the whole save, naming it.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Mapping
from datetime import date
from typing import Any

from flask import current_app
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from audits import library, scoring
from audits.answers import AnswerError, check_answers, is_unanswered, translated
from audits.models import Answer, EvidenceFile, QuestionnaireRequest
from audits.visibility import get_request, is_respondent
from oversight import files, uow
from oversight import permissions as perm
from oversight.accounts.models import User
from oversight.errors import Conflict, Forbidden, NotFound, ValidationFailed
from oversight.extensions import db
from oversight.outbox import services as outbox
from oversight.timeutil import to_jst, today_jst, utcnow
from oversight.trail import services as trail

_THAWED: OrderedDict[str, library.Questionnaire] = OrderedDict()
_THAWED_MAX = 64
_THAWED_LOCK = threading.Lock()


def questionnaire_of(request: QuestionnaireRequest) -> library.Questionnaire:
    """The questionnaire exactly as it was frozen for this request (checked against its hash when it is thawed).
    Thawed copies are kept by their SHA-256, so the frozen bytes are read and parsed once per process."""
    digest = request.questionnaire_sha256
    with _THAWED_LOCK:
        found = _THAWED.get(digest)
        if found is not None:
            _THAWED.move_to_end(digest)
            return found
    found = library.thaw(bytes(request.questionnaire_frozen), digest)
    with _THAWED_LOCK:
        _THAWED[digest] = found
        while len(_THAWED) > _THAWED_MAX:
            _THAWED.popitem(last=False)
    return found


def as_of(request: QuestionnaireRequest) -> date:
    """The day the answers are judged on: the day of submission once submitted, else today (Japan time)."""
    return to_jst(request.submitted_at).date() if request.submitted_at else today_jst()


def current_score(request: QuestionnaireRequest) -> scoring.Score:
    """The score of the stored answers on the request's as-of day. An answer that no longer fits (a date that was
    in the future when given) is left out rather than failing the page."""
    q, values, day = questionnaire_of(request), request.values(), as_of(request)
    try:
        return scoring.score(q, values, as_of=day)
    except AnswerError as error:
        return scoring.score(q, {k: v for k, v in values.items() if k not in error.errors}, as_of=day)


def progress(score: scoring.Score) -> tuple[int, int]:
    """(answered, total) over the questions that apply given the answers so far."""
    applicable = [line for line in score.questions if line.status != "skipped"]
    return sum(1 for line in applicable if line.status in ("answered", "not_applicable")), len(applicable)


def stored_form(question: library.Question, normal: Any) -> Any:
    """The normal form of audits.answers as the JSON that is stored (and that audits.answers reads back)."""
    if question.type == "yes_no":
        return normal == "yes"
    if isinstance(normal, tuple):
        return list(normal)
    if isinstance(normal, date):
        return normal.isoformat()
    return normal


def open_for_answers(actor, request_id: int, interview: str | None = None) -> QuestionnaireRequest:
    """The request the actor answers: as the addressed vendor's staff, or — with `interview` naming whom it
    interviewed — as the requesting consignor's procurement entering the answers on the vendor's behalf."""
    if interview is None:
        perm.require(actor, "questionnaire.answer")
        request = get_request(actor, request_id)
        if not is_respondent(actor, request):
            raise Forbidden(_l("Only the vendor's staff answer its questionnaire."))
    else:
        perm.require(actor, "selection.edit")
        request = get_request(actor, request_id)
        if request.requester_id != actor.organisation_id:
            raise Forbidden(_l("Only the requesting organisation enters answers on the vendor's behalf."))
        if not isinstance(interview, str) or not interview.strip() or len(interview) > 200:
            raise ValidationFailed({"interview": [_l("Name the person you interviewed (at most 200 characters).")]})
        if request.status == "draft":
            raise Conflict(_l("Send the questionnaire first."))
    if not request.is_open:
        raise Conflict(_l("The answers were submitted; they can no longer be changed."))
    return request


def _only_queried(request: QuestionnaireRequest, question_ids) -> None:
    """A request returned by the auditor reopens for the answers it queried only (audits.review)."""
    if request.status != "returned":
        return
    from audits.review_state import queried_questions

    allowed = queried_questions(request.id)
    refused = {q: [_l("Only the answers the auditor queried can be changed now.")]
               for q in question_ids if q not in allowed}
    if refused:
        raise ValidationFailed(refused)


def _refusal(error: AnswerError) -> ValidationFailed:
    return ValidationFailed({question: [translated(entry, gettext) for entry in entries]
                             for question, entries in error.errors.items()})


def stored_values(request_id: int) -> dict[str, Any]:
    """The request's stored answers (question id → value), read as plain rows: no Answer objects are built."""
    return {question_id: value for question_id, value in db.session.execute(
        select(Answer.question_id, Answer.value).where(Answer.request_id == request_id))}


def _same(stored: Any, posted: Any) -> bool:
    """Whether a posted value is the stored one exactly (True is not 1 here)."""
    return stored is not None and type(stored) is type(posted) and stored == posted


def _write(request: QuestionnaireRequest, changes: dict[str, Any], actor, name: str, on_behalf: bool) -> None:
    """Store the changed answers (None: cleared), loading only their rows; the request's answers are read afresh
    afterwards."""
    if not changes:
        return
    rows = {a.question_id: a for a in db.session.scalars(select(Answer).where(
        Answer.request_id == request.id, Answer.question_id.in_(list(changes))))}
    actor_id = getattr(actor, "id", None)
    for question_id, value in changes.items():
        answer = rows.get(question_id)
        if value is None:
            if answer is not None:
                db.session.delete(answer)
        elif answer is None:
            db.session.add(Answer(request_id=request.id, question_id=question_id, value=value,
                                  answered_by_id=actor_id, answered_by_name=name, on_behalf=on_behalf))
        else:
            answer.value, answer.answered_by_id, answer.answered_by_name = value, actor_id, name
            answer.answered_at, answer.on_behalf = utcnow(), on_behalf
    db.session.flush()
    db.session.expire(request, ["answers"])


def _update_counts(request: QuestionnaireRequest) -> scoring.Score:
    score = current_score(request)
    request.answered_count, request.question_count = progress(score)
    return score


@uow.atomic()
def save_answers(actor, request_id: int, values: Mapping[str, Any], *,
                 interview: str | None = None) -> QuestionnaireRequest:
    """Save the given answers (question id → value; a blank value clears the answer). Evidence questions take their
    files through attach_evidence. One malformed answer refuses all of them, each bad one named. With `interview`
    (whom the actor interviewed), the consignor's procurement enters them on the vendor's behalf: each answer is
    marked so and the trail names the interviewer and the person interviewed."""
    request = open_for_answers(actor, request_id, interview)
    q = questionnaire_of(request)
    if not isinstance(values, Mapping):
        raise ValidationFailed({"answers": [_l("Expected an object.")]})
    errors: dict = {}
    for question_id in values:
        question = q.question(question_id) if isinstance(question_id, str) else None
        if question is None:
            errors[str(question_id)] = [_l("This questionnaire has no such question.")]
        elif question.type == "evidence":
            errors[question_id] = [_l("Attach files to this question with the upload.")]
    if errors:
        raise ValidationFailed(errors)
    stored = stored_values(request.id)
    # The autosave posts the whole form: an answer posted exactly as it is stored was checked when it was given.
    posted = {k: v for k, v in values.items() if not _same(stored.get(k), v)}
    given = {k: v for k, v in posted.items() if not is_unanswered(v)}
    try:
        normal = check_answers(q, given, today_jst())
    except AnswerError as error:
        raise _refusal(error) from None
    name = getattr(actor, "name", "") or getattr(actor, "email", "")
    on_behalf = interview is not None
    if on_behalf:
        name = f"{name}（{interview.strip()}への聞き取り / interview with {interview.strip()}）"[:254]
    changes = {}
    for question_id in posted:
        value = stored_form(q.question(question_id), normal[question_id]) if question_id in normal else None
        if value != stored.get(question_id):
            changes[question_id] = value
    _only_queried(request, list(changes))
    _write(request, changes, actor, name, on_behalf)
    changed = [k for k in values if k in changes and changes[k] is not None]
    if request.status == "sent":
        request.status = "in_progress"
    merged = {k: v for k, v in {**stored, **changes}.items() if v is not None}
    request.answered_count, request.question_count = scoring.progress(q, merged, as_of=as_of(request))
    if on_behalf:
        trail.record(actor, "questionnaire_on_behalf", "questionnaire_request", request.id,
                     label=f"{request.work_title} / {request.vendor.name}",
                     after={"interviewed": interview.strip(), "questions": changed})
    return request


@uow.atomic()
def attach_evidence(actor, request_id: int, question_id: str, filename: str, content: bytes) -> EvidenceFile:
    """Attach one file to an evidence question: a PDF or Office document recognised by its bytes, within the size
    limit; its SHA-256 becomes part of the answer."""
    request = open_for_answers(actor, request_id)
    question = questionnaire_of(request).question(question_id)
    if question is None or question.type != "evidence":
        raise ValidationFailed({"question_id": [_l("This question takes no files.")]})
    _only_queried(request, [question_id])
    filename = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()[:255]
    media_type, refusal = files.check(filename, content, current_app.config["ATTACHMENT_MAX_BYTES"])
    if not filename:
        raise ValidationFailed({"file": [_l("Choose a file to upload.")]})
    if refusal is not None:
        raise ValidationFailed({"file": [files.refusal_message(refusal)]})
    kept = [f for f in request.evidence if f.question_id == question_id]
    digest = hashlib.sha256(content).hexdigest()
    if any(f.sha256 == digest for f in kept):
        raise ValidationFailed({"file": [_l("%(name)s is attached already.", name=filename)]})
    if len(kept) >= question.max_files:
        raise ValidationFailed({"file": [_l("At most %(max)s files.", max=question.max_files)]})
    name = getattr(actor, "name", "") or getattr(actor, "email", "")
    evidence = EvidenceFile(question_id=question_id, filename=filename, media_type=media_type, size=len(content),
                            sha256=digest, content=content, uploaded_by_id=getattr(actor, "id", None),
                            uploaded_by_name=name)
    request.evidence.append(evidence)
    set_evidence_answer(actor, request, question_id, [f.sha256 for f in kept] + [digest])
    if request.status == "sent":
        request.status = "in_progress"
    db.session.flush()
    trail.record(actor, "evidence_attach", "questionnaire_request", request.id, label=filename, after={
        "question": question_id, "filename": filename, "size": len(content), "sha256": digest})
    return evidence


@uow.atomic()
def remove_evidence(actor, request_id: int, evidence_id: int) -> None:
    """Remove a file the vendor attached, while the request is open."""
    request = open_for_answers(actor, request_id)
    evidence = next((f for f in request.evidence if f.id == evidence_id), None)
    if evidence is None:
        raise NotFound(_l("No such file."))
    _only_queried(request, [evidence.question_id])
    request.evidence.remove(evidence)
    left = [f.sha256 for f in request.evidence if f.question_id == evidence.question_id]
    set_evidence_answer(actor, request, evidence.question_id, left)
    trail.record(actor, "evidence_remove", "questionnaire_request", request.id, label=evidence.filename,
                 before={"question": evidence.question_id, "filename": evidence.filename, "sha256": evidence.sha256})


def set_evidence_answer(actor, request: QuestionnaireRequest, question_id: str, digests: list[str]) -> None:
    """The answer to an evidence question: the SHA-256 of each of its files (none: unanswered)."""
    answer = next((a for a in request.answers if a.question_id == question_id), None)
    if not digests:
        if answer is not None:
            request.answers.remove(answer)
    elif answer is None:
        request.answers.append(Answer(question_id=question_id, value=digests, answered_by_id=getattr(actor, "id", None),
                                      answered_by_name=getattr(actor, "name", "") or ""))
    else:
        answer.value, answer.answered_at = digests, utcnow()
    _update_counts(request)


def get_evidence(actor, request_id: int, evidence_id: int) -> EvidenceFile:
    """One evidence file, for whoever may see the request."""
    request = get_request(actor, request_id)
    evidence = db.session.scalar(select(EvidenceFile).where(EvidenceFile.id == evidence_id,
                                                            EvidenceFile.request_id == request.id))
    if evidence is None:
        raise NotFound(_l("No such file."))
    return evidence


def answers_sha256(request: QuestionnaireRequest) -> str:
    """SHA-256 of the answers as submitted (canonical JSON), recorded in the trail."""
    content = json.dumps(request.values(), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


@uow.atomic()
def submit(actor, request_id: int, *, interview: str | None = None) -> QuestionnaireRequest:
    """Submit the answers: every required question that applies must be answered. The score is computed and kept
    as of the day of submission; the requester is mailed. With `interview`, procurement submits on the vendor's
    behalf (recorded as such)."""
    request = open_for_answers(actor, request_id, interview)
    if request.status == "returned":
        from audits.review_state import queried_questions

        owed = queried_questions(request.id)
        if owed:
            raise ValidationFailed({question: [_l("Answer the auditor's query on this answer first.")]
                                    for question in sorted(owed)},
                                   _l("Answer every query of the auditor before you send the answers back."))
    day = today_jst()
    try:
        score = scoring.score(questionnaire_of(request), request.values(), as_of=day)
    except AnswerError as error:
        raise _refusal(error) from None
    if score.unanswered_required:
        raise ValidationFailed({question: [_l("This question must be answered.")]
                                for question in score.unanswered_required},
                               _l("Answer every required question before you submit."))
    request.status, request.submitted_at = "submitted", utcnow()
    request.submitted_by_name = getattr(actor, "name", "") or getattr(actor, "email", "")
    if interview is not None:
        request.submitted_by_name = f"{request.submitted_by_name}（{interview.strip()}への聞き取り）"[:254]
    request.score, request.score_percent, request.blocked = score.to_dict(), score.percent, score.blocked
    request.answered_count, request.question_count = progress(score)
    digest = answers_sha256(request)
    trail.record(actor, "questionnaire_submit", "questionnaire_request", request.id,
                 label=f"{request.work_title} / {request.vendor.name}", after={
                     "questionnaire": request.questionnaire_id, "version": request.questionnaire_version,
                     "answers_sha256": digest, "answered": request.answered_count, "total": request.question_count,
                     "on_behalf_of_interviewee": interview.strip() if interview else None,
                     "score_percent": score.percent, "blocked": score.blocked,
                     "red_flags": [f.question for f in score.red_flags]})
    _mail_requester(request)
    if request.selection_id is None:  # a periodic audit's questionnaire: its auditor is told, the checks run
        from audits.review import audit_submitted

        audit_submitted(request)
    return request


def _mail_requester(request: QuestionnaireRequest) -> None:
    selection = request.selection
    if selection is None:
        return
    creator = db.session.get(User, selection.created_by_id) if selection.created_by_id else None
    if creator is None or not creator.is_enabled:
        return
    base = current_app.config.get("BASE_URL", "").rstrip("/")
    subject = (f"【oversight】質問票の回答が提出されました：{request.vendor.name} / "
               f"Questionnaire answered by {request.vendor.name}")
    body = "\n".join([
        f"{selection.title}", "",
        f"{request.vendor.name}が質問票に回答しました。/ {request.vendor.name} submitted its answers.",
        f"得点 / Score: {request.score_percent if request.score_percent is not None else '—'}%",
        *(["※重大な懸念事項（ブロッカー）があります / A blocker red flag was raised"] if request.blocked else []),
        "", f"{base}/selections/{selection.id}"])
    stamp = request.submitted_at.strftime("%Y%m%d%H%M%S")
    outbox.enqueue(f"questionnaire-request:{request.id}:submitted:{stamp}", [creator.email], subject, body,
                   object_type="questionnaire_request", object_id=request.id)
