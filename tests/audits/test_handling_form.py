"""The monthly handling report's form file and schedule (pure): the form in force loads; a broken form is refused
naming every problem; a report's answers are checked field by field; the schedule as a YAML table of named cases."""

from __future__ import annotations

import copy
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
import yaml

from audits import handling_form as hf
from audits import handling_months as hm

CASES = yaml.safe_load((Path(__file__).parent / "handling_cases" / "schedule.yaml").read_text(encoding="utf-8"))
RAW = yaml.safe_load(hf.FORM_FILE.read_text(encoding="utf-8"))
GOOD = {"persons_handled": "12,000", "incident": "no", "subcontractor_change": False,
        "storage_location": " 東京第2データセンター ", "deletion": "none"}


@pytest.fixture(autouse=True)
def app_context():
    """Pure code: no app and no database."""
    yield


@pytest.mark.parametrize("case", CASES["cases"], ids=[c["name"] for c in CASES["cases"]])
def test_schedule_case(case):
    schedule = hf.Schedule(case.get("due_business_day", CASES["defaults"]["due_business_day"]),
                           case.get("grace_business_days", CASES["defaults"]["grace_business_days"]))
    period = hm.parse_period(case["period"])
    found = {}
    if "due" in case:
        found["due"] = hm.due_on(period, schedule)
        found["remind"] = hm.remind_on(period, schedule)
    if "status" in case:
        found["status"] = hm.status(period, case["today"], case.get("filed_on"), schedule)
    expected = {k: case[k] for k in ("due", "remind", "status") if k in case}
    assert found == expected, f"{case['name']} (protects: {case['protects']})"


def test_the_form_in_force_loads_in_japanese_and_english():
    form = hf.load_form()
    assert form.id == "monthly-handling" and form.schedule == hf.Schedule(5, 1)
    assert [f.id for f in form.fields][:2] == ["persons_handled", "incident"]
    assert form.field("deletion").choice("deleted").label.ja == "削除した"


def _refused(raw) -> list[str]:
    with pytest.raises(hf.FormError) as refused:
        hf.parse_form(raw, "broken.yaml")
    return [p.path for p in refused.value.problems]


def test_a_broken_form_is_refused_naming_every_problem():
    raw = copy.deepcopy(RAW)
    raw["schedule"]["due_business_day"] = 0
    raw["fields"][0]["type"] = "money"
    raw["fields"][2]["required_if"] = {"field": "remarks", "equals": True}  # a later field
    raw["fields"][1]["label"] = {"ja": "事故"}
    raw["colour"] = "red"
    assert sorted(_refused(raw)) == sorted(["colour", "schedule.due_business_day", "fields[0].type",
                                            "fields[1].label", "fields[2].required_if.field"])


def test_a_field_defined_twice_and_a_condition_no_answer_can_meet_are_refused():
    raw = copy.deepcopy(RAW)
    raw["fields"].append(dict(raw["fields"][0]))
    raw["fields"][8]["required_if"] = {"field": "deletion", "equals": "burnt"}
    assert set(_refused(raw)) == {"fields[9].id", "fields[8].required_if"}


def test_an_answer_marked_for_attention_must_be_one_the_field_can_take():
    raw = copy.deepcopy(RAW)
    raw["fields"][1]["attention_if"] = {"equals": "often"}  # incident is yes or no
    raw["fields"][3]["attention_if"] = {"field": "incident", "equals": True}  # only its own answer
    raw["fields"][0]["attention_if"] = "always"
    assert set(_refused(raw)) == {"fields[1].attention_if", "fields[3].attention_if.field", "fields[0].attention_if"}


def test_the_answers_marked_for_attention_come_with_what_they_made_required():
    form = hf.load_form()
    answers = {"incident": True, "incident_detail": "誤送付を未然に防止", "subcontractor_change": False}
    [(field, details)] = hf.needs_attention(form, answers)
    assert field.id == "incident" and [d.id for d in details] == ["incident_detail"]
    assert hf.answer_text(field, True, "ja") == "はい" and hf.answer_text(form.field("persons_handled"), 12000,
                                                                         "en") == "12,000"
    assert hf.needs_attention(form, {"incident": False, "subcontractor_change": False}) == []


def test_good_answers_are_kept_as_values():
    clean, problems = hf.check_answers(hf.load_form(), GOOD)
    assert problems == {}
    assert clean["persons_handled"] == 12000 and clean["incident"] is False
    assert clean["storage_location"] == "東京第2データセンター" and clean["remarks"] is None


@pytest.mark.parametrize(("change", "field", "code"), [
    ({"persons_handled": "約1万"}, "persons_handled", "number"),
    ({"persons_handled": -1}, "persons_handled", "minimum"),
    ({"persons_handled": None}, "persons_handled", "required"),
    ({"incident": "maybe"}, "incident", "yes_no"),
    ({"incident": True}, "incident_detail", "required"),
    ({"subcontractor_change": "yes"}, "subcontractor_detail", "required"),
    ({"deletion": "burnt"}, "deletion", "choice"),
    ({"deletion": "deleted"}, "deletion_detail", "required"),
    ({"storage_location": "x" * 301}, "storage_location", "too_long"),
    ({"colour": "red"}, "colour", "unknown"),
    ({"remarks": ["a"]}, "remarks", "text"),
], ids=lambda v: str(v))
def test_each_bad_answer_is_named(change, field, code):
    _clean, problems = hf.check_answers(hf.load_form(), {**GOOD, **change})
    assert [p.code for p in problems[field]] == [code]


def test_months_run_from_the_first_to_the_current_and_parse_strictly():
    assert hm.periods(date(2026, 11, 1), date(2027, 2, 3)) == [date(2026, 11, 1), date(2026, 12, 1),
                                                               date(2027, 1, 1), date(2027, 2, 1)]
    assert hm.periods(date(2026, 11, 1), date(2027, 2, 3), until=date(2026, 12, 15))[-1] == date(2026, 12, 1)
    assert hm.parse_period("2026-13") is None and hm.parse_period("2026-1") is None and hm.parse_period(7) is None


def test_the_form_and_schedule_import_neither_flask_nor_the_database():
    code = ("import sys, audits.handling_form, audits.handling_months, audits.charts; "
            "print(sorted(m for m in ('flask', 'sqlalchemy', 'oversight.extensions') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.stdout.strip() == "[]"
