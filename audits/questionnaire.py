"""What a questionnaire is (pure): plain frozen dataclasses, read from YAML by `audits.parsing`.

`Questionnaire` → `Category`, `Question` → `Choice` / `Band` (each with an optional `RedFlag`), `Dependency`.
Texts are `Bi` (Japanese and English). The scoring rules that read them are in `audits.scoring`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

FORMAT = 1
PURPOSES = ("selection", "periodic", "triage")
TYPES = ("yes_no", "single_choice", "multiple_choice", "number", "date", "text", "evidence")
CHOICE_TYPES = ("yes_no", "single_choice", "multiple_choice")
BAND_TYPES = ("number", "date")
RESULTS = ("compliant", "partial", "non_compliant", "not_applicable")
SEVERITIES = ("blocker", "high", "medium", "low")
AGGREGATES = ("sum", "max", "min")
DATE_RANGES = ("any", "past", "future")
# What an answer declares for the audit cross-checks (audits.crosscheck_rules), and the question type it needs:
# the subcontractors by name and 法人番号 (one a line), the subcontracting practice (its code "none": we do not
# subcontract), the certifications held (choice codes are the registry's schemes), a certificate's expiry (with
# `scheme`), the date a piece of evidence bears (training, a log review …).
DECLARES = {"subcontractors": "text", "subcontracting": "single_choice", "certifications": "multiple_choice",
            "certification_expiry": "date", "evidence_date": "date"}
TEXT_MAX_LENGTH = 2000
MAX_FILES = 10


@dataclass(frozen=True)
class Bi:
    """A text in Japanese and English."""

    ja: str
    en: str

    def get(self, lang: str) -> str:
        """The Japanese text for a `ja…` language, else the English one."""
        return self.ja if lang.startswith("ja") else self.en


@dataclass(frozen=True)
class RedFlag:
    """What an answer reveals that a reviewer must see whatever the score: its severity and why."""

    severity: str
    reason: Bi


@dataclass(frozen=True)
class Choice:
    """An answer to pick: `score` is the fraction of the question's weight it earns (None if not applicable)."""

    code: str
    label: Bi
    score: float | None
    result: str
    red_flag: RedFlag | None = None
    exclusive: bool = False


@dataclass(frozen=True)
class Band:
    """A range of a number (or of days from the as-of date, for a date): values up to `up_to` inclusive."""

    up_to: float | None
    label: Bi
    score: float | None
    result: str
    red_flag: RedFlag | None = None


@dataclass(frozen=True)
class Dependency:
    """The question applies only when the earlier question `question` was answered with one of `answers`."""

    question: str
    answers: tuple[str, ...]


@dataclass(frozen=True)
class Question:
    """One question: its type, weight, the guideline item it checks and how its answers are scored."""

    id: str
    category: str
    type: str
    text: Bi
    guideline: str
    weight: float
    required: bool = True
    help: Bi | None = None
    depends_on: Dependency | None = None
    choices: tuple[Choice, ...] = ()
    aggregate: str = ""
    bands: tuple[Band, ...] = ()
    unit: Bi | None = None
    minimum: float | None = None
    maximum: float | None = None
    integer: bool = False
    dates: str = "any"
    max_length: int = TEXT_MAX_LENGTH
    max_files: int = MAX_FILES
    declares: str = ""
    scheme: str = ""
    _by_code: Mapping[str, Choice] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_code", MappingProxyType({c.code: c for c in self.choices}))

    def choice(self, code: str) -> Choice | None:
        """The choice with this code, or None."""
        return self._by_code.get(code)


@dataclass(frozen=True)
class Category:
    """A group of questions scored together: one item of the guideline's annex, or a topic such as subcontracting."""

    id: str
    title: Bi
    guideline: str = ""
    description: Bi | None = None


@dataclass(frozen=True)
class Questionnaire:
    """A versioned questionnaire: selection (due diligence), periodic (yearly audit) or triage."""

    id: str
    version: str
    purpose: str
    title: Bi
    source: str
    categories: tuple[Category, ...]
    questions: tuple[Question, ...]
    description: Bi | None = None
    _by_id: Mapping[str, Question] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", MappingProxyType({q.id: q for q in self.questions}))

    @property
    def key(self) -> tuple[str, str]:
        """(id, version): what identifies this questionnaire in the library."""
        return (self.id, self.version)

    def question(self, question_id: str) -> Question | None:
        """The question with this id, or None."""
        return self._by_id.get(question_id)

    def category(self, category_id: str) -> Category | None:
        """The category with this id, or None."""
        return next((c for c in self.categories if c.id == category_id), None)
