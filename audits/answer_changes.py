"""What changed since the answers a request was filled from (pure): the answers that differ from them, and the
questions that are new in this version or asked differently. The request page marks each for the vendor, so that
answers carried over are checked where it matters."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from audits.questionnaire import Question, Questionnaire

DIFFERS, NEW, REWORDED = "differs", "new", "changed"


def _definition(question: Question) -> Any:
    # The dataclasses compare by value; the id does not make a question different.
    return replace(question, id="")


def changes(before_questionnaire: Questionnaire | None, before: Mapping[str, Any], questionnaire: Questionnaire,
            values: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    """Question id → what changed: `new` (not asked in the earlier version), `changed` (asked differently: its text,
    choices, weight or dependency), `differs` (an earlier answer exists and the current one is not it). Questions
    with nothing to say are left out. Without the earlier questionnaire, only answers are compared."""
    out: dict[str, tuple[str, ...]] = {}
    for question in questionnaire.questions:
        marks = []
        if before_questionnaire is not None:
            earlier = before_questionnaire.question(question.id)
            if earlier is None:
                marks.append(NEW)
            elif _definition(earlier) != _definition(question):
                marks.append(REWORDED)
        if question.id in before and before[question.id] != values.get(question.id):
            marks.append(DIFFERS)
        if marks:
            out[question.id] = tuple(marks)
    return out
