"""The months of the monthly handling reports (月次の取扱状況報告), pure: a month's period and its text, the day its
report is due and the day a missing one is reminded — on Japanese business days (audits.cadence) — and its status.
The form's schedule (due_business_day, grace_business_days) comes from audits.handling_form.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

from audits.cadence import is_business_day
from audits.handling_form import Schedule

_PERIOD = re.compile(r"(\d{4})-(\d{2})")
STATUSES = ("open", "awaiting", "overdue", "filed", "filed_late")


def month_of(day: date) -> date:
    """The period (its first day) that `day` falls in."""
    return day.replace(day=1)


def next_month(period: date) -> date:
    return (period.replace(day=28) + timedelta(days=4)).replace(day=1)


def parse_period(text) -> date | None:
    """"2026-11" → 1 Nov 2026; None for anything else."""
    match = _PERIOD.fullmatch(text.strip()) if isinstance(text, str) else None
    if not match or not 1 <= int(match.group(2)) <= 12:
        return None
    return date(int(match.group(1)), int(match.group(2)), 1)


def period_text(period: date) -> str:
    return f"{period.year:04d}-{period.month:02d}"


def add_business_days(day: date, count: int) -> date:
    """The `count`-th business day after `day` (`day` itself when count is 0)."""
    while count > 0:
        day += timedelta(days=1)
        count -= is_business_day(day)
    return day


def due_on(period: date, schedule: Schedule) -> date:
    """The day the report of `period` is due: the `due_business_day`-th business day of the next month."""
    day = next_month(period) - timedelta(days=1)
    return add_business_days(day, schedule.due_business_day)


def remind_on(period: date, schedule: Schedule) -> date:
    """The day a still-missing report of `period` is reminded: `grace_business_days` business days after it was due
    (the next business day when the grace is 0)."""
    return add_business_days(due_on(period, schedule), max(1, schedule.grace_business_days))


def periods(since: date, today: date, *, until: date | None = None) -> list[date]:
    """The months from `since` to the month of `today` (or of `until`, if earlier), oldest first."""
    last = month_of(min(today, until) if until else today)
    found, period = [], month_of(since)
    while period <= last:
        found.append(period)
        period = next_month(period)
    return found


def status(period: date, today: date, filed_on: date | None, schedule: Schedule) -> str:
    """open (the month is not over), awaiting (over, not due yet), overdue (past the due day, none filed), filed,
    filed_late (filed after the due day)."""
    due = due_on(period, schedule)
    if filed_on is not None:
        return "filed_late" if filed_on > due else "filed"
    if today < next_month(period):
        return "open"
    return "overdue" if today > due else "awaiting"


def last_day(period: date) -> date:
    return period.replace(day=calendar.monthrange(period.year, period.month)[1])
