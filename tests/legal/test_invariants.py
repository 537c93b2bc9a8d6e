"""Properties the Art. 26 engine must keep whatever the facts (Hypothesis), and its purity."""

import json
import re
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oversight.incidents.art26 import FactsError, assess, parse_facts
from oversight.incidents.art26.deadlines import is_authority_holiday
from oversight.incidents.art26.vocabulary import CAUSES, ITEMS, SENSITIVE_ITEMS

JST = timezone(timedelta(hours=9))
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ITEM_CODES = sorted(ITEMS)
SENSITIVE = sorted(SENSITIVE_ITEMS)


@st.composite
def fact_dicts(draw):
    """Valid fact dicts: any cause, items, events, count, kind, chain and moment of knowing in 2020–2040."""
    known = draw(st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2040, 12, 31)))
    zone = draw(st.sampled_from([JST, UTC, None]))
    known_at = known.date() if zone is None else known.replace(tzinfo=zone)
    known_day = known.date() if zone is None else known_at.astimezone(JST).date()
    data_kind = draw(st.sampled_from(["personal_data", "my_number"]))
    items = draw(st.lists(st.sampled_from(ITEM_CODES), unique=True, max_size=5))
    if data_kind == "my_number" and "my_number" not in items:
        items.append("my_number")
    raw = {
        "handler_kind": draw(st.sampled_from(["company", "public_body"])),
        "data_kind": data_kind,
        "events": draw(st.lists(st.sampled_from(["leak", "loss", "damage"]), unique=True, max_size=3)),
        "certainty": draw(st.sampled_from([None, "occurred", "suspected"])),
        "cause": draw(st.sampled_from([None, *sorted(CAUSES)])),
        "data_items": items,
        "max_persons": draw(st.one_of(st.none(), st.integers(0, 5000), st.integers(0, 200_000_000))),
        "known_at": known_at,
        "occurred_on": known_day - timedelta(days=draw(st.integers(0, 400))),
        "report_authority": draw(st.sampled_from(["ppc", "fsa", "mic"])),
        "person_notice": {"contact_available": draw(st.sampled_from([None, True, False]))},
    }
    for flag in ("high_grade_encryption", "recovered_before_viewed", "provided_intentionally",
                 "same_data_kept_elsewhere"):
        raw[flag] = draw(st.booleans())
    if data_kind == "my_number":
        raw["my_number"] = {flag: draw(st.booleans()) for flag in (
            "designated_system", "malicious_use", "malicious_provision", "used_against_art9", "provided_against_art19")}
    tiers = draw(st.integers(0, 4))
    if tiers:
        reference = known_at if isinstance(known_at, datetime) else datetime.combine(known_at, datetime.min.time(), JST)
        chain = [{"name": "tier0"}]
        for i in range(1, tiers):
            hours = draw(st.one_of(st.none(), st.integers(0, 24 * 40)))
            notice = None if hours is None else reference + timedelta(hours=hours)
            chain.append({"name": f"tier{i}", "notified_consignor_at": notice})
        raw["chain"] = chain
        raw["incident_at"] = draw(st.integers(0, tiers - 1))
    return raw


as_of_days = st.dates(min_value=date(2020, 1, 1), max_value=date(2041, 6, 30))


def codes(grounds):
    return {g.code for g in grounds}


@SETTINGS
@given(fact_dicts(), st.integers(0, 3000), st.integers(0, 3000), as_of_days)
def test_more_persons_never_makes_a_reportable_case_not_reportable(raw, a, b, as_of):
    low, high = sorted((a, b))
    fewer = assess(parse_facts({**raw, "max_persons": low}), as_of)
    more = assess(parse_facts({**raw, "max_persons": high}), as_of)
    assert not fewer.reportable or more.reportable
    assert codes(fewer.grounds) <= codes(more.grounds)
    for p_fewer, p_more in zip(fewer.parties, more.parties, strict=True):
        assert not p_fewer.must_report or p_more.must_report or p_more.exempt


@SETTINGS
@given(fact_dicts(), st.sampled_from(SENSITIVE), as_of_days)
def test_adding_a_sensitive_item_never_removes_a_ground(raw, sensitive, as_of):
    before = assess(parse_facts(raw), as_of)
    after = assess(parse_facts({**raw, "data_items": [*raw["data_items"], sensitive]}), as_of)
    assert codes(before.grounds) <= codes(after.grounds)
    assert not before.reportable or after.reportable


@SETTINGS
@given(fact_dicts(), as_of_days)
def test_deadlines_never_fall_on_an_authority_holiday_nor_before_the_quick_window(raw, as_of):
    result = assess(parse_facts(raw), as_of)
    reports = [(result.quick_report, result.final_report)]
    reports += [(p.quick_report, p.final_report) for p in result.parties]
    for quick, final in reports:
        assert (quick is None) == (final is None)
        if final is not None:
            assert not is_authority_holiday(final.due)
            assert final.due >= quick.to_day >= quick.from_day
            assert final.days in (30, 60)
    assert result.reportable == bool(result.grounds)
    assert result.reportable == (result.final_report is not None)


@SETTINGS
@given(fact_dicts(), as_of_days)
def test_an_exempt_party_owes_nothing_and_the_original_consignor_is_never_exempt(raw, as_of):
    result = assess(parse_facts(raw), as_of)
    for party in result.parties:
        assert not (party.exempt and party.must_report)
        if party.exempt:
            assert party.tier > 0 and party.final_report is None and party.notified_consignor_at is not None
    assert not result.parties[0].exempt
    result.to_dict()  # JSON-ready whatever the facts


