"""The tier policy refuses bad data with one message naming every problem, and the pure modules stay pure."""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from audits.tiers import POLICY_FILE, EntrustmentRisk, PolicyError, load_policy, parse_policy, tier_of

SHIPPED = yaml.safe_load(POLICY_FILE.read_text(encoding="utf-8"))


@pytest.fixture(autouse=True)
def app_context():
    """Pure code: no app and no database (shadows the suite-wide fixture of that name)."""
    yield


def edited(change) -> dict:
    """The shipped policy with one edit applied by `change(raw)`."""
    raw = copy.deepcopy(SHIPPED)
    change(raw)
    return raw


def refusal(raw) -> dict[str, list[str]]:
    """The problems by field path (English) of a policy that must be refused."""
    with pytest.raises(PolicyError) as caught:
        parse_policy(raw, "tier_policy.yaml")
    assert all(p.file == "tier_policy.yaml" for p in caught.value.problems)
    return caught.value.by_field("en")


def rule_index(rule_id: str) -> int:
    return next(i for i, rule in enumerate(SHIPPED["rules"]) if rule["id"] == rule_id)


MY_NUMBER = rule_index("my_number")
MANY = rule_index("many_persons")
ABROAD = rule_index("stored_abroad")


def test_the_shipped_policy_loads_with_four_tiers_and_a_source_for_every_rule():
    policy = load_policy()
    assert [(level.name, level.every_months) for level in policy.levels] == [
        ("low", 24), ("medium", 12), ("high", 6), ("critical", 3)]
    assert all(rule.source and rule.reason.ja and rule.reason.en for rule in policy.rules)
    assert all(level.source for level in policy.levels)


def test_a_frequency_of_zero_months_is_refused_naming_the_tier():
    problems = refusal(edited(lambda raw: raw["tiers"][2].update(every_months=0)))
    assert list(problems) == ["tiers[2].every_months"]
    assert "1 or more" in problems["tiers[2].every_months"][0] and "0" in problems["tiers[2].every_months"][0]


@pytest.mark.parametrize("months", [-6, 1.5, "12", True, None])
def test_a_frequency_that_is_not_a_positive_whole_number_of_months_is_refused(months):
    assert "tiers[0].every_months" in refusal(edited(lambda raw: raw["tiers"][0].update(every_months=months)))


def test_a_higher_tier_audited_less_often_than_a_lower_one_is_refused():
    problems = refusal(edited(lambda raw: raw["tiers"][3].update(every_months=9)))
    assert "less often" in problems["tiers[3].every_months"][0]


def test_a_rule_naming_an_unknown_attribute_is_refused_with_the_known_ones_listed():
    problems = refusal(edited(lambda raw: raw["rules"][MY_NUMBER].update(attribute="mynumber")))
    message = problems[f"rules[{MY_NUMBER}].attribute"][0]
    assert "'mynumber'" in message and "my_number" in message


def test_an_unknown_operator_is_refused():
    problems = refusal(edited(lambda raw: raw["rules"][MANY].update(operator="=>")))
    assert "'=>'" in problems[f"rules[{MANY}].operator"][0]


@pytest.mark.parametrize(("rule", "operator"), [("my_number", ">="), ("many_persons", "in"), ("stored_abroad", ">")])
def test_an_operator_that_does_not_fit_the_attribute_is_refused(rule, operator):
    i = rule_index(rule)
    assert f"rules[{i}].operator" in refusal(edited(lambda raw: raw["rules"][i].update(operator=operator)))


@pytest.mark.parametrize(("rule", "value"), [
    ("my_number", "yes"),            # a flag compares with true or false
    ("many_persons", "1000"),        # a count is a number, not a string
    ("many_persons", True),          # … nor a boolean
    ("many_persons", -1),
    ("stored_abroad", "JP"),         # "not in" needs a list
    ("stored_abroad", []),
    ("stored_abroad", ["jp"]),       # country codes are upper case
    ("failed_audit", 150),           # scores run from 0 to 100
])
def test_a_value_of_the_wrong_type_is_refused(rule, value):
    i = rule_index(rule)
    problems = refusal(edited(lambda raw: raw["rules"][i].update(value=value)))
    assert list(problems) == [f"rules[{i}].value"]
    assert repr(value) in problems[f"rules[{i}].value"][0]


def test_a_rule_raising_to_an_unknown_tier_is_refused_with_the_tiers_listed():
    problems = refusal(edited(lambda raw: raw["rules"][MY_NUMBER].update(tier="severe")))
    assert "'severe'" in problems[f"rules[{MY_NUMBER}].tier"][0]
    assert "low, medium, high, critical" in problems[f"rules[{MY_NUMBER}].tier"][0]


