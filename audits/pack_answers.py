"""What the selection and audit sections of the evidence pack share: a questionnaire request's answers (with their
review thread) and its evidence files, written into the pack one file at a time."""

from __future__ import annotations

import json

from sqlalchemy import select

from audits.audit_models import AnswerReview
from audits.models import Answer, EvidenceFile, QuestionnaireRequest
from audits.responses import questionnaire_of
from oversight.extensions import db
from oversight.packs.document import when
from oversight.packs.sections import PackContext
from oversight.packs.writer import safe_name

VERDICTS = {"accepted": "承認 / accepted", "queried": "照会 / queried", "rejected": "不可 / rejected",
            "revised": "修正回答 / revised"}


def _value(value) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def write_answers(ctx: PackContext, folder: str, request: QuestionnaireRequest, *, reviews: bool = False) -> dict:
    """Write answers.csv (and reviews.csv) and the evidence files of a request under `folder`; returns counts."""
    try:
        questionnaire = questionnaire_of(request)
    except Exception:  # noqa: BLE001 - a frozen copy that no longer reads still leaves the answers themselves
        questionnaire = None

    def text(question_id: str) -> tuple[str, str]:
        q = questionnaire.question(question_id) if questionnaire else None
        return (q.text.ja, q.text.en) if q else ("", "")

    answers = db.session.scalars(select(Answer).where(Answer.request_id == request.id).order_by(Answer.id)).all()
    threads: dict[str, list[AnswerReview]] = {}
    if reviews:
        for r in db.session.scalars(select(AnswerReview).where(AnswerReview.request_id == request.id)
                                    .order_by(AnswerReview.id)):
            threads.setdefault(r.question_id, []).append(r)
    ctx.writer.add_csv(f"{folder}/answers.csv",
                       ["question_id", "question_ja", "question_en", "answer", "answered_by", "answered_at",
                        "on_behalf", *(["review"] if reviews else [])],
                       ([a.question_id, *text(a.question_id), _value(a.value), a.answered_by_name,
                         when(a.answered_at), a.on_behalf,
                         *([VERDICTS.get(threads[a.question_id][-1].verdict, "")] if a.question_id in threads
                           else [""] if reviews else [])] for a in answers))
    if reviews:
        ctx.writer.add_csv(f"{folder}/reviews.csv", ["question_id", "verdict", "comment", "answer_then", "author",
                                                     "at"],
                           ([r.question_id, r.verdict, r.comment, _value(r.answer_value), r.author_name,
                             when(r.created_at)] for thread in threads.values() for r in thread))
    evidence = db.session.execute(
        select(EvidenceFile.id, EvidenceFile.question_id, EvidenceFile.filename, EvidenceFile.size,
               EvidenceFile.sha256).where(EvidenceFile.request_id == request.id).order_by(EvidenceFile.id)).all()
    for f in evidence:
        ctx.add_blob(f"{folder}/evidence/{f.id}-{safe_name(f.filename)}",
                     select(EvidenceFile.content).where(EvidenceFile.id == f.id), size=f.size)
    if evidence:
        ctx.writer.add_csv(f"{folder}/evidence.csv", ["id", "question_id", "filename", "size", "sha256"],
                           ([f.id, f.question_id, f.filename, f.size, f.sha256] for f in evidence))
    verdicts: dict[str, int] = {}
    for thread in threads.values():
        verdicts[thread[-1].verdict] = verdicts.get(thread[-1].verdict, 0) + 1
    return {"answers": len(answers), "evidence": len(evidence), "verdicts": verdicts}
