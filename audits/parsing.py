"""Reading a questionnaire (pure): the one validation path for YAML files and frozen copies alike.

`parse(raw, file)` turns the plain data of one questionnaire into `audits.questionnaire` dataclasses, or raises a
`LibraryError` listing every `Problem(file, field, message)` found — the field a path such as
`questions.sub_practice.choices.without_approval.red_flag.severity`. The format is in
`audits/questionnaires/README.md`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from audits.questionnaire import (
    AGGREGATES,
    BAND_TYPES,
    CHOICE_TYPES,
    DATE_RANGES,
    DECLARES,
    FORMAT,
    MAX_FILES,
    PURPOSES,
    RESULTS,
    SEVERITIES,
    TEXT_MAX_LENGTH,
    TYPES,
    Band,
    Bi,
    Category,
    Choice,
    Dependency,
    Question,
    Questionnaire,
    RedFlag,
)

_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_QUESTIONNAIRE_ID = re.compile(r"^[a-z][a-z0-9-]*$")
_VERSION = re.compile(r"^\d+(\.\d+)*$")
_TOP_KEYS = {"format", "id", "version", "purpose", "title", "description", "source", "categories", "questions"}
_CATEGORY_KEYS = {"id", "title", "guideline", "description"}
_QUESTION_KEYS = {"id", "category", "type", "text", "help", "guideline", "weight", "required", "depends_on",
                  "declares", "scheme"}
_TYPE_KEYS = {
    "yes_no": {"choices"},
    "single_choice": {"choices"},
    "multiple_choice": {"choices", "aggregate"},
    "number": {"bands", "unit", "min", "max", "integer"},
    "date": {"bands", "dates"},
    "text": {"max_length"},
    "evidence": {"max_files"},
}
_CHOICE_KEYS = {"code", "label", "score", "result", "red_flag", "exclusive"}
_BAND_KEYS = {"up_to", "score", "result", "label", "red_flag"}
_YES_NO = {"yes": ("はい", "Yes", 1, "compliant"), "no": ("いいえ", "No", 0, "non_compliant")}


@dataclass(frozen=True)
class Problem:
    """One fault in a questionnaire file: where (file and field path) and what."""

    file: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.field}: {self.message}"


class LibraryError(ValueError):
    """A questionnaire cannot be used as it stands; `problems` lists every fault found, nothing is loaded."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("; ".join(str(p) for p in self.problems))


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _plain(value: float) -> float:
    """3.0 → 3, so that the canonical JSON is the same whether a lawyer writes 3 or 3.0."""
    return int(value) if float(value).is_integer() else float(value)


def _yes_no_code(value):
    """YAML reads an unquoted yes / no as true / false: take them as the codes they were meant to be."""
    return {True: "yes", False: "no"}.get(value, value) if isinstance(value, bool) else value


def _derived_result(score: float) -> str:
    return "compliant" if score >= 1 else "non_compliant" if score <= 0 else "partial"


