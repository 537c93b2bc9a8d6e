"""The cross-check rules against their YAML tables of cases (tests/audits/crosscheck_cases/*.yaml): each case
names its source and what it protects, and a failure says both."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from audits.crosscheck_rules import AuditFacts, Certificate, Previous, RegisteredSub, cross_check
from audits.declarations import parse_subcontractors

CASES = Path(__file__).parent / "crosscheck_cases"


def _cases():
    for path in sorted(CASES.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for case in data["cases"]:
            assert case.get("source") and case.get("protects"), f"{path.name}: {case['name']} needs source, protects"
            yield pytest.param(data["defaults"], case, id=f"{path.stem}: {case['name']}")


def _day(value):
    return value if isinstance(value, date) or value is None else date.fromisoformat(value)


def _declared(lines):
    declared, problems = parse_subcontractors("\n".join(lines or []))
    assert not problems
    return tuple(declared)


def facts_of(defaults: dict, given: dict) -> AuditFacts:
    """The case's facts (over the file's defaults) as the rules take them."""
    raw = {**defaults, **given}
    previous = raw.get("previous")
    return AuditFacts(
        as_of=_day(raw["as_of"]), period_start=_day(raw.get("period_start")),
        subcontracting=raw.get("subcontracting"), subcontracting_question=raw.get("subcontracting_question"),
        declared=_declared(raw.get("declared")), declared_question=raw.get("declared_question"),
        registered=tuple(RegisteredSub(r["id"], r["name"], str(r["corporate_number"]), r["state"], r.get("live", True))
                         for r in raw.get("registered") or []),
        claimed=tuple((c["question"], Certificate(c["scheme"], _day(c.get("expires_on"))))
                      for c in raw.get("claimed") or []),
        recorded=tuple(Certificate(c["scheme"], _day(c.get("expires_on"))) for c in raw.get("recorded") or []),
        evidence_dates=tuple((e["question"], _day(e["date"])) for e in raw.get("evidence_dates") or []),
        previous=None if previous is None else Previous(
            audit_id=1, subcontracting=previous.get("subcontracting"), declared=_declared(previous.get("declared")),
            evidence_dates=tuple((e["question"], _day(e["date"])) for e in previous.get("evidence_dates") or [])))


@pytest.mark.parametrize(("defaults", "case"), list(_cases()))
def test_cross_check_case(defaults, case):
    flags = cross_check(facts_of(defaults, case["facts"]))
    got = [f"{f.check} {f.subject}" for f in flags]
    where = f"\n  protects: {case['protects']}\n  source: {case['source']}"
    assert got == case["flags"], f"flags {got}, expected {case['flags']}{where}"
    for check, severity in (case.get("severity") or {}).items():
        assert {f.severity for f in flags if f.check == check} == {severity}, where
    if "records_subcontract" in case:
        recorded = [f.declared.corporate_number for f in flags if f.records_subcontract]
        assert recorded == [str(n) for n in case["records_subcontract"]], where
    assert all(f.reason.ja and f.reason.en and f.ground for f in flags), where


def test_the_same_facts_give_the_same_flags():
    defaults = {"as_of": "2026-11-23", "subcontracting": "unchanged", "declared_question": "q"}
    facts = facts_of(defaults, {"declared": ["株式会社北斗, 6010001000001"], "registered": []})
    assert cross_check(facts) == cross_check(facts)
