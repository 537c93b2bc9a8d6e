"""Opening periodic audits: by hand (`open_audit`), by the clock (`open_due_audits`, every audit due within its
lead time), or as a campaign handed to the worker (`launch_campaign`).

A questionnaire audit sends the vendor a frozen copy of the periodic questionnaire (a QuestionnaireRequest with no
selection, asked by the auditor), answered in the portal, by link or by Excel as at selection; a document review
or on-site visit keeps its own copy of the checklist (audits/checklists/). Either way the vendor's staff and
contacts are mailed through the outbox, in the same transaction as the audit.

Nothing is done twice: (auditor, entrustment, due_on) is unique and each audit is opened in a savepoint, so a
second scheduler, or one restarted after being killed mid-campaign, skips what another committed and opens what
nobody did (CAMPAIGNS.md).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from types import SimpleNamespace

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from audits import fields, library
from audits.audit_models import AUDIT_KINDS, AUDIT_OPEN_STATUSES, Audit
from audits.checklists import load_checklist
from audits.models import QuestionnaireRequest
from audits.risk import live_ids
from audits.schedule import ScheduleRow, due_to_open, policies, rows_for
from audits.selection import vendor_addresses
from oversight import mail, uow
from oversight import permissions as perm
from oversight.accounts.system import SystemActor
from oversight.errors import Conflict, Forbidden, NotFound, ValidationFailed
from oversight.extensions import db
from oversight.outbox import services as outbox
from oversight.registry.models import Entrustment
from oversight.timeutil import today_jst, utcnow
from oversight.trail import services as trail

log = logging.getLogger("oversight.audits")
CLOCK = SystemActor(name="clock")
BATCH = 50  # audits per transaction: a kill loses at most this much work, redone at the next sweep
MIN_ANSWER_DAYS = 7  # a vendor is given at least this long to answer …
LATE_ANSWER_DAYS = 14  # … and this long when the audit opens later than that before its due date
MAX_CAMPAIGN_DAYS = 366


@dataclass
class CampaignResult:
    """What one run of the clock (or of a campaign job) did."""

    due: int = 0
    opened: list[int] = field(default_factory=list)
    skipped: int = 0  # opened meanwhile by another scheduler (or by hand)
    mailed: int = 0
    unreachable: int = 0  # opened, but the vendor has no address to mail

    def __str__(self) -> str:
        return (f"{self.due} due, {len(self.opened)} opened, {self.skipped} already open, {self.mailed} mailed, "
                f"{self.unreachable} without an address")

    def to_dict(self) -> dict:
        return {"due": self.due, "opened": len(self.opened), "skipped": self.skipped, "mailed": self.mailed,
                "unreachable": self.unreachable}


class _Frozen:
    """The questionnaire to send, loaded and frozen once per run (the YAML is not read once per audit)."""

    def __init__(self):
        self._by_id: dict[str, tuple] = {}

    def get(self, questionnaire_id: str):
        if questionnaire_id not in self._by_id:
            q = library.current(questionnaire_id)
            self._by_id[questionnaire_id] = (q, *library.freeze(q))
        return self._by_id[questionnaire_id]


def _name(actor) -> str:
    if isinstance(actor, SystemActor):
        return "スケジューラ / clock" if actor.name == "clock" else actor.email
    return getattr(actor, "name", "") or getattr(actor, "email", "")


def _reasons(row: ScheduleRow) -> list[dict]:
    return [{"rule": r.rule, "tier": r.tier, "ja": r.ja, "en": r.en, "source": r.source} for r in row.tier.reasons]


def _answer_by(due_on: date, today: date) -> date:
    return due_on if due_on >= today + timedelta(days=MIN_ANSWER_DAYS) else today + timedelta(days=LATE_ANSWER_DAYS)


def _create(actor, row: ScheduleRow, entrustment: Entrustment, auditor_id: int, kind: str, due_on: date,
            frozen: _Frozen, result: CampaignResult, owner=None) -> Audit | None:
    """Open one audit in a savepoint: None if the same audit exists already (another scheduler, a person)."""
    today = today_jst()
    now = utcnow()
    try:
        with uow.savepoint():
            request = None
            if kind == "questionnaire":
                q, content, digest = frozen.get(policies()[1].questionnaire)
                request = QuestionnaireRequest(
                    selection_id=None, requester_id=auditor_id, vendor_id=entrustment.contractor_id,
                    questionnaire_id=q.id, questionnaire_version=q.version, questionnaire_sha256=digest,
                    questionnaire_frozen=content, status="sent", sent_at=now, due_on=_answer_by(due_on, today),
                    question_count=len(q.questions))
                db.session.add(request)
                db.session.flush()
            audit = Audit(
                auditor_id=auditor_id, entrustment_id=entrustment.id, vendor_id=entrustment.contractor_id, kind=kind,
                status="open", due_on=due_on, period_start=row.facts.last_audit_on or row.facts.started_on,
                period_end=today, tier=row.tier.level, tier_reasons=_reasons(row),
                request_id=request.id if request is not None else None,
                checklist=[] if kind == "questionnaire" else load_checklist(kind).as_items(),
                owner_id=getattr(owner, "id", None), owner_name=_name(owner) if owner is not None else "",
                opened_by_id=getattr(actor, "id", None), opened_by_name=_name(actor), opened_at=now)
            db.session.add(audit)
            db.session.flush()
    except IntegrityError:
        result.skipped += 1
        return None
    _announce(audit, entrustment, request, result)
    label = f"{entrustment.data_set} / {entrustment.contractor.name}"
    trail.record(actor, "audit_open", "audit", audit.id, label=label,
                 after={"entrustment_id": entrustment.id, "auditor_id": auditor_id, "vendor_id": audit.vendor_id,
                        "kind": kind, "due_on": due_on.isoformat(), "tier": audit.tier,
                        "reasons": [r["ja"] for r in audit.tier_reasons], "request_id": audit.request_id,
                        "questionnaire": request.questionnaire_id if request is not None else None,
                        "sha256": request.questionnaire_sha256 if request is not None else None})
    result.opened.append(audit.id)
    return audit


def vendor_recipients(audit: Audit) -> list[str]:
    """Who at the vendor hears of an audit: its staff who answer, its own contacts, and the contacts the auditor
    keeps for it (never another tenant's)."""
    return vendor_addresses(SimpleNamespace(vendor_id=audit.vendor_id, requester_id=audit.auditor_id))


def _announce(audit: Audit, entrustment: Entrustment, request, result: CampaignResult) -> None:
    recipients = vendor_recipients(audit)
    if not recipients:
        result.unreachable += 1
        return
    questionnaire = frozen_questionnaire(request) if request is not None else None
    subject, body = mail.render("audits/audit_opened", audit=audit, entrustment=entrustment,
                                auditor=audit.auditor, vendor=entrustment.contractor, request=request,
                                questionnaire=questionnaire)
    outbox.enqueue(f"audit:{audit.id}:opened", recipients, subject, body, object_type="audit", object_id=audit.id,
                   fresh_key=True)
    result.mailed += 1


def frozen_questionnaire(request: QuestionnaireRequest):
    """The questionnaire exactly as frozen for the request."""
    from audits.responses import questionnaire_of

    return questionnaire_of(request)


# ---------------------------------------------------------------- by the clock, or a campaign in the worker


def open_rows(rows: list[ScheduleRow], actor=CLOCK, *, progress: Callable | None = None,
              batch: int = BATCH) -> CampaignResult:
    """Open the audit of each row, `batch` per transaction (each in its own savepoint); `progress(done, total)`
    after each transaction."""
    result = CampaignResult(due=len(rows))
    frozen = _Frozen()
    for start in range(0, len(rows), batch):
        chunk = rows[start:start + batch]
        with uow.atomic():
            trail.lock()  # first: two schedulers' batches then queue up behind each other instead of deadlocking
            entrustments = {e.id: e for e in db.session.scalars(
                select(Entrustment).where(Entrustment.id.in_([r.entrustment_id for r in chunk])))}
            with trail.deferred():
                for row in chunk:
                    _create(actor, row, entrustments[row.entrustment_id], row.auditor_id, row.plan.kind,
                            row.due.due_on, frozen, result)
        if progress is not None:
            progress(min(start + batch, len(rows)), len(rows))
    return result


def open_due_audits(as_of: date | None = None, *, auditor_id: int | None = None, within_days: int | None = None,
                    actor=CLOCK, progress: Callable | None = None) -> CampaignResult:
    """Open every audit due now (for `auditor_id` alone when given; within `within_days` instead of each tier's
    lead time when given). Safe to run again, or twice at once."""
    with uow.read_only():  # a read apart from the writes (SQLite: each batch takes the write lock itself)
        rows = due_to_open(as_of or today_jst(), auditor_id=auditor_id, within_days=within_days)
    return open_rows(rows, actor, progress=progress)


def inline_limit() -> int:
    """How many due audits the clock opens itself; beyond, a campaign job in the worker opens them."""
    return int(current_app.config.get("AUDIT_CAMPAIGN_INLINE_MAX", 200))


def open_due_on_clock() -> str:
    """The clock's job: open what is due, or hand a large campaign to the worker (one job a day)."""
    from audits import campaign_jobs

    today = today_jst()
    with uow.read_only():
        rows = due_to_open(today)
    if len(rows) > inline_limit():
        job = campaign_jobs.submit_for_clock(today, len(rows))
        return f"{len(rows)} due: campaign job {job.id} ({job.status})"
    return str(open_rows(rows))


# ---------------------------------------------------------------- by hand


def _as_organisation(actor) -> int:
    if actor.organisation_id is None:
        raise Forbidden(_l("Only a user of an organisation can do this."))
    return actor.organisation_id




@uow.atomic()
def open_audit(actor, entrustment_id: int, data: Mapping | None = None) -> Audit:
    """Open an audit of an entrustment by hand, as the actor's organisation — its consignor or any organisation
    above it on the chain: of `kind` (the campaign policy's for its tier by default), due on `due_on` (the
    schedule's date by default). The actor becomes its owner."""
    perm.require(actor, "audit.run")
    data = data or {}
    try:
        entrustment_id = int(entrustment_id)
    except (TypeError, ValueError):
        raise NotFound(_l("No such entrustment, or you may not see it.")) from None
    entrustment = db.session.get(Entrustment, entrustment_id)
    if entrustment is None or not perm.can_see(actor, "entrustment", entrustment_id):
        raise NotFound(_l("No such entrustment, or you may not see it."))
    auditor_id = _as_organisation(actor)
    today = today_jst()
    rows = rows_for(select(Entrustment.id).where(Entrustment.id == entrustment_id), today)
    row = rows[0]
    if auditor_id not in row.facts.consignors_up:
        raise Forbidden(_l("Only an organisation up this entrustment's chain audits it."))
    errors: dict = {}
    kind = data.get("kind") or row.plan.kind
    if kind not in AUDIT_KINDS:
        errors["kind"] = [_l("Choose one of the kinds of audit.")]
    due_on = fields.day(data, "due_on", errors, not_before=today_jst())
    if entrustment_id not in set(db.session.scalars(live_ids(today).where(Entrustment.id == entrustment_id))):
        errors["entrustment_id"] = [_l("Only an approved or active entrustment is audited.")]
    if errors:
        raise ValidationFailed(errors)
    if db.session.scalar(select(Audit.id).where(Audit.entrustment_id == entrustment_id, Audit.auditor_id == auditor_id,
                                                Audit.status.in_(AUDIT_OPEN_STATUSES)).limit(1)) is not None:
        raise Conflict(_l("An audit of this entrustment is open already."))
    result = CampaignResult(due=1)
    audit = _create(actor, row, entrustment, auditor_id, kind, due_on or row.due.due_on, _Frozen(), result,
                    owner=actor if getattr(actor, "id", None) else None)
    if audit is None:
        raise Conflict(_l("An audit of this entrustment due that day exists already."))
    return audit


def launch_campaign(actor, data: Mapping):
    """Hand every audit of the actor's organisation falling due within `within_days` to the worker, which opens
    them with progress on the jobs page; the job (the same one if launched again today)."""
    from audits import campaign_jobs

    perm.require(actor, "audit.run")
    auditor_id = _as_organisation(actor)
    raw = data.get("within_days")
    try:
        within = int(raw)
    except (TypeError, ValueError):
        within = 0
    if not 1 <= within <= MAX_CAMPAIGN_DAYS or isinstance(raw, bool):
        raise ValidationFailed({"within_days": [_l("Between 1 and %(n)s days.", n=MAX_CAMPAIGN_DAYS)]})
    due = due_to_open(today_jst(), auditor_id=auditor_id, within_days=within)
    if not due:
        raise Conflict(_l("No audit falls due within %(n)s days.", n=within))
    return campaign_jobs.submit_for_organisation(actor, auditor_id, within, len(due))
