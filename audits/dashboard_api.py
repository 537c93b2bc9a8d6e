"""/api/v1/audits/dashboard: the audit dashboard's figures as JSON, as the user may see them."""

from __future__ import annotations

from marshmallow import Schema, fields

from audits import dashboard
from oversight.api.base import ApiBlueprint, actor, documented

blp = ApiBlueprint("audit_dashboard_api", __name__, url_prefix="",
                   description="The audit dashboard: audits due and overdue by month, open findings by severity and "
                               "age, vendors by risk tier and last audit score.")


class AuditDashboardSchema(Schema):
    as_of = fields.String(metadata={"description": "the day (JST) the figures are for", "example": "2026-12-08"})
    audits_by_month = fields.List(fields.Dict(), metadata={
        "description": "12 months (5 past, this one, 6 ahead): {month, due, closed, overdue, upcoming}",
        "example": [{"month": "2026-12", "due": 4, "closed": 1, "overdue": 1, "upcoming": 2}]})
    overdue_before_chart = fields.Integer(metadata={"description": "audits still open, due before the first month"})
    open_findings = fields.List(fields.Dict(), metadata={
        "description": "per severity: {severity, by_age_days: {0_30, 31_90, 91_180, 181_up}, overdue, total}"})
    vendors_by_tier = fields.List(fields.Dict(), metadata={
        "description": "highest tier first: {tier, label {ja, en}, total, "
                       "by_score {below_60, 60_79, 80_up, unscored}}"})
    vendors = fields.Integer()
    entrustments = fields.Integer()


@blp.route("/audits/dashboard")
@blp.response(200, AuditDashboardSchema)
@documented(errors=(401, 403))
def audit_dashboard():
    """The audit dashboard's chart data (roles that read audits)"""
    return dashboard.as_json(dashboard.dashboard(actor()))
