"""Scoring a vendor's answers to a questionnaire (pure): `score(questionnaire, answers, as_of=…) -> Score`.

The rules, which the questionnaire README repeats for the lawyers who set the weights:

1. Each question has a weight w (points). An answered question earns fraction × w, the fraction being
   - yes/no and single choice: the score of the chosen answer (0 to 1);
   - multiple choice: the scores of the chosen answers combined as the question says — `sum` (capped at 1),
     `max` (the best one counts) or `min` (the worst one counts);
   - number: the score of the first band whose `up_to` is at least the number;
   - date: the same, counting the days from `as_of` to the date (negative before it): a certificate that
     expired before `as_of` falls in a band `up_to: -1`, one expiring within 90 days in `up_to: 90`;
   - evidence: 1 once a file is attached;
   - text: never scored (weight 0), and neither are numbers and dates without bands.
2. A question counts in the denominator (max w) unless
   - its dependency is unmet — the earlier answer does not make it apply, or the earlier question was not
     answered or does not apply itself: it is skipped, not applicable, and costs nothing;
   - the chosen answer (or band) is "not applicable": it leaves the question out, no cost;
   - it is optional and unanswered: listed, no cost.
   An unanswered REQUIRED question counts with 0 points: it costs its whole weight and is listed.
3. A question's result is the chosen answer's (or band's), as the YAML declares it or derived from its score
   (1 compliant, 0 non-compliant, in between partial); for multiple choice it is derived from the combined
   fraction. Otherwise "unanswered", "not_applicable", or "information" for what is never scored.
4. Every chosen answer or band that carries a red flag raises it, whatever the weight; a "blocker" marks the
   whole Score as blocked.
5. A category's and the overall score are the sums of earned and max points; percent = earned / max × 100,
   rounded to one decimal, None when nothing counts. The overall percent is taken over all points (heavy
   questions weigh more), not as the mean of the category percents.
6. Each question's line says what it cost (lost = max − earned) and why, in Japanese and English.

Answers that do not apply are checked for their form but not scored. Malformed answers raise `AnswerError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from audits.answers import AnswerError, check_answers
from audits.questionnaire import Band, Bi, Choice, Question, Questionnaire, RedFlag

__all__ = ["AnswerError", "CategoryScore", "QuestionScore", "RaisedFlag", "Score", "progress", "score"]

COUNT_KEYS = ("compliant", "partial", "non_compliant", "not_applicable", "unanswered", "information")
SEVERITY_ORDER = {"blocker": 0, "high": 1, "medium": 2, "low": 3}


@dataclass(frozen=True)
class RaisedFlag:
    """A red flag an answer raised: which question, which answer (choice code, or None for a band), why."""

    question: str
    category: str
    choice: str | None
    answer: Bi
    severity: str
    reason: Bi

    def to_dict(self) -> dict:
        return {"question": self.question, "category": self.category, "choice": self.choice,
                "answer": _bi(self.answer), "severity": self.severity, "reason": _bi(self.reason)}


@dataclass(frozen=True)
class QuestionScore:
    """One question's line: whether it counted, what it earned and lost, and why."""

    question: str
    category: str
    status: str  # answered | unanswered | skipped | not_applicable
    result: str  # compliant | partial | non_compliant | not_applicable | unanswered | information
    required: bool
    weight: float
    max: float
    earned: float
    lost: float
    answer: Bi | None
    red_flags: tuple[RaisedFlag, ...] = ()

    @property
    def why(self) -> Bi:
        """What this line earned or cost and why, in Japanese and English (the page shows it beside the points)."""
        if self.status == "skipped":
            return _SKIPPED
        if self.status == "not_applicable":
            return _NOT_APPLICABLE
        if self.status == "unanswered":
            if not self.required:
                return _OPTIONAL
            if not self.weight:
                return Bi("未回答（必須）", "Unanswered (required)")
            w = _points(self.weight)
            return Bi(f"未回答（必須）：{w}点を失点", f"Unanswered (required): {w} points lost")
        a = self.answer
        if not self.max:
            return Bi(f"回答「{a.ja}」（配点なし）", f"Answer “{a.en}” (not scored)")
        most, got = _points(self.max), _points(self.earned)
        if self.lost:
            lost = _points(self.lost)
            return Bi(f"回答「{a.ja}」：{most}点中{got}点（{lost}点減）",
                      f"Answer “{a.en}”: {got} of {most} points ({lost} lost)")
        return Bi(f"回答「{a.ja}」：{most}点中{most}点", f"Answer “{a.en}”: {most} of {most} points")

    def to_dict(self) -> dict:
        return {"question": self.question, "category": self.category, "status": self.status, "result": self.result,
                "required": self.required, "weight": self.weight, "max": self.max, "earned": self.earned,
                "lost": self.lost, "answer": _bi(self.answer) if self.answer else None, "why": _bi(self.why),
                "red_flags": [f.to_dict() for f in self.red_flags]}


