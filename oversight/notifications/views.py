"""Portal pages: a contractor's engagements and notifications, writing and filing one, the received inbox,
acknowledging and forwarding, receipts, and the list of contractually late notices."""

from __future__ import annotations

import io

from flask import Blueprint, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from oversight import inputs
from oversight import permissions as perm
from oversight.accounts.auth import requires
from oversight.errors import NotFound, ValidationFailed
from oversight.extensions import db
from oversight.forms import ActionForm, flash_form_expired, one_button
from oversight.incidents import board
from oversight.incidents import services as incidents
from oversight.incidents.forms import choices, facts_from_form, form_values
from oversight.notifications import attachments, documents, drafts, filing, services
from oversight.notifications.drafts import MAX_ATTACHMENTS
from oversight.notifications.models import Notification
from oversight.templating import lang

bp = Blueprint("notifications", __name__)


# Forms that carry attachments take every file at its largest (and a too-large file arrives, so that the form can
# say which file and what the limit is); the other pages keep MAX_CONTENT_LENGTH.
carries_attachments = inputs.body_limit(
    lambda config: attachments.request_limit(config["ATTACHMENT_MAX_BYTES"], MAX_ATTACHMENTS, base64=False,
                                             other=attachments.MB),
    lambda config: attachments.limit_refusal(config["ATTACHMENT_MAX_BYTES"], MAX_ATTACHMENTS))


def _uploads() -> list[tuple[str, bytes]]:
    return [(f.filename or "", f.read()) for f in request.files.getlist("attachments") if f and f.filename]


def _posted() -> dict:
    facts, _notified = facts_from_form(request.form)
    return {"title": request.form.get("title", ""), "message": request.form.get("message", ""),
            "entrustment_id": request.form.get("entrustment_id"), "incident_id": request.form.get("incident_id"),
            "follow_up_to": request.form.get("follow_up_to"), "facts": facts}


def _errors(error: ValidationFailed) -> dict:
    return {k: [str(m) for m in v] for k, v in error.errors.items()}


@bp.get("/notifications")
@requires("notification.view")
def index():
    owed = [r for r in board.own_rows(current_user) if r.notice] if perm.allows(current_user, "incident.view") else []
    return render_template("notifications/index.html", lists=services.lists(current_user),
                           engagements=services.engagements(current_user), notices_owed=owed,
                           can_file=perm.allows(current_user, "notification.file"),
                           late=services.breaches(current_user))


@bp.get("/notifications/breaches")
@requires("notification.view")
def breaches():
    return render_template("notifications/breaches.html", rows=services.breaches(current_user))


def _editor(data: dict, errors: dict | None = None, status: int = 200, draft=None):
    errors = errors or {}
    e = draft.entrustment if draft else None
    parent = draft.parent if draft else None
    if e is None and data.get("follow_up_to"):
        try:
            parent = services.get_notification(current_user, inputs.object_id(data["follow_up_to"]) or 0).root
        except NotFound:  # the form says so when it is submitted
            parent = None
        else:
            e = parent.entrustment
            if not data.get("facts"):  # a follow-up starts from what was reported: change what changed
                data = {**data, "facts": dict(parent.facts)}
    own = services.engagements(current_user)
    if e is None and data.get("entrustment_id"):
        e = next((x for x in own if str(x.id) == str(data["entrustment_id"])), None)
    open_incidents = incidents.own_open_incidents(current_user)
    return render_template(
        "notifications/edit.html", data=data, errors=errors, draft=draft, entrustment=e, parent=parent,
        engagements=own, incidents=open_incidents, values=form_values(data.get("facts") or {}),
        vocab=choices(lang()), max_mb=current_app.config["ATTACHMENT_MAX_BYTES"] // (1024 * 1024),
        max_files=MAX_ATTACHMENTS, form=ActionForm(),
        stray=[m for k, v in errors.items() if k not in _FIELDS for m in v]), status


_FIELDS = {"title", "message", "entrustment_id", "incident_id", "follow_up_to", "attachments", "events",
           "certainty", "data_kind", "data_items", "cause", "max_persons", "max_persons_known_at", "occurred_on",
           "known_at"}


@bp.route("/notifications/new", methods=["GET", "POST"])
@carries_attachments
@requires("notification.file")
def new():
    if request.method == "GET":
        return _editor({"entrustment_id": request.args.get("entrustment_id"),
                        "incident_id": request.args.get("incident_id"),
                        "follow_up_to": request.args.get("follow_up_to"), "facts": {}})
    data = _posted()
    if not ActionForm().validate_on_submit():
        flash_form_expired()
        return _editor(data, status=400)
    try:
        if request.form.get("action") == "file":
            n = filing.file_new(current_user, data, _uploads())
            flash(_("Filed. Receipt %(number)s: keep it as your proof of notice.", number=n.receipt_number),
                  "success")
        else:
            n = drafts.create_draft(current_user, data, _uploads())
            flash(_("Draft saved. It is not sent until you file it."), "success")
    except ValidationFailed as error:
        return _editor(data, _errors(error), 422)
    return redirect(url_for("notifications.show", notification_id=n.id))


