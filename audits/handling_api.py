"""/api/v1 monthly handling reports: the entrustments with reports on, one entrustment's months, filing a month's
report, switching reports on or off. The same services as the pages and the CLI; the same JSON refusals."""

from __future__ import annotations

from flask import jsonify, url_for
from marshmallow import Schema, fields

from audits import handling_months as hm
from audits import handling_reports as reports
from oversight import uow
from oversight.api.base import ID, LOCATION, WRITE_ERRORS, ApiBlueprint, actor, documented, json_object

blp = ApiBlueprint("handling_reports_api", __name__, url_prefix="",
                   description="Monthly handling reports (月次の取扱状況報告): switched on by the consignor per "
                               "entrustment, filed by the contractor each month, reminded when missing.")


class HandlingPartySchema(Schema):
    id = fields.Integer()
    name = fields.String()


class HandlingPlanSchema(Schema):
    enabled = fields.Boolean()
    since = fields.String(metadata={"description": "the first month reported on, YYYY-MM", "example": "2026-09"})
    owner = fields.String(metadata={"description": "the consignor's user told when a report is missing"})


class HandlingReportSchema(Schema):
    id = fields.Integer()
    period = fields.String(metadata={"example": "2026-10"})
    form_id = fields.String(metadata={"example": "monthly-handling"})
    form_version = fields.String(metadata={"example": "2026.1"})
    answers = fields.Dict(metadata={"description": "field id → answer (null: left blank)", "example": {
        "persons_handled": 12000, "incident": False, "subcontractor_change": False,
        "storage_location": "東京第2データセンター", "deletion": "none"}})
    filed_by_name = fields.String()
    filed_at = fields.DateTime()


class HandlingMonthSchema(Schema):
    period = fields.String(metadata={"example": "2026-10"})
    status = fields.String(metadata={"enum": list(hm.STATUSES)})
    due_on = fields.Date()
    report = fields.Nested(HandlingReportSchema, allow_none=True)


class HandlingEntrustmentSchema(Schema):
    entrustment_id = fields.Integer()
    data_set = fields.String()
    consignor = fields.Nested(HandlingPartySchema)
    contractor = fields.Nested(HandlingPartySchema)
    plan = fields.Nested(HandlingPlanSchema, allow_none=True)
    form = fields.Dict(metadata={"description": "{id, version, fields: [{id, type, required, choices}]}"})
    months = fields.List(fields.Nested(HandlingMonthSchema), metadata={"description": "newest first"})


class HandlingOverviewItemSchema(Schema):
    entrustment_id = fields.Integer()
    data_set = fields.String()
    consignor = fields.Nested(HandlingPartySchema)
    contractor = fields.Nested(HandlingPartySchema)
    plan = fields.Nested(HandlingPlanSchema)
    filed = fields.Integer()
    overdue = fields.List(fields.String(), metadata={"description": "months whose report is missing past its due day"})
    latest = fields.String(allow_none=True, metadata={"description": "the latest month filed"})


class HandlingOverviewSchema(Schema):
    items = fields.List(fields.Nested(HandlingOverviewItemSchema))


class HandlingFileSchema(Schema):
    period = fields.String(required=True, metadata={"example": "2026-10"})
    answers = fields.Dict(required=True, metadata={"example": {
        "persons_handled": 12000, "incident": False, "subcontractor_change": False,
        "storage_location": "東京第2データセンター", "deletion": "none", "remarks": ""}})


class HandlingPlanChangeSchema(Schema):
    enabled = fields.Boolean(required=True)
    since = fields.String(metadata={"description": "YYYY-MM; default this month", "example": "2026-09"})


def _party(org) -> dict:
    return {"id": org.id, "name": org.name}


def _plan(plan) -> dict | None:
    if plan is None:
        return None
    return {"enabled": plan.enabled, "since": hm.period_text(plan.since), "owner": plan.owner_name}


def _report(r) -> dict | None:
    if r is None:
        return None
    return {"id": r.id, "period": hm.period_text(r.period), "form_id": r.form_id, "form_version": r.form_version,
            "answers": r.answers, "filed_by_name": r.filed_by_name, "filed_at": r.filed_at}


def _form() -> dict:
    form = reports.report_form()
    return {"id": form.id, "version": form.version,
            "fields": [{"id": f.id, "type": f.type, "required": f.required,
                        "choices": [c.code for c in f.choices]} for f in form.fields]}


@blp.route("/handling-reports")
@blp.response(200, HandlingOverviewSchema)
@documented(errors=(401, 403))
def overview():
    """The entrustments with monthly reports (on, or once on) that your organisation consigns or carries out"""
    return {"items": [{
        "entrustment_id": row.entrustment.id, "data_set": row.entrustment.data_set,
        "consignor": _party(row.entrustment.consignor), "contractor": _party(row.entrustment.contractor),
        "plan": _plan(row.plan), "filed": row.filed, "overdue": [hm.period_text(p) for p in row.overdue],
        "latest": hm.period_text(row.latest.period) if row.latest else None} for row in reports.overview(actor())]}


@blp.route(f"/entrustments/<{ID}:entrustment_id>/handling-reports")
@blp.response(200, HandlingEntrustmentSchema)
@documented()
def entrustment_reports(entrustment_id: int):
    """One entrustment's monthly reports: the plan, and every month with its state and report"""
    view = reports.entrustment_reports(actor(), entrustment_id)
    e = view.entrustment
    return {"entrustment_id": e.id, "data_set": e.data_set, "consignor": _party(e.consignor),
            "contractor": _party(e.contractor), "plan": _plan(view.plan), "form": _form(),
            "months": [{"period": m.text, "status": m.status, "due_on": m.due_on, "report": _report(m.report)}
                       for m in view.months]}


@blp.route(f"/entrustments/<{ID}:entrustment_id>/handling-reports", methods=["POST"])
@blp.response(201, HandlingReportSchema, headers=LOCATION)
@documented(errors=WRITE_ERRORS, body=HandlingFileSchema)
def file_report(entrustment_id: int):
    """File a month's report (the contractor's staff; once per month); every bad answer is named"""
    with uow.atomic():
        report = reports.file_report(actor(), entrustment_id, json_object())
        body = HandlingReportSchema().dump(_report(report))
    return jsonify(body), 201, {"Location": url_for(".entrustment_reports", entrustment_id=entrustment_id)}


@blp.route(f"/entrustments/<{ID}:entrustment_id>/handling-report-plan", methods=["POST"])
@blp.response(200, HandlingPlanSchema)
@documented(errors=WRITE_ERRORS, body=HandlingPlanChangeSchema)
def set_plan(entrustment_id: int):
    """Switch monthly reports on (from a month) or off (the consignor's privacy office or procurement)"""
    with uow.atomic():
        plan = reports.set_plan(actor(), entrustment_id, json_object())
        body = _plan(plan)
    return body
