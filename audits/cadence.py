"""The schedule of periodic audits (pure): when each entrustment's next audit is due, and the plan for a year.

通則編3-4-4(3) asks the consignor to check how each contractor handles the data 「定期的に監査を行う等により」;
the tier (audits/tiers.py) sets how often, the contract's audit clause may make it more often. Conventions:

* Interval: every `min(tier frequency, contract audit_interval_months)` months. The contract may only tighten
  the schedule, never loosen it (`bound_by` says which of the two binds).
* Counting months: a contract period follows the Civil Code unless the contract says otherwise (民法138条). It
  starts the day after the last audit (140条本文, 初日不算入) and ends on the day before the corresponding day N
  months later, or on the last day of that month when it has no such day (143条2項). So after an audit on
  15 Mar the next is due on 15 Mar N months later; after 30 or 31 Jan, on 28/29 Feb; after an audit on a
  month's last day, on the last day of the month N months later (31 Jan → 29 Feb 2024; 28 Feb 2025 → 31 Mar).
* First audit: an entrustment never audited is counted from its start. The contract runs from the start of its
  first day, so that day counts (140条ただし書): started 1 Apr 2026, every 12 months → due 31 Mar 2027. If that
  day has passed the audit is overdue since then — the contract was not kept, and the schedule does not hide it.
  With neither an audit nor a start date there is nothing to count from: due today (basis "no_record").
* Business days: a due date on a Saturday, Sunday, national holiday (jpholiday) or 29 Dec–3 Jan moves to the
  previous business day — the calendar of `oversight.incidents.art26.deadlines.is_authority_holiday`. Previous,
  not next: the period's last day is the last day the contract allows, so an internal deadline moved later could
  fall outside the contract interval, moved earlier it stays inside. (A statutory filing deadline moves to the
  next day by law, 行政機関の休日に関する法律2条, which is why deadlines.py goes the other way.)
* The plan assumes each audit takes place on its due day and counts the next from there, so a date moved back
  for a holiday moves the following ones back too and never beyond the contract; an overdue audit is assumed
  done today (`as_of`). Dates fall in [as_of, as_of + horizon), and none after the entrustment ends.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from audits.tier_policy import Policy, valid_value
from oversight.incidents.art26.deadlines import is_authority_holiday

ONE_DAY = timedelta(days=1)
REMINDER_DAYS = (7, 3, 1, 0)  # reminders go out this many days before the due day; "overdue" after it
BASES = ("last_audit", "start", "no_record")


def period_end(first_day: date, months: int) -> date:
    """The last day of a period of `months` months whose first day is `first_day` (民法143条2項)."""
    year, month = divmod(first_day.year * 12 + first_day.month - 1 + months, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    if first_day.day > last:
        return date(year, month, last)
    return date(year, month, first_day.day) - ONE_DAY


def months_after(audit_on: date, months: int) -> date:
    """The last day of the `months`-month period after an audit on `audit_on` (民法140条本文, 143条2項)."""
    return period_end(audit_on + ONE_DAY, months)


def is_business_day(day: date) -> bool:
    """False on Saturdays, Sundays, national holidays and 29 Dec–3 Jan."""
    return not is_authority_holiday(day)


def previous_business_day(day: date) -> date:
    """`day`, or the last business day before it."""
    while is_authority_holiday(day):
        day -= ONE_DAY
    return day


def interval(every_months: int, contract_interval_months: int | None) -> tuple[int, str]:
    """The months between audits and what binds them: the tier's frequency, or the contract's when shorter."""
    for name, months in (("every_months", every_months), ("contract_interval_months", contract_interval_months)):
        if not (valid_value("months", months) or (months is None and name == "contract_interval_months")):
            raise ValueError(f"{name} must be a whole number of months, 1 or more (got {months!r})")
    if contract_interval_months is not None and contract_interval_months < every_months:
        return contract_interval_months, "contract"
    return every_months, "tier"


def days_left(due_on: date, today: date) -> int:
    """Days from `today` to the due day: 0 on the day, negative once overdue."""
    return (due_on - today).days


def overdue(due_on: date, today: date) -> bool:
    """True once the due day has passed without the audit."""
    return today > due_on


def reminder_stage(due_on: date, today: date) -> str | None:
    """The reminder stage that applies today: "7d", "3d", "1d", "0d" (the nearest not yet passed) or "overdue";
    None while it is too early. Same shape as `oversight.incidents.reminders.stage_for`."""
    left = days_left(due_on, today)
    if left < 0:
        return "overdue"
    reached = [stage for stage in REMINDER_DAYS if left <= stage]
    return f"{min(reached)}d" if reached else None


@dataclass(frozen=True)
class Due:
    """When an entrustment's next audit is due, as of a day, and how that date was reached."""

    due_on: date  # the business day the audit is due by
    period_end: date  # the interval's last day, before moving off a non-business day
    basis: str  # last_audit | start | no_record (see BASES)
    counted_from: date | None  # the last audit or the start
    interval_months: int
    bound_by: str  # tier | contract
    days_left: int  # from as_of; negative when overdue
    overdue: bool


