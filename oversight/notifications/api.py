"""/api/v1 notifications: a contractor's (or its ticketing system's) way to notify its consignor of an incident.

A token belongs to a user of the contractor organisation and files as that organisation. The same services as
the portal pages; attachments travel as base64 in the JSON body.
"""

from __future__ import annotations

import base64
import binascii
import io

from flask import jsonify, request, send_file, url_for
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from oversight import inputs, uow
from oversight.api.base import ID, LOCATION, WRITE_ERRORS, ApiBlueprint, actor, documented, json_object
from oversight.errors import ValidationFailed
from oversight.incidents.api import IncidentFactsSchema, IncidentOrganisationSchema
from oversight.notifications import attachments, documents, drafts, filing, services
from oversight.notifications.drafts import MAX_ATTACHMENTS
from oversight.notifications.models import NOTIFICATION_KINDS

blp = ApiBlueprint("notifications_api", __name__, url_prefix="",
                   description="Incident notifications from a contractor to its direct consignor, with receipts.")


class AttachmentInSchema(Schema):
    filename = fields.String(required=True, metadata={"example": "初動報告.pdf"})
    content_base64 = fields.String(required=True, metadata={"description": "the file, base64 (RFC 4648)"})


class NotificationCreateSchema(Schema):
    entrustment_id = fields.Integer(metadata={"description": "your engagement (you are its contractor); "
                                                             "not with follow_up_to"})
    follow_up_to = fields.Integer(metadata={"description": "a filed notification of yours: this is its 続報"})
    incident_id = fields.Integer(allow_none=True, metadata={"description": "attach to an open incident of yours "
                                                                           "(default: open a new one)"})
    title = fields.String(required=True, validate=validate.Length(max=200))
    facts = fields.Nested(IncidentFactsSchema, required=True)
    message = fields.String(metadata={"description": "what you have done so far, and anything else"})
    attachments = fields.List(fields.Nested(AttachmentInSchema), validate=validate.Length(max=MAX_ATTACHMENTS))
    draft = fields.Boolean(metadata={"description": "true: keep as a draft; default: file now"})


class NotificationUpdateSchema(Schema):
    title = fields.String(validate=validate.Length(max=200))
    facts = fields.Nested(IncidentFactsSchema, metadata={"description": "only the keys sent change"})
    message = fields.String()
    incident_id = fields.Integer(allow_none=True)
    attachments = fields.List(fields.Nested(AttachmentInSchema), metadata={"description": "added to the draft"})


class ForwardSchema(Schema):
    message = fields.String(metadata={"description": "what your tier adds"})
    facts = fields.Nested(IncidentFactsSchema, metadata={"description": "corrections or additions (optional)"})
    entrustment_id = fields.Integer(metadata={"description": "only when the notice came on an engagement not "
                                                             "linked to one of yours"})
    attachments = fields.List(fields.Nested(AttachmentInSchema))


class AttachmentSchema(Schema):
    id = fields.Integer()
    filename = fields.String()
    media_type = fields.String()
    size = fields.Integer()
    sha256 = fields.String()


class ReceiptSchema(Schema):
    number = fields.String(metadata={"example": "R00001-000012"})
    sequence = fields.Integer()
    filed_at = fields.DateTime()
    content_sha256 = fields.String()
    url = fields.String(metadata={"description": "the receipt document (PDF)"})


class ContractClockSchema(Schema):
    notice_hours = fields.Integer(allow_none=True)
    filer_known_at = fields.DateTime(allow_none=True)
    due_at = fields.DateTime(allow_none=True)
    late = fields.Boolean(allow_none=True)


class NotificationSchema(Schema):
    id = fields.Integer()
    kind = fields.String(validate=validate.OneOf(NOTIFICATION_KINDS))
    status = fields.String()
    title = fields.String()
    entrustment_id = fields.Integer()
    filer = fields.Nested(IncidentOrganisationSchema)
    recipient = fields.Nested(IncidentOrganisationSchema)
    follows_up = fields.Integer(allow_none=True)
    forwarded_from = fields.Integer(allow_none=True)
    incident_id = fields.Integer(allow_none=True)
    facts = fields.Dict()
    message = fields.String()
    attachments = fields.List(fields.Nested(AttachmentSchema))
    receipt = fields.Nested(ReceiptSchema, allow_none=True)
    approval_state = fields.String()
    unapproved_subcontract = fields.Boolean()
    contract = fields.Nested(ContractClockSchema)
    acknowledged_at = fields.DateTime(allow_none=True)
    escalated_at = fields.DateTime(allow_none=True)


