"""Legal cases as YAML tables (tests/legal/cases/*.yaml), run by a tiny collector that names the case on failure.

A file holds optional `defaults` (facts shared by its cases, merged key by key) and `as_of`, then `cases`, each:

    - name: credit card number alone is reportable (7条2号)
      source: "002 規則7条2号 ○ (PPC Q&A)"
      facts: {...}                      # merged over the file's defaults, key by key
      as_of: 2025-04-02                 # optional, else the file's
      expect:                           # parts of Assessment.to_dict(); dotted keys (grounds.0.article) reach in
        reportable: true
        grounds: [financial]            # a list of codes matches a list of {code: …} objects (as a set)
        grounds_include: [malicious]    # …_include / …_exclude: subset / disjoint
        final_report.due: 2025-05-01    # dates compare as ISO strings
        parties: [{tier: 0, must_report: true, ground: own_duty}]   # objects match on the keys given
      error: {known_at: [known_before_occurrence]}   # instead of expect: parse_facts must refuse
"""

from __future__ import annotations

from datetime import date, datetime

import pytest
import yaml

from oversight.incidents.art26 import FactsError, assess, parse_facts

_MISSING = object()


@pytest.fixture(scope="session", autouse=True)
def app_context():
    """The legal engine needs no app and no database: shadow the suite-wide fixture of that name."""
    yield


def pytest_collect_file(parent, file_path):
    if file_path.suffix == ".yaml" and file_path.parent.name == "cases" and file_path.parent.parent.name == "legal":
        return CaseFile.from_parent(parent, path=file_path)
    return None


class CaseFile(pytest.File):
    def collect(self):
        data = yaml.safe_load(self.path.read_text(encoding="utf-8"))
        defaults = data.get("defaults") or {}
        names = set()
        for spec in data["cases"]:
            if spec["name"] in names:
                raise ValueError(f"{self.path.name}: duplicate case name {spec['name']!r}")
            names.add(spec["name"])
            if not spec.get("source"):
                raise ValueError(f"{self.path.name}: case {spec['name']!r} has no source")
            yield LegalCase.from_parent(self, name=spec["name"], spec=spec, defaults=defaults,
                                        file_as_of=data.get("as_of"))


class CaseMismatch(AssertionError):
    pass


class LegalCase(pytest.Item):
    def __init__(self, *, spec, defaults, file_as_of, **kwargs):
        super().__init__(**kwargs)
        self.spec = spec
        self.facts = merged(defaults, spec.get("facts") or {})
        self.as_of = spec.get("as_of", file_as_of)

    def runtest(self):
        problems: list[str] = []
        if "error" in self.spec:
            try:
                parse_facts(self.facts)
            except FactsError as error:
                got = error.codes()
                for field, codes in self.spec["error"].items():
                    if sorted(got.get(field, [])) != sorted(codes):
                        problems.append(f"error[{field}]: expected {codes}, got {got.get(field)} (all: {got})")
            else:
                problems.append("expected a FactsError, but the facts were accepted")
        else:
            facts = parse_facts(self.facts)
            result = assess(facts, as_of(self.as_of)).to_dict()
            for key, expected in self.spec["expect"].items():
                check(key, expected, result, problems)
        if problems:
            raise CaseMismatch("\n".join(problems))

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, CaseMismatch):
            return f"legal case {self.name!r}\n  source: {self.spec['source']}\n  " + \
                str(excinfo.value).replace("\n", "\n  ")
        return f"legal case {self.name!r} raised:\n" + str(super().repr_failure(excinfo, style))

    def reportinfo(self):
        return self.path, 0, f"legal case: {self.name}"


def merged(defaults: dict, facts: dict) -> dict:
    return {**defaults, **facts}


def as_of(value):
    if isinstance(value, (date, datetime)):
        return value
    return datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)


def check(key: str, expected, result: dict, problems: list[str]) -> None:
    mode = "equal"
    for suffix in ("_include", "_exclude"):
        if key.endswith(suffix):
            key, mode = key[: -len(suffix)], suffix[1:]
    actual = result
    for part in key.split("."):
        if isinstance(actual, list) and part.isdigit():
            actual = actual[int(part)] if int(part) < len(actual) else _MISSING
        else:
            actual = actual.get(part, _MISSING) if isinstance(actual, dict) else _MISSING
        if actual is _MISSING:
            problems.append(f"{key}: no such key in the result")
            return
    if mode != "equal":
        codes = {codes_of(item) for item in actual}
        wanted = set(expected)
        if mode == "include" and not wanted <= codes:
            problems.append(f"{key}: expected to include {sorted(wanted - codes)}, got {sorted(codes)}")
        if mode == "exclude" and wanted & codes:
            problems.append(f"{key}: expected none of {sorted(wanted & codes)}, got {sorted(codes)}")
        return
    mismatch = compare(expected, actual)
    if mismatch:
        problems.append(f"{key}: {mismatch}")


def codes_of(item):
    return item["code"] if isinstance(item, dict) else item


def compare(expected, actual) -> str | None:
    """None when `actual` matches `expected` (partially for objects, by code for coded objects)."""
    if isinstance(expected, (date, datetime)):
        expected = expected.isoformat()
    if isinstance(expected, str) and isinstance(actual, dict) and "code" in actual:
        actual = actual["code"]
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
        if all(isinstance(e, str) for e in expected) and all(isinstance(a, (dict, str)) for a in actual):
            got = sorted(codes_of(a) for a in actual)
            return None if got == sorted(expected) else f"expected {sorted(expected)}, got {got}"
        if len(expected) != len(actual):
            return f"expected {len(expected)} entries, got {len(actual)}: {actual!r}"
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            inner = compare(e, a)
            if inner:
                return f"[{i}] {inner}"
        return None
    return None if expected == actual else f"expected {expected!r}, got {actual!r}"
