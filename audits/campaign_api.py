"""/api/v1 periodic audits: the audits (list, one, open, checklist, owner, close, share, cancel), the schedule of
tiers and due dates, and campaigns handed to the worker. The same services as the pages and the CLI; the same JSON
refusals."""

from __future__ import annotations

from flask import jsonify, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields

from audits import audit_services, campaigns, schedule
from audits.audit_models import AUDIT_KINDS, AUDIT_STATUSES
from audits.audit_visibility import get_audit, is_auditor
from audits.checklists import RESULTS
from oversight import inputs, uow
from oversight import permissions as perm
from oversight.api.base import ID, LOCATION, WRITE_ERRORS, ApiBlueprint, actor, documented, json_object
from oversight.api.schemas import one_of, whole_number
from oversight.errors import NotFound, ValidationFailed
from oversight.registry.models import Entrustment

blp = ApiBlueprint("audit_campaigns_api", __name__, url_prefix="",
                   description="Periodic audits: risk tiers, the schedule, audits opened by the clock or by hand, "
                               "checklists, closing, sharing up the chain, campaigns in the worker.")


class AuditQuerySchema(Schema):
    status = one_of(audit_services.FILTERS, load_default="open", metadata={
        "description": "due (open, due within 30 days), overdue, open, closed, cancelled, all"})
    kind = one_of(AUDIT_KINDS)


class ChecklistItemSchema(Schema):
    id = fields.String(metadata={"example": "area_control"})
    text = fields.Dict(metadata={"example": {"ja": "個人データを取り扱う区域が限定され…", "en": "The area …"}})
    guideline = fields.String(metadata={"example": "通則編 10-5 (1)"})
    result = fields.String(allow_none=True, metadata={"enum": list(RESULTS)})
    note = fields.String()


