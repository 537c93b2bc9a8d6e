"""Monthly handling reports (月次の取扱状況報告), the use cases: the consignor switches them on or off for an
entrustment, the contractor files a month's report (the consignor's owner is told, the answers the form marks for
attention named first), both read them, and the clock reminds the contractor of a missing month after its grace day
and tells the consignor's owner.

The form and its check (audits.handling_form) and the months (audits.handling_months) are pure; who reads what is
audits.handling_visibility. Each reminder's outbox key names the entrustment, the month and the recipient side, so
the sweep may run any number of times, in any number of clocks, and sends each mail once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from audits import handling_form as hf
from audits import handling_months as hm
from audits.handling_models import HandlingReport, HandlingReportPlan
from audits.handling_visibility import get_entrustment, is_consignor, is_contractor, restrict_plans
from oversight import mail, uow
from oversight import permissions as perm
from oversight.errors import Conflict, Forbidden, ValidationFailed
from oversight.extensions import db
from oversight.outbox import services as outbox
from oversight.outbox.models import OutboxMessage
from oversight.registry.models import Entrustment
from oversight.registry.recipients import OWNER_ROLES, user_addresses
from oversight.timeutil import JST, today_jst, utcnow
from oversight.trail import services as trail

LIVE = ("approved", "active")
LOOKBACK_MONTHS = 12  # the clock reminds of missing months up to a year back, not further
CONTRACTOR_ROLES = ("contractor_user",)
OWNER_FALLBACK_ROLES = ("privacy_office", "procurement")  # when the owner has left
MESSAGES = {
    "required": _l("This field is required."), "number": _l("Enter a whole number."),
    "minimum": _l("Enter a whole number within the allowed range."), "yes_no": _l("Answer yes or no."),
    "choice": _l("Choose one of the answers."), "text": _l("Enter text."),
    "too_long": _l("Too long: shorten it."), "unknown": _l("No such field in the form."),
}


def report_form() -> hf.ReportForm:
    """The form in force (audits/report_forms/monthly.yaml)."""
    return hf.load_form()


@dataclass(frozen=True)
class Month:
    """One month of an entrustment's reports as a page shows it."""

    period: date
    status: str  # audits.handling_months.STATUSES
    due_on: date
    report: HandlingReport | None

    @property
    def text(self) -> str:
        return hm.period_text(self.period)


@dataclass(frozen=True)
class EntrustmentReports:
    """What the entrustment's monthly-report page shows to one user."""

    entrustment: Entrustment
    plan: HandlingReportPlan | None
    months: list[Month]  # newest first
    can_configure: bool
    can_file: bool
    fileable: list[Month]  # the months the contractor may file now (open or past, none filed)


def _months(plan: HandlingReportPlan | None, reports: list[HandlingReport], today: date) -> list[Month]:
    if plan is None:
        return [Month(r.period, "filed", hm.due_on(r.period, report_form().schedule), r) for r in reports]
    schedule = report_form().schedule
    by_period = {r.period: r for r in reports}
    months = [Month(p, hm.status(p, today, _filed_on(by_period.get(p)), schedule), hm.due_on(p, schedule),
                    by_period.get(p)) for p in hm.periods(plan.since, today)]
    earlier = [Month(r.period, "filed", hm.due_on(r.period, schedule), r) for r in reports if r.period < plan.since]
    return sorted(months + earlier, key=lambda m: m.period, reverse=True)


def _filed_on(report: HandlingReport | None) -> date | None:
    return today_jst(report.filed_at) if report is not None else None


def entrustment_reports(actor, entrustment_id: int, today: date | None = None) -> EntrustmentReports:
    """The plan and every month of one entrustment (NotFound unless the actor is its consignor's or contractor's)."""
    perm.require(actor, "handling_report.view")
    entrustment = get_entrustment(actor, entrustment_id)
    today = today or today_jst()
    plan = db.session.scalar(select(HandlingReportPlan).where(HandlingReportPlan.entrustment_id == entrustment.id))
    reports = list(db.session.scalars(select(HandlingReport).where(HandlingReport.entrustment_id == entrustment.id)
                                      .order_by(HandlingReport.period)))
    months = _months(plan, reports, today)
    can_file = (perm.allows(actor, "handling_report.file") and is_contractor(actor, entrustment)
                and plan is not None and plan.enabled)
    can_configure = perm.allows(actor, "handling_report.configure") and (
        is_consignor(actor, entrustment) or perm.is_admin(actor))
    fileable = [m for m in months if m.report is None and plan is not None and m.period >= plan.since] \
        if can_file else []
    return EntrustmentReports(entrustment, plan, months, can_configure, can_file, fileable)