class NotificationListSchema(Schema):
    received = fields.List(fields.Nested(NotificationSchema))
    sent = fields.List(fields.Nested(NotificationSchema))


class NotificationItemsSchema(Schema):
    items = fields.List(fields.Nested(NotificationSchema))


class EngagementSchema(Schema):
    id = fields.Integer()
    consignor = fields.Nested(IncidentOrganisationSchema)
    data_set = fields.String()
    status = fields.String()


class EngagementListSchema(Schema):
    items = fields.List(fields.Nested(EngagementSchema))


def _iso(moment):
    return moment.isoformat() if moment else None


def _notification(n) -> dict:
    """The documented shape (NotificationSchema), ready for JSON."""
    receipt = None
    if n.is_filed:
        receipt = {"number": n.receipt_number, "sequence": n.sequence, "filed_at": _iso(n.filed_at),
                   "content_sha256": n.content_sha256,
                   "url": url_for(".receipt", notification_id=n.id)}
    return {"id": n.id, "kind": n.kind, "status": n.status, "title": n.title, "entrustment_id": n.entrustment_id,
            "filer": {"id": n.filer.id, "name": n.filer.name},
            "recipient": {"id": n.recipient.id, "name": n.recipient.name},
            "follows_up": n.parent_id, "forwarded_from": n.forwarded_from_id, "incident_id": n.incident_id,
            "facts": n.facts, "message": n.message, "attachments": [a.summary() for a in n.attachments],
            "receipt": receipt, "approval_state": n.approval_state, "unapproved_subcontract": n.unapproved,
            "contract": {"notice_hours": n.notice_hours, "filer_known_at": _iso(n.filer_known_at),
                         "due_at": _iso(n.notice_due_at), "late": n.late},
            "acknowledged_at": _iso(n.acknowledged_at), "escalated_at": _iso(n.escalated_at)}


# Calls that carry attachments take every file at its largest, as base64; the others keep API_MAX_JSON_BYTES.
carries_attachments = inputs.body_limit(
    lambda config: attachments.request_limit(config["ATTACHMENT_MAX_BYTES"], MAX_ATTACHMENTS, base64=True,
                                             other=config["API_MAX_JSON_BYTES"]),
    lambda config: attachments.limit_refusal(config["ATTACHMENT_MAX_BYTES"], MAX_ATTACHMENTS))


def _body() -> tuple[dict, list[tuple[str, bytes]]]:
    """The JSON body (with room for the attachments it may carry) and its decoded attachments."""
    body = json_object()
    raw = body.pop("attachments", None) or []
    if not isinstance(raw, list):
        raise ValidationFailed({"attachments": [_l("Expected a list.")]})
    uploads = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict) or not isinstance(item.get("filename"), str) \
                or not isinstance(item.get("content_base64"), str):
            raise ValidationFailed({f"attachments[{i}]": [_l("Each attachment needs a filename and its "
                                                             "content_base64.")]})
        try:
            content = base64.b64decode(item["content_base64"], validate=True)
        except (binascii.Error, ValueError):
            raise ValidationFailed({f"attachments[{i}]": [_l("The content is not valid base64.")]}) from None
        uploads.append((item["filename"], content))
    return body, uploads


def _created(use_case):
    """Run a filing use case and answer 201. The body is built before the commit (in the same transaction), so
    nothing is read back; and it is already in the documented shape, so it skips a second pass through the
    schema (schemathesis checks it against the schema)."""
    with uow.atomic():
        n = use_case()
        body = _notification(n)
        location = url_for(".get_notification", notification_id=n.id)
    return jsonify(body), 201, {"Location": location}


@blp.route("/engagements")
@blp.response(200, EngagementListSchema)
@documented(errors=(401, 403))
def engagements():
    """Entrustments your organisation holds as contractor: where you can file a notification"""
    return {"items": [{"id": e.id, "consignor": {"id": e.consignor.id, "name": e.consignor.name},
                       "data_set": e.data_set, "status": e.status} for e in services.engagements(actor())]}


