"""The monthly handling report (月次の取扱状況報告), pure: its form as data (report_forms/*.yaml, loaded and checked
here) and the check of one report's answers. When a month's report is due and reminded: audits.handling_months.

通則編3-4-4(3): the consignor grasps how the contractor handles the data; periodic reports are one way. The form is
in report_forms/README.md; a report keeps the form's id and version it was filed with.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

FORMS_DIR = Path(__file__).resolve().parent / "report_forms"
FORM_FILE = FORMS_DIR / "monthly.yaml"
TYPES = ("number", "yes_no", "choice", "text")
TEXT_MAX = 2000
_FIELD_KEYS = {"id", "type", "label", "help", "required", "required_if", "attention_if", "minimum", "max_length",
               "choices"}


@dataclass(frozen=True)
class Text:
    """A text in Japanese and English."""

    ja: str
    en: str

    def get(self, lang: str) -> str:
        return self.ja if lang.startswith("ja") else self.en


@dataclass(frozen=True)
class Choice:
    code: str
    label: Text


@dataclass(frozen=True)
class Condition:
    """Holds when the answer to `field` equals (or, `negate`, differs from) `value`: a field required, or an answer
    the consignor should look at."""

    field: str
    value: object
    negate: bool = False

    def holds(self, answers: Mapping) -> bool:
        answer = answers.get(self.field)
        if answer is None:
            return False
        return (answer != self.value) if self.negate else (answer == self.value)


@dataclass(frozen=True)
class Field:
    id: str
    type: str
    label: Text
    help: Text | None = None
    required: bool = False
    required_if: Condition | None = None
    attention_if: Condition | None = None  # an answer that the consignor's owner is told of when the report is filed
    minimum: int = 0
    max_length: int = TEXT_MAX
    choices: tuple[Choice, ...] = ()

    def choice(self, code) -> Choice | None:
        return next((c for c in self.choices if c.code == code), None)


@dataclass(frozen=True)
class Schedule:
    due_business_day: int
    grace_business_days: int


@dataclass(frozen=True)
class ReportForm:
    id: str
    version: str
    title: Text
    source: str
    schedule: Schedule
    fields: tuple[Field, ...]

    def field(self, field_id: str) -> Field | None:
        return next((f for f in self.fields if f.id == field_id), None)


@dataclass(frozen=True)
class Problem:
    """One problem of a form file (path: `fields[2].type`) or of one answer (path: the field id); `code` names the
    kind (required, number, minimum, yes_no, choice, text, too_long, unknown) for the caller's words."""

    path: str
    code: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.path}: {self.detail or self.code}"


class FormError(ValueError):
    """The form file is refused; `problems` lists every problem found."""

    def __init__(self, file: str, problems: list[Problem]):
        self.file, self.problems = file, list(problems)
        super().__init__(f"{file}: form refused:\n" + "\n".join(f"  {p}" for p in self.problems))


# ---------------------------------------------------------------- the form file

def load_form(path: Path | str = FORM_FILE) -> ReportForm:
    """The form from its YAML file (cached per path); FormError lists every problem."""
    return _load(Path(path).resolve())


@cache
def _load(path: Path) -> ReportForm:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise FormError(path.name, [Problem("", "unreadable", f"cannot be read ({error})")]) from error
    return parse_form(raw, path.name)


def _text(raw) -> Text | None:
    if isinstance(raw, Mapping) and all(isinstance(raw.get(k), str) and raw[k].strip() for k in ("ja", "en")):
        return Text(raw["ja"].strip(), raw["en"].strip())
    return None


