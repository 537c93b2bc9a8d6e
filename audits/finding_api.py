"""/api/v1 resources of the answer review, findings, cross-checks and obligations: the same services as the pages
and the CLI; the same JSON refusals."""

from __future__ import annotations

import base64
import binascii

from flask import jsonify, url_for
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields
from sqlalchemy import select

from audits import crosschecks, findings, obligations, review
from audits.audit_models import FINDING_ORIGINS, FINDING_SEVERITIES, FINDING_STATUSES, REVIEW_VERDICTS, Finding
from audits.audit_visibility import get_audit, get_finding, restrict_findings
from oversight import inputs, uow
from oversight import permissions as perm
from oversight.api.base import ID, LOCATION, WRITE_ERRORS, ApiBlueprint, actor, documented, json_object
from oversight.errors import Forbidden, ValidationFailed
from oversight.extensions import db
from oversight.notifications import attachments

blp = ApiBlueprint("findings_api", __name__, url_prefix="",
                   description="Periodic audits' answer review, findings to closure, cross-checks and obligations.")


class EventSchema(Schema):
    kind = fields.String()
    text = fields.String()
    author_name = fields.String()
    created_at = fields.DateTime()
    files = fields.List(fields.Dict(), metadata={"description": "{id, filename, size, sha256}"})


class AuditFindingSchema(Schema):
    id = fields.Integer()
    audit_id = fields.Integer(allow_none=True)
    entrustment_id = fields.Integer(allow_none=True)
    auditor = fields.Dict(metadata={"description": "{id, name}"})
    vendor = fields.Dict(metadata={"description": "{id, name}"})
    origin = fields.String(metadata={"enum": list(FINDING_ORIGINS)})
    check = fields.String(allow_none=True, metadata={"description": "the cross-check that raised it"})
    question_id = fields.String(allow_none=True)
    severity = fields.String(metadata={"enum": list(FINDING_SEVERITIES)})
    title = fields.String()
    detail = fields.String()
    owner_name = fields.String()
    due_on = fields.Date()
    overdue = fields.Boolean()
    status = fields.String(metadata={"enum": list(FINDING_STATUSES)})
    created_at = fields.DateTime()
    closed_at = fields.DateTime(allow_none=True)
    closed_by_name = fields.String()


class AuditFindingDetailSchema(AuditFindingSchema):
    events = fields.List(fields.Nested(EventSchema))


class AuditFindingListSchema(Schema):
    items = fields.List(fields.Nested(AuditFindingSchema))


class AuditFindingCreateSchema(Schema):
    audit_id = fields.Integer(metadata={"description": "the audit it is raised on (or give entrustment_id)"})
    entrustment_id = fields.Integer(metadata={"description": "without an audit: the entrustment it concerns"})
    severity = fields.String(required=True, metadata={"enum": list(FINDING_SEVERITIES)})
    title = fields.String(required=True, metadata={"example": "アクセスログを確認していない"})
    detail = fields.String()
    owner_id = fields.Integer(allow_none=True, metadata={"description": "a user of your organisation"})
    due_on = fields.Date(allow_none=True, metadata={"description": "default: 14/30/60/90 days by severity"})


class TextSchema(Schema):
    text = fields.String(required=True, metadata={"example": "契約書を添付しました。"})


class FileSchema(Schema):
    filename = fields.String(required=True, metadata={"example": "承認書.pdf"})
    content_base64 = fields.String(required=True, metadata={"description": "the file, base64 (RFC 4648)"})


class RemediationSchema(Schema):
    text = fields.String(required=True, metadata={"example": "再委託先と契約を締結し、承認を申請しました。"})
    files = fields.List(fields.Nested(FileSchema), metadata={"description": "evidence: PDF or Office, at most 10"})


class ClosingSchema(Schema):
    verification = fields.String(required=True, metadata={
        "description": "how the remediation was verified (required: a finding is closed only once verified)",
        "example": "承認書の原本と再委託契約書を確認した。"})


class ReopeningSchema(Schema):
    reason = fields.String(required=True, metadata={"example": "証跡が不足している。"})
    due_on = fields.Date(allow_none=True)


class ReviewEntrySchema(Schema):
    verdict = fields.String(metadata={"enum": list(REVIEW_VERDICTS)})
    comment = fields.String()
    answer_value = fields.Raw(allow_none=True)
    author_name = fields.String()
    created_at = fields.DateTime()


