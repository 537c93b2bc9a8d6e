"""The demo's audit history for `flask load-demo`: every live entrustment was audited a month ago (closed, with its
score), except the call centre's subcontract at UFサポート, audited by さくら directly some ten weeks ago — a
critical entrustment (an unapproved subcontractor below it) audited every three months, so its next audit falls
due within the campaign's lead time and the clock of `make run` opens it at once and mails the vendor. That last
audit is the findings demo's (audits/finding_demo.py: its cross-check flag and its finding awaiting verification
outlive it), closed here as of that day: an audit left open would keep the clock from opening the next one.

Call `load(users, orgs)` after the registry and the users exist (oversight.demo.load does).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select

from audits.audit_models import AUDIT_OPEN_STATUSES, Audit
from audits.risk import live_ids
from audits.schedule import rows_for
from oversight import uow
from oversight.extensions import db
from oversight.incidents.art26.deadlines import JST
from oversight.registry.models import Entrustment
from oversight.timeutil import today_jst

CALL_CENTRE = "さくらポイント会員の問合せ対応データ（大阪センター）"
DUE_IN_DAYS = 20


def _closed(row, e: Entrustment, days_ago: int, score: float) -> Audit:
    today = today_jst()
    closed_at = datetime.combine(today - timedelta(days=days_ago), time(17), JST)
    return Audit(auditor_id=row.auditor_id, entrustment_id=e.id, vendor_id=e.contractor_id, kind="document_review",
                 status="closed", due_on=today - timedelta(days=days_ago), tier=row.tier.level,
                 tier_reasons=[{"rule": r.rule, "tier": r.tier, "ja": r.ja, "en": r.en, "source": r.source}
                               for r in row.tier.reasons],
                 checklist=[], opened_by_name="デモデータ / demo", opened_at=closed_at - timedelta(days=30),
                 closed_at=closed_at, closed_by_name="田中 美咲", score_percent=score,
                 conclusion="重大な指摘なし（デモデータの前回監査） / No significant finding (the demo's last audit)")


def _close_as_of(audit: Audit, days_ago: int, score: float) -> None:
    """Close the findings demo's audit as the call centre's last audit, `days_ago` days ago."""
    closed_at = datetime.combine(today_jst() - timedelta(days=days_ago), time(17), JST)
    audit.due_on = audit.period_end = closed_at.date() - timedelta(days=5)
    audit.period_start = audit.due_on - timedelta(days=365)
    audit.opened_at = closed_at - timedelta(days=30)
    audit.status, audit.closed_at, audit.closed_by_name = "closed", closed_at, "田中 美咲"
    audit.score_percent = audit.request.score_percent if audit.request is not None else score
    if audit.request is not None:
        audit.request.status, audit.request.due_on = "closed", audit.due_on
    audit.conclusion = ("無承認の再委託先（北斗）を確認。指摘事項の是正を継続して確認する（デモデータの前回監査） / "
                        "An unapproved subcontractor found; its findings followed to closure (the demo's last audit)")


def load(users: dict, orgs: dict) -> None:
    """Record the last audit of every live entrustment (see the module's docstring)."""
    today = today_jst()
    rows = rows_for(live_ids(today), today)
    entrustments = {e.id: e for e in db.session.scalars(select(Entrustment).where(
        Entrustment.id.in_([r.entrustment_id for r in rows])))}
    with uow.atomic():
        for n, row in enumerate(rows):
            e = entrustments[row.entrustment_id]
            if e.data_set == CALL_CENTRE:
                # Its next audit: `every_months` after this one, about DUE_IN_DAYS from today.
                days_ago = 30 * row.tier.every_months - DUE_IN_DAYS
                last = db.session.scalar(select(Audit).where(Audit.entrustment_id == e.id,
                                                             Audit.status.in_(AUDIT_OPEN_STATUSES)))
                if last is not None:
                    _close_as_of(last, days_ago, 78.0)
                else:
                    db.session.add(_closed(row, e, days_ago, 78.0))
            else:
                db.session.add(_closed(row, e, 30, 85.0 + n % 10))
