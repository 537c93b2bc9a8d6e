"""The auditor's review of each answer of a periodic audit's questionnaire, and the vendor's revisions.

The auditor accepts an answer, queries it (the vendor revises it: the request is returned, open for the queried
answers only) or rejects it; a query or a rejection may raise a finding at once. Every entry — the auditor's
verdicts and comments, the vendor's revisions with the answer as it then stood — is kept as the answer's thread
(AnswerReview), and the latest entry is its state. When the vendor sends its answers back (responses.submit), the
cross-checks run again on them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l

from audits import fields, review_state
from audits.audit_models import AnswerReview, Audit
from audits.audit_visibility import get_audit, is_audited, is_auditor
from audits.models import QuestionnaireRequest
from oversight import mail, uow
from oversight import permissions as perm
from oversight.accounts.system import SystemActor
from oversight.errors import Conflict, Forbidden, ValidationFailed
from oversight.extensions import db
from oversight.outbox import services as outbox
from oversight.registry.recipients import user_addresses
from oversight.trail import services as trail

VERDICTS = ("accepted", "queried", "rejected")
REVIEWABLE = ("submitted", "returned")  # the request's statuses in which the auditor reviews
MAX_COMMENT = 4000
SAY_WHAT = _l("Say what is wrong, or what the vendor must show: the vendor reads this.")
CROSS_CHECK_ACTOR = SystemActor(name="cross-check")


def actor_name(actor) -> str:
    """How an actor is named on a record: its name, else its e-mail (the cross-check in words, both languages)."""
    if actor is CROSS_CHECK_ACTOR:
        return "自動照合 / cross-check"
    return getattr(actor, "name", "") or getattr(actor, "email", "")




def request_of(audit: Audit) -> QuestionnaireRequest:
    """The audit's questionnaire request (a document review or visit has none: refused)."""
    if audit.request is None:
        raise Conflict(_l("This audit has no questionnaire to review."))
    return audit.request


def answer_value(request: QuestionnaireRequest, question_id: str) -> Any:
    """The answer as it stands, as kept in a review entry (an evidence answer: its files' names and SHA-256)."""
    files = [{"filename": f.filename, "sha256": f.sha256} for f in request.evidence if f.question_id == question_id]
    if files:
        return files
    return request.values().get(question_id)


def _label(audit: Audit, question_id: str) -> str:
    return f"{audit.entrustment.data_set} / {audit.vendor.name}: {question_id}"


@uow.atomic()
def review_answer(actor, audit_id: int, question_id: str, data: Mapping) -> AnswerReview:
    """Accept, query or reject one answer (a comment is required to query or reject). A query returns the request
    to the vendor for the queried answers; `data["finding"]` (severity, title, due_on …) raises a finding with it."""
    perm.require(actor, "audit.review")
    audit = get_audit(actor, audit_id)
    if not is_auditor(actor, audit):
        raise Forbidden(_l("Only the auditor reviews the answers."))
    request = request_of(audit)
    errors: dict = {}
    verdict = data.get("verdict")
    if verdict not in VERDICTS:
        errors["verdict"] = [_l("Choose one of the answers.")]
    comment = fields.text(data, "comment", errors, limit=MAX_COMMENT,
                          required=SAY_WHAT if verdict in ("queried", "rejected") else False)
    from audits.responses import questionnaire_of

    if not isinstance(question_id, str) or questionnaire_of(request).question(question_id) is None:
        errors["question_id"] = [_l("This questionnaire has no such question.")]
    finding = data.get("finding")
    if finding and not isinstance(finding, Mapping):
        errors["finding"] = [_l("Expected an object.")]
    elif finding and verdict == "accepted":
        errors["finding"] = [_l("An accepted answer raises no finding.")]
    if not audit.is_open:
        raise Conflict(_l("This audit is closed."))
    if request.status not in REVIEWABLE:
        raise Conflict(_l("Review the answers once the vendor has submitted them."))
    if errors:
        raise ValidationFailed(errors)
    entry = AnswerReview(request_id=request.id, question_id=question_id, verdict=verdict, comment=comment,
                         answer_value=answer_value(request, question_id), author_id=getattr(actor, "id", None),
                         author_name=actor_name(actor), author_organisation_id=actor.organisation_id)
    db.session.add(entry)
    if audit.status in ("open", "submitted"):
        audit.status = "in_review"
    if verdict == "queried":
        request.status = "returned"
    db.session.flush()
    trail.record(actor, "answer_review", "audit", audit.id, label=_label(audit, question_id),
                 after={"question": question_id, "verdict": verdict, "comment": comment})
    if finding:
        from audits.findings import raise_finding

        raise_finding(actor, {**finding, "audit_id": audit.id}, origin="review", question_id=question_id,
                      dedupe_key=f"review:{entry.id}")
    if verdict == "queried":
        _mail_query(audit, entry)
    return entry


