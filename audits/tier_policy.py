"""The tier policy (pure): what a rule may name, and the one loader that checks `tier_policy.yaml`.

The file lists the tiers, lowest first, each with its audit frequency in months, and the rules. A rule names
one attribute of `audits.tiers.EntrustmentRisk` (`ATTRIBUTES`), an operator that fits the attribute's kind
(`OPERATORS`), a value of that kind, the tier it raises the entrustment to, a reason in Japanese and English
(placeholders such as `{person_count:,}` take the entrustment's values) and its source. audits/SCHEDULE.md
describes the format.

`load_policy(path)` and `parse_policy(mapping)` are the one validation path: bad data — an unknown attribute,
operator or tier, a value of the wrong type, a frequency of 0 months, a text without ja or en, a rule without a
source — raises one `PolicyError` listing every problem (file, field path, message in Japanese and English), so
nothing half-valid is ever used or stored.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

POLICY_FILE = Path(__file__).resolve().parent / "tier_policy.yaml"
FINDING_SEVERITIES = ("high", "medium", "low")
MAX_SCORE = 100

# What a rule may name, and the kind of value it compares: the kind decides the operators and values allowed.
ATTRIBUTES = {
    "sensitive": "flag",
    "my_number": "flag",
    "unapproved_subcontracting": "flag",
    "false_answers_found": "flag",
    "person_count": "count",
    "subcontract_depth": "count",
    "incidents_last_year": "count",
    "late_notifications_last_year": "count",
    **{f"open_findings.{severity}": "count" for severity in FINDING_SEVERITIES},
    "last_audit_score": "score",
    "contract_audit_interval_months": "months",
    "storage_country": "country",
}
_ORDER = ("==", "!=", ">", ">=", "<", "<=")
OPERATORS = {"flag": ("is",), "count": _ORDER, "score": _ORDER, "months": _ORDER,
             "country": ("==", "!=", "in", "not in")}
_COMPARE = {"is": operator.eq, "==": operator.eq, "!=": operator.ne, ">": operator.gt, ">=": operator.ge,
            "<": operator.lt, "<=": operator.le, "in": lambda a, b: a in b, "not in": lambda a, b: a not in b}
_KIND_TEXT = {"flag": ("true or false", "true か false"), "count": ("a whole number, 0 or more", "0以上の整数"),
              "score": (f"a number from 0 to {MAX_SCORE}", f"0〜{MAX_SCORE}の数"),
              "months": ("a whole number of months, 1 or more", "1以上の整数（月数）"),
              "country": ("a two-letter country code (JP, US …)", "2文字の国コード（JP、US など）")}
_SAMPLE = {"flag": True, "count": 12000, "score": 72.5, "months": 12, "country": "US"}
_COUNTRY = re.compile(r"[A-Z]{2}")
_PLACEHOLDER = re.compile(r"\{([a-z_.]+)(?::([^{}]*))?\}")
_TIER_KEYS = {"name", "label", "every_months", "source"}
_RULE_KEYS = {"id", "attribute", "operator", "value", "tier", "reason", "source"}


def valid_value(kind: str, value) -> bool:
    """True when `value` is a value of the attribute kind `kind` (flag, count, score, months, country)."""
    if kind == "flag":
        return isinstance(value, bool)
    if kind == "count":
        return isinstance(value, int) and not isinstance(value, bool) and value >= 0
    if kind == "months":
        return valid_value("count", value) and value >= 1
    if kind == "score":
        return isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= MAX_SCORE
    return isinstance(value, str) and bool(_COUNTRY.fullmatch(value))


def render(template: str, values) -> str:
    """A reason template with the values in its placeholders ({person_count:,} → 12,000); `values.value(name)`
    gives each (an EntrustmentRisk)."""
    return _PLACEHOLDER.sub(lambda m: format(values.value(m.group(1)), m.group(2) or ""), template)


@dataclass(frozen=True)
class Text:
    """A text in Japanese and English."""

    ja: str
    en: str

    def get(self, lang: str) -> str:
        return self.ja if lang.startswith("ja") else self.en


@dataclass(frozen=True)
class Level:
    """One tier of the policy: its name, rank (0 is the lowest), label, audit frequency and the frequency's source."""

    name: str
    rank: int
    label: Text
    every_months: int
    source: str


@dataclass(frozen=True)
class Rule:
    """If `attribute` `operator` `value`, the entrustment is at least `tier`, for `reason` (templates)."""

    id: str
    attribute: str
    operator: str
    value: Any
    tier: str
    reason: Text
    source: str

    def matches(self, risk) -> bool:
        """True when the entrustment's value meets the condition (never when the value is unknown)."""
        actual = risk.value(self.attribute)
        return actual is not None and _COMPARE[self.operator](actual, self.value)