class _Parser:
    def __init__(self, file: str):
        self.file = file
        self.problems: list[Problem] = []

    def fail(self, where: str, message: str) -> None:
        self.problems.append(Problem(self.file, where, message))

    def keys(self, raw: Mapping, allowed: set[str], where: str, what: str) -> None:
        for key in raw:
            if key not in allowed:
                self.fail(f"{where}.{key}" if where else str(key), f"unknown key for {what}")

    def mapping(self, raw, where: str) -> Mapping | None:
        if not isinstance(raw, Mapping):
            self.fail(where, "must be a mapping")
            return None
        return raw

    def bi(self, raw, where: str, *, required: bool = True) -> Bi | None:
        if raw is None and not required:
            return None
        if not isinstance(raw, Mapping):
            self.fail(where, "needs Japanese (ja) and English (en) text")
            return Bi("", "")
        self.keys(raw, {"ja", "en"}, where, "a text")
        texts = {}
        for lang, name in (("ja", "Japanese"), ("en", "English")):
            value = raw.get(lang)
            if not isinstance(value, str) or not value.strip():
                self.fail(f"{where}.{lang}", f"missing {name} text")
                value = ""
            texts[lang] = value.strip()
        return Bi(**texts)

    def text(self, raw, where: str, *, required: bool = True) -> str:
        if raw is None and not required:
            return ""
        if not isinstance(raw, str) or not raw.strip():
            self.fail(where, "must be a non-empty text")
            return ""
        return raw.strip()

    def red_flag(self, raw, where: str) -> RedFlag | None:
        if raw is None:
            return None
        if self.mapping(raw, where) is None:
            return None
        self.keys(raw, {"severity", "reason"}, where, "a red flag")
        severity = raw.get("severity")
        if severity not in SEVERITIES:
            self.fail(f"{where}.severity", f"a red flag needs a severity: one of {', '.join(SEVERITIES)}")
        if raw.get("reason") is None:
            self.fail(f"{where}.reason", "a red flag needs a reason (ja and en)")
            reason = Bi("", "")
        else:
            reason = self.bi(raw.get("reason"), f"{where}.reason")
        return RedFlag(str(severity), reason)

    def outcome(self, raw: Mapping, where: str) -> tuple[float | None, str]:
        """(score, result) of a choice or a band; the result is derived from the score when not given."""
        score, result = raw.get("score"), raw.get("result")
        if result is not None and result not in RESULTS:
            self.fail(f"{where}.result", f"must be one of {', '.join(RESULTS)}")
            return None, "non_compliant"
        if result == "not_applicable":
            if score is not None:
                self.fail(f"{where}.score", "a not-applicable answer takes no score (it leaves the question out)")
            return None, "not_applicable"
        if not _is_number(score) or not 0 <= score <= 1:
            self.fail(f"{where}.score", "needs a score from 0 to 1 (the fraction of the weight it earns)")
            return 0, result or "non_compliant"
        return _plain(score), result or _derived_result(score)

    def choices(self, raw, qtype: str, where: str) -> tuple[Choice, ...]:
        if qtype == "yes_no":
            given = {}
            if raw is not None:
                if not isinstance(raw, list):
                    self.fail(where, "must be a list of choices")
                    raw = []
                for i, item in enumerate(raw):
                    code = _yes_no_code(item.get("code")) if isinstance(item, Mapping) else None
                    if code not in _YES_NO:
                        self.fail(f"{where}[{i}].code", "a yes/no question has only the choices yes and no")
                    elif code in given:
                        self.fail(f"{where}.{code}", "duplicate choice code")
                    else:
                        given[code] = item
            out = []
            for code, (ja, en, score, result) in _YES_NO.items():
                item = dict(given.get(code) or {})
                if "score" not in item and "result" not in item:
                    item.update(score=score, result=result)
                item["code"] = code
                item.setdefault("label", {"ja": ja, "en": en})
                out.append(self.choice(item, f"{where}.{code}"))
            return tuple(out)
        if not isinstance(raw, list) or not raw:
            self.fail(where, f"a {qtype} question needs a list of choices")
            return ()
        out, seen = [], set()
        for i, item in enumerate(raw):
            code = item.get("code") if isinstance(item, Mapping) else None
            spot = f"{where}.{code}" if isinstance(code, str) and _ID.match(code) else f"{where}[{i}]"
            if not isinstance(code, str) or not _ID.match(code):
                self.fail(f"{spot}.code", "needs a code of lower-case letters, digits and _")
            elif code in seen:
                self.fail(spot, "duplicate choice code")
            seen.add(code)
            if isinstance(item, Mapping):
                out.append(self.choice(item, spot))
            else:
                self.fail(spot, "must be a mapping")
        if qtype != "multiple_choice" and any(c.exclusive for c in out):
            self.fail(where, "only a multiple-choice question has exclusive choices")
        return tuple(out)

    def choice(self, raw: Mapping, where: str) -> Choice:
        self.keys(raw, _CHOICE_KEYS, where, "a choice")
        score, result = self.outcome(raw, where)
        exclusive = raw.get("exclusive", False)
        if not isinstance(exclusive, bool):
            self.fail(f"{where}.exclusive", "must be true or false")
        return Choice(code=str(raw.get("code")), label=self.bi(raw.get("label"), f"{where}.label"), score=score,
                      result=result, red_flag=self.red_flag(raw.get("red_flag"), f"{where}.red_flag"),
                      exclusive=exclusive is True)

    def bands(self, raw, qtype: str, where: str) -> tuple[Band, ...]:
        if raw is None:
            return ()
        if not isinstance(raw, list) or not raw:
            self.fail(where, "must be a non-empty list of bands")
            return ()
        out: list[Band] = []
        for i, item in enumerate(raw):
            spot = f"{where}[{i}]"
            if self.mapping(item, spot) is None:
                continue
            self.keys(item, _BAND_KEYS, spot, "a band")
            up_to = item.get("up_to")
            last = i == len(raw) - 1
            if up_to is None and not last:
                self.fail(f"{spot}.up_to", "only the last band may leave out up_to")
            elif up_to is not None and last:
                self.fail(f"{spot}.up_to", "the last band takes no up_to: it holds every larger value")
                up_to = None
            elif up_to is not None and (not _is_number(up_to) or (qtype == "date" and not float(up_to).is_integer())):
                self.fail(f"{spot}.up_to",
                          "must be a number" if qtype == "number" else "must be a whole number of days")
                up_to = None
            elif up_to is not None and out and out[-1].up_to is not None and up_to <= out[-1].up_to:
                self.fail(f"{spot}.up_to", "bands must go up: each up_to above the one before")
            score, result = self.outcome(item, spot)
            out.append(Band(up_to=None if up_to is None else _plain(up_to), label=self.bi(item.get("label"),
                            f"{spot}.label"), score=score, result=result,
                            red_flag=self.red_flag(item.get("red_flag"), f"{spot}.red_flag")))
        return tuple(out)

    def question(self, raw: Mapping, where: str, categories: set[str], earlier: Mapping[str, Question]) -> Question:
        qtype = raw.get("type")
        if qtype not in TYPES:
            self.fail(f"{where}.type", f"must be one of {', '.join(TYPES)}")
            qtype = "text"
        for key in raw:
            if key not in _QUESTION_KEYS and key not in _TYPE_KEYS[qtype]:
                owner = next((t for t, keys in _TYPE_KEYS.items() if key in keys), None)
                if key == "choices":
                    self.fail(f"{where}.choices", f"a {qtype} question takes no choices")
                elif owner:
                    self.fail(f"{where}.{key}", f"not used by a {qtype} question")
                else:
                    self.fail(f"{where}.{key}", "unknown key for a question")
        category = raw.get("category")
        if category not in categories:
            self.fail(f"{where}.category", f"unknown category {category!r}")
        weight = raw.get("weight", 0 if qtype == "text" else None)
        if weight is None:
            self.fail(f"{where}.weight", "needs a weight (a number, 0 or more)")
            weight = 0
        elif not _is_number(weight):
            self.fail(f"{where}.weight", f"must be a number, not {weight!r}")
            weight = 0
        elif weight < 0:
            self.fail(f"{where}.weight", "cannot be negative")
            weight = 0
        required = raw.get("required", True)
        if not isinstance(required, bool):
            self.fail(f"{where}.required", "must be true or false")
        kwargs: dict[str, Any] = {}
        if qtype in CHOICE_TYPES:
            kwargs["choices"] = self.choices(raw.get("choices"), qtype, f"{where}.choices")
        if qtype == "multiple_choice":
            kwargs["aggregate"] = raw.get("aggregate", "sum")
            if kwargs["aggregate"] not in AGGREGATES:
                self.fail(f"{where}.aggregate", f"must be one of {', '.join(AGGREGATES)}")
        if qtype in BAND_TYPES:
            kwargs["bands"] = self.bands(raw.get("bands"), qtype, f"{where}.bands")
            if weight > 0 and not kwargs["bands"]:
                self.fail(f"{where}.weight", f"a {qtype} question without bands is not scored: its weight must be 0")
        if qtype == "number":
            kwargs.update(self.number_limits(raw, where))
            kwargs["unit"] = self.bi(raw.get("unit"), f"{where}.unit", required=False)
        if qtype == "date":
            kwargs["dates"] = raw.get("dates", "any")
            if kwargs["dates"] not in DATE_RANGES:
                self.fail(f"{where}.dates", f"must be one of {', '.join(DATE_RANGES)}")
        if qtype == "text":
            if weight:
                self.fail(f"{where}.weight", "a text question is not scored: its weight must be 0")
            kwargs["max_length"] = self.count(raw.get("max_length", TEXT_MAX_LENGTH), f"{where}.max_length", 20000)
        if qtype == "evidence":
            kwargs["max_files"] = self.count(raw.get("max_files", MAX_FILES), f"{where}.max_files", 100)
        kwargs.update(self.declaration(raw, qtype, where, kwargs.get("choices", ())))
        return Question(
            id=str(raw.get("id")), category=str(category), type=qtype, text=self.bi(raw.get("text"), f"{where}.text"),
            help=self.bi(raw.get("help"), f"{where}.help", required=False),
            guideline=self.text(raw.get("guideline"), f"{where}.guideline"), weight=_plain(weight),
            required=required is not False, depends_on=self.dependency(raw.get("depends_on"), where, earlier),
            **kwargs)

    def declaration(self, raw: Mapping, qtype: str, where: str, choices) -> dict[str, Any]:
        """`declares` (what the answer declares for the cross-checks) and `scheme` (for a certificate's expiry)."""
        declares, scheme = raw.get("declares", ""), raw.get("scheme", "")
        if declares and declares not in DECLARES:
            self.fail(f"{where}.declares", f"must be one of {', '.join(DECLARES)}")
            return {}
        if declares and DECLARES[declares] != qtype:
            self.fail(f"{where}.declares", f"{declares} is declared by a {DECLARES[declares]} question, not {qtype}")
            return {}
        if declares == "subcontracting" and not any(c.code == "none" for c in choices):
            self.fail(f"{where}.declares", "needs a choice with the code none (we do not subcontract)")
        if (declares == "certification_expiry") != bool(scheme):
            self.fail(f"{where}.scheme", "names the certification scheme of a certification_expiry question, "
                                         "and only there")
        elif scheme and (not isinstance(scheme, str) or not re.match(r"^[a-z0-9_]+$", scheme)):
            self.fail(f"{where}.scheme", "must be a scheme code (lower-case letters, digits, _)")
        return {"declares": declares or "", "scheme": scheme or ""}

    def number_limits(self, raw: Mapping, where: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, name in (("min", "minimum"), ("max", "maximum")):
            value = raw.get(key)
            if value is not None and not _is_number(value):
                self.fail(f"{where}.{key}", "must be a number")
            out[name] = _plain(value) if _is_number(value) else None
        if out["minimum"] is not None and out["maximum"] is not None and out["minimum"] > out["maximum"]:
            self.fail(f"{where}.min", "is above max")
        integer = raw.get("integer", False)
        if not isinstance(integer, bool):
            self.fail(f"{where}.integer", "must be true or false")
        out["integer"] = integer is True
        return out

    def count(self, value, where: str, most: int) -> int:
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= most:
            self.fail(where, f"must be a whole number from 1 to {most}")
            return 1
        return value

    def dependency(self, raw, where: str, earlier: Mapping[str, Question]) -> Dependency | None:
        if raw is None:
            return None
        spot = f"{where}.depends_on"
        if self.mapping(raw, spot) is None:
            return None
        self.keys(raw, {"question", "answers"}, spot, "a dependency")
        parent_id, answers = raw.get("question"), raw.get("answers")
        answers = [answers] if isinstance(answers, (str, bool)) else answers
        answers = [_yes_no_code(a) for a in answers] if isinstance(answers, list) else answers
        if not isinstance(answers, list) or not answers or not all(isinstance(a, str) for a in answers):
            self.fail(f"{spot}.answers", "needs the choice code(s) of the earlier question that make this one apply")
            answers = []
        parent = earlier.get(parent_id) if isinstance(parent_id, str) else None
        if parent is None:
            self.fail(f"{spot}.question", f"must name an earlier question; {parent_id!r} is unknown or comes later")
        elif parent.type not in CHOICE_TYPES:
            self.fail(f"{spot}.question", f"{parent_id!r} is a {parent.type} question; only a yes/no or choice "
                                          "question can be depended on")
        else:
            for code in answers:
                if parent.choice(code) is None:
                    self.fail(f"{spot}.answers", f"{parent_id!r} has no choice {code!r}")
        return Dependency(str(parent_id), tuple(answers))


def parse(raw, file: str = "<data>") -> Questionnaire:
    """Validate one questionnaire (as read from YAML or from a frozen copy) into dataclasses, or raise LibraryError."""
    p = _Parser(file)
    if p.mapping(raw, "(top)") is None:
        raise LibraryError(p.problems)
    p.keys(raw, _TOP_KEYS, "", "a questionnaire")
    if raw.get("format", FORMAT) != FORMAT:
        p.fail("format", f"this version reads format {FORMAT}")
    qid, version, purpose = raw.get("id"), raw.get("version"), raw.get("purpose")
    if not isinstance(qid, str) or not _QUESTIONNAIRE_ID.match(qid):
        p.fail("id", "needs an id of lower-case letters, digits and - (e.g. dd-selection)")
    if not isinstance(version, str) or not _VERSION.match(version):
        p.fail("version", 'needs a quoted version of numbers and dots (e.g. "2026.1")')
    if purpose not in PURPOSES:
        p.fail("purpose", f"must be one of {', '.join(PURPOSES)}")
    categories: list[Category] = []
    raw_categories = raw.get("categories")
    if not isinstance(raw_categories, list) or not raw_categories:
        p.fail("categories", "needs a list of categories")
        raw_categories = []
    for i, item in enumerate(raw_categories):
        cid = item.get("id") if isinstance(item, Mapping) else None
        where = f"categories.{cid}" if isinstance(cid, str) and _ID.match(cid) else f"categories[{i}]"
        if p.mapping(item, where) is None:
            continue
        p.keys(item, _CATEGORY_KEYS, where, "a category")
        if not isinstance(cid, str) or not _ID.match(cid):
            p.fail(f"{where}.id", "needs an id of lower-case letters, digits and _")
        elif any(c.id == cid for c in categories):
            p.fail(where, "duplicate category id")
        categories.append(Category(id=str(cid), title=p.bi(item.get("title"), f"{where}.title"),
                                   guideline=p.text(item.get("guideline"), f"{where}.guideline", required=False),
                                   description=p.bi(item.get("description"), f"{where}.description",
                                                    required=False)))
    category_ids = {c.id for c in categories}
    questions: dict[str, Question] = {}
    ordered: list[Question] = []
    raw_questions = raw.get("questions")
    if not isinstance(raw_questions, list) or not raw_questions:
        p.fail("questions", "needs a list of questions")
        raw_questions = []
    for i, item in enumerate(raw_questions):
        q_id = item.get("id") if isinstance(item, Mapping) else None
        where = f"questions.{q_id}" if isinstance(q_id, str) and _ID.match(q_id) else f"questions[{i}]"
        if p.mapping(item, where) is None:
            continue
        if not isinstance(q_id, str) or not _ID.match(q_id):
            p.fail(f"{where}.id", "needs an id of lower-case letters, digits and _")
        elif q_id in questions:
            p.fail(where, "duplicate question id")
        question = p.question(item, where, category_ids, questions)
        ordered.append(question)
        questions.setdefault(question.id, question)
    for category in categories:
        if not any(q.category == category.id for q in ordered):
            p.fail(f"categories.{category.id}", "has no questions")
    title = p.bi(raw.get("title"), "title")
    description = p.bi(raw.get("description"), "description", required=False)
    source = p.text(raw.get("source"), "source", required=False)
    if p.problems:
        raise LibraryError(p.problems)
    return Questionnaire(id=qid, version=version, purpose=purpose, title=title, description=description,
                         source=source, categories=tuple(categories), questions=tuple(ordered))