class AuditSchema(Schema):
    id = fields.Integer()
    auditor = fields.Dict(metadata={"description": "{id, name}: the organisation that audits"})
    vendor = fields.Dict(metadata={"description": "{id, name}: the contractor audited"})
    entrustment = fields.Dict(metadata={"description": "{id, data_set}"})
    kind = fields.String(metadata={"enum": list(AUDIT_KINDS)})
    status = fields.String(metadata={"enum": list(AUDIT_STATUSES)})
    due_on = fields.Date()
    overdue = fields.Boolean()
    tier = fields.String(allow_none=True, metadata={"description": "the tier when opened (not shown to the vendor)",
                                                    "example": "high"})
    tier_reasons = fields.List(fields.String(), metadata={"example": ["特定個人情報（マイナンバー）", "12,000人"]})
    request_id = fields.Integer(allow_none=True, metadata={"description": "the questionnaire the vendor answers"})
    answered = fields.Integer(allow_none=True)
    total = fields.Integer(allow_none=True)
    checklist = fields.List(fields.Nested(ChecklistItemSchema))
    owner_name = fields.String(allow_none=True)
    opened_at = fields.DateTime()
    opened_by_name = fields.String(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    conclusion = fields.String(allow_none=True)
    score_percent = fields.Float(allow_none=True)
    shared_with = fields.List(fields.Integer(), metadata={"description": "organisations the result is shared with"})


class AuditListSchema(Schema):
    items = fields.List(fields.Nested(AuditSchema))
    counts = fields.Dict(metadata={"description": "how many audits in each status filter"})


class AuditOpenSchema(Schema):
    entrustment_id = fields.Integer(required=True, metadata={"description": "an entrustment up whose chain you are"})
    kind = fields.String(metadata={"enum": list(AUDIT_KINDS), "description": "default: the campaign policy's"})
    due_on = fields.Date(allow_none=True, metadata={"description": "default: the schedule's due date"})


class ChecklistRecordSchema(Schema):
    items = fields.Dict(required=True, metadata={
        "description": "item id → {result: ok|ng|na|\"\", note}", "example": {
            "area_control": {"result": "ok", "note": ""},
            "people_on_site": {"result": "ng", "note": "申告のない協力会社の要員2名が作業していた"}}})


class CloseSchema(Schema):
    conclusion = fields.String(required=True, metadata={"example": "重大な指摘なし。次回は定例どおり。"})
    share_upward = fields.Boolean(metadata={"description": "share with the organisations above you (default true)"})


class ShareSchema(Schema):
    organisation_ids = fields.List(fields.Integer(), metadata={"description": "default: all above you on the chain"})


class ShareResultSchema(Schema):
    shared_with = fields.List(fields.Integer())


class OwnerSchema(Schema):
    owner_id = fields.Integer(required=True, metadata={"description": "a user of yours who runs audits"})


class CancelSchema(Schema):
    reason = fields.String(required=True, metadata={"example": "委託契約の終了により中止"})


class ScheduleQuerySchema(Schema):
    tier = fields.String(metadata={"example": "high"})
    within_days = whole_number(1, 3660, metadata={"description": "only audits due within this many days"})


class ScheduleRowSchema(Schema):
    entrustment_id = fields.Integer()
    data_set = fields.String()
    consignor = fields.Dict()
    contractor = fields.Dict()
    tier = fields.String(metadata={"example": "high"})
    explanation = fields.String(metadata={"example": "高：特定個人情報（マイナンバー）、12,000人"})
    reasons = fields.List(fields.Dict(), metadata={"description": "{rule, tier, text, source}"})
    every_months = fields.Integer()
    due_on = fields.Date()
    days_left = fields.Integer()
    overdue = fields.Boolean()
    bound_by = fields.String(metadata={"enum": ["tier", "contract"]})
    basis = fields.String(metadata={"enum": ["last_audit", "start", "no_record"]})
    last_audit_on = fields.Date(allow_none=True)
    opens_on = fields.Date(metadata={"description": "when the clock opens the audit"})
    kind = fields.String(metadata={"enum": list(AUDIT_KINDS)})
    open_audit_id = fields.Integer(allow_none=True)


class ScheduleSchema(Schema):
    as_of = fields.Date()
    total = fields.Integer()
    by_tier = fields.Dict()
    by_month = fields.List(fields.List(fields.Raw()), metadata={"description": "[month, audits due]"})
    items = fields.List(fields.Nested(ScheduleRowSchema))


class CampaignSchema(Schema):
    within_days = fields.Integer(required=True, metadata={"example": 90})


class CampaignJobSchema(Schema):
    job_id = fields.Integer()
    status = fields.String()
    total = fields.Integer(allow_none=True)
    url = fields.String(metadata={"description": "/api/v1/jobs/{id}: its progress"})


def _lang() -> str:
    locale = get_locale()
    return "ja" if locale is None or locale.language == "ja" else "en"


def _audit(a) -> dict:
    """An audit as the caller may read it: the vendor reads neither the tier nor the conclusion."""
    auditor = is_auditor(actor(), a) or perm.allows(actor(), "audit.view") and a.vendor_id != actor().organisation_id
    r = a.request
    return {"id": a.id, "auditor": {"id": a.auditor.id, "name": a.auditor.name},
            "vendor": {"id": a.vendor.id, "name": a.vendor.name},
            "entrustment": {"id": a.entrustment_id, "data_set": a.entrustment.data_set}, "kind": a.kind,
            "status": a.status, "due_on": a.due_on, "overdue": a.is_open and a.due_on < _today(),
            "tier": a.tier if auditor else None,
            "tier_reasons": [r_[_lang()] for r_ in a.tier_reasons] if auditor else [],
            "request_id": a.request_id, "answered": r.answered_count if r else None,
            "total": r.question_count if r else None, "checklist": a.checklist if auditor else [],
            "owner_name": a.owner_name if auditor else None, "opened_at": a.opened_at,
            "opened_by_name": a.opened_by_name if auditor else None, "closed_at": a.closed_at,
            "conclusion": a.conclusion if auditor else None, "score_percent": a.score_percent if auditor else None,
            "shared_with": [s.organisation_id for s in a.shares] if is_auditor(actor(), a) else []}


def _today():
    from oversight.timeutil import today_jst

    return today_jst()


@blp.route("/audits")
@blp.arguments(AuditQuerySchema, location="query", as_kwargs=True)
@blp.response(200, AuditListSchema)
@documented(errors=(401, 403, 422))
def list_audits(**query):
    """Periodic audits: your organisation's as auditor, those of your organisation as vendor, those shared with you"""
    found = audit_services.list_audits(actor(), status=query.get("status") or "open", kind=query.get("kind"))
    return {"items": [_audit(a) for a in found.audits], "counts": found.counts}


@blp.route("/audits", methods=["POST"])
@blp.response(201, AuditSchema, headers=LOCATION)
@documented(errors=WRITE_ERRORS, body=AuditOpenSchema)
def open_audit():
    """Open an audit of an entrustment by hand (as the consignor or an organisation above it on the chain)"""
    body = json_object()
    entrustment_id = inputs.object_id(body.get("entrustment_id"))
    if entrustment_id is None:
        raise ValidationFailed({"entrustment_id": [_l("Choose an entrustment.")]})
    with uow.atomic():
        a = campaigns.open_audit(actor(), entrustment_id, body)
        payload = _audit(a)
    return jsonify(AuditSchema().dump(payload)), 201, {"Location": url_for(".get_audit_", audit_id=a.id)}


@blp.route(f"/audits/<{ID}:audit_id>")
@blp.response(200, AuditSchema)
@documented()
def get_audit_(audit_id: int):
    """One audit: status, due date, tier and reasons, the questionnaire's progress or the checklist"""
    if not (perm.allows(actor(), "audit.view") or perm.allows(actor(), "questionnaire.answer")):
        perm.require(actor(), "audit.view")
    return _audit(get_audit(actor(), audit_id))


def _write(use_case, audit_id: int) -> dict:
    with uow.atomic():
        use_case()
        return _audit(get_audit(actor(), audit_id))


@blp.route(f"/audits/<{ID}:audit_id>/checklist", methods=["POST"])
@blp.response(200, AuditSchema)
@documented(errors=WRITE_ERRORS, body=ChecklistRecordSchema)
def record_checklist(audit_id: int):
    """Record items of a document review or on-site checklist (each bad item named; none stored then)"""
    body = json_object()
    return _write(lambda: audit_services.record_checklist(actor(), audit_id, body), audit_id)


@blp.route(f"/audits/<{ID}:audit_id>/owner", methods=["POST"])
@blp.response(200, AuditSchema)
@documented(errors=WRITE_ERRORS, body=OwnerSchema)
def assign_owner(audit_id: int):
    """Name the audit's internal owner"""
    body = json_object()
    return _write(lambda: audit_services.assign_owner(actor(), audit_id, body), audit_id)


@blp.route(f"/audits/<{ID}:audit_id>/close", methods=["POST"])
@blp.response(200, AuditSchema)
@documented(errors=WRITE_ERRORS, body=CloseSchema)
def close_audit(audit_id: int):
    """Close the audit with its conclusion (once answered, or every checklist item recorded)"""
    body = json_object()
    return _write(lambda: audit_services.close_audit(actor(), audit_id, body), audit_id)


@blp.route(f"/audits/<{ID}:audit_id>/share", methods=["POST"])
@blp.response(200, ShareResultSchema)
@documented(errors=WRITE_ERRORS, body=ShareSchema)
def share_audit(audit_id: int):
    """Share the audit's result with organisations above you on the chain (never anyone else)"""
    body = json_object(required=False)
    with uow.atomic():
        audit_services.share_audit(actor(), audit_id, body)
        audit = get_audit(actor(), audit_id)
        return {"shared_with": [s.organisation_id for s in audit.shares]}


@blp.route(f"/audits/<{ID}:audit_id>/cancel", methods=["POST"])
@blp.response(200, AuditSchema)
@documented(errors=WRITE_ERRORS, body=CancelSchema)
def cancel_audit(audit_id: int):
    """Cancel an open audit, with the reason"""
    body = json_object()
    return _write(lambda: audit_services.cancel_audit(actor(), audit_id, body), audit_id)


def _row(row, e: Entrustment) -> dict:
    lang = _lang()
    return {"entrustment_id": e.id, "data_set": e.data_set,
            "consignor": {"id": e.consignor_id, "name": e.consignor.name},
            "contractor": {"id": e.contractor_id, "name": e.contractor.name}, "tier": row.tier.level,
            "explanation": row.tier.explanation(lang),
            "reasons": [{"rule": r.rule, "tier": r.tier, "text": r.get(lang), "source": r.source}
                        for r in row.tier.reasons],
            "every_months": row.due.interval_months, "due_on": row.due.due_on, "days_left": row.due.days_left,
            "overdue": row.due.overdue, "bound_by": row.due.bound_by, "basis": row.due.basis,
            "last_audit_on": row.facts.last_audit_on, "opens_on": row.opens_on(), "kind": row.plan.kind,
            "open_audit_id": row.open_audit.id if row.open_audit else None}


@blp.route("/audit-schedule")
@blp.arguments(ScheduleQuerySchema, location="query", as_kwargs=True)
@blp.response(200, ScheduleSchema)
@documented(errors=(401, 403, 422))
def get_schedule(**query):
    """The entrustments you supervise: each one's risk tier with its reasons and its next audit's due date"""
    view = schedule.schedule(actor(), tier=query.get("tier") or None, within_days=query.get("within_days"))
    return {"as_of": view.as_of, "total": view.total, "by_tier": view.by_tier,
            "by_month": [list(pair) for pair in view.by_month],
            "items": [_row(row, view.entrustments[row.entrustment_id]) for row in view.rows]}


@blp.route(f"/audit-schedule/<{ID}:entrustment_id>")
@blp.response(200, ScheduleRowSchema)
@documented()
def get_entrustment_tier(entrustment_id: int):
    """One entrustment's risk tier, reasons and next due audit"""
    perm.require(actor(), "audit.view")
    from oversight.extensions import db

    e = db.session.get(Entrustment, entrustment_id)
    if e is None or not perm.can_see(actor(), "entrustment", entrustment_id):
        raise NotFound(_l("No such entrustment, or you may not see it."))
    row = schedule.entrustment_tier(actor(), e)
    if row is None:
        raise NotFound(_l("This entrustment is not audited by your organisation (not live, or your own)."))
    return _row(row, e)


@blp.route("/audit-campaigns", methods=["POST"])
@blp.response(202, CampaignJobSchema)
@documented(errors=WRITE_ERRORS, body=CampaignSchema)
def launch_campaign():
    """Open every audit of your organisation due within `within_days`, in the worker (follow the job)"""
    job = campaigns.launch_campaign(actor(), json_object())
    return jsonify({"job_id": job.id, "status": job.status, "total": job.total,
                    "url": url_for("jobs_api.get_job", job_id=job.id)}), 202