class ReviewRowSchema(Schema):
    question_id = fields.String()
    state = fields.String(metadata={"enum": [*REVIEW_VERDICTS, "unreviewed"]})
    answer = fields.Raw(allow_none=True)
    thread = fields.List(fields.Nested(ReviewEntrySchema))


class ReviewSchema(Schema):
    audit_id = fields.Integer()
    request_status = fields.String()
    answers = fields.List(fields.Nested(ReviewRowSchema))
    flags = fields.List(fields.Nested(AuditFindingSchema), metadata={"description": "the cross-checks' findings"})


class VerdictFindingSchema(Schema):
    severity = fields.String(required=True, metadata={"enum": list(FINDING_SEVERITIES)})
    title = fields.String(required=True, metadata={"example": "ログ確認の記録がない"})
    detail = fields.String()
    owner_id = fields.Integer(allow_none=True)
    due_on = fields.Date(allow_none=True)


class VerdictSchema(Schema):
    verdict = fields.String(required=True, metadata={"enum": ["accepted", "queried", "rejected"]})
    comment = fields.String(metadata={"description": "required to query or reject: the vendor reads it"})
    finding = fields.Nested(VerdictFindingSchema, metadata={"description": "raise a finding with a query or a "
                                                                           "rejection"})


class RevisionSchema(Schema):
    value = fields.Raw(metadata={"description": "the revised answer (as /questionnaire-requests/{id}/answers takes "
                                                "it); leave out for an evidence question (attach files first)"})
    comment = fields.String()


class CrossCheckSchema(Schema):
    flags = fields.List(fields.Dict(), metadata={"description": "{check, subject, severity, reason: {ja, en}, "
                                                                "ground, question_id}"})
    findings = fields.List(fields.Integer())
    new_findings = fields.List(fields.Integer())
    recorded_subcontracts = fields.List(fields.Integer(), metadata={
        "description": "entrustments recorded as found in the audit (無承認再委託)"})


class ObligationSchema(Schema):
    kind = fields.String(metadata={"enum": ["finding", "selection_condition", "approval_condition"]})
    id = fields.Integer()
    title = fields.String()
    vendor = fields.String()
    owner = fields.String()
    due_on = fields.Date()
    status = fields.String()
    overdue = fields.Boolean()


class ObligationListSchema(Schema):
    items = fields.List(fields.Nested(ObligationSchema))


class ApprovalClosingSchema(Schema):
    closing = fields.String(required=True, metadata={"enum": ["met", "waived"]})
    note = fields.String(metadata={"description": "how they were met; required to waive (the reason)"})


def finding_body(f: Finding, *, detail: bool = False) -> dict:
    """A finding as the API shows it."""
    from oversight.timeutil import today_jst

    body = {"id": f.id, "audit_id": f.audit_id, "entrustment_id": f.entrustment_id,
            "auditor": {"id": f.auditor_id, "name": f.auditor.name},
            "vendor": {"id": f.vendor_id, "name": f.vendor.name},
            "origin": f.origin, "check": f.check, "question_id": f.question_id, "severity": f.severity,
            "title": f.title, "detail": f.detail, "owner_name": f.owner_name, "due_on": f.due_on,
            "overdue": f.is_open and f.due_on < today_jst(), "status": f.status, "created_at": f.created_at,
            "closed_at": f.closed_at, "closed_by_name": f.closed_by_name}
    if detail:
        body["events"] = [{"kind": e.kind, "text": e.text, "author_name": e.author_name, "created_at": e.created_at,
                           "files": [{"id": x.id, "filename": x.filename, "size": x.size, "sha256": x.sha256}
                                     for x in f.evidence if x.event_id == e.id]} for e in f.events]
    return body


def _require_reader() -> None:
    if not any(perm.allows(actor(), a) for a in ("audit.view", "finding.remediate")):
        raise Forbidden(_l("Your role does not allow this action."))


@blp.route("/findings")
@blp.response(200, AuditFindingListSchema)
@documented(errors=(401, 403))
def list_findings():
    """The findings you may see (the auditor's, or those addressed to your organisation), open ones first by due date"""
    _require_reader()
    query = restrict_findings(select(Finding), actor()).order_by(Finding.status == "closed", Finding.due_on,
                                                                  Finding.id)
    return {"items": [finding_body(f) for f in db.session.scalars(query.limit(500))]}


