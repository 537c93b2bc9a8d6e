"""The schedule of periodic audits as the app shows it: each entrustment's risk tier with its reasons, its next due
audit (audits.cadence over the facts of audits.risk), the audit open for it, and who audits it.

Read by the schedule page, the entrustment page, the API and the clock (which opens what is due within the
campaign policy's lead time). Who audits a subcontract: the nearest organisation up its chain with users who run
audits, else the original consignor (CAMPAIGNS.md).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from audits.audit_models import AUDIT_OPEN_STATUSES, Audit
from audits.cadence import Due, PlanItem, next_due, year_plan
from audits.campaign_policy import CampaignPolicy, Plan, load_campaign_policy
from audits.risk import RiskFacts, live_ids, risk_facts
from audits.tiers import Policy, Tier, load_policy, tier_of
from oversight import permissions as perm
from oversight.accounts.models import User
from oversight.extensions import db
from oversight.registry.models import Entrustment
from oversight.timeutil import today_jst

LIST_LIMIT = 500
AUDITING_ROLES = tuple(role for role, actions in perm.ROLE_ACTIONS.items() if "audit.run" in actions)


def policies() -> tuple[Policy, CampaignPolicy]:
    """The tier policy and the campaign policy (both cached)."""
    tiers = load_policy()
    return tiers, load_campaign_policy(level.name for level in tiers.levels)


@dataclass(frozen=True)
class ScheduleRow:
    """One entrustment in the schedule: its facts, tier, next due date, what the clock would open, and the audit
    open for it now (None: none)."""

    entrustment_id: int
    facts: RiskFacts
    tier: Tier
    due: Due
    plan: Plan
    auditor_id: int
    open_audit: Audit | None

    def opens_on(self) -> date:
        """The day the clock opens the audit (its due date less the lead time)."""
        from datetime import timedelta

        return self.due.due_on - timedelta(days=self.plan.open_days_before)

    def is_due_to_open(self, as_of: date, within_days: int | None = None) -> bool:
        """Whether the clock opens an audit now: none open, and the due date within the lead time."""
        lead = self.plan.open_days_before if within_days is None else within_days
        return self.open_audit is None and self.due.days_left <= lead


def auditing_organisations() -> set[int]:
    """The organisations with at least one enabled user whose role runs audits."""
    return set(db.session.scalars(select(User.organisation_id).distinct().where(
        User.role.in_(AUDITING_ROLES), User.is_enabled.is_(True), User.organisation_id.is_not(None))))


def clock_auditor(facts: RiskFacts, auditing: set[int]) -> int:
    """Who the clock opens the audit for: the nearest consignor up the chain that runs audits, else the top one."""
    return next((org for org in facts.consignors_up if org in auditing), facts.consignors_up[-1])


def rows_for(ids_select, as_of: date) -> list[ScheduleRow]:
    """The schedule rows of the entrustments `ids_select` gives, the earliest due first."""
    tier_policy, campaign = policies()
    facts = risk_facts(ids_select, as_of)
    if not facts:
        return []
    auditing = auditing_organisations()
    open_audits = {a.entrustment_id: a for a in db.session.scalars(
        select(Audit).where(Audit.entrustment_id.in_(ids_select), Audit.status.in_(AUDIT_OPEN_STATUSES))
        .order_by(Audit.id))}
    rows = []
    for e_id, f in facts.items():
        tier = tier_of(f.risk, tier_policy)
        due = next_due(f.last_audit_on, f.started_on, tier.every_months, f.risk.contract_audit_interval_months, as_of)
        rows.append(ScheduleRow(e_id, f, tier, due, campaign.plan(tier.level), clock_auditor(f, auditing),
                                open_audits.get(e_id)))
    rows.sort(key=lambda r: (r.due.due_on, -r.tier.rank, r.entrustment_id))
    return rows


def due_to_open(as_of: date | None = None, *, auditor_id: int | None = None,
                within_days: int | None = None) -> list[ScheduleRow]:
    """Every live entrustment whose audit the clock opens now (for `auditor_id` alone when given)."""
    as_of = as_of or today_jst()
    rows = [r for r in rows_for(live_ids(as_of), as_of) if r.is_due_to_open(as_of, within_days)]
    return [r for r in rows if auditor_id is None or r.auditor_id == auditor_id]


def _supervised_ids(actor, as_of: date):
    """The live entrustments the actor's organisation supervises: visible to it, and not its own as contractor."""
    ids = live_ids(as_of).where(Entrustment.id.in_(perm.visible(actor, "entrustment")))
    if not perm.is_admin(actor):
        ids = ids.where(Entrustment.contractor_id != actor.organisation_id)
    return ids


@dataclass(frozen=True)
class ScheduleView:
    """The schedule page: the rows shown, how many there are by tier, and the audits per month of the coming
    year."""

    rows: list[ScheduleRow]
    entrustments: dict[int, Entrustment]
    total: int
    by_tier: dict[str, int]
    by_month: list[tuple[str, int]]
    as_of: date


def schedule(actor, *, tier: str | None = None, within_days: int | None = None, as_of: date | None = None,
             limit: int = LIST_LIMIT) -> ScheduleView:
    """The tiers and next audits of every live entrustment the actor's organisation supervises (audit.view),
    filtered by tier and by the days within which the audit falls due."""
    perm.require(actor, "audit.view")
    as_of = as_of or today_jst()
    all_rows = rows_for(_supervised_ids(actor, as_of), as_of)
    tier_policy, _campaign = policies()
    plan = year_plan([PlanItem(r.entrustment_id, r.tier.level, r.facts.last_audit_on, r.facts.started_on,
                               r.facts.risk.contract_audit_interval_months, r.facts.ends_on) for r in all_rows],
                     tier_policy, as_of)
    months = Counter(d.strftime("%Y-%m") for p in plan for d in p.due_dates)
    overdue = sum(1 for p in plan if p.overdue_since)
    by_month = ([("overdue", overdue)] if overdue else []) + sorted(months.items())
    rows = [r for r in all_rows if (tier is None or r.tier.level == tier)
            and (within_days is None or r.due.days_left <= within_days)]
    shown = rows[:limit]
    entrustments = {e.id: e for e in db.session.scalars(
        select(Entrustment).where(Entrustment.id.in_([r.entrustment_id for r in shown]))
        .options(selectinload(Entrustment.consignor), selectinload(Entrustment.contractor)))}
    return ScheduleView(shown, entrustments, len(rows), dict(Counter(r.tier.level for r in all_rows)), by_month,
                        as_of)


def entrustment_tier(actor, entrustment: Entrustment, as_of: date | None = None) -> ScheduleRow | None:
    """The schedule row of one entrustment for its page: for a reader of audits whose organisation supervises it
    (None for anyone else, the contractor's own staff included, and for an entrustment not live)."""
    if not perm.allows(actor, "audit.view") or (
            not perm.is_admin(actor) and entrustment.contractor_id == actor.organisation_id):
        return None
    as_of = as_of or today_jst()
    rows = rows_for(live_ids(as_of).where(Entrustment.id == entrustment.id), as_of)
    return rows[0] if rows else None