@dataclass(frozen=True)
class PlanRow:
    """One entrustment with reports (on, or once on) in the list: its months' state in brief."""

    plan: HandlingReportPlan
    entrustment: Entrustment
    filed: int
    overdue: list[date]
    latest: HandlingReport | None


def overview(actor, today: date | None = None) -> list[PlanRow]:
    """Every entrustment with a plan the actor reads, with its overdue months and latest report (two statements)."""
    perm.require(actor, "handling_report.view")
    today = today or today_jst()
    plans = list(db.session.scalars(restrict_plans(select(HandlingReportPlan), actor)
                                    .options(joinedload(HandlingReportPlan.entrustment)
                                             .joinedload(Entrustment.consignor),
                                             joinedload(HandlingReportPlan.entrustment)
                                             .joinedload(Entrustment.contractor))
                                    .order_by(HandlingReportPlan.id).limit(500)))
    ids = [p.entrustment_id for p in plans]
    reports: dict[int, list[HandlingReport]] = {i: [] for i in ids}
    if ids:
        for report in db.session.scalars(select(HandlingReport).where(HandlingReport.entrustment_id.in_(ids))
                                         .order_by(HandlingReport.period)):
            reports[report.entrustment_id].append(report)
    rows = []
    for plan in plans:
        months = _months(plan, reports[plan.entrustment_id], today) if plan.enabled else []
        rows.append(PlanRow(plan, plan.entrustment, len(reports[plan.entrustment_id]),
                            [m.period for m in months if m.status == "overdue"],
                            reports[plan.entrustment_id][-1] if reports[plan.entrustment_id] else None))
    return rows


@uow.atomic()
def set_plan(actor, entrustment_id: int, data: Mapping) -> HandlingReportPlan:
    """Switch monthly reports on (from the month `since`, "YYYY-MM", default this month) or off: the consignor's
    privacy office or procurement only. The acting user becomes the owner told of missing reports."""
    perm.require(actor, "handling_report.configure")
    entrustment = get_entrustment(actor, entrustment_id)
    if not (perm.is_admin(actor) or is_consignor(actor, entrustment)):
        raise Forbidden(_l("Only the consignor of this entrustment switches its monthly reports on or off."))
    enabled = data.get("enabled")
    if isinstance(enabled, str):
        enabled = {"1": True, "true": True, "on": True, "0": False, "false": False, "off": False}.get(enabled)
    errors: dict = {}
    if not isinstance(enabled, bool):
        errors["enabled"] = [_l("Answer yes or no.")]
    today = today_jst()
    since = hm.month_of(today)
    if data.get("since") not in (None, ""):
        since = hm.parse_period(data.get("since"))
        low, high = _months_back(today, LOOKBACK_MONTHS), hm.next_month(hm.next_month(hm.month_of(today)))
        if since is None:
            errors["since"] = [_l("Enter a month as YYYY-MM.")]
        elif not low <= since <= high:
            errors["since"] = [_l("Choose a month from %(first)s to %(last)s.", first=hm.period_text(low),
                                  last=hm.period_text(high))]
    if errors:
        raise ValidationFailed(errors)
    if enabled and entrustment.status not in LIVE:
        raise Conflict(_l("Monthly reports can be switched on only for an approved or active entrustment."))
    plan = db.session.scalar(select(HandlingReportPlan).where(HandlingReportPlan.entrustment_id == entrustment.id))
    before = _plan_snapshot(plan) if plan is not None else None
    if plan is None:
        plan = HandlingReportPlan(entrustment_id=entrustment.id, since=since)
        db.session.add(plan)
    plan.enabled = enabled
    if enabled:
        if before is None or not before["enabled"] or data.get("since") not in (None, ""):
            plan.since = since
        plan.owner_id = getattr(actor, "id", None)
        plan.owner_name = getattr(actor, "name", "") or getattr(actor, "email", "")
    plan.changed_by_name = getattr(actor, "name", "") or getattr(actor, "email", "")
    plan.changed_at = utcnow()
    db.session.flush()
    trail.record(actor, "handling_reports_on" if enabled else "handling_reports_off", "handling_report_plan",
                 plan.id, label=f"{entrustment.data_set}（{entrustment.contractor.name}）",
                 before=before, after=_plan_snapshot(plan))
    return plan


