"""Legal-day counting (deadlines.py) at month, year, leap-day and holiday boundaries, cross-checked against the
`holidays` package for 2025–2028 (行政機関の休日に関する法律1条・2条; 施行規則8条2項; 民法140条)."""

from datetime import UTC, date, datetime, timedelta, timezone

import holidays
import pytest

from oversight.incidents.art26.deadlines import (
    final_report_due,
    is_authority_holiday,
    national_holidays,
    next_filing_day,
    quick_report_window,
)

JST = timezone(timedelta(hours=9))
YEARS = range(2025, 2029)
REFERENCE = holidays.Japan(years=YEARS)


def every_day(years=YEARS):
    day = date(years[0], 1, 1)
    while day.year <= years[-1]:
        yield day
        day += timedelta(days=1)


def reference_holiday(day: date) -> bool:
    """Written from the statute, with the `holidays` package as the calendar of national holidays."""
    year_end = (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3)
    return day.weekday() >= 5 or day in REFERENCE or year_end


def reference_due(known: date, days: int) -> date:
    due = known + timedelta(days=days)
    while reference_holiday(due):
        due += timedelta(days=1)
    return due


@pytest.mark.parametrize(("name", "known", "days", "due"), [
    ("an ordinary Tuesday", datetime(2025, 4, 1, 10, tzinfo=JST), 30, date(2025, 5, 1)),
    ("60 days landing on a Saturday move to Monday", datetime(2025, 4, 1, 10, tzinfo=JST), 60, date(2025, 6, 2)),
    ("midnight counts the first day (民法140条ただし書)", datetime(2025, 4, 1, 0, tzinfo=JST), 30, date(2025, 4, 30)),
    ("one second after midnight does not", datetime(2025, 4, 1, 0, 0, 1, tzinfo=JST), 30, date(2025, 5, 1)),
    ("a bare date is some time that day", date(2025, 4, 1), 30, date(2025, 5, 1)),
    ("UTC evening is the next JST day", datetime(2025, 3, 31, 16, tzinfo=UTC), 30, date(2025, 5, 1)),
    ("Golden Week: 3 May → 7 May", date(2025, 4, 3), 30, date(2025, 5, 7)),
    ("Golden Week 2026: 3 May (Sun) → 7 May", date(2026, 4, 3), 30, date(2026, 5, 7)),
    ("year end: 29 Dec → 5 Jan", date(2025, 11, 29), 30, date(2026, 1, 5)),
    ("year end: 31 Dec → 5 Jan", date(2025, 12, 1), 30, date(2026, 1, 5)),
    ("new year: 3 Jan (Sunday) 2027 → 4 Jan", date(2026, 12, 4), 30, date(2027, 1, 4)),
    ("year end 2027: 29 Dec (Wed) → 4 Jan 2028", date(2027, 11, 29), 30, date(2028, 1, 4)),
    ("month end: 31 Jan + 30 = 2 Mar (Sun) → 3 Mar", date(2025, 1, 31), 30, date(2025, 3, 3)),
    ("leap year: 30 Jan 2028 + 30 = 29 Feb", date(2028, 1, 30), 30, date(2028, 2, 29)),
    ("ordinary year: 30 Jan 2027 + 30 = 1 Mar", date(2027, 1, 30), 30, date(2027, 3, 1)),
    ("leap year 60 days: 31 Dec 2027 + 60 = 29 Feb 2028", date(2027, 12, 31), 60, date(2028, 2, 29)),
    ("Marine Day 2025", date(2025, 6, 21), 30, date(2025, 7, 22)),
    ("citizens' holiday 22 Sep 2026 and equinox 23 Sep", date(2026, 8, 23), 30, date(2026, 9, 24)),
    ("Coming of Age Day 2026 (12 Jan, Monday)", date(2025, 12, 13), 30, date(2026, 1, 13)),
])
def test_final_report_due(name, known, days, due):
    assert final_report_due(known, days) == due, name


def test_authority_holidays_match_the_statute_and_the_holidays_package_2025_to_2028():
    wrong = [day for day in every_day() if is_authority_holiday(day) != reference_holiday(day)]
    assert wrong == []


def test_jpholiday_and_holidays_agree_on_the_national_holidays_2025_to_2028():
    for year in YEARS:
        assert national_holidays(year) == {d for d in REFERENCE if d.year == year}, year


def test_every_final_due_date_2025_to_2028_matches_the_reference():
    wrong = [(day, days) for day in every_day() for days in (30, 60)
             if final_report_due(day, days) != reference_due(day, days)]
    assert wrong == []


def test_the_next_filing_day_is_the_first_day_that_is_not_a_holiday():
    for day in every_day():
        filing = next_filing_day(day)
        assert not is_authority_holiday(filing)
        assert all(is_authority_holiday(day + timedelta(days=n)) for n in range((filing - day).days))


@pytest.mark.parametrize("year", YEARS)
def test_29_december_to_3_january_are_always_closed(year):
    closed = [date(year, 12, d) for d in (29, 30, 31)] + [date(year + 1, 1, d) for d in (1, 2, 3)]
    assert all(is_authority_holiday(day) for day in closed)


def test_the_quick_report_window_is_three_to_five_calendar_days_and_not_moved():
    assert quick_report_window(datetime(2025, 12, 30, 9, tzinfo=JST)) == (date(2026, 1, 2), date(2026, 1, 4))
    assert quick_report_window(date(2025, 4, 30)) == (date(2025, 5, 3), date(2025, 5, 5))


def test_a_naive_datetime_is_refused():
    with pytest.raises(ValueError, match="time zone"):
        final_report_due(datetime(2025, 4, 1, 10), 30)
