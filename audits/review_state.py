"""Where each answer of an audit's questionnaire stands in its review thread (AnswerReview rows): the latest entry is
its state. The answering services ask which answers the auditor queried — a returned request reopens for those
only."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from audits.audit_models import AnswerReview
from oversight.extensions import db

UNREVIEWED = "unreviewed"


def threads(request_id: int) -> dict[str, list[AnswerReview]]:
    """Each question's review entries, oldest first."""
    found: dict[str, list[AnswerReview]] = defaultdict(list)
    for entry in db.session.scalars(select(AnswerReview).where(AnswerReview.request_id == request_id)
                                    .order_by(AnswerReview.id)):
        found[entry.question_id].append(entry)
    return found


def states(request_id: int) -> dict[str, str]:
    """Each reviewed question's state: its latest verdict (accepted, queried, rejected, revised)."""
    return {question: entries[-1].verdict for question, entries in threads(request_id).items()}


def queried_questions(request_id: int) -> set[str]:
    """The questions whose latest entry is the auditor's query: the vendor still owes their revision."""
    return {question for question, state in states(request_id).items() if state == "queried"}
