"""A vendor's answers checked against the questionnaire they answer (pure).

`check_answers(questionnaire, answers, as_of)` takes a plain mapping question id → value and returns the values
in one normal form, or raises an `AnswerError` naming every question whose answer is malformed, each with a
stable code and an English message (msgids in `ANSWER_MESSAGES`, translated where they are shown):

    yes_no           True / False                       → "yes" / "no"
    single_choice    a choice code                      → the code
    multiple_choice  a list of choice codes             → a tuple in the questionnaire's order
    number           an int or float (not a string)     → the number
    date             "YYYY-MM-DD" (or a datetime.date)  → a date
    text             a string                           → the string, trimmed (a declaration of subcontractors:
                                                          each line's corporate number checked, see declarations)
    evidence         a list of file ids or hashes       → a tuple of strings

None, an empty or blank string and an empty list mean "not answered".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from audits.declarations import MAX_LINES, parse_subcontractors
from audits.questionnaire import Question, Questionnaire

MAX_FILE_ID_LENGTH = 200
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def N_(text: str) -> str:
    """Marks a msgid for extraction (pybabel's default keywords include N_); translated where it is shown."""
    return text


ANSWER_MESSAGES = {
    "not_an_object": N_("Expected an object."),
    "unknown_question": N_("This questionnaire has no such question."),
    "not_a_boolean": N_("Answer yes or no."),
    "not_a_choice": N_("Choose one of the answers."),
    "unknown_choice": N_("Unknown answer: %(value)s."),
    "not_a_list": N_("Choose the answers as a list."),
    "duplicate_choice": N_("An answer is chosen twice: %(value)s."),
    "exclusive_choice": N_("“%(value)s” cannot be combined with other answers."),
    "not_a_number": N_("Enter a number."),
    "not_an_integer": N_("Enter a whole number."),
    "below_minimum": N_("Enter %(min)s or more."),
    "above_maximum": N_("Enter %(max)s or less."),
    "invalid_date": N_("Enter a date (YYYY-MM-DD)."),
    "date_in_future": N_("This date cannot be in the future."),
    "date_in_past": N_("This date cannot be in the past."),
    "not_text": N_("Enter text."),
    "too_long": N_("At most %(max)s characters."),
    "not_file_ids": N_("Attach the files as a list of file ids."),
    "too_many_files": N_("At most %(max)s files."),
    "declared_format": N_("Line %(line)s: %(number)s is not a corporate number (13 digits)."),
    "declared_check_digit": N_("Line %(line)s: the corporate number %(number)s has a wrong check digit."),
    "declared_no_name": N_("Line %(line)s: write the subcontractor's name before its corporate number."),
    "declared_too_many": N_("At most %(max)s subcontractors, one a line."),
}


class AnswerError(ValueError):
    """Malformed answers: `errors` maps each question id to a list of {code, message, params}."""

    def __init__(self, errors: dict[str, list[dict[str, Any]]]):
        self.errors = errors
        super().__init__("; ".join(f"{q}: {', '.join(e['code'] for e in es)}" for q, es in errors.items()))

    def codes(self) -> dict[str, list[str]]:
        """{question id: [code, …]} — what the web layer translates."""
        return {question: [e["code"] for e in entries] for question, entries in self.errors.items()}


def translated(entry: Mapping[str, Any], translate: Callable[[str], str]) -> str:
    """One AnswerError entry ({code, message, params}) in the user's language, `translate` being its gettext."""
    msgid = ANSWER_MESSAGES.get(entry["code"])
    if msgid is None:
        return entry["message"]
    text = translate(msgid)
    return text % entry["params"] if entry["params"] else text


class _Invalid(Exception):
    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code = code
        self.params = {k: str(v) for k, v in params.items()}


def is_unanswered(value) -> bool:
    """None, a blank string and an empty list are no answer."""
    return value is None or (isinstance(value, str) and not value.strip()) or (
        isinstance(value, (list, tuple)) and not value)


def _number_text(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,}"


def _choice_code(question: Question, value) -> str:
    if not isinstance(value, str):
        raise _Invalid("not_a_choice")
    if question.choice(value) is None:
        raise _Invalid("unknown_choice", value=value)
    return value


def _codes(question: Question, value) -> tuple[str, ...]:
    if not isinstance(value, (list, tuple)):
        raise _Invalid("not_a_list")
    codes = [_choice_code(question, v) for v in value]
    for code in codes:
        if codes.count(code) > 1:
            raise _Invalid("duplicate_choice", value=code)
    if len(codes) > 1:
        for code in codes:
            if question.choice(code).exclusive:
                label = question.choice(code).label
                raise _Invalid("exclusive_choice", value=f"{label.ja} / {label.en}")
    return tuple(c.code for c in question.choices if c.code in codes)


def _number(question: Question, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value or value in (
            float("inf"), float("-inf")):
        raise _Invalid("not_a_number")
    if question.integer and not float(value).is_integer():
        raise _Invalid("not_an_integer")
    if question.minimum is not None and value < question.minimum:
        raise _Invalid("below_minimum", min=_number_text(question.minimum))
    if question.maximum is not None and value > question.maximum:
        raise _Invalid("above_maximum", max=_number_text(question.maximum))
    return int(value) if float(value).is_integer() else value


def _date(question: Question, value, as_of: date) -> date:
    if isinstance(value, datetime):
        raise _Invalid("invalid_date")
    if isinstance(value, str):
        if not _ISO_DATE.match(value.strip()):
            raise _Invalid("invalid_date")
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            raise _Invalid("invalid_date") from None
    if not isinstance(value, date):
        raise _Invalid("invalid_date")
    if question.dates == "past" and value > as_of:
        raise _Invalid("date_in_future")
    if question.dates == "future" and value < as_of:
        raise _Invalid("date_in_past")
    return value


def _text(question: Question, value) -> str:
    if not isinstance(value, str):
        raise _Invalid("not_text")
    value = value.strip()
    if len(value) > question.max_length:
        raise _Invalid("too_long", max=f"{question.max_length:,}")
    return value


def _files(question: Question, value) -> tuple[str, ...]:
    if not isinstance(value, (list, tuple)) or not all(
            isinstance(v, str) and v.strip() and len(v) <= MAX_FILE_ID_LENGTH for v in value):
        raise _Invalid("not_file_ids")
    if len(value) > question.max_files:
        raise _Invalid("too_many_files", max=question.max_files)
    return tuple(dict.fromkeys(v.strip() for v in value))


def check_answer(question: Question, value, as_of: date):
    """One answer in its normal form (None when unanswered); raises _Invalid."""
    if is_unanswered(value):
        return None
    kind = question.type
    if kind == "yes_no":
        if not isinstance(value, bool):
            raise _Invalid("not_a_boolean")
        return "yes" if value else "no"
    if kind == "single_choice":
        return _choice_code(question, value)
    if kind == "multiple_choice":
        return _codes(question, value)
    if kind == "number":
        return _number(question, value)
    if kind == "date":
        return _date(question, value, as_of)
    if kind == "text":
        text = _text(question, value)
        if question.declares == "subcontractors":
            _declared(text)
        return text
    return _files(question, value)


def _declared(text: str) -> None:
    """Refuse a declaration of subcontractors whose line names no company, or a number that is not one."""
    problems = parse_subcontractors(text)[1]
    if problems:
        first = problems[0]
        if first.code == "too_many":
            raise _Invalid("declared_too_many", max=MAX_LINES)
        raise _Invalid(f"declared_{first.code}", line=first.line, number=first.number)


def check_answers(questionnaire: Questionnaire, answers: Mapping[str, Any], as_of: date) -> dict[str, Any]:
    """Every answer in its normal form, by question id (unanswered ones left out); AnswerError lists each bad one."""
    if not isinstance(answers, Mapping):
        raise AnswerError({"answers": [{"code": "not_an_object", "message": ANSWER_MESSAGES["not_an_object"],
                                        "params": {}}]})
    errors: dict[str, list[dict[str, Any]]] = {}
    out: dict[str, Any] = {}
    for question_id, value in answers.items():
        question = questionnaire.question(question_id) if isinstance(question_id, str) else None
        try:
            if question is None:
                raise _Invalid("unknown_question")
            normal = check_answer(question, value, as_of)
        except _Invalid as invalid:
            message = ANSWER_MESSAGES[invalid.code] % invalid.params if invalid.params else \
                ANSWER_MESSAGES[invalid.code]
            errors[str(question_id)] = [{"code": invalid.code, "message": message, "params": invalid.params}]
            continue
        if normal is not None:
            out[question_id] = normal
    if errors:
        raise AnswerError(errors)
    return out
