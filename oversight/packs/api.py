"""/api/v1/evidence-packs: ask for a pack (the worker builds it), its status and progress, the download. The same
services and visibility as the pages: a pack is its requester's; anyone else gets 404."""

from __future__ import annotations

from flask import jsonify, send_file, url_for
from flask_babel import get_locale
from marshmallow import Schema, fields

from oversight import uow
from oversight.api.base import ID, LOCATION, WRITE_ERRORS, ApiBlueprint, actor, documented, json_object
from oversight.packs import services
from oversight.packs.models import PACK_STATUS

blp = ApiBlueprint("packs_api", __name__, url_prefix="/evidence-packs",
                   description="Supervision evidence packs: one zip per contractor and period, built by the worker.")


class PackRequestSchema(Schema):
    contractor_id = fields.Integer(required=True, metadata={"example": 12})
    period_from = fields.Date(required=True, metadata={"example": "2026-04-01"})
    period_to = fields.Date(required=True, metadata={"example": "2027-03-31"})


class PackSchema(Schema):
    id = fields.Integer()
    contractor_id = fields.Integer()
    contractor = fields.String(metadata={"example": "株式会社東都システムサービス"})
    period_from = fields.Date()
    period_to = fields.Date()
    status = fields.String(metadata={"enum": PACK_STATUS.codes})
    status_label = fields.String(metadata={"example": "ダウンロード可"})
    done = fields.Integer(metadata={"description": "steps done (sections written)"})
    total = fields.Integer(allow_none=True)
    message = fields.String(metadata={"description": "what the build is doing, in words"})
    error = fields.String(allow_none=True, metadata={"description": "why a failed build failed"})
    job_id = fields.Integer(allow_none=True, metadata={"description": "the job; retry a failed one at "
                                                                      "/api/v1/jobs/{id}/retry"})
    files = fields.Integer(metadata={"description": "files in the zip besides the manifest"})
    size = fields.Integer(allow_none=True)
    sha256 = fields.String(metadata={"description": "SHA-256 of the zip"})
    manifest_sha256 = fields.String(metadata={"description": "SHA-256 of its manifest.json"})
    created_at = fields.DateTime()
    built_at = fields.DateTime(allow_none=True)
    download_url = fields.String(allow_none=True)


class PackListSchema(Schema):
    items = fields.List(fields.Nested(PackSchema))


def _body(pack) -> dict:
    locale = get_locale()
    lang = "ja" if locale is None or locale.language == "ja" else "en"
    job = pack.job
    ready = pack.status == "ready"
    return {"id": pack.id, "contractor_id": pack.contractor_id, "contractor": pack.contractor.name,
            "period_from": pack.period_from, "period_to": pack.period_to, "status": pack.status,
            "status_label": PACK_STATUS.label(pack.status, lang),
            "done": (job.total or 0) if ready and job is not None else (job.done if job else 0),
            "total": job.total if job else None, "message": job.message if job else "",
            "error": job.error if job is not None and job.status == "failed" else None,
            "job_id": pack.job_id, "files": pack.file_count, "size": pack.size, "sha256": pack.sha256,
            "manifest_sha256": pack.manifest_sha256, "created_at": pack.created_at, "built_at": pack.built_at,
            "download_url": url_for(".download_pack", pack_id=pack.id) if ready else None}


@blp.route("")
@blp.response(200, PackListSchema)
@documented()
def list_packs():
    """The packs the caller asked for, newest first"""
    return {"items": [_body(p) for p in services.list_packs(actor())]}


@blp.route("", methods=["POST"])
@blp.response(202, PackSchema, headers=LOCATION)
@documented(errors=WRITE_ERRORS, body=PackRequestSchema)
def build_pack():
    """Ask for the evidence pack of a contractor and period; the worker builds it (follow its status)"""
    with uow.atomic():
        pack = services.request_pack(actor(), json_object())
        pack_id = pack.id
    pack = services.get_pack(actor(), pack_id)
    return jsonify(PackSchema().dump(_body(pack))), 202, {"Location": url_for(".get_pack", pack_id=pack_id)}


@blp.route(f"/<{ID}:pack_id>")
@blp.response(200, PackSchema)
@documented()
def get_pack(pack_id: int):
    """One pack: its status, progress, and once built its hashes and download URL"""
    return _body(services.get_pack(actor(), pack_id))


@blp.route(f"/<{ID}:pack_id>/download")
@documented(errors=(401, 403, 404, 409))
@blp.doc(responses={200: {"description": "The pack (.zip).", "content": {"application/zip": {}}}})
def download_pack(pack_id: int):
    """Download a built pack (.zip); 409 while it is being built. Each download is recorded in the trail."""
    pack, path = services.open_download(actor(), pack_id)
    response = send_file(path, mimetype="application/zip", as_attachment=True, download_name=pack.download_name,
                         conditional=False, etag=False)
    response.headers["Cache-Control"] = "no-store"
    return response