@dataclass(frozen=True)
class CategoryScore:
    """A category's points and how many of its questions ended with each result."""

    category: str
    title: Bi
    max: float
    earned: float
    percent: float | None
    counts: Mapping[str, int]

    def to_dict(self) -> dict:
        return {"category": self.category, "title": _bi(self.title), "max": self.max, "earned": self.earned,
                "percent": self.percent, "counts": dict(self.counts)}


@dataclass(frozen=True)
class Score:
    """The score of one answer set: per category and overall, red flags, what is unanswered, what cost what."""

    questionnaire: str
    version: str
    as_of: date
    max: float
    earned: float
    percent: float | None
    categories: tuple[CategoryScore, ...]
    questions: tuple[QuestionScore, ...]
    red_flags: tuple[RaisedFlag, ...]
    unanswered_required: tuple[str, ...]
    unanswered_optional: tuple[str, ...]
    skipped: tuple[str, ...]

    @property
    def blocked(self) -> bool:
        """Whether an answer raised a blocker red flag."""
        return any(f.severity == "blocker" for f in self.red_flags)

    @property
    def costs(self) -> tuple[QuestionScore, ...]:
        """The lines that lost points, the largest loss first (questionnaire order among equals)."""
        return tuple(sorted((q for q in self.questions if q.lost > 0), key=lambda q: -q.lost))

    def to_dict(self) -> dict:
        """JSON-ready: what the API returns and the case tables compare."""
        return {"questionnaire": self.questionnaire, "version": self.version, "as_of": self.as_of.isoformat(),
                "max": self.max, "earned": self.earned, "percent": self.percent, "blocked": self.blocked,
                "categories": [c.to_dict() for c in self.categories],
                "red_flags": [f.to_dict() for f in self.red_flags],
                "unanswered": {"required": list(self.unanswered_required),
                               "optional": list(self.unanswered_optional)},
                "skipped": list(self.skipped),
                "costs": [{"question": q.question, "category": q.category, "lost": q.lost, "result": q.result,
                           "why": _bi(q.why)} for q in self.costs],
                "questions": [q.to_dict() for q in self.questions]}


def _bi(text: Bi) -> dict:
    return {"ja": text.ja, "en": text.en}


