"""Japanese era dates: 元年 for the first year, the exact switch-over days, nothing before 1873."""

import re
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts.era import ERAS, blank_era_date, era_of, format_era

CASES = [
    ("first day of Reiwa", date(2019, 5, 1), "令和元年5月1日"),
    ("last day of Heisei", date(2019, 4, 30), "平成31年4月30日"),
    ("Reiwa 2", date(2020, 1, 1), "令和2年1月1日"),
    ("a contract date in 2026", date(2026, 4, 1), "令和8年4月1日"),
    ("last day of Showa", date(1989, 1, 7), "昭和64年1月7日"),
    ("first day of Heisei", date(1989, 1, 8), "平成元年1月8日"),
    ("last day of Taisho", date(1926, 12, 24), "大正15年12月24日"),
    ("first day of Showa", date(1926, 12, 25), "昭和元年12月25日"),
    ("last day of Meiji", date(1912, 7, 29), "明治45年7月29日"),
    ("first day of Taisho", date(1912, 7, 30), "大正元年7月30日"),
    ("Gregorian calendar adopted", date(1873, 1, 1), "明治6年1月1日"),
    ("leap day in Reiwa", date(2024, 2, 29), "令和6年2月29日"),
]


@pytest.mark.parametrize(("name", "day", "expected"), CASES, ids=[c[0] for c in CASES])
def test_era_dates_at_the_boundaries(name, day, expected):
    assert format_era(day) == expected


def test_dates_before_the_gregorian_calendar_are_refused():
    with pytest.raises(ValueError, match="1873"):
        format_era(date(1872, 12, 31))


def test_a_blank_date_line_leaves_room_to_write_by_hand():
    assert blank_era_date() == "令和\u3000\u3000年\u3000\u3000月\u3000\u3000日"


@given(st.dates(min_value=date(1873, 1, 1), max_value=date(2200, 12, 31)))
def test_the_era_year_always_counts_from_the_era_start(day):
    era, year = era_of(day)
    assert day >= era.start
    assert year == day.year - era.start.year + 1
    later = [e for e in ERAS if e.start > era.start]
    assert all(day < e.start for e in later)
    assert ("元年" in format_era(day)) == (year == 1)
    assert re.match(r"^(明治|大正|昭和|平成|令和)(元|[1-9][0-9]*)年", format_era(day))  # never 令和01年


@given(st.dates(min_value=date(1873, 1, 2), max_value=date(2200, 12, 31)))
def test_the_era_never_goes_backwards_from_one_day_to_the_next(day):
    before, after = era_of(day - timedelta(days=1)), era_of(day)
    assert after[0].start >= before[0].start