@SETTINGS
@given(fact_dicts(), as_of_days)
def test_only_a_contractor_that_owes_the_report_and_has_not_notified_is_shown_a_consignor_notice_window(raw, as_of):
    result = assess(parse_facts(raw), as_of)
    for party in result.parties:
        window = party.consignor_notice
        if window is None:
            continue
        assert party.tier > 0 and party.must_report and not party.exempt
        assert party.notified_consignor_at is None and party.knows_at is not None
        assert party.quick_report is not None and (window.from_day, window.to_day) == (
            party.quick_report.from_day, party.quick_report.to_day)  # both count 3–5 days from when it knew
        assert window.overdue == (as_of > window.to_day)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 300_000_000) | st.sampled_from(
        ["", "x", "company", "public_body", "my_number", "leak", "theft", "name", "my_number", "consignor",
         "2025-04-01", "2025-04-01T10:00:00+09:00", "2025-04-01T10:00:00", "2025-13-01"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["name", "kind", "x"]), inner,
                                                                 max_size=3),
    max_leaves=8,
)
TOP_KEYS = ["handler_kind", "data_kind", "events", "certainty", "data_items", "cause", "max_persons",
            "known_at", "occurred_on", "chain", "incident_at", "report_items", "person_notice", "my_number",
            "high_grade_encryption", "max_persons_known_at", "unknown"]


@SETTINGS
@given(st.dictionaries(st.sampled_from(TOP_KEYS), json_values, max_size=8))
def test_any_json_is_either_refused_with_named_fields_or_assessed(raw):
    try:
        facts = parse_facts(raw)
    except FactsError as error:
        assert error.errors and all(entries for entries in error.errors.values())
        assert all(e["code"] and e["message"] for entries in error.errors.values() for e in entries)
        return
    assess(facts, date(2025, 6, 1)).to_dict()


BUSINESS_PROVISIONS = re.compile(r"法26条|施行規則(7|8|9|10)条")


def _citations(answer: dict):
    """Every article, basis and ground the answer cites for the business assessed and for parties of its kind."""
    yield answer["certainty"]["ground"]["article"]
    for key in ("grounds", "exceptions", "not_incident_reasons"):
        yield from (g["article"] for g in answer[key])
    for report in (answer["quick_report"], answer["final_report"]):
        if report:
            yield report["basis"]
    notice = answer["person_notice"]
    yield from (notice["ground"], notice["timing"], notice["alternative_when_impossible"]["ground"])
    if answer["destination"]:
        yield answer["destination"]["ground"]
    for party in answer["parties"]:
        if party["kind"] == "public_body":
            yield party["ground"]["article"]
            for key in ("quick_report", "final_report"):
                if party[key]:
                    yield party[key]["basis"]


@SETTINGS
@given(fact_dicts(), as_of_days)
def test_a_public_body_is_never_judged_on_the_business_provisions(raw, as_of):
    raw = {**raw, "handler_kind": "public_body"}
    for tier in raw.get("chain", [])[1:]:
        tier["kind"] = "public_body"
    answer = assess(parse_facts(raw), as_of).to_dict()
    cited = [c for c in _citations(answer) if BUSINESS_PROVISIONS.search(c)]
    assert not cited, cited


def _scribble(value) -> None:
    """Overwrite every text and grow every list inside a to_dict() answer, as careless calling code might."""
    if isinstance(value, dict):
        for key, inner in value.items():
            if isinstance(inner, str):
                value[key] = "scribbled"
            else:
                _scribble(inner)
        value["scribbled"] = True
    elif isinstance(value, list):
        for inner in value:
            _scribble(inner)
        value.append("scribbled")


def test_changing_one_answer_never_changes_a_later_unrelated_answer():
    stolen_card = {"handler_kind": "company", "known_at": "2025-04-01T10:00:00+09:00", "cause": "unauthorised_access",
                   "data_items": ["name", "address", "credit_card_number"], "max_persons": 5000}
    mis_sent = {"handler_kind": "company", "known_at": "2025-05-07T09:00:00+09:00", "cause": "mis_sent_mail",
                "data_items": ["name", "address", "health_check"], "max_persons": 3,
                "person_notice": {"contact_available": True}}
    snapshot = json.dumps(assess(parse_facts(mis_sent), date(2025, 5, 8)).to_dict(), sort_keys=True)

    first = assess(parse_facts(stolen_card), date(2025, 4, 2)).to_dict()
    _scribble(first)

    later = assess(parse_facts(mis_sent), date(2025, 5, 8)).to_dict()
    assert json.dumps(later, sort_keys=True) == snapshot
    assert later["grounds"][0]["article"] == "施行規則7条1号"
    assert "scribbled" not in json.dumps(later)


def test_the_engine_imports_neither_flask_nor_the_database():
    code = ("import sys; import oversight.incidents.art26 as e; "
            "e.assess(e.parse_facts({'handler_kind': 'company', 'known_at': '2025-04-01', 'cause': 'theft'}), "
            "__import__('datetime').date(2025, 4, 2)); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('flask', 'sqlalchemy', 'flask_sqlalchemy', 'psycopg', 'werkzeug')))")
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root)
    assert out.stdout.strip() == "[]"


def test_there_are_at_least_sixty_named_cases_each_with_its_source():
    cases = []
    for path in sorted((Path(__file__).parent / "cases").glob("*.yaml")):
        cases += yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]
    assert len(cases) >= 60
    assert all(case.get("name") and case.get("source") for case in cases)