@blp.route("/findings", methods=["POST"])
@blp.response(201, AuditFindingDetailSchema, headers=LOCATION)
@documented(errors=WRITE_ERRORS, body=AuditFindingCreateSchema)
def create_finding():
    """Raise a finding on an audit (or an entrustment): severity, owner, due date"""
    with uow.atomic():
        f = findings.raise_finding(actor(), json_object())
        body = finding_body(f, detail=True)
    return jsonify(body), 201, {"Location": url_for(".get_finding_", finding_id=f.id)}


@blp.route(f"/findings/<{ID}:finding_id>")
@blp.response(200, AuditFindingDetailSchema)
@documented()
def get_finding_(finding_id: int):
    """One finding with its thread (comments, remediation and its evidence, closing, reopening, reminders)"""
    _require_reader()
    return finding_body(get_finding(actor(), finding_id), detail=True)


@blp.route(f"/findings/<{ID}:finding_id>/comments", methods=["POST"])
@blp.response(201, AuditFindingDetailSchema)
@documented(errors=WRITE_ERRORS, body=TextSchema)
def comment(finding_id: int):
    """Comment on a finding (the auditor or the vendor)"""
    with uow.atomic():
        findings.comment_finding(actor(), finding_id, json_object())
        return finding_body(get_finding(actor(), finding_id), detail=True), 201


def _files(body: dict) -> list[tuple[str, bytes]]:
    raw = body.get("files") or []
    if not isinstance(raw, list) or not all(isinstance(f, dict) for f in raw):
        raise ValidationFailed({"files": [_l("Give the files as a list of {filename, content_base64}.")]})
    out = []
    for f in raw:
        try:
            out.append((str(f.get("filename") or ""), base64.b64decode(str(f.get("content_base64") or ""),
                                                                        validate=True)))
        except (binascii.Error, ValueError):
            raise ValidationFailed({"files": [_l("The content is not valid base64.")]}) from None
    return out


remediation_body = inputs.body_limit(
    lambda config: attachments.request_limit(config["ATTACHMENT_MAX_BYTES"], findings.MAX_FILES, base64=True,
                                             other=config["API_MAX_JSON_BYTES"]),
    lambda config: attachments.limit_refusal(config["ATTACHMENT_MAX_BYTES"], findings.MAX_FILES))


@blp.route(f"/findings/<{ID}:finding_id>/remediation", methods=["POST"])
@remediation_body
@blp.response(201, AuditFindingDetailSchema)
@documented(errors=WRITE_ERRORS, body=RemediationSchema)
def remediation(finding_id: int):
    """The vendor proposes a remediation with evidence files (checked by content, hashed)"""
    body = json_object()
    with uow.atomic():
        findings.propose_remediation(actor(), finding_id, body, _files(body))
        return finding_body(get_finding(actor(), finding_id), detail=True), 201


@blp.route(f"/findings/<{ID}:finding_id>/closing", methods=["POST"])
@blp.response(200, AuditFindingDetailSchema)
@documented(errors=WRITE_ERRORS, body=ClosingSchema)
def closing(finding_id: int):
    """The auditor closes a verified finding (the verification note is required)"""
    with uow.atomic():
        return finding_body(findings.close_finding(actor(), finding_id, json_object()), detail=True)


@blp.route(f"/findings/<{ID}:finding_id>/reopening", methods=["POST"])
@blp.response(200, AuditFindingDetailSchema)
@documented(errors=WRITE_ERRORS, body=ReopeningSchema)
def reopening(finding_id: int):
    """The auditor reopens a finding (the reason is required; a new due date may be set)"""
    with uow.atomic():
        return finding_body(findings.reopen_finding(actor(), finding_id, json_object()), detail=True)


@blp.route("/obligations")
@blp.response(200, ObligationListSchema)
@documented(errors=(401, 403))
def list_obligations():
    """What is owed: findings, vendor-approval conditions and subcontract-approval conditions, earliest due first"""
    from oversight.timeutil import today_jst

    if not any(perm.allows(actor(), a) for a in ("audit.view", "finding.remediate", "selection.view",
                                                 "entrustment.view")):
        raise Forbidden(_l("Your role does not allow this action."))
    today = today_jst()
    return {"items": [{"kind": o.kind, "id": o.id, "title": o.title, "vendor": o.vendor, "owner": o.owner,
                       "due_on": o.due_on, "status": o.status, "overdue": o.overdue(today)}
                      for o in obligations.list_obligations(actor())]}