def _whole(value, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def parse_form(raw, file: str = "<form>") -> ReportForm:
    """A ReportForm from its mapping (as read from YAML); FormError lists every problem, not only the first."""
    problems: list[Problem] = []

    def problem(path: str, detail: str) -> None:
        problems.append(Problem(path, "form", detail))

    if not isinstance(raw, Mapping):
        raise FormError(file, [Problem("", "form", "not a form (a mapping with id, version, title, fields)")])
    for key in sorted(set(raw) - {"id", "version", "title", "source", "schedule", "fields"}, key=str):
        problem(str(key), f"unknown key {key!r}")
    form_id = raw.get("id")
    if not (isinstance(form_id, str) and re.fullmatch(r"[a-z][a-z0-9-]*", form_id)):
        problem("id", "required: lower case letters, digits and hyphens")
    version = raw.get("version")
    if not isinstance(version, str | int | float) or isinstance(version, bool) or not str(version).strip():
        problem("version", "required (e.g. \"2026.1\")")
    title = _text(raw.get("title"))
    if title is None:
        problem("title", "needs both ja and en")
    source = raw.get("source")
    if not (isinstance(source, str) and source.strip()):
        problem("source", "required: where the duty comes from")
    schedule = _schedule(raw.get("schedule"), problem)
    fields = _fields(raw.get("fields"), problem)
    if problems:
        raise FormError(file, problems)
    return ReportForm(form_id, str(version), title, source.strip(), schedule, tuple(fields))


def _schedule(raw, problem) -> Schedule | None:
    if not isinstance(raw, Mapping):
        problem("schedule", "required: due_business_day and grace_business_days")
        return None
    for key in sorted(set(raw) - {"due_business_day", "grace_business_days"}, key=str):
        problem(f"schedule.{key}", f"unknown key {key!r}")
    due, grace = raw.get("due_business_day"), raw.get("grace_business_days")
    ok = True
    if not _whole(due, 1, 20):
        problem("schedule.due_business_day", f"a whole number from 1 to 20 (got {due!r})")
        ok = False
    if not _whole(grace, 0, 10):
        problem("schedule.grace_business_days", f"a whole number from 0 to 10 (got {grace!r})")
        ok = False
    return Schedule(due, grace) if ok else None


def _fields(raw, problem) -> list[Field]:
    if not isinstance(raw, list) or not raw:
        problem("fields", "required: at least one field")
        return []
    fields: list[Field] = []
    for i, item in enumerate(raw):
        where = f"fields[{i}]"
        if not isinstance(item, Mapping):
            problem(where, "must be a field (id, type, label …)")
            continue
        for key in sorted(set(item) - _FIELD_KEYS, key=str):
            problem(f"{where}.{key}", f"unknown key {key!r}")
        field = _field(item, where, fields, problem)
        if field is not None:
            fields.append(field)
    return fields


def _field(item: Mapping, where: str, earlier: list[Field], problem) -> Field | None:
    ok = True
    field_id, kind = item.get("id"), item.get("type")
    if not (isinstance(field_id, str) and re.fullmatch(r"[a-z][a-z0-9_]*", field_id)):
        problem(f"{where}.id", "required: lower case letters and underscores")
        ok = False
    elif any(f.id == field_id for f in earlier):
        problem(f"{where}.id", f"field {field_id!r} is defined twice")
        ok = False
    if kind not in TYPES:
        problem(f"{where}.type", f"unknown type {kind!r}; the types are {', '.join(TYPES)}")
        ok = False
    label = _text(item.get("label"))
    if label is None:
        problem(f"{where}.label", "needs both ja and en")
        ok = False
    help_text = None
    if "help" in item:
        help_text = _text(item["help"])
        if help_text is None:
            problem(f"{where}.help", "needs both ja and en")
            ok = False
    required = item.get("required", False)
    if not isinstance(required, bool):
        problem(f"{where}.required", "true or false")
        ok = False
    minimum, max_length = item.get("minimum", 0), item.get("max_length", TEXT_MAX)
    if not _whole(minimum, 0, 10**12):
        problem(f"{where}.minimum", "a whole number, 0 or more")
        ok = False
    if not _whole(max_length, 1, TEXT_MAX):
        problem(f"{where}.max_length", f"a whole number from 1 to {TEXT_MAX}")
        ok = False
    choices = _choices(item.get("choices"), kind, where, problem)
    ok &= choices is not None
    condition = _condition(item.get("required_if"), f"{where}.required_if", earlier, problem)
    ok &= condition is not False
    if not ok:
        return None
    itself = Field(field_id, kind, label, choices=choices)
    # A bad attention_if is a problem of its own; the field stays, so the fields after it that name it are checked.
    attention = _condition(item.get("attention_if"), f"{where}.attention_if", [itself], problem, own=True)
    return Field(field_id, kind, label, help_text, required, condition or None, attention or None, minimum,
                 max_length, choices)


def _choices(raw, kind, where: str, problem) -> tuple[Choice, ...] | None:
    if kind != "choice":
        if raw is not None:
            problem(f"{where}.choices", "only a choice field has choices")
            return None
        return ()
    if not isinstance(raw, list) or not raw:
        problem(f"{where}.choices", "a choice field needs a list of {code, label}")
        return None
    choices = []
    for j, c in enumerate(raw):
        label = _text(c.get("label")) if isinstance(c, Mapping) else None
        code = c.get("code") if isinstance(c, Mapping) else None
        if not (isinstance(code, str) and re.fullmatch(r"[a-z][a-z0-9_]*", code)) or label is None:
            problem(f"{where}.choices[{j}]", "needs a code (lower case) and a label {ja, en}")
            return None
        choices.append(Choice(code, label))
    if len({c.code for c in choices}) != len(choices):
        problem(f"{where}.choices", "a code is used twice")
        return None
    return tuple(choices)


def _condition(raw, where: str, candidates: list[Field], problem, *, own: bool = False) -> Condition | None | bool:
    """required_if names an earlier field; attention_if (`own`) is about the field's own answer: {equals} or
    {not_equals}, the field implied."""
    if raw is None:
        return None
    if own and isinstance(raw, Mapping) and "field" not in raw:
        raw = {"field": candidates[0].id, **raw}
    if not isinstance(raw, Mapping) or set(raw) not in ({"field", "equals"}, {"field", "not_equals"}):
        problem(where, "{equals: <an answer>} or {not_equals: <an answer>}" if own else
                "{field: <an earlier field>, equals: <value>} or {field, not_equals}")
        return False
    target = next((f for f in candidates if f.id == raw["field"]), None)
    if target is None:
        problem(f"{where}.field", f"{raw['field']!r} is not " + ("this field" if own else "an earlier field"))
        return False
    negate = "not_equals" in raw
    value = raw["not_equals" if negate else "equals"]
    valid = (isinstance(value, bool) if target.type == "yes_no" else
             target.choice(value) is not None if target.type == "choice" else
             _whole(value, 0, 10**12) if target.type == "number" else isinstance(value, str))
    if not valid:
        problem(where, f"{value!r} is not an answer {target.id} can take")
        return False
    return Condition(target.id, value, negate)


def needs_attention(form: ReportForm, answers: Mapping) -> list[tuple[Field, list[Field]]]:
    """The fields whose answer the form marks for the consignor's attention (attention_if), in the form's order,
    each with the fields its answer made required (what happened, what changed) that were answered."""
    return [(f, [d for d in form.fields if d.required_if is not None and d.required_if.field == f.id
                 and d.required_if.holds(answers) and answers.get(d.id) not in (None, "")])
            for f in form.fields if f.attention_if is not None and f.attention_if.holds(answers)]


def answer_text(field: Field, value, lang: str) -> str:
    """An answer as the reader reads it: はい/いいえ, a choice's label, a number with separators, the text."""
    if value is None:
        return "—"
    if field.type == "yes_no":
        return ("はい" if value else "いいえ") if lang.startswith("ja") else ("Yes" if value else "No")
    if field.type == "choice":
        choice = field.choice(value)
        return choice.label.get(lang) if choice is not None else str(value)
    if field.type == "number":
        return f"{value:,}"
    return str(value)


# ---------------------------------------------------------------- one report's answers

def check_answers(form: ReportForm, answers: Mapping) -> tuple[dict, dict[str, list[Problem]]]:
    """The answers as stored (a value per field; None when left blank) and the problems by field id. Numbers may
    come as text ("12,000"); yes/no as true/false or "yes"/"no"; text is trimmed."""
    clean: dict = {}
    problems: dict[str, list[Problem]] = {}

    def refuse(field_id: str, code: str, detail: str = "") -> None:
        problems.setdefault(field_id, []).append(Problem(field_id, code, detail))

    for key in answers:
        if form.field(str(key)) is None:
            refuse(str(key), "unknown")
    for field in form.fields:
        value = _value(field, answers.get(field.id), refuse)
        clean[field.id] = value
    for field in form.fields:
        needed = field.required or (field.required_if is not None and field.required_if.holds(clean))
        if needed and clean.get(field.id) is None and field.id not in problems:
            refuse(field.id, "required")
    return clean, problems


def _value(field: Field, raw, refuse):
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if field.type == "number":
        text = raw.strip().replace(",", "").replace("，", "") if isinstance(raw, str) else raw
        if isinstance(text, str) and re.fullmatch(r"\d+", text):
            text = int(text)
        if not isinstance(text, int) or isinstance(text, bool):
            refuse(field.id, "number")
            return None
        if text < field.minimum or text > 10**12:
            refuse(field.id, "minimum", str(field.minimum))
            return None
        return text
    if field.type == "yes_no":
        value = {"yes": True, "no": False, "true": True, "false": False}.get(raw, raw) if isinstance(raw, str) else raw
        if not isinstance(value, bool):
            refuse(field.id, "yes_no")
            return None
        return value
    if not isinstance(raw, str):
        refuse(field.id, "choice" if field.type == "choice" else "text")
        return None
    text = raw.strip()
    if field.type == "choice":
        if field.choice(text) is None:
            refuse(field.id, "choice")
            return None
        return text
    if len(text) > field.max_length:
        refuse(field.id, "too_long", str(field.max_length))
        return None
    return text