@dataclass(frozen=True)
class Policy:
    """The tiers (lowest first) with their audit frequencies, and the rules; `path` names its file."""

    version: str
    levels: tuple[Level, ...]
    rules: tuple[Rule, ...]
    path: str = ""

    def level(self, name: str) -> Level:
        """The tier called `name` (KeyError if the policy has none)."""
        for level in self.levels:
            if level.name == name:
                return level
        raise KeyError(name)

    def every_months(self, tier: str) -> int:
        """How often, in months, an entrustment of `tier` is audited (before the contract may tighten it)."""
        return self.level(tier).every_months


@dataclass(frozen=True)
class PolicyProblem:
    """One problem of a tier policy: the file, the field path in it (`rules[3].operator`) and why."""

    file: str
    path: str
    en: str
    ja: str

    def message(self, lang: str = "en") -> str:
        return self.ja if lang.startswith("ja") else self.en

    def __str__(self) -> str:
        return f"{self.file}: {self.path}: {self.en}"


class PolicyError(ValueError):
    """The tier policy is refused; `problems` lists every problem found, not only the first."""

    def __init__(self, problems: list[PolicyProblem]):
        self.problems = list(problems)
        super().__init__("tier policy refused:\n" + "\n".join(f"  {p}" for p in self.problems))

    def by_field(self, lang: str = "en") -> dict[str, list[str]]:
        """Messages by field path, in `lang`."""
        out: dict[str, list[str]] = {}
        for p in self.problems:
            out.setdefault(p.path, []).append(p.message(lang))
        return out


def load_policy(path: Path | str = POLICY_FILE) -> Policy:
    """The tier policy from its YAML file (cached per path); PolicyError lists every problem."""
    return _load_policy(Path(path).resolve())


@cache
def _load_policy(path: Path) -> Policy:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise PolicyError([PolicyProblem(path.name, "", f"cannot be read ({error})",
                                         f"読み込めません（{error}）")]) from error
    return parse_policy(raw, path.name)


def parse_policy(raw, file: str = "<policy>") -> Policy:
    """A Policy from its mapping (as read from YAML, or sent by an edit form); PolicyError lists every problem."""
    problems: list[PolicyProblem] = []

    def problem(where: str, en: str, ja: str) -> None:
        problems.append(PolicyProblem(file, where, en, ja))

    if not isinstance(raw, Mapping):
        raise PolicyError([PolicyProblem(file, "", "not a tier policy (a mapping with version, tiers and rules)",
                                         "リスク区分の方針になっていません（version、tiers、rules が必要です）")])
    for key in sorted(set(raw) - {"version", "tiers", "rules"}, key=str):
        problem(str(key), f"unknown key {key!r}", f"不明な項目 {key} です")
    version = raw.get("version")
    if not isinstance(version, str | int | float) or isinstance(version, bool) or not str(version).strip():
        problem("version", "required (the policy's version, e.g. \"2026.1\")", "版（version）が必要です")
    names: list[str] = []  # every well-named tier, so that a rule is not refused for another field's fault
    levels = _parse_levels(raw.get("tiers"), names, problem)
    rules = _parse_rules(raw.get("rules"), names, problem)
    if problems:
        raise PolicyError(problems)
    return Policy(version=str(version), levels=tuple(levels), rules=tuple(rules), path=file)


def _text(raw, where: str, problem) -> Text | None:
    if isinstance(raw, Mapping) and all(isinstance(raw.get(k), str) and raw[k].strip() for k in ("ja", "en")):
        return Text(raw["ja"].strip(), raw["en"].strip())
    problem(where, "needs both ja and en (Japanese and English text)", "日本語（ja）と英語（en）の両方が必要です")
    return None


def _source(raw: Mapping, where: str, problem) -> str:
    source = raw.get("source")
    if isinstance(source, str) and source.strip():
        return source.strip()
    problem(f"{where}.source", "needs a source (the document and passage the rule comes from)",
            "根拠（source）が必要です")
    return ""


def _unknown_keys(raw: Mapping, allowed: set, where: str, problem) -> None:
    for key in sorted(set(raw) - allowed, key=str):
        problem(f"{where}.{key}", f"unknown key {key!r}", f"不明な項目 {key} です")


def _parse_levels(raw, names: list[str], problem) -> list[Level]:
    if not isinstance(raw, list) or not raw:
        problem("tiers", "required: the tiers, lowest first", "リスク区分（tiers）を低い順に指定してください")
        return []
    levels: list[Level] = []
    for i, item in enumerate(raw):
        where = f"tiers[{i}]"
        if not isinstance(item, Mapping):
            problem(where, "must be a tier (name, label, every_months, source)", "区分の定義になっていません")
            continue
        _unknown_keys(item, _TIER_KEYS, where, problem)
        name = item.get("name")
        if not (isinstance(name, str) and re.fullmatch(r"[a-z][a-z0-9_]*", name)):
            problem(f"{where}.name", "needs a name in lower-case letters (low, high …)",
                    "区分名（name）を英小文字で指定してください（low、high など）")
            name = None
        elif name in names:
            problem(f"{where}.name", f"tier {name!r} is defined twice", f"区分 {name} が二度定義されています")
            name = None
        else:
            names.append(name)
        label = _text(item.get("label"), f"{where}.label", problem)
        months = item.get("every_months")
        if not valid_value("months", months):
            problem(f"{where}.every_months",
                    f"the audit frequency must be a whole number of months, 1 or more (got {months!r})",
                    f"監査の頻度は1以上の整数（月数）で指定してください（指定値：{months!r}）")
            months = None
        source = _source(item, where, problem)
        if name and label and months:
            previous = levels[-1] if levels else None
            if previous and months > previous.every_months:
                problem(f"{where}.every_months",
                        f"{name!r} would be audited less often ({months} months) than the lower tier "
                        f"{previous.name!r} ({previous.every_months} months)",
                        f"{name} の監査頻度（{months}か月）が、より低い区分 {previous.name}"
                        f"（{previous.every_months}か月）より間隔が長くなっています")
            levels.append(Level(name, len(levels), label, months, source))
    return levels


