"""The audit dashboard's figures: audits due and overdue by month, open findings by severity and age, vendors by
risk tier and last audit score — only what the user may see (audits.audit_visibility, the registry's chain rule),
in a constant number of SQL statements whatever the number of audits, findings or entrustments.

Tiers come from audits.tiers (the policy in tier_policy.yaml) over the risk facts audits.risk reads for the
entrustments in view — the same facts the schedule and the entrustment page use.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from sqlalchemy import case, func, select

from audits import handling_months as hm
from audits.audit_models import AUDIT_OPEN_STATUSES, FINDING_SEVERITIES, Audit, Finding
from audits.audit_visibility import restrict_audits, restrict_findings
from audits.risk import risk_facts
from audits.tiers import EntrustmentRisk, load_policy, tier_of
from oversight import permissions as perm
from oversight.extensions import db
from oversight.registry.models import Entrustment
from oversight.timeutil import JST, today_jst

MONTHS_BACK, MONTHS_AHEAD = 5, 6  # the chart shows 12 months: five past, this one, six ahead
AGE_BUCKETS = (("0_30", 30), ("31_90", 90), ("91_180", 180), ("181_up", None))  # days since the finding opened
SCORE_BANDS = ("below_60", "60_79", "80_up", "unscored")  # the tier policy's score thresholds (60, 80)
LIVE = ("approved", "active")


@dataclass(frozen=True)
class MonthRow:
    month: date  # first day; `date.min` for "earlier" (overdue before the chart's first month)
    due: int = 0  # audits due in the month (not cancelled)
    closed: int = 0
    overdue: int = 0  # past the due day and still open
    upcoming: int = 0  # open, due today or later


@dataclass(frozen=True)
class FindingRow:
    severity: str
    by_age: dict[str, int]
    overdue: int

    @property
    def total(self) -> int:
        return sum(self.by_age.values())


@dataclass(frozen=True)
class TierRow:
    tier: str
    label: object  # audits.tier_policy.Text
    by_score: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.by_score.values())


@dataclass(frozen=True)
class Dashboard:
    as_of: date
    months: list[MonthRow]
    earlier_overdue: int
    findings: list[FindingRow]
    tiers: list[TierRow]
    vendors: int
    entrustments: int


def _month_add(day: date, months: int) -> date:
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    return date(year, month + 1, 1)


def dashboard(actor, today: date | None = None) -> Dashboard:
    """The figures for the actor (audit.view), as of `today` (JST)."""
    perm.require(actor, "audit.view")
    today = today or today_jst()
    months, earlier = _audits_by_month(actor, today)
    tiers, vendors, entrustments = _vendors_by_tier(actor, today)
    return Dashboard(today, months, earlier, _findings_by_severity(actor, today), tiers, vendors, entrustments)


def _audits_by_month(actor, today: date) -> tuple[list[MonthRow], int]:
    first = _month_add(today, -MONTHS_BACK)
    end = _month_add(today, MONTHS_AHEAD + 1)
    open_ = Audit.status.in_(AUDIT_OPEN_STATUSES)
    rows = db.session.execute(restrict_audits(
        select(Audit.due_on, Audit.status, func.count()).where(
            Audit.status != "cancelled", Audit.due_on < end, (Audit.due_on >= first) | open_)
        .group_by(Audit.due_on, Audit.status), actor)).all()
    tally: dict[date, Counter] = defaultdict(Counter)
    earlier = 0
    for due_on, status, count in rows:
        is_open = status in AUDIT_OPEN_STATUSES
        if due_on < first:
            earlier += count if is_open and due_on < today else 0
            continue
        t = tally[hm.month_of(due_on)]
        t["due"] += count
        t["closed"] += count if status == "closed" else 0
        t["overdue"] += count if is_open and due_on < today else 0
        t["upcoming"] += count if is_open and due_on >= today else 0
    months = [_month_add(first, i) for i in range(MONTHS_BACK + MONTHS_AHEAD + 1)]
    return [MonthRow(m, **tally.get(m, {})) for m in months], earlier


def _findings_by_severity(actor, today: date) -> list[FindingRow]:
    start_of_today = datetime.combine(today, time(), JST)
    whens = [(Finding.created_at >= start_of_today - timedelta(days=days), name)
             for name, days in AGE_BUCKETS if days is not None]
    inner = restrict_findings(select(
        Finding.severity.label("severity"),
        case(*whens, else_=AGE_BUCKETS[-1][0]).label("age"),
        case((Finding.due_on < today, 1), else_=0).label("overdue"),
    ).where(Finding.status != "closed"), actor).subquery()
    rows = db.session.execute(select(inner.c.severity, inner.c.age, inner.c.overdue, func.count())
                              .group_by(inner.c.severity, inner.c.age, inner.c.overdue)).all()
    by_age = {s: dict.fromkeys((name for name, _days in AGE_BUCKETS), 0) for s in FINDING_SEVERITIES}
    overdue: Counter = Counter()
    for severity, age, is_overdue, count in rows:
        by_age[severity][age] += count
        overdue[severity] += count if is_overdue else 0
    return [FindingRow(s, by_age[s], overdue[s]) for s in FINDING_SEVERITIES]


def score_band(score: float | None) -> str:
    """The band of a last audit score: below 60, 60–79, 80 and up, or unscored."""
    if score is None:
        return "unscored"
    return "below_60" if score < 60 else "60_79" if score < 80 else "80_up"


@lru_cache(maxsize=65536)
def _level(risk: EntrustmentRisk) -> str:
    return tier_of(risk, load_policy()).level


def _vendors_by_tier(actor, today: date) -> tuple[list[TierRow], int, int]:
    """Each vendor in view at the highest tier of its entrustments in view (audits.risk: the one place tier facts
    are read), counted by its last audit's score band."""
    in_view = perm.restrict(select(Entrustment.id).where(Entrustment.status.in_(LIVE)), actor, "entrustment")
    facts = risk_facts(in_view, today)
    latest = restrict_audits(select(Audit.vendor_id, func.max(Audit.due_on).label("due_on"))
                             .where(Audit.score_percent.is_not(None)).group_by(Audit.vendor_id), actor).subquery()
    vendor_score = {vendor: score for vendor, score in db.session.execute(restrict_audits(
        select(Audit.vendor_id, func.max(Audit.score_percent))
        .join(latest, (latest.c.vendor_id == Audit.vendor_id) & (latest.c.due_on == Audit.due_on))
        .group_by(Audit.vendor_id), actor))}
    policy = load_policy()
    ranks = {level.name: level.rank for level in policy.levels}
    vendor_tier: dict[int, str] = {}
    for f in facts.values():
        level = _level(f.risk)
        current = vendor_tier.get(f.contractor_id)
        if current is None or ranks[level] > ranks[current]:
            vendor_tier[f.contractor_id] = level
    table = {level.name: dict.fromkeys(SCORE_BANDS, 0) for level in policy.levels}
    for vendor, level in vendor_tier.items():
        table[level][score_band(vendor_score.get(vendor))] += 1
    tiers = [TierRow(level.name, level.label, table[level.name]) for level in reversed(policy.levels)]
    return tiers, len(vendor_tier), len(facts)


def as_json(d: Dashboard) -> dict:
    """The figures as plain JSON (the API and `flask audit-dashboard`)."""
    return {
        "as_of": d.as_of.isoformat(),
        "audits_by_month": [{"month": hm.period_text(m.month), "due": m.due, "closed": m.closed,
                             "overdue": m.overdue, "upcoming": m.upcoming} for m in d.months],
        "overdue_before_chart": d.earlier_overdue,
        "open_findings": [{"severity": f.severity, "by_age_days": f.by_age, "overdue": f.overdue, "total": f.total}
                          for f in d.findings],
        "vendors_by_tier": [{"tier": t.tier, "label": {"ja": t.label.ja, "en": t.label.en}, "by_score": t.by_score,
                             "total": t.total} for t in d.tiers],
        "vendors": d.vendors, "entrustments": d.entrustments,
    }