def next_due(last_audit_on: date | None, started_on: date | None, every_months: int,
             contract_interval_months: int | None, as_of: date) -> Due:
    """The next audit's due date: `interval` months after the last audit, else after the start, moved back to a
    business day; due today if there is neither (see the module's conventions)."""
    months, bound_by = interval(every_months, contract_interval_months)
    if last_audit_on is not None:
        basis, counted_from, end = "last_audit", last_audit_on, months_after(last_audit_on, months)
    elif started_on is not None:
        basis, counted_from, end = "start", started_on, period_end(started_on, months)
    else:
        return Due(as_of, as_of, "no_record", None, months, bound_by, 0, False)
    due_on = previous_business_day(end)
    return Due(due_on, end, basis, counted_from, months, bound_by, days_left(due_on, as_of), overdue(due_on, as_of))


@dataclass(frozen=True)
class PlanItem:
    """One entrustment to plan: its id, tier, last audit, start, contract interval and end (plain inputs)."""

    entrustment_id: int
    tier: str
    last_audit_on: date | None = None
    started_on: date | None = None
    contract_interval_months: int | None = None
    ends_on: date | None = None


@dataclass(frozen=True)
class PlannedAudits:
    """One entrustment's audits due within the horizon, and its next due date as of the plan's day."""

    entrustment_id: int
    tier: str
    due: Due
    due_dates: tuple[date, ...]  # in [as_of, as_of + horizon); an overdue audit is not among them

    @property
    def overdue_since(self) -> date | None:
        """The missed due date when the next audit is already overdue (the plan assumes it is done today)."""
        return self.due.due_on if self.due.overdue else None

    @property
    def audit_count(self) -> int:
        """Audits to do within the horizon: the overdue one, if any, and every due date."""
        return len(self.due_dates) + (1 if self.due.overdue else 0)


def plan_for(item: PlanItem, every_months: int, as_of: date, until: date) -> PlannedAudits:
    """`item`'s next due date and every due date in [as_of, until), each counted from the one before."""
    due = next_due(item.last_audit_on, item.started_on, every_months, item.contract_interval_months, as_of)
    months = due.interval_months
    day = previous_business_day(months_after(as_of, months)) if due.overdue else due.due_on
    dates = []
    while day < until and (item.ends_on is None or day <= item.ends_on):
        dates.append(day)
        day = previous_business_day(months_after(day, months))
    return PlannedAudits(item.entrustment_id, item.tier, due, tuple(dates))


def year_plan(items: Iterable[PlanItem], policy: Policy, as_of: date, horizon_days: int = 365) -> list[PlannedAudits]:
    """Every audit due in the `horizon_days` from `as_of`, per entrustment in the order given (repeats included)."""
    if not isinstance(horizon_days, int) or isinstance(horizon_days, bool) or horizon_days < 1:
        raise ValueError(f"horizon_days must be a whole number of days, 1 or more (got {horizon_days!r})")
    until = as_of + timedelta(days=horizon_days)
    return [plan_for(item, policy.every_months(item.tier), as_of, until) for item in items]
