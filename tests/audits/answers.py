"""Answer sets for the tests: the best possible answers to a questionnaire, read off its own choices and bands."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

from audits.library import Question, Questionnaire


def _best_band_value(question: Question) -> float:
    """A value inside the band with the highest score (its up_to, or just above the band before it)."""
    bands = question.bands
    index = max(range(len(bands)), key=lambda i: (bands[i].score or 0, -i))
    if bands[index].up_to is not None:
        value = bands[index].up_to
    else:
        value = bands[index - 1].up_to + 1 if index else 0
    if question.maximum is not None:
        value = min(value, question.maximum)
    if question.minimum is not None:
        value = max(value, question.minimum)
    return value


def best_answer(question: Question, as_of: date):
    """The answer that earns the question's whole weight and raises no red flag."""
    kind = question.type
    scored = [c for c in question.choices if c.result != "not_applicable"]
    if kind == "yes_no":
        return max(scored, key=lambda c: c.score).code == "yes"
    if kind == "single_choice":
        return max(scored, key=lambda c: c.score).code
    if kind == "multiple_choice":
        if question.aggregate == "sum":
            return [c.code for c in scored if c.score > 0 and not c.exclusive]
        return [max(scored, key=lambda c: c.score).code]
    if kind == "number":
        return _best_band_value(question) if question.bands else (question.minimum or 1)
    if kind == "date":
        days = int(_best_band_value(question)) if question.bands else 0
        return (as_of + timedelta(days=days)).isoformat()
    if kind == "text":
        return "株式会社サンプル 情報セキュリティ部 部長 山田太郎"
    return ["sha256:" + hashlib.sha256(question.id.encode()).hexdigest()]


def best_answers(questionnaire: Questionnaire, as_of: date) -> dict:
    """Every question answered as well as it can be (answers to questions that end up skipped included)."""
    return {q.id: best_answer(q, as_of) for q in questionnaire.questions}