@pytest.mark.parametrize("where", ["rule", "tier"])
@pytest.mark.parametrize("missing", ["ja", "en"])
def test_a_text_without_japanese_or_english_is_refused(where, missing):
    if where == "rule":
        problems = refusal(edited(lambda raw: raw["rules"][MY_NUMBER]["reason"].pop(missing)))
        assert f"rules[{MY_NUMBER}].reason" in problems
    else:
        problems = refusal(edited(lambda raw: raw["tiers"][1]["label"].update({missing: " "})))
        assert "tiers[1].label" in problems


def test_a_rule_or_tier_without_a_source_is_refused():
    def change(raw):
        raw["rules"][ABROAD].pop("source")
        raw["tiers"][0]["source"] = ""

    assert {f"rules[{ABROAD}].source", "tiers[0].source"} <= set(refusal(edited(change)))


def test_a_misspelt_key_is_refused_rather_than_ignored():
    def change(raw):
        raw["rules"][MANY]["operater"] = raw["rules"][MANY].pop("operator")

    problems = refusal(edited(change))
    assert f"rules[{MANY}].operater" in problems and f"rules[{MANY}].operator" in problems


def test_a_duplicate_rule_id_or_tier_name_is_refused():
    def change(raw):
        raw["rules"][MANY]["id"] = "my_number"
        raw["tiers"][1]["name"] = "low"

    assert {f"rules[{MANY}].id", "tiers[1].name"} <= set(refusal(edited(change)))


@pytest.mark.parametrize(("template", "fragment"), [
    ("{persons:,}人", "{persons}"),                  # no such attribute
    ("{storage_country:,}で保管", "does not apply"),  # a number format on a country code
    ("{person_count}} persons", "brace"),
])
def test_a_reason_placeholder_that_cannot_be_filled_is_refused(template, fragment):
    problems = refusal(edited(lambda raw: raw["rules"][MANY]["reason"].update(ja=template)))
    assert fragment in problems[f"rules[{MANY}].reason.ja"][0]


def test_every_problem_is_listed_at_once_in_english_and_japanese():
    def change(raw):
        raw["tiers"][0]["every_months"] = 0
        raw["rules"][MY_NUMBER]["attribute"] = "my_numbr"
        raw["rules"][MANY]["tier"] = "extreme"
        raw["rules"][ABROAD]["reason"] = {"ja": "{storage_country}で保管"}

    with pytest.raises(PolicyError) as caught:
        parse_policy(edited(change), "tier_policy.yaml")
    error = caught.value
    assert set(error.by_field("en")) == {"tiers[0].every_months", f"rules[{MY_NUMBER}].attribute",
                                         f"rules[{MANY}].tier", f"rules[{ABROAD}].reason"}
    assert "監査の頻度は1以上の整数（月数）で指定してください" in error.by_field("ja")["tiers[0].every_months"][0]
    assert str(error).count("tier_policy.yaml: ") == 4


@pytest.mark.parametrize("raw", [None, [], "tiers: []", {"version": "1", "tiers": [], "rules": []}])
def test_something_that_is_not_a_policy_is_refused(raw):
    with pytest.raises(PolicyError):
        parse_policy(raw)


def test_an_unparsable_file_is_refused_naming_the_file(tmp_path: Path):
    path = tmp_path / "broken_policy.yaml"
    path.write_text("tiers: [low\n", encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    assert caught.value.problems[0].file == "broken_policy.yaml"


def test_an_edited_policy_file_changes_the_tier_and_the_frequency(tmp_path: Path):
    path = tmp_path / "stricter.yaml"
    path.write_text(yaml.safe_dump(edited(lambda raw: (raw["tiers"][2].update(every_months=4),
                                                       raw["rules"][ABROAD].update(tier="high"))),
                                   allow_unicode=True), encoding="utf-8")
    tier = tier_of(EntrustmentRisk(storage_country="US"), load_policy(path))
    assert (tier.level, tier.every_months, tier.explanation("en")) == ("high", 4, "high: stored in US")


@pytest.mark.parametrize("facts", [
    {"person_count": -1}, {"last_audit_score": 101}, {"storage_country": "jp"}, {"open_findings": {"severe": 1}},
    {"open_findings": {"high": -2}}, {"my_number": 1}, {"contract_audit_interval_months": 0},
])
def test_impossible_entrustment_facts_are_refused(facts):
    with pytest.raises(ValueError, match=next(iter(facts)).split("_")[0]):
        EntrustmentRisk(**facts)


def test_tiers_and_cadence_import_neither_flask_nor_the_database():
    code = ("import sys, datetime; from audits import cadence, tiers; "
            "p = tiers.load_policy(); t = tiers.tier_of(tiers.EntrustmentRisk(my_number=True), p); "
            "d = datetime.date; cadence.year_plan([cadence.PlanItem(1, t.level, d(2026, 1, 5))], p, d(2026, 4, 1)); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('flask', 'sqlalchemy', 'flask_sqlalchemy', 'psycopg', 'werkzeug')))")
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root)
    assert out.stdout.strip() == "[]"