def _months_back(today: date, count: int) -> date:
    year, month = divmod(today.year * 12 + today.month - 1 - count, 12)
    return date(year, month + 1, 1)


def _plan_snapshot(plan: HandlingReportPlan) -> dict:
    return {"entrustment_id": plan.entrustment_id, "enabled": plan.enabled, "since": hm.period_text(plan.since),
            "owner": plan.owner_name}


@uow.atomic()
def file_report(actor, entrustment_id: int, data: Mapping) -> HandlingReport:
    """File the report of one month ("period": "YYYY-MM", "answers": {field: value}): the contractor's staff, while
    reports are on, for a month from the plan's first to the current one, once. Every bad answer is named."""
    perm.require(actor, "handling_report.file")
    entrustment = get_entrustment(actor, entrustment_id)
    if not is_contractor(actor, entrustment):
        raise Forbidden(_l("Only the contractor of this entrustment files its monthly reports."))
    plan = db.session.scalar(select(HandlingReportPlan).where(HandlingReportPlan.entrustment_id == entrustment.id))
    if plan is None or not plan.enabled:
        raise Conflict(_l("The consignor has not switched monthly reports on for this entrustment."))
    form = report_form()
    errors: dict = {}
    period = hm.parse_period(data.get("period"))
    today = today_jst()
    if period is None:
        errors["period"] = [_l("Enter a month as YYYY-MM.")]
    elif period < plan.since or period > hm.month_of(today):
        errors["period"] = [_l("Choose a month from %(first)s to %(last)s.", first=hm.period_text(plan.since),
                               last=hm.period_text(hm.month_of(today)))]
    answers = data.get("answers")
    if not isinstance(answers, Mapping):
        errors["answers"] = [_l("Expected an object.")]
        answers = {}
    clean, problems = hf.check_answers(form, answers)
    for field_id, found in problems.items():
        errors[field_id] = [MESSAGES[p.code] for p in found]
    if errors:
        raise ValidationFailed(errors)
    if db.session.scalar(select(HandlingReport.id).where(HandlingReport.entrustment_id == entrustment.id,
                                                         HandlingReport.period == period)) is not None:
        raise Conflict(_l("The report of %(month)s is filed already.", month=hm.period_text(period)))
    report = HandlingReport(entrustment_id=entrustment.id, period=period, form_id=form.id, form_version=form.version,
                            answers=clean, filed_by_id=getattr(actor, "id", None),
                            filed_by_name=getattr(actor, "name", "") or getattr(actor, "email", ""))
    db.session.add(report)
    db.session.flush()
    trail.record(actor, "handling_report_file", "handling_report", report.id,
                 label=f"{entrustment.data_set} {hm.period_text(period)}",
                 after={"entrustment_id": entrustment.id, "period": hm.period_text(period), "form": form.id,
                        "form_version": form.version, **clean})
    _tell_owner_filed(plan, entrustment, report, form)
    return report


def filed_key(entrustment_id: int, period: date) -> str:
    """The outbox key of the mail that tells the consignor's owner a month's report was filed."""
    return f"handling-report:{entrustment_id}:{hm.period_text(period)}:filed"


def _answer_line(field, details, answers: Mapping, lang: str) -> str:
    """An answer marked for attention and what it made the contractor write, on one line."""
    colon, separator = ("：", "；") if lang == "ja" else (": ", "; ")
    return separator.join([hf.answer_text(field, answers.get(field.id), lang)]
                          + [f"{d.label.get(lang)}{colon}{answers[d.id]}" for d in details])