def _parse_rules(raw, tiers: list[str], problem) -> list[Rule]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        problem("rules", "must be a list of rules", "規則（rules）は一覧で指定してください")
        return []
    rules: list[Rule] = []
    ids: set[str] = set()
    for i, item in enumerate(raw):
        where = f"rules[{i}]"
        if not isinstance(item, Mapping):
            problem(where, "must be a rule (id, attribute, operator, value, tier, reason, source)",
                    "規則の定義になっていません")
            continue
        _unknown_keys(item, _RULE_KEYS, where, problem)
        rule_id = item.get("id")
        valid = isinstance(rule_id, str) and bool(re.fullmatch(r"[a-z][a-z0-9_]*", rule_id))
        if not valid:
            problem(f"{where}.id", "needs an id in lower-case letters", "規則の id を英小文字で指定してください")
        elif rule_id in ids:
            problem(f"{where}.id", f"rule id {rule_id!r} is used twice", f"規則の id {rule_id} が重複しています")
            valid = False
        else:
            ids.add(rule_id)
        valid &= _check_condition(item, where, problem)
        tier = item.get("tier")
        if tier not in tiers:
            problem(f"{where}.tier", f"unknown tier {tier!r}; the tiers are {', '.join(tiers)}",
                    f"不明な区分 {tier!r} です（区分：{'、'.join(tiers)}）")
            valid = False
        reason = _text(item.get("reason"), f"{where}.reason", problem)
        if reason:
            for lang in ("ja", "en"):
                valid &= _check_template(getattr(reason, lang), f"{where}.reason.{lang}", problem)
        source = _source(item, where, problem)
        if valid and reason and source:
            value = item["value"]
            rules.append(Rule(rule_id, item["attribute"], item["operator"],
                              tuple(value) if isinstance(value, list) else value, tier, reason, source))
    return rules


def _check_condition(item: Mapping, where: str, problem) -> bool:
    attribute, op, value = item.get("attribute"), item.get("operator"), item.get("value")
    kind = ATTRIBUTES.get(attribute) if isinstance(attribute, str) else None
    if kind is None:
        problem(f"{where}.attribute", f"unknown attribute {attribute!r}; known: {', '.join(ATTRIBUTES)}",
                f"不明な属性 {attribute!r} です（使える属性：{'、'.join(ATTRIBUTES)}）")
        return False
    if op not in OPERATORS[kind]:
        problem(f"{where}.operator",
                f"operator {op!r} does not apply to {attribute}; use one of: {', '.join(OPERATORS[kind])}",
                f"演算子 {op!r} は {attribute} に使えません（使える演算子：{'、'.join(OPERATORS[kind])}）")
        return False
    listed = op in ("in", "not in")
    ok = (isinstance(value, list) and bool(value) and all(valid_value(kind, v) for v in value)) if listed \
        else valid_value(kind, value)
    if not ok:
        en, ja = _KIND_TEXT[kind]
        problem(f"{where}.value",
                f"{attribute} {op} needs {'a non-empty list of ' if listed else ''}{en}; got {value!r}",
                f"{attribute} {op} の値は{'空でない一覧（各要素は' if listed else ''}{ja}"
                f"{'）' if listed else ''}で指定してください（指定値：{value!r}）")
    return ok


def _check_template(template: str, where: str, problem) -> bool:
    ok = True
    for match in _PLACEHOLDER.finditer(template):
        attribute, spec = match.group(1), match.group(2) or ""
        kind = ATTRIBUTES.get(attribute)
        if kind is None:
            problem(where, f"placeholder {{{attribute}}} names no attribute",
                    f"差込み {{{attribute}}} は属性名ではありません")
            ok = False
            continue
        try:
            format(_SAMPLE[kind], spec)
        except ValueError:
            problem(where, f"placeholder {match.group(0)}: the format {spec!r} does not apply to {attribute}",
                    f"差込み {match.group(0)} の書式 {spec!r} は {attribute} に使えません")
            ok = False
    if "{" in _PLACEHOLDER.sub("", template) or "}" in _PLACEHOLDER.sub("", template):
        problem(where, "a brace { or } that is not a placeholder", "差込みでない波括弧 { または } があります")
        ok = False
    return ok
