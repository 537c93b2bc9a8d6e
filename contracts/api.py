"""/api/v1 contract resources: an entrustment's contract, its generated versions, gap analysis, .docx check.

The same services as the web pages and the CLI; the same JSON refusals.
"""

from __future__ import annotations

import io

from flask import request, send_file, url_for
from flask_babel import get_locale
from marshmallow import Schema, fields
from marshmallow.validate import Range

from contracts import services
from contracts.docx_render import DOCX_MIME
from oversight import inputs
from oversight.api.base import ID, LOCATION, WRITE_ERRORS, ApiBlueprint, actor, documented, json_object
from oversight.choices import APPROVAL_STATE

blp = ApiBlueprint("contracts_api", __name__, url_prefix="",
                   description="Contracts behind entrustments: clause parameters, generated .docx versions, gaps.")


class ContractRequestSchema(Schema):
    template = fields.String(required=True, metadata={"example": "full",
                                                      "description": "full, memorandum or subcontract"})
    language = fields.String(metadata={"example": "bilingual", "description": "ja, en or bilingual"})
    layout = fields.String(metadata={"example": "stacked", "description": "stacked or columns (bilingual)"})
    params = fields.Dict(metadata={"example": {"notice_hours": 24}, "description": "clause parameters by name"})
    omit = fields.List(fields.String(), metadata={"description": "clause ids left out"})
    variants = fields.Dict(keys=fields.String(), values=fields.String(), metadata={"example": {
        "subcontracting": "prior_approval"}})


class VersionSchema(Schema):
    id = fields.Integer()
    number = fields.Integer()
    template = fields.String()
    language = fields.String()
    filename = fields.String()
    size = fields.Integer()
    sha256 = fields.String()
    library_version = fields.String()
    created_by_name = fields.String()
    created_at = fields.DateTime()
    download_url = fields.String()


class ContractSchema(Schema):
    entrustment_id = fields.Integer()
    recorded = fields.Boolean(metadata={"description": "false: no contract yet; `request` holds the defaults"})
    status = fields.String(allow_none=True)
    request = fields.Nested(ContractRequestSchema)
    versions = fields.List(fields.Nested(VersionSchema))


class GapSchema(Schema):
    code = fields.String()
    severity = fields.String()
    clause = fields.String(allow_none=True)
    message = fields.String()
    ground = fields.String()


class GapRowSchema(Schema):
    entrustment_id = fields.Integer()
    contractor_id = fields.Integer()
    approval_state = fields.String(metadata={"enum": APPROVAL_STATE.codes})
    violation = fields.Boolean(metadata={
        "description": "true: a subcontract without the approval it needs (無承認再委託 or despite a prohibition)"})
    contract = fields.Boolean()
    worst = fields.String(allow_none=True)
    gaps = fields.List(fields.Nested(GapSchema))


class PortfolioSchema(Schema):
    items = fields.List(fields.Nested(GapRowSchema))
    truncated = fields.Boolean()


class FindingSchema(Schema):
    provision = fields.String()
    found = fields.Boolean()
    evidence = fields.String()


class NoticePeriodSchema(Schema):
    unit = fields.String(metadata={"enum": ["hours", "days", "business_days", "none"],
                                   "description": "none: a word without a number (直ちに, without delay …)"})
    amount = fields.Integer(allow_none=True)
    phrase = fields.String(metadata={"description": "as written in the contract", "example": "7日以内"})
    label = fields.String(metadata={"example": "7日以内（168時間相当）"})


class CheckSchema(Schema):
    notice_hours = fields.Integer(allow_none=True, metadata={
        "description": "the binding period in hours when fixed in hours or calendar days (× 24); else null"})
    notice_period = fields.Nested(NoticePeriodSchema, allow_none=True)
    findings = fields.List(fields.Nested(FindingSchema))
    gaps = fields.List(fields.Nested(GapSchema))
    caveat = fields.String()


def _lang() -> str:
    locale = get_locale()
    return "ja" if locale is None or locale.language == "ja" else "en"


def _version(v) -> dict:
    return {"id": v.id, "number": v.number, "template": v.template, "language": v.language, "filename": v.filename,
            "size": v.size, "sha256": v.sha256, "library_version": v.library_version,
            "created_by_name": v.created_by_name, "created_at": v.created_at,
            "download_url": url_for(".download_version", version_id=v.id)}


def _gap(g) -> dict:
    return {"code": g.code, "severity": g.severity, "clause": g.clause, "message": g.message.get(_lang()),
            "ground": g.ground}


