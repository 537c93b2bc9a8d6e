"""The demo's monthly handling reports: さくら's privacy office switched them on for the call-centre entrustment
(member enquiries, 東都システムサービス) four months ago; 東都 filed three of the months and left one out, so the
clock's first sweep reminds 東都 of it and tells さくら's privacy office. Called by audits.demo.load."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select

from audits import handling_months as hm
from audits import handling_reports as reports
from oversight.extensions import db
from oversight.registry.models import Entrustment
from oversight.timeutil import JST, today_jst

CALL_CENTRE = "さくらポイント会員の問合せ対応データ"
MISSING_MONTHS_AGO = 2


NEAR_MISS = "オペレーターが折返し先の電話番号を誤って入力しかけ、ダブルチェックで防止。手順書を改訂。"
DELETED = "保存期間（2年）を過ぎた通話録音 12,400件を消去。消去証明書を発行。"


def _answers(months_ago: int) -> dict:
    near_miss, deleted = months_ago == 3, months_ago == 1
    return {"persons_handled": 41_000 + 1_700 * months_ago, "incident": near_miss,
            "incident_detail": NEAR_MISS if near_miss else "", "subcontractor_change": False,
            "storage_location": "東京第2データセンター（日本国内）", "deletion": "deleted" if deleted else "none",
            "deletion_detail": DELETED if deleted else "", "remarks": ""}


def load(users: dict) -> None:
    """Switch reports on for the call-centre entrustment and file every month but one."""
    entrustment = db.session.scalar(select(Entrustment).where(Entrustment.data_set == CALL_CENTRE))
    if entrustment is None:
        return
    today = today_jst()
    first = hm.month_of(today)
    for _ in range(4):
        first = hm.month_of(first - timedelta(days=1))
    reports.set_plan(users["privacy@sakura-hd.example"], entrustment.id,
                     {"enabled": True, "since": hm.period_text(first)})
    staff = users["staff@toto-system.example"]
    for months_ago, period in zip(range(4, 0, -1), hm.periods(first, today), strict=False):
        filed_on = hm.next_month(period) + timedelta(days=2)
        if months_ago == MISSING_MONTHS_AGO or filed_on > today:
            continue
        report = reports.file_report(staff, entrustment.id, {"period": hm.period_text(period),
                                                             "answers": _answers(months_ago)})
        # The demo is loaded in one go; its reports read as filed in their month's window, as they would have been.
        report.filed_at = datetime.combine(filed_on, time(10), JST)
    db.session.flush()