@blp.route("/notifications")
@blp.response(200, NotificationListSchema)
@documented(errors=(401, 403))
def list_notifications():
    """Notifications your organisation received and sent (drafts included), newest first"""
    lists = services.lists(actor())
    return jsonify({"received": [_notification(n) for n in lists.received],
                    "sent": [_notification(n) for n in lists.sent]})


@blp.route("/notifications", methods=["POST"])
@carries_attachments
@blp.response(201, NotificationSchema, headers=LOCATION)
@documented(errors=WRITE_ERRORS, body=NotificationCreateSchema)
def create_notification():
    """Notify your direct consignor of an incident (or a suspected one), or file a follow-up (続報)

    Filed at once unless `draft` is true: the answer carries the receipt (sequence number, server time, content
    SHA-256 and the receipt PDF's URL). The consignor's incident contacts are e-mailed; its incident is opened
    (or attached to) and its deadlines start. A filed notification never changes.
    """
    body, uploads = _body()
    draft = body.pop("draft", False)
    if not isinstance(draft, bool):
        raise ValidationFailed({"draft": [_l("Expected true or false.")]})
    use_case = drafts.create_draft if draft else filing.file_new
    return _created(lambda: use_case(actor(), body, uploads))


@blp.route(f"/notifications/<{ID}:notification_id>")
@blp.response(200, NotificationSchema)
@documented()
def get_notification(notification_id: int):
    """One notification, with its receipt and contract timing"""
    return jsonify(_notification(services.get_notification(actor(), notification_id)))


@blp.route(f"/notifications/<{ID}:notification_id>", methods=["PATCH"])
@carries_attachments
@blp.response(200, NotificationSchema)
@documented(errors=WRITE_ERRORS, body=NotificationUpdateSchema)
def update_notification(notification_id: int):
    """Change a draft (a filed notification is refused: file a follow-up)"""
    body, uploads = _body()
    return jsonify(_notification(drafts.update_draft(actor(), notification_id, body, uploads)))


@blp.route(f"/notifications/<{ID}:notification_id>/file", methods=["POST"])
@blp.response(200, NotificationSchema)
@documented(errors=(401, 403, 404, 409, 422))
def file_notification(notification_id: int):
    """File a draft: it gets its receipt and cannot change any more (409 if it is already filed)"""
    return jsonify(_notification(filing.file_draft(actor(), notification_id)))


@blp.route(f"/notifications/<{ID}:notification_id>/forward", methods=["POST"])
@carries_attachments
@blp.response(201, NotificationSchema, headers=LOCATION)
@documented(errors=WRITE_ERRORS, body=ForwardSchema, body_required=False)
def forward_notification(notification_id: int):
    """Pass a notification you received up to your own consignor, with your additions, in one call"""
    body, uploads = _body() if _has_body() else ({}, [])
    return _created(lambda: filing.forward(actor(), notification_id, body, uploads))


def _has_body() -> bool:
    return bool(request.content_length) or request.headers.get("Transfer-Encoding") == "chunked"


@blp.route(f"/notifications/<{ID}:notification_id>/acknowledge", methods=["POST"])
@blp.response(200, NotificationSchema)
@documented(errors=(401, 403, 404, 422))
def acknowledge(notification_id: int):
    """Acknowledge a notification your organisation received (the contractor is told)"""
    return jsonify(_notification(filing.acknowledge(actor(), notification_id)))


@blp.route(f"/notifications/<{ID}:notification_id>/receipt")
@documented()
@blp.doc(responses={200: {"description": "The receipt (PDF).", "content": {"application/pdf": {}}}})
def receipt(notification_id: int):
    """The receipt document (受領証) of a filed notification, as PDF"""
    filename, pdf = documents.receipt_document(actor(), notification_id)
    response = send_file(io.BytesIO(pdf), mimetype="application/pdf", as_attachment=True, download_name=filename)
    response.headers["Cache-Control"] = "no-store"
    return response


@blp.route("/notification-breaches")
@blp.response(200, NotificationItemsSchema)
@documented(errors=(401, 403))
def breaches():
    """Notifications later than their contract's hours-to-notify: breaches of contract to take up"""
    return jsonify({"items": [_notification(n) for n in services.breaches(actor())]})