def _row(row) -> dict:
    return {"entrustment_id": row.entrustment.id, "contractor_id": row.entrustment.contractor_id,
            "approval_state": row.link.state, "violation": row.violation,
            "contract": row.contract is not None, "worst": row.worst, "gaps": [_gap(g) for g in row.gaps]}


def _contract_body(entrustment_id: int) -> dict:
    e, contract = services.get_contract(actor(), entrustment_id)
    return {"entrustment_id": e.id, "recorded": contract is not None,
            "status": contract.status if contract else None, "request": services.current_request(e, contract),
            "versions": [_version(v) for v in services.list_versions(actor(), e.id)]}


@blp.route(f"/entrustments/<{ID}:entrustment_id>/contract")
@blp.response(200, ContractSchema)
@documented()
def get_contract(entrustment_id: int):
    """The contract of an entrustment (or the defaults taken from the entrustment), with its versions"""
    return _contract_body(entrustment_id)


@blp.route(f"/entrustments/<{ID}:entrustment_id>/contract", methods=["PUT"])
@blp.response(200, ContractSchema)
@documented(errors=WRITE_ERRORS, body=ContractRequestSchema)
def put_contract(entrustment_id: int):
    """Record or replace the contract's template, parameters, omitted clauses and variants

    Bad parameters are refused with 422, naming each parameter (e.g. `notice_hours`); nothing is saved.
    """
    services.save_contract(actor(), entrustment_id, json_object())
    return _contract_body(entrustment_id)


@blp.route(f"/entrustments/<{ID}:entrustment_id>/contract/versions", methods=["POST"])
@blp.response(201, VersionSchema, headers=LOCATION)
@documented(errors=(401, 403, 404, 422))
def generate_version(entrustment_id: int):
    """Generate a .docx from the recorded contract (or the defaults) and keep it as a new version"""
    version = services.generate(actor(), entrustment_id)
    return _version(version), 201, {"Location": url_for(".download_version", version_id=version.id)}


@blp.route(f"/contract-versions/<{ID}:version_id>/docx")
@documented()
@blp.doc(responses={200: {"description": "The .docx file.", "content": {DOCX_MIME: {}}}})
def download_version(version_id: int):
    """Download a generated version (.docx)"""
    version = services.get_version(actor(), version_id)
    response = send_file(io.BytesIO(version.content), mimetype=DOCX_MIME, as_attachment=True,
                         download_name=version.filename)
    response.headers["Cache-Control"] = "no-store"
    return response


@blp.route(f"/entrustments/<{ID}:entrustment_id>/contract/gaps")
@blp.response(200, GapRowSchema)
@documented()
def entrustment_gaps(entrustment_id: int):
    """What the entrustment's contract lacks or sets weaker than the contract policy"""
    return _row(services.gaps_for_entrustment(actor(), entrustment_id))


class PortfolioQuerySchema(Schema):
    contractor_id = fields.Integer(validate=Range(min=1, max=2147483647))


@blp.route("/contract-gaps")
@blp.arguments(PortfolioQuerySchema, location="query", as_kwargs=True)
@blp.response(200, PortfolioSchema)
@documented(errors=(401, 403, 404, 422))
def portfolio(contractor_id: int | None = None):
    """Gap analysis of every live entrustment you may see (optionally one contractor's), worst first"""
    result = services.portfolio(actor(), contractor_id=contractor_id)
    return {"items": [_row(r) for r in result.rows], "truncated": result.truncated}


@blp.route("/contract-checks", methods=["POST"])
@blp.response(200, CheckSchema)
@documented(errors=(401, 403, 413, 422))
@blp.doc(requestBody={"required": True, "content": {DOCX_MIME: {"schema": {"type": "string", "format": "binary"}}}})
def check_docx():
    """Check an existing contract (.docx, sent as the raw body) for the required provisions — a heuristic"""
    limit = services.MAX_UPLOAD_BYTES
    if (request.content_length or 0) > limit:
        raise inputs.too_large(limit)
    data = request.get_data(cache=True)  # kept: an Idempotency-Key's fingerprint reads it too
    if len(data) > limit:
        raise inputs.too_large(limit)
    result = services.check_upload(actor(), "upload.docx", data)
    lang = _lang()
    notice = result.notice
    return {"notice_hours": result.notice_hours, "caveat": result.caveat.get(lang),
            "notice_period": notice and {"unit": notice.unit, "amount": notice.amount, "phrase": notice.phrase,
                                         "label": notice.label(lang)},
            "findings": [{"provision": f.provision.code, "found": f.found, "evidence": f.evidence}
                         for f in result.findings], "gaps": [_gap(g) for g in result.gaps]}