def _vendor_staff(audit: Audit) -> list[str]:
    return sorted(user_addresses(audit.vendor_id, ("contractor_user",)))


def _mail_query(audit: Audit, entry: AnswerReview) -> None:
    from audits.responses import questionnaire_of

    question = questionnaire_of(audit.request).question(entry.question_id)
    to = _vendor_staff(audit)
    if to:
        subject, body = mail.render("audits/answer_queried", audit=audit, question=question, entry=entry)
        outbox.enqueue(f"answer-review:{entry.id}:queried", to, subject, body, object_type="audit",
                       object_id=audit.id, fresh_key=True)


@uow.atomic()
def revise_answer(actor, audit_id: int, question_id: str, data: Mapping) -> AnswerReview:
    """The vendor answers a query: the revised answer (`value`; an evidence question takes its files through the
    upload first) and a comment. Only a queried answer of a returned request can be revised."""
    perm.require(actor, "questionnaire.answer")
    audit = get_audit(actor, audit_id)
    if not is_audited(actor, audit):
        raise Forbidden(_l("Only the vendor's staff revise its answers."))
    request = request_of(audit)
    if request.status != "returned":
        raise Conflict(_l("No answer of this audit is waiting for a revision."))
    if question_id not in review_state.queried_questions(request.id):
        raise ValidationFailed({question_id: [_l("Only the answers the auditor queried can be changed now.")]})
    errors: dict = {}
    comment = fields.text(data, "comment", errors, limit=MAX_COMMENT)
    if errors:
        raise ValidationFailed(errors)
    from audits import responses

    question = responses.questionnaire_of(request).question(question_id)
    if question.type != "evidence" and "value" in data:
        responses.save_answers(actor, request.id, {question_id: data["value"]})
    entry = AnswerReview(request_id=request.id, question_id=question_id, verdict="revised", comment=comment,
                         answer_value=answer_value(request, question_id), author_id=getattr(actor, "id", None),
                         author_name=actor_name(actor), author_organisation_id=actor.organisation_id)
    db.session.add(entry)
    db.session.flush()
    trail.record(actor, "answer_revise", "audit", audit.id, label=_label(audit, question_id),
                 after={"question": question_id, "comment": comment, "answer": entry.answer_value})
    return entry


def audit_submitted(request: QuestionnaireRequest) -> None:
    """Called in the vendor's submission of an audit's questionnaire (first time, or revisions sent back): the audit
    moves on and its owner is told (audits.audit_services.request_submitted), then the cross-checks run on the
    answers as submitted."""
    if request.audit is None:
        return
    from audits.audit_services import request_submitted
    from audits.crosschecks import run_cross_checks

    request_submitted(request)
    run_cross_checks(CROSS_CHECK_ACTOR, request.audit.id)


def review_rows(audit: Audit) -> list[dict]:
    """Each question of the audit's questionnaire with its answer, its thread and its state, in the questionnaire's
    order (what the review page and the API show)."""
    from audits.responses import current_score, questionnaire_of

    request = request_of(audit)
    q = questionnaire_of(request)
    lines = {line.question: line for line in current_score(request).questions}
    threads = review_state.threads(request.id)
    rows = []
    for question in q.questions:
        line = lines.get(question.id)
        entries = threads.get(question.id, [])
        rows.append({"question": question, "line": line, "thread": entries,
                     "state": entries[-1].verdict if entries else review_state.UNREVIEWED,
                     "files": [f for f in request.evidence if f.question_id == question.id]})
    return rows
