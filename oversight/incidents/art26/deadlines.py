"""Legal-day counting in Japan time for leak reports: the one place where dates are computed.

Convention (see SOURCES.md for the quoted texts):

* The clock starts when the business *knew* (知った), read in Japan time (JST, UTC+9, no daylight saving).
* Final report (確報): 施行規則8条2項 「当該事態を知った日から三十日以内（…第三号…六十日以内）」. Periods in
  laws and regulations follow the Civil Code (民法138条): the day of knowing is not counted (民法140条本文,
  初日不算入) unless the period starts at midnight (140条ただし書), and the period ends at the end of its last
  day (141条). So the due date is the date known + 30 (or + 60) days; known at exactly 00:00 JST, + 29 (+ 59).
* A filing deadline with a national authority that falls on an authority holiday (行政機関の休日: Saturday,
  Sunday, a national holiday, 29 Dec–3 Jan) moves to the next day that is not one (行政機関の休日に関する法律
  1条1項, 2条 「行政機関の休日の翌日をもつてその期限とみなす」). National holidays come from jpholiday.
* Quick report (速報): 施行規則8条1項 「速やかに」; the guideline's target is 「概ね3～5日以内」 from the moment
  of knowing (通則編3-5-3-3). It is a target, not a statutory period, so it is shown as the calendar window
  known + 3 … known + 5 days and is not moved for holidays (the PPC form is online at all hours).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import cache

import jpholiday

from oversight.timeutil import JST

QUICK_REPORT_FROM_DAYS = 3
QUICK_REPORT_TO_DAYS = 5
_ONE_DAY = timedelta(days=1)
_QUICK_FROM = timedelta(days=QUICK_REPORT_FROM_DAYS)
_QUICK_TO = timedelta(days=QUICK_REPORT_TO_DAYS)
_MIDNIGHT = time(0)


def national_holidays(year: int) -> frozenset[date]:
    """Japanese national holidays of `year` (国民の祝日に関する法律), from jpholiday."""
    return frozenset(day for day, _name in jpholiday.year_holidays(year))


@cache
def is_authority_holiday(day: date) -> bool:
    """True on 行政機関の休日 (行政機関の休日に関する法律1条1項): weekends, national holidays, 29 Dec–3 Jan.

    Remembered per day: jpholiday works a day out from the calendar rules each time it is asked."""
    if day.weekday() >= 5:
        return True
    if (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3):
        return True
    return jpholiday.is_holiday(day)


def next_filing_day(day: date) -> date:
    """`day`, or the first later day that is not an authority holiday (行政機関の休日に関する法律2条)."""
    while is_authority_holiday(day):
        day += _ONE_DAY
    return day


def to_jst(moment: datetime | date) -> datetime:
    """An aware datetime (or a date, read as the start of that day) as a datetime in Japan time."""
    if isinstance(moment, datetime):
        if moment.tzinfo is None:
            raise ValueError("naive datetime: the moment of knowing needs its time zone")
        return moment.astimezone(JST)
    return datetime.combine(moment, time(0), JST)


def day_known(moment: datetime | date) -> tuple[date, bool]:
    """The JST calendar day of knowing and whether the period starts at midnight (民法140条ただし書).

    A bare date means "some time that day": the period does not start at midnight.
    """
    if isinstance(moment, datetime):
        local = to_jst(moment)
        return local.date(), local.time() == _MIDNIGHT
    return moment, False


def final_report_due(known: datetime | date, days: int) -> date:
    """Due date of the final report (確報) `days` (30 or 60) after knowing (施行規則8条2項, 民法140条, 141条),
    moved past authority holidays (行政機関の休日に関する法律2条)."""
    return report_deadlines(known, days)[2]


def quick_report_window(known: datetime | date) -> tuple[date, date]:
    """The guideline's quick-report (速報) target window: known + 3 … known + 5 days (通則編3-5-3-3)."""
    start, _ = day_known(known)
    return start + _QUICK_FROM, start + _QUICK_TO


def report_deadlines(known: datetime | date, days: int) -> tuple[date, date, date]:
    """(quick window from, quick window to, final report due) for a moment of knowing and a 30/60-day period."""
    start, at_midnight = day_known(known)
    return deadlines_from_day(start, at_midnight, days)


def deadlines_from_day(start: date, at_midnight: bool, days: int) -> tuple[date, date, date]:
    """`report_deadlines` from the JST day of knowing and whether it was at midnight (see `day_known`)."""
    last = start + timedelta(days=days - 1 if at_midnight else days)
    return start + _QUICK_FROM, start + _QUICK_TO, next_filing_day(last)
