"""A vendor shared by two consignors, each with monthly handling reports switched on (for the handling-report
tests): 京都市 and 大津市 entrust pupils' data to the album vendor directly; さくら学園's studio subcontracts to it."""

from __future__ import annotations

from datetime import date, timedelta

from audits import handling_months as hm
from audits import handling_reports as reports
from oversight.timeutil import today_jst
from tests.factories import gen_shared_vendor, gen_user

ANSWERS = {"persons_handled": 420, "incident": False, "subcontractor_change": False,
           "storage_location": "京都本社サーバ室（日本国内）", "deletion": "none"}


def months_ago(n: int, today: date | None = None) -> date:
    """The first day of the month `n` months before this one (JST)."""
    period = hm.month_of(today or today_jst())
    for _ in range(n):
        period = hm.month_of(period - timedelta(days=1))
    return period


def gen_handling_world():
    """Both consignors switch reports on from three months ago; the vendor files month -3 and -1 of each, leaving
    month -2 missing (past its reminder day, whatever today is)."""
    w = gen_shared_vendor()
    w.kyoto_procurement = gen_user(w.kyoto, "procurement")
    w.otsu_procurement = gen_user(w.otsu, "procurement")
    w.vendor_privacy = gen_user(w.vendor, "privacy_office")
    since = hm.period_text(months_ago(3))
    for consignor, user in (("kyoto", w.kyoto_privacy), ("otsu", w.otsu_privacy)):
        reports.set_plan(user, w.albums[consignor].id, {"enabled": True, "since": since})
        for n in (3, 1):
            reports.file_report(w.vendor_staff, w.albums[consignor].id,
                                {"period": hm.period_text(months_ago(n)), "answers": ANSWERS})
    return w