def _tell_owner_filed(plan: HandlingReportPlan, entrustment: Entrustment, report: HandlingReport, form) -> None:
    owners = _owner_addresses(plan)
    if not owners:
        return
    attention = [{"label": field.label, "answer_ja": _answer_line(field, details, report.answers, "ja"),
                  "answer_en": _answer_line(field, details, report.answers, "en")}
                 for field, details in hf.needs_attention(form, report.answers)]
    subject, body = mail.render("audits/handling_report_filed", entrustment=entrustment, owner_name=plan.owner_name,
                                month=hm.period_text(report.period), filed_by=report.filed_by_name, attention=attention)
    outbox.enqueue(filed_key(entrustment.id, report.period), sorted(owners), subject, body,
                   object_type="entrustment", object_id=entrustment.id)


def reminder_keys(entrustment_id: int, period: date) -> tuple[str, str]:
    """The outbox keys of a missing month's two mails: to the contractor, and to the consignor's owner."""
    base = f"handling-report:{entrustment_id}:{hm.period_text(period)}:missing"
    return base, f"{base}:owner"


@uow.atomic()
def enqueue_missing_reminders(now: datetime | None = None) -> int:
    """For every entrustment with reports on and every month up to a year back whose report is still missing on its
    reminder day: remind the contractor's staff and tell the consignor's owner, once each. Returns the mails
    queued now. A constant number of statements (plus the mails queued)."""
    today = today_jst(now)
    schedule = report_form().schedule
    cutoff = _months_back(today, LOOKBACK_MONTHS)
    plans = list(db.session.scalars(
        select(HandlingReportPlan).join(Entrustment, Entrustment.id == HandlingReportPlan.entrustment_id)
        .where(HandlingReportPlan.enabled.is_(True), Entrustment.status.in_(LIVE))
        .options(joinedload(HandlingReportPlan.entrustment), joinedload(HandlingReportPlan.owner))))
    filed = set(db.session.execute(select(HandlingReport.entrustment_id, HandlingReport.period).where(
        HandlingReport.entrustment_id.in_([p.entrustment_id for p in plans]), HandlingReport.period >= cutoff)).all())
    due: list[tuple[HandlingReportPlan, date]] = []
    for plan in plans:
        end = plan.entrustment.end_on
        for period in hm.periods(max(plan.since, cutoff), today, until=end):
            if hm.remind_on(period, schedule) <= today and (plan.entrustment_id, period) not in filed:
                due.append((plan, period))
    keys = [k for plan, period in due for k in reminder_keys(plan.entrustment_id, period)]
    sent = set(db.session.scalars(select(OutboxMessage.key).where(OutboxMessage.key.in_(keys)))) if keys else set()
    queued = 0
    for plan, period in due:
        queued += _remind(plan, period, today, schedule, sent)
    return queued


def _owner_addresses(plan: HandlingReportPlan) -> list[str]:
    owner = plan.owner
    if owner is not None and owner.is_enabled and owner.organisation_id == plan.entrustment.consignor_id:
        return [owner.email]
    return user_addresses(plan.entrustment.consignor_id, OWNER_FALLBACK_ROLES)


def _remind(plan: HandlingReportPlan, period: date, today: date, schedule, sent: set[str]) -> int:
    e = plan.entrustment
    to_contractor, to_owner = reminder_keys(e.id, period)
    context = {"entrustment": e, "month": hm.period_text(period), "due_on": hm.due_on(period, schedule),
               "days_over": (today - hm.due_on(period, schedule)).days}
    queued = 0
    staff = user_addresses(e.contractor_id, CONTRACTOR_ROLES) or user_addresses(e.contractor_id, OWNER_ROLES)
    if to_contractor not in sent and staff:
        subject, body = mail.render("audits/handling_report_missing", **context)
        outbox.enqueue(to_contractor, sorted(staff), subject, body, object_type="entrustment",
                       object_id=e.id)
        queued += 1
    owners = _owner_addresses(plan)
    if to_owner not in sent and owners:
        subject, body = mail.render("audits/handling_report_missing_owner", owner_name=plan.owner_name, **context)
        outbox.enqueue(to_owner, sorted(owners), subject, body, object_type="entrustment",
                       object_id=e.id)
        queued += 1
    return queued


def filed_at_jst(report: HandlingReport) -> datetime:
    """When the report was filed, in Japan time."""
    return report.filed_at.astimezone(JST)