def _points(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _round(value: float) -> float:
    return round(value, 4) + 0.0


def _percent(earned: float, most: float) -> float | None:
    return round(earned / most * 100, 1) if most else None


def _derived(fraction: float) -> str:
    return "compliant" if fraction >= 1 else "non_compliant" if fraction <= 0 else "partial"


@dataclass(frozen=True)
class _Outcome:
    fraction: float | None  # None: not applicable, or not scored ("information")
    result: str
    answer: Bi
    flags: tuple[tuple[str | None, RedFlag], ...] = ()


def _choice_outcome(choice: Choice) -> _Outcome:
    flags = ((choice.code, choice.red_flag),) if choice.red_flag else ()
    return _Outcome(choice.score, choice.result, choice.label, flags)


def _multiple_outcome(question: Question, codes: tuple[str, ...]) -> _Outcome:
    chosen = [question.choice(code) for code in codes]
    label = Bi("、".join(c.label.ja for c in chosen), ", ".join(c.label.en for c in chosen))
    flags = tuple((c.code, c.red_flag) for c in chosen if c.red_flag)
    scores = [c.score for c in chosen if c.result != "not_applicable"]
    if not scores:
        return _Outcome(None, "not_applicable", label, flags)
    combined = {"sum": lambda s: min(1.0, sum(s)), "max": max, "min": min}[question.aggregate](scores)
    fraction = round(combined, 6)  # five choices of 0.2 are 1, not 0.9999999999999999
    return _Outcome(fraction, _derived(fraction), label, flags)


def _band_outcome(question: Question, value: float, shown: Bi) -> _Outcome:
    if not question.bands:
        return _Outcome(None, "information", shown)
    band: Band = next(b for b in question.bands if b.up_to is None or value <= b.up_to)
    answer = Bi(f"{shown.ja}（{band.label.ja}）", f"{shown.en} ({band.label.en})")
    flags = ((None, band.red_flag),) if band.red_flag else ()
    return _Outcome(band.score, band.result, answer, flags)


def _outcome(question: Question, value: Any, as_of: date) -> _Outcome:
    kind = question.type
    if kind in ("yes_no", "single_choice"):
        return _choice_outcome(question.choice(value))
    if kind == "multiple_choice":
        return _multiple_outcome(question, value)
    if kind == "number":
        unit = question.unit or Bi("", "")
        number = f"{value:,}"
        return _band_outcome(question, value, Bi(f"{number}{unit.ja}", f"{number} {unit.en}".rstrip()))
    if kind == "date":
        return _band_outcome(question, (value - as_of).days, Bi(value.isoformat(), value.isoformat()))
    if kind == "evidence":
        return _Outcome(1.0, "compliant", Bi(f"ファイル{len(value)}件", f"{len(value)} file(s)"))
    short = value if len(value) <= 80 else value[:79] + "…"
    return _Outcome(None, "information", Bi(short, short))


_SKIPPED = Bi("前の質問への回答により対象外（採点しない）", "Does not apply, given an earlier answer (not scored)")
_NOT_APPLICABLE = Bi("該当なし（採点しない）", "Not applicable (not scored)")
_OPTIONAL = Bi("未回答（任意の質問のため採点しない）", "Unanswered (optional, not scored)")


def _line(question: Question, status: str, result: str, *, counts: bool, fraction: float = 0.0,
          answer: Bi | None = None, flags=()) -> QuestionScore:
    most = question.weight if counts else 0
    earned = most if fraction == 1 else _round(most * fraction)
    raised = tuple(RaisedFlag(question.id, question.category, code, answer, flag.severity, flag.reason)
                   for code, flag in flags) if flags else ()
    return QuestionScore(question.id, question.category, status, result, question.required, question.weight, most,
                         earned, _round(most - earned) if earned else most, answer, raised)


def _answered(question: Question, value: Any, as_of: date) -> QuestionScore:
    outcome = _outcome(question, value, as_of)
    if outcome.fraction is None:
        status = "not_applicable" if outcome.result == "not_applicable" else "answered"
        return _line(question, status, outcome.result, counts=False, answer=outcome.answer, flags=outcome.flags)
    return _line(question, "answered", outcome.result, counts=True, fraction=outcome.fraction, answer=outcome.answer,
                 flags=outcome.flags)


def _applies(question: Question, values: Mapping[str, Any], applied: Mapping[str, bool]) -> bool:
    dependency = question.depends_on
    if dependency is None:
        return True
    if not applied.get(dependency.question):
        return False
    given = values.get(dependency.question)
    if given is None:
        return False
    chosen = given if isinstance(given, tuple) else (given,)
    return any(code in dependency.answers for code in chosen)


def _categories(questionnaire: Questionnaire, lines: list[QuestionScore]) -> tuple[CategoryScore, ...]:
    totals = {c.id: [0.0, 0.0, dict.fromkeys(COUNT_KEYS, 0)] for c in questionnaire.categories}
    for line in lines:
        total = totals[line.category]
        total[0] += line.max
        total[1] += line.earned
        total[2][line.result] += 1
    out = []
    for category in questionnaire.categories:
        most, earned, counts = totals[category.id]
        most, earned = _round(most), _round(earned)
        out.append(CategoryScore(category.id, category.title, most, earned, _percent(earned, most), counts))
    return tuple(out)


def score(questionnaire: Questionnaire, answers: Mapping[str, Any], *, as_of: date) -> Score:
    """Score `answers` (question id → value) against `questionnaire` on the day `as_of` (rules: module docstring)."""
    values = check_answers(questionnaire, answers, as_of)
    applied: dict[str, bool] = {}
    lines: list[QuestionScore] = []
    for question in questionnaire.questions:
        applied[question.id] = _applies(question, values, applied)
        if not applied[question.id]:
            lines.append(_line(question, "skipped", "not_applicable", counts=False))
        elif question.id in values:
            lines.append(_answered(question, values[question.id], as_of))
        else:
            lines.append(_line(question, "unanswered", "unanswered", counts=question.required))
    categories = _categories(questionnaire, lines)
    most = _round(sum(c.max for c in categories))
    earned = _round(sum(c.earned for c in categories))
    order = {q.id: i for i, q in enumerate(questionnaire.questions)}
    flags = sorted((f for line in lines for f in line.red_flags),
                   key=lambda f: (SEVERITY_ORDER[f.severity], order[f.question]))
    return Score(
        questionnaire=questionnaire.id, version=questionnaire.version, as_of=as_of, max=most, earned=earned,
        percent=_percent(earned, most), categories=categories, questions=tuple(lines), red_flags=tuple(flags),
        unanswered_required=tuple(line.question for line in lines if line.status == "unanswered" and line.required),
        unanswered_optional=tuple(line.question for line in lines
                                  if line.status == "unanswered" and not line.required),
        skipped=tuple(line.question for line in lines if line.status == "skipped"))


def progress(questionnaire: Questionnaire, answers: Mapping[str, Any], *, as_of: date) -> tuple[int, int]:
    """(answered, applicable): how many of the questions that apply given `answers` are answered — what `score`
    counts as answered (a "not applicable" answer included), without scoring. A malformed answer counts as
    unanswered, as on the page (an expiry date that has passed since it was given)."""
    try:
        values = check_answers(questionnaire, answers, as_of)
    except AnswerError as error:
        values = check_answers(questionnaire, {k: v for k, v in answers.items() if k not in error.errors}, as_of)
    applied: dict[str, bool] = {}
    answered = applicable = 0
    for question in questionnaire.questions:
        applied[question.id] = _applies(question, values, applied)
        if applied[question.id]:
            applicable += 1
            answered += question.id in values
    return answered, applicable