@bp.get("/notifications/<int:notification_id>")
@requires("notification.view")
def show(notification_id: int):
    n = services.get_notification(current_user, notification_id)
    if not n.is_filed:
        return _editor({"title": n.title, "message": n.message, "incident_id": n.incident_id, "facts": n.facts},
                       draft=n)
    return _detail(n)


def _detail(n, forward_errors: dict | None = None, status: int = 200):
    org_id = current_user.organisation_id
    below = n.entrustment
    own = services.engagements(current_user)
    can_forward = (n.recipient_id == org_id and perm.allows(current_user, "notification.file")
                   and (below.parent_id is not None or bool(own)))
    return render_template(
        "notifications/show.html", n=n, path=services.path(current_user, n), thread=services.thread(current_user, n),
        forwards=services.forwards(current_user, n), mails=services.mail_status(n), verified=filing.verify(n),
        can_acknowledge=n.recipient_id == org_id and perm.allows(current_user, "notification.file"),
        can_follow_up=n.filer_id == org_id and perm.allows(current_user, "notification.file"),
        can_forward=can_forward, upward=below.parent, engagements=own,
        kind_labels=documents.KIND_LABELS, approval_labels=documents.APPROVAL_LABELS, vocab=choices(lang()),
        forward_errors=forward_errors or {}, form=ActionForm()), status


@bp.post("/notifications/<int:notification_id>")
@carries_attachments
@requires("notification.file")
def update(notification_id: int):
    n = services.get_notification(current_user, notification_id)
    data = _posted()
    if not ActionForm().validate_on_submit():
        flash_form_expired()
        return redirect(url_for("notifications.show", notification_id=n.id))
    try:
        drafts.update_draft(current_user, notification_id, data, _uploads())
        if request.form.get("action") == "file":
            filing.file_draft(current_user, notification_id)
            flash(_("Filed. Receipt %(number)s: keep it as your proof of notice.", number=n.receipt_number),
                  "success")
        else:
            flash(_("Draft saved. It is not sent until you file it."), "success")
    except ValidationFailed as error:
        return _editor(data, _errors(error), 422, draft=services.get_notification(current_user, notification_id))
    return redirect(url_for("notifications.show", notification_id=notification_id))


def _act(notification_id: int, use_case, success: str | None):
    """A one-button form: run the use case, flash the outcome, go back to the notification."""
    services.get_notification(current_user, notification_id)  # another tenant's id: 404 before anything
    result = one_button(use_case, success)
    target = getattr(result, "id", None) or notification_id
    if not db.session.get(Notification, target):  # a discarded draft: back to the list
        return redirect(url_for("notifications.index"))
    return redirect(url_for("notifications.show", notification_id=target))


@bp.post("/notifications/<int:notification_id>/discard")
@requires("notification.file")
def discard(notification_id: int):
    return _act(notification_id, lambda: drafts.discard_draft(current_user, notification_id),
                _("Draft deleted."))


@bp.post("/notifications/<int:notification_id>/attachments/<int:attachment_id>/remove")
@requires("notification.file")
def remove_attachment(notification_id: int, attachment_id: int):
    return _act(notification_id, lambda: drafts.remove_attachment(current_user, notification_id, attachment_id),
                None)


@bp.post("/notifications/<int:notification_id>/acknowledge")
@requires("notification.file")
def acknowledge(notification_id: int):
    return _act(notification_id, lambda: filing.acknowledge(current_user, notification_id),
                _("Acknowledged. The contractor is told that you have it."))


@bp.post("/notifications/<int:notification_id>/forward")
@carries_attachments
@requires("notification.file")
def forward(notification_id: int):
    source = services.get_notification(current_user, notification_id)
    if not ActionForm().validate_on_submit():
        flash_form_expired()
        return redirect(url_for("notifications.show", notification_id=source.id))
    data = {"message": request.form.get("message", ""), "entrustment_id": request.form.get("entrustment_id")}
    try:
        n = filing.forward(current_user, notification_id, data, _uploads())
    except ValidationFailed as error:
        return _detail(services.get_notification(current_user, notification_id), _errors(error), 422)
    flash(_("Forwarded to %(name)s. Receipt %(number)s.", name=n.recipient.name, number=n.receipt_number),
          "success")
    return redirect(url_for("notifications.show", notification_id=n.id))


@bp.get("/notifications/<int:notification_id>/receipt.pdf")
@requires("notification.view")
def receipt(notification_id: int):
    filename, pdf = documents.receipt_document(current_user, notification_id)
    return send_file(io.BytesIO(pdf), mimetype="application/pdf", as_attachment=True, download_name=filename)


@bp.get("/notifications/<int:notification_id>/attachments/<int:attachment_id>")
@requires("notification.view")
def attachment(notification_id: int, attachment_id: int):
    a = drafts.get_attachment(current_user, notification_id, attachment_id)
    return send_file(io.BytesIO(a.content), mimetype=a.media_type, as_attachment=True, download_name=a.filename)
