"""Properties the audit schedule keeps for any dates (Hypothesis), checked against independent oracles:
dateutil for month arithmetic and the `holidays` package for the Japanese calendar."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

import holidays
import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given, settings
from hypothesis import strategies as st

from audits import cadence
from audits.tiers import load_policy

SETTINGS = settings(max_examples=400, deadline=None)
DAYS = st.dates(min_value=date(2020, 1, 1), max_value=date(2040, 12, 31))
MONTHS = st.integers(1, 60)
JAPAN = holidays.country_holidays("JP", years=range(2019, 2047))


@pytest.fixture(autouse=True)
def app_context():
    """Pure code: no app and no database (shadows the suite-wide fixture of that name)."""
    yield


def civil_code_period_end(first_day: date, months: int) -> date:
    """民法143条2項 read literally: the day before the corresponding day, or the month's end when there is none."""
    corresponding = first_day + relativedelta(months=months)  # dateutil clamps a missing day to the month's end
    if corresponding.day == first_day.day:
        return corresponding - timedelta(days=1)
    return corresponding.replace(day=calendar.monthrange(corresponding.year, corresponding.month)[1])


def closed(day: date) -> bool:
    """Not a business day, by the `holidays` package (a second source beside jpholiday)."""
    return day.weekday() >= 5 or day in JAPAN or (day.month, day.day) in {(12, 29), (12, 30), (12, 31),
                                                                          (1, 1), (1, 2), (1, 3)}


@SETTINGS
@given(DAYS, MONTHS)
def test_month_arithmetic_follows_the_civil_code(first_day, months):
    assert cadence.period_end(first_day, months) == civil_code_period_end(first_day, months)
    assert cadence.months_after(first_day, months) == civil_code_period_end(first_day + timedelta(days=1), months)


@SETTINGS
@given(DAYS)
def test_the_previous_business_day_is_open_and_nothing_open_is_skipped(day):
    moved = cadence.previous_business_day(day)
    assert moved <= day and not closed(moved)
    assert all(closed(moved + timedelta(days=i)) for i in range(1, (day - moved).days + 1))


@SETTINGS
@given(st.one_of(st.none(), DAYS), st.one_of(st.none(), DAYS), MONTHS, st.one_of(st.none(), MONTHS), DAYS)
def test_a_due_date_is_a_business_day_never_later_than_the_tier_or_the_contract_allows(
        last_audit_on, started_on, every_months, contract_months, as_of):
    due = cadence.next_due(last_audit_on, started_on, every_months, contract_months, as_of)
    assert due.days_left == (due.due_on - as_of).days and due.overdue == (as_of > due.due_on)
    if due.basis == "no_record":
        assert (last_audit_on, started_on, due.due_on) == (None, None, as_of)
        return
    assert not closed(due.due_on) and 0 <= (due.period_end - due.due_on).days <= 10
    assert due.due_on > due.counted_from
    for months in (every_months, contract_months):
        if months is None:
            continue
        allowed = (cadence.months_after(last_audit_on, months) if last_audit_on
                   else cadence.period_end(started_on, months))
        assert due.due_on <= allowed


@SETTINGS
@given(st.lists(st.tuples(st.sampled_from(["low", "medium", "high", "critical"]), st.one_of(st.none(), DAYS),
                          st.one_of(st.none(), DAYS), st.one_of(st.none(), MONTHS), st.one_of(st.none(), DAYS)),
                max_size=8),
       DAYS, st.integers(1, 800))
def test_a_plan_keeps_every_audit_inside_the_horizon_and_inside_the_interval(raw_items, as_of, horizon_days):
    items = [cadence.PlanItem(i, *fields) for i, fields in enumerate(raw_items)]
    plan = cadence.year_plan(items, load_policy(), as_of, horizon_days)
    assert [p.entrustment_id for p in plan] == [item.entrustment_id for item in items]
    until = as_of + timedelta(days=horizon_days)
    for item, planned in zip(items, plan, strict=True):
        dates = list(planned.due_dates)
        assert dates == sorted(set(dates))
        assert all(as_of <= d < until and not (item.ends_on and d > item.ends_on) for d in dates)
        assert all(not closed(d) for d in dates if planned.due.basis != "no_record" or d != as_of)
        previous = as_of if planned.due.overdue else None  # an overdue audit is assumed done on as_of
        for day in dates:
            if previous is None:
                assert day == planned.due.due_on
            else:
                assert day <= cadence.months_after(previous, planned.due.interval_months)
            previous = day

def test_a_frequency_or_contract_interval_of_zero_months_is_refused():
    with pytest.raises(ValueError, match="every_months"):
        cadence.next_due(date(2026, 1, 5), None, 0, None, date(2026, 4, 1))
    with pytest.raises(ValueError, match="contract_interval_months"):
        cadence.next_due(date(2026, 1, 5), None, 12, 0, date(2026, 4, 1))


def test_a_plan_over_no_days_is_refused():
    with pytest.raises(ValueError, match="horizon_days"):
        cadence.year_plan([], load_policy(), date(2026, 4, 1), 0)


def test_a_plan_for_an_unknown_tier_fails_loudly():
    with pytest.raises(KeyError, match="severe"):
        cadence.year_plan([cadence.PlanItem(1, "severe")], load_policy(), date(2026, 4, 1))
