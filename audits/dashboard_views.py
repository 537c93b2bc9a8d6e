"""The audit dashboard page (blueprint "audit_dashboard"): three charts, each beside the table of its numbers."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from audits import charts, dashboard
from audits import handling_months as hm
from audits.audit_models import FINDING_SEVERITIES
from oversight.accounts.auth import requires

bp = Blueprint("audit_dashboard", __name__)

SEVERITIES = {"critical": _l("Critical"), "high": _l("High"), "medium": _l("Medium"), "low": _l("Low")}
AGES = {"0_30": _l("0–30 days"), "31_90": _l("31–90 days"), "91_180": _l("91–180 days"),
        "181_up": _l("Over 180 days")}
SCORES = {"below_60": _l("Below 60"), "60_79": _l("60–79"), "80_up": _l("80 and over"), "unscored": _l("Not scored")}
OKABE = {"overdue": "#D55E00", "upcoming": "#0072B2", "closed": "#009E73"}


@bp.get("/audits/dashboard")
@requires("audit.view")
def index():
    from oversight.templating import lang

    d = dashboard.dashboard(current_user)
    lang_code = "ja" if lang() == "ja" else "en"
    months = [hm.period_text(m.month) for m in d.months]
    audits_chart = charts.stacked_bars(months, [
        charts.Series(str(_("Overdue")), [m.overdue for m in d.months], OKABE["overdue"]),
        charts.Series(str(_("Due, still open")), [m.upcoming for m in d.months], OKABE["upcoming"]),
        charts.Series(str(_("Closed")), [m.closed for m in d.months], OKABE["closed"])],
        title=str(_("Audits due by month: the table beside has the numbers")), table_id="audits-by-month")
    findings_chart = charts.stacked_bars([str(SEVERITIES[f.severity]) for f in d.findings], [
        charts.Series(str(AGES[age]), [f.by_age[age] for f in d.findings]) for age in AGES],
        title=str(_("Open findings by severity and age: the table beside has the numbers")),
        table_id="findings-by-severity")
    tiers_chart = charts.stacked_bars([t.label.get(lang_code) for t in d.tiers], [
        charts.Series(str(SCORES[band]), [t.by_score[band] for t in d.tiers]) for band in SCORES],
        title=str(_("Vendors by risk tier and last audit score: the table beside has the numbers")),
        table_id="vendors-by-tier")
    return render_template("audits/dashboard.html", d=d, audits_chart=audits_chart, findings_chart=findings_chart,
                           tiers_chart=tiers_chart, severities=SEVERITIES, ages=AGES, scores=SCORES,
                           order=FINDING_SEVERITIES, lang_code=lang_code, period_text=hm.period_text)
