"""The risk tiers and the audit schedule as YAML tables of named cases (tests/audits/schedule_cases/*.yaml).

Each case has a `name`, what it `protects`, its `source` and its inputs; a failure prints all three with every
mismatch. The loader is this module's own (no conftest), so it shares nothing with other collectors here.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from pathlib import Path

import pytest
import yaml

from audits import cadence
from audits.tiers import EntrustmentRisk, load_policy, tier_of

CASES_DIR = Path(__file__).parent / "schedule_cases"
INPUTS = ("risk", "months_after", "period_end", "due", "reminder", "plan")


@pytest.fixture(autouse=True)
def app_context():
    """Pure code: no app and no database (shadows the suite-wide fixture of that name)."""
    yield


def load_cases() -> list:
    params = []
    for path in sorted(CASES_DIR.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        names = set()
        for case in data["cases"]:
            assert case["name"] not in names, f"{path.name}: duplicate case name {case['name']!r}"
            names.add(case["name"])
            params.append(pytest.param(case, data.get("defaults") or {}, id=f"{path.stem}: {case['name']}"))
    return params


CASES = load_cases()


def outcome(case: dict, defaults: dict) -> dict:
    """What the code under test answers for the case's one input, as plain data to compare."""
    (kind,) = [key for key in INPUTS if key in case]
    given = case[kind]
    if kind == "risk":
        risk = EntrustmentRisk(**{**defaults, **given})
        tier = tier_of(risk, load_policy())
        return {"tier": tier.level, "reasons": [r.rule for r in tier.reasons], "every_months": tier.every_months,
                "explanation": {"ja": tier.explanation("ja"), "en": tier.explanation("en")}}
    if kind == "months_after":
        return {"date": cadence.months_after(given["audit_on"], given["months"])}
    if kind == "period_end":
        return {"date": cadence.period_end(given["first_day"], given["months"])}
    if kind == "due":
        return asdict(cadence.next_due(given.get("last_audit_on"), given.get("started_on"), given["every_months"],
                                       given.get("contract_interval_months"), given["as_of"]))
    if kind == "reminder":
        return {"stage": cadence.reminder_stage(given["due_on"], given["today"])}
    items = [cadence.PlanItem(item["id"], item["tier"], item.get("last_audit_on"), item.get("started_on"),
                              item.get("contract_interval_months"), item.get("ends_on"))
             for item in given["items"]]
    plan = cadence.year_plan(items, load_policy(), given["as_of"], given.get("horizon_days", 365))
    return {"order": [p.entrustment_id for p in plan]} | {
        p.entrustment_id: {"due_dates": list(p.due_dates), "overdue_since": p.overdue_since,
                           "audit_count": p.audit_count, "bound_by": p.due.bound_by, "due_on": p.due.due_on}
        for p in plan}


def mismatches(expected: dict, actual: dict, where: str = "") -> list[str]:
    """Every key of `expected` whose value differs in `actual` (objects compare on the keys given)."""
    problems = []
    for key, want in expected.items():
        if key not in actual:
            problems.append(f"{where}{key}: not in the answer {sorted(map(str, actual))}")
        elif isinstance(want, dict):
            problems += mismatches(want, actual[key], f"{where}{key}.")
        elif want != actual[key]:
            problems.append(f"{where}{key}: expected {want!r}, got {actual[key]!r}")
    return problems


@pytest.mark.parametrize(("case", "defaults"), CASES)
def test_case(case, defaults):
    for field in ("name", "protects", "source", "expect"):
        assert case.get(field), f"case {case.get('name')!r} has no {field}"
    actual = outcome(case, defaults)
    expected = dict(case["expect"])
    if "plan" in case:
        expected["order"] = [item["id"] for item in case["plan"]["items"]]
    problems = mismatches(expected, actual)
    assert not problems, (f"case {case['name']!r}\n  protects: {case['protects']}\n  source: {case['source']}\n  "
                          + "\n  ".join(problems))


def test_every_rule_of_the_shipped_policy_is_exercised_by_a_case():
    shown = {rule for param in CASES for rule in param.values[0].get("expect", {}).get("reasons", [])}
    assert {rule.id for rule in load_policy().rules} <= shown


def test_every_tier_and_both_business_day_boundaries_have_cases():
    expected_tiers = {param.values[0]["expect"].get("tier") for param in CASES if "risk" in param.values[0]}
    assert {level.name for level in load_policy().levels} <= expected_tiers
    moved = [param.values[0] for param in CASES
             if "due" in param.values[0] and "period_end" in param.values[0]["expect"]
             and param.values[0]["expect"].get("due_on") not in (None, param.values[0]["expect"]["period_end"])]
    months = {case["expect"]["period_end"].month for case in moved}
    assert {1, 5, 12} <= months  # the year-end closure (both sides of New Year) and Golden Week
    assert all(isinstance(case["expect"]["period_end"], date) for case in moved)
