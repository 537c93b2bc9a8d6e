"""Links for a person without an account: procurement makes and revokes them on the request page; whoever holds
one answers that one request through the /answer/<token> pages (no login; every use is in the trail)."""

from __future__ import annotations

import io

from flask import flash, redirect, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from audits import links, responses
from audits.views import _errors, _request_page, answers_from_form, bp, evidence_upload
from audits.visibility import get_request
from oversight.accounts.auth import requires
from oversight.errors import DomainError, ValidationFailed
from oversight.forms import ActionForm, flash_errors, flash_form_expired, one_button


@bp.post("/questionnaire-requests/<int:request_id>/links")
@requires("selection.edit")
def link_create(request_id: int):
    get_request(current_user, request_id)
    if not ActionForm().validate_on_submit():
        flash_form_expired()
        return redirect(url_for("audits.request_page", request_id=request_id))
    try:
        link, secret = links.create_link(current_user, request_id, {"recipient": request.form.get("recipient", ""),
                                                                   "days": request.form.get("days", "")})
    except ValidationFailed as error:
        flash_errors(error)
    except DomainError as error:
        if error.status in (403, 404):
            raise
        flash(str(error.message), "error")
    else:
        address = url_for("audits.link_page", token=secret, _external=True)
        flash(_("Link for %(name)s (shown only now; send it yourself): %(url)s", name=link.recipient, url=address),
              "success")
    return redirect(url_for("audits.request_page", request_id=request_id) + "#links")


@bp.post("/questionnaire-requests/<int:request_id>/links/<int:link_id>/revoke")
@requires("selection.edit")
def link_revoke(request_id: int, link_id: int):
    get_request(current_user, request_id)
    one_button(lambda: links.revoke_link(current_user, request_id, link_id), _("Link revoked."), flash_refusals=True)
    return redirect(url_for("audits.request_page", request_id=request_id) + "#links")


# ---------------------------------------------------------------- a respondent link (no account)


def _link(token: str, action: str):
    link, respondent = links.open_link(token)
    if request.method == "GET":
        links.count_view(link)
    else:
        links.record_use(link, respondent, action)  # recorded whatever the action then does
    return link, respondent


@bp.get("/answer/<token>")
def link_page(token: str):
    link, respondent = _link(token, "view")
    return _request_page(link.request_id, actor=respondent, token=token)


@bp.post("/answer/<token>/answers")
def link_answers_save(token: str):
    link, respondent = _link(token, "save")
    if not ActionForm().validate_on_submit():
        flash_form_expired()
        return redirect(url_for("audits.link_page", token=token))
    values = answers_from_form(responses.questionnaire_of(link.request), request.form)
    try:
        responses.save_answers(respondent, link.request_id, values)
        if request.form.get("action") == "submit":
            responses.submit(respondent, link.request_id)
    except ValidationFailed as error:
        return _request_page(link.request_id, _errors(error), values, 422, actor=respondent, token=token)
    except DomainError as error:
        flash(str(error.message), "error")
        return redirect(url_for("audits.link_page", token=token))
    flash(_("Answers submitted. The requester has been told.") if request.form.get("action") == "submit"
          else _("Answers saved."), "success")
    return redirect(url_for("audits.link_page", token=token))


@bp.post("/answer/<token>/submit")
def link_submit(token: str):
    link, respondent = _link(token, "submit")
    if not ActionForm().validate_on_submit():
        flash_form_expired()
        return redirect(url_for("audits.link_page", token=token))
    try:
        responses.submit(respondent, link.request_id)
    except ValidationFailed as error:
        return _request_page(link.request_id, _errors(error), None, 422, actor=respondent, token=token)
    except DomainError as error:
        flash(str(error.message), "error")
    else:
        flash(_("Answers submitted. The requester has been told."), "success")
    return redirect(url_for("audits.link_page", token=token))


@bp.post("/answer/<token>/evidence")
@evidence_upload
def link_evidence_add(token: str):
    link, respondent = _link(token, "attach")
    if not ActionForm().validate_on_submit():
        flash_form_expired()
        return redirect(url_for("audits.link_page", token=token))
    upload = request.files.get("file")
    try:
        added = responses.attach_evidence(respondent, link.request_id, request.form.get("question_id", ""),
                                          upload.filename if upload else "", upload.read() if upload else b"")
    except DomainError as error:
        if isinstance(error, ValidationFailed):
            flash_errors(error)
        else:
            flash(str(error.message), "error")
    else:
        flash(_("%(name)s attached.", name=added.filename), "success")
    return redirect(url_for("audits.link_page", token=token))


@bp.post("/answer/<token>/evidence/<int:evidence_id>/delete")
def link_evidence_remove(token: str, evidence_id: int):
    link, respondent = _link(token, "remove")
    if not ActionForm().validate_on_submit():
        flash_form_expired()
    else:
        try:
            responses.remove_evidence(respondent, link.request_id, evidence_id)
        except DomainError as error:
            flash(str(error.message), "error")
        else:
            flash(_("File removed."), "success")
    return redirect(url_for("audits.link_page", token=token))


@bp.get("/answer/<token>/evidence/<int:evidence_id>")
def link_evidence(token: str, evidence_id: int):
    link, respondent = _link(token, "download")
    f = responses.get_evidence(respondent, link.request_id, evidence_id)
    response = send_file(io.BytesIO(f.content), mimetype=f.media_type, as_attachment=True, download_name=f.filename)
    response.headers["Cache-Control"] = "no-store"
    return response