@blp.route(f"/approval-conditions/<{ID}:entrustment_id>/closing", methods=["POST"])
@blp.response(200, ObligationSchema)
@documented(errors=WRITE_ERRORS, body=ApprovalClosingSchema)
def approval_closing(entrustment_id: int):
    """The original consignor records a subcontract approval's conditions met (with a note) or waived (the reason)"""
    perm.require(actor(), "entrustment.decide")
    with uow.atomic():
        row = obligations.close_approval_conditions(actor(), entrustment_id, json_object())
        e = row.entrustment
        return {"kind": "approval_condition", "id": e.id, "title": e.approval_conditions,
                "vendor": e.contractor.name, "owner": e.consignor.name, "due_on": row.due_on,
                "status": "met" if row.met_on else "waived", "overdue": False}


# ---------------------------------------------------------------- the review of an audit's answers


def _review(audit) -> dict:
    rows = review.review_rows(audit)
    return {"audit_id": audit.id, "request_status": audit.request.status,
            "answers": [{"question_id": r["question"].id, "state": r["state"],
                         "answer": review.answer_value(audit.request, r["question"].id),
                         "thread": [{"verdict": e.verdict, "comment": e.comment, "answer_value": e.answer_value,
                                     "author_name": e.author_name, "created_at": e.created_at} for e in r["thread"]]}
                        for r in rows if r["line"] is None or r["line"].status != "skipped" or r["thread"]],
            "flags": [finding_body(f) for f in crosschecks.flags_of(audit)]}


@blp.route(f"/audits/<{ID}:audit_id>/review")
@blp.response(200, ReviewSchema)
@documented(errors=(401, 403, 404, 409))
def get_review(audit_id: int):
    """Each answer of an audit's questionnaire with its review thread and state, and the cross-checks' flags"""
    if not any(perm.allows(actor(), a) for a in ("audit.view", "questionnaire.answer")):
        raise Forbidden(_l("Your role does not allow this action."))
    audit = get_audit(actor(), audit_id)
    review.request_of(audit)
    return _review(audit)


@blp.route(f"/audits/<{ID}:audit_id>/answers/<string(maxlength=80):question_id>/review", methods=["POST"])
@blp.response(200, ReviewSchema)
@documented(errors=WRITE_ERRORS, body=VerdictSchema)
def review_answer(audit_id: int, question_id: str):
    """The auditor accepts, queries (the vendor revises) or rejects one answer, optionally raising a finding"""
    with uow.atomic():
        review.review_answer(actor(), audit_id, question_id, json_object())
        return _review(get_audit(actor(), audit_id))


@blp.route(f"/audits/<{ID}:audit_id>/answers/<string(maxlength=80):question_id>/revision", methods=["POST"])
@blp.response(200, ReviewSchema)
@documented(errors=WRITE_ERRORS, body=RevisionSchema)
def revise_answer(audit_id: int, question_id: str):
    """The vendor revises a queried answer (send the answers back with /questionnaire-requests/{id}/submit)"""
    with uow.atomic():
        review.revise_answer(actor(), audit_id, question_id, json_object())
        return _review(get_audit(actor(), audit_id))


@blp.route(f"/audits/<{ID}:audit_id>/cross-checks", methods=["POST"])
@blp.response(200, CrossCheckSchema)
@documented(errors=(401, 403, 404, 409))
def cross_checks(audit_id: int):
    """Run the cross-checks on the audit's submitted answers: a finding per flag, unapproved subcontracts recorded"""
    result = crosschecks.run_cross_checks(actor(), audit_id)
    return {"flags": [{"check": f.check, "subject": f.subject, "severity": f.severity,
                       "reason": {"ja": f.reason.ja, "en": f.reason.en}, "ground": f.ground,
                       "question_id": f.question_id} for f in result.flags],
            "findings": [f.id for f in result.findings], "new_findings": [f.id for f in result.new_findings],
            "recorded_subcontracts": [e.id for e in result.recorded]}

