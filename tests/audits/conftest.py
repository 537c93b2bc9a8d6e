"""Scoring cases as YAML tables (tests/audits/cases/*.yaml), run by a small collector that names the case on failure.

A file names its questionnaire and day, optional shared answers, then its cases:

    questionnaire: dd-selection        # the library's current version of that id, or
    fixture: mini.yaml                 # a questionnaire under tests/audits/fixtures/
    as_of: 2026-04-01
    base: best                         # optional: start from the best answer to every question
    answers: {…}                       # optional: shared answers, over the base
    cases:
      - name: subcontracting without prior approval is a blocker
        protects: the consignor never misses a vendor that subcontracts behind its back
        source: "000 UFジャパン事案"
        answers: {sub_practice: without_approval}   # over the file's answers; null takes an answer away
        as_of: 2026-05-01                            # optional, else the file's
        expect:                                      # parts of Score.to_dict(); dotted keys reach in
          blocked: true
          categories.subcontracting.percent: 73.7    # categories and questions are keyed by their id
          red_flags: [sub_practice]                  # a list of ids matches objects by question (as a set)
          red_flags_include: [sub_practice]          # …_include / …_exclude: subset / disjoint
          questions.sub_practice: {result: non_compliant, lost: 5}   # objects match on the keys given
        error: {org_notice_hours: [not_a_number]}    # instead of expect: the answers must be refused
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from audits.library import current, load_file
from audits.scoring import AnswerError, score
from tests.audits.answers import best_answers

FIXTURES = Path(__file__).parent / "fixtures"
_MISSING = object()


@pytest.fixture(scope="session", autouse=True)
def app_context():
    """Scoring needs no app and no database: shadow the suite-wide fixture of that name."""
    yield


def pytest_collect_file(parent, file_path):
    if file_path.suffix == ".yaml" and file_path.parent.name == "cases" and file_path.parent.parent.name == "audits":
        return ScoringCaseFile.from_parent(parent, path=file_path)
    return None


class ScoringCaseFile(pytest.File):
    def collect(self):
        data = yaml.safe_load(self.path.read_text(encoding="utf-8"))
        questionnaire = load_file(FIXTURES / data["fixture"]) if "fixture" in data else current(data["questionnaire"])
        names = set()
        for spec in data["cases"]:
            if spec["name"] in names:
                raise ValueError(f"{self.path.name}: duplicate case name {spec['name']!r}")
            names.add(spec["name"])
            for key in ("protects", "source"):
                if not spec.get(key):
                    raise ValueError(f"{self.path.name}: case {spec['name']!r} has no {key}")
            if ("expect" in spec) == ("error" in spec):
                raise ValueError(f"{self.path.name}: case {spec['name']!r} needs expect or error (one of them)")
            yield ScoringCase.from_parent(self, name=spec["name"], spec=spec, file_data=data,
                                          questionnaire=questionnaire)


class CaseMismatch(AssertionError):
    pass


class ScoringCase(pytest.Item):
    def __init__(self, *, spec, file_data, questionnaire, **kwargs):
        super().__init__(**kwargs)
        self.spec = spec
        self.questionnaire = questionnaire
        self.as_of = as_date(spec.get("as_of", file_data["as_of"]))
        answers = best_answers(questionnaire, self.as_of) if file_data.get("base") == "best" else {}
        for layer in (file_data.get("answers") or {}, spec.get("answers") or {}):
            for key, value in layer.items():
                if value is None:
                    answers.pop(key, None)
                else:
                    answers[key] = value.isoformat() if isinstance(value, date) else value
        self.answers = answers

    def runtest(self):
        problems: list[str] = []
        if "error" in self.spec:
            try:
                score(self.questionnaire, self.answers, as_of=self.as_of)
            except AnswerError as error:
                got = error.codes()
                if got != {k: list(v) for k, v in self.spec["error"].items()}:
                    problems.append(f"error: expected {self.spec['error']}, got {got}")
            else:
                problems.append("expected an AnswerError, but the answers were accepted")
        else:
            result = view(score(self.questionnaire, self.answers, as_of=self.as_of).to_dict())
            for key, expected in self.spec["expect"].items():
                check(key, expected, result, problems)
        if problems:
            raise CaseMismatch("\n".join(problems))

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, CaseMismatch):
            return (f"scoring case {self.name!r}\n  protects: {self.spec['protects']}\n  source: {self.spec['source']}"
                    f"\n  " + str(excinfo.value).replace("\n", "\n  "))
        return f"scoring case {self.name!r} raised:\n" + str(super().repr_failure(excinfo, style))

    def reportinfo(self):
        return self.path, 0, f"scoring case: {self.name}"


def as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def view(result: dict) -> dict:
    """Score.to_dict() with categories and questions keyed by their id, for dotted keys."""
    return {**result, "categories": {c["category"]: c for c in result["categories"]},
            "questions": {q["question"]: q for q in result["questions"]}}


def ident(item):
    if isinstance(item, dict):
        return next((item[k] for k in ("question", "category") if k in item), None)
    return item


def check(key: str, expected, result: dict, problems: list[str]) -> None:
    mode = "equal"
    for suffix in ("_include", "_exclude"):
        if key.endswith(suffix):
            key, mode = key[: -len(suffix)], suffix[1:]
    actual = result
    for part in key.split("."):
        actual = actual.get(part, _MISSING) if isinstance(actual, dict) else _MISSING
        if actual is _MISSING:
            problems.append(f"{key}: no such key in the result")
            return
    if mode != "equal":
        ids, wanted = {ident(a) for a in actual}, set(expected)
        if mode == "include" and not wanted <= ids:
            problems.append(f"{key}: expected to include {sorted(wanted - ids)}, got {sorted(ids)}")
        if mode == "exclude" and wanted & ids:
            problems.append(f"{key}: expected none of {sorted(wanted & ids)}, got {sorted(ids)}")
        return
    mismatch = compare(expected, actual)
    if mismatch:
        problems.append(f"{key}: {mismatch}")


def compare(expected, actual) -> str | None:
    """None when `actual` matches `expected` (objects partially, lists of ids against objects as sets)."""
    if isinstance(expected, date):
        expected = expected.isoformat()
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return f"expected an object {expected}, got {actual!r}"
        for k, v in expected.items():
            if k not in actual:
                return f"{k}: missing"
            inner = compare(v, actual[k])
            if inner:
                return f"{k}: {inner}"
        return None
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return f"expected a list {expected}, got {actual!r}"
        if all(isinstance(e, str) for e in expected):
            got = sorted(str(ident(a)) for a in actual)
            return None if got == sorted(expected) else f"expected {sorted(expected)}, got {got}"
        if len(expected) != len(actual):
            return f"expected {len(expected)} entries, got {len(actual)}: {actual!r}"
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            inner = compare(e, a)
            if inner:
                return f"[{i}] {inner}"
        return None
    if isinstance(expected, bool) or isinstance(actual, bool):
        return None if expected is actual else f"expected {expected!r}, got {actual!r}"
    if isinstance(expected, (int, float)) and isinstance(actual, (int, float)):
        return None if abs(expected - actual) < 1e-9 else f"expected {expected!r}, got {actual!r}"
    return None if expected == actual else f"expected {expected!r}, got {actual!r}"
