"""The other ways of answering, beside the form: the Excel round trip (download, upload with a preview of every
cell, apply all or nothing), filling in from the vendor's earlier answers, and answers procurement enters from an
interview on the vendor's behalf."""

from __future__ import annotations

import hashlib
import io
import json

from flask import flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from audits import responses, reuse, roundtrip
from audits.views import READERS, answers_from_form, bp, evidence_upload
from audits.visibility import get_request
from oversight.accounts.auth import requires
from oversight.errors import DomainError, ValidationFailed
from oversight.forms import ActionForm, flash_errors, flash_form_expired
from oversight.templating import lang


def _shown(question, value) -> str:
    """An answer as words: choice labels in the user's language, the value itself otherwise."""
    if value is None:
        return ""
    language = lang()
    if question.type == "yes_no":
        return question.choice("yes" if value else "no").label.get(language)
    if question.type in ("single_choice", "multiple_choice"):
        codes = value if isinstance(value, list) else [value]
        return "、".join(question.choice(c).label.get(language) if question.choice(c) else str(c) for c in codes)
    return str(value)



@bp.get("/questionnaire-requests/<int:request_id>/workbook.xlsx")
@requires(*READERS)
def workbook_export(request_id: int):
    filename, content = roundtrip.export_workbook(current_user, request_id)
    response = send_file(io.BytesIO(content), mimetype=roundtrip.XLSX_MIME, as_attachment=True,
                         download_name=filename)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/questionnaire-requests/<int:request_id>/workbook")
@requires("questionnaire.answer")
@evidence_upload
def workbook_import(request_id: int):
    r = get_request(current_user, request_id)
    if not ActionForm().validate_on_submit():
        flash_form_expired()
        return redirect(url_for("audits.request_page", request_id=request_id))
    try:
        if request.form.get("action") == "apply":
            try:
                values = json.loads(request.form.get("answers_json", ""))
            except ValueError:
                values = None
            if not isinstance(values, dict):
                raise ValidationFailed({"file": [_("Upload the workbook again.")]})
            roundtrip.apply_workbook(current_user, request_id, values, request.form.get("workbook_sha256", ""))
            flash(_("The workbook's answers were applied."), "success")
            return redirect(url_for("audits.request_page", request_id=request_id))
        upload = request.files.get("file")
        content = upload.read() if upload else b""
        result = roundtrip.read_workbook(current_user, request_id, content)
    except ValidationFailed as error:
        flash_errors(error)
        return redirect(url_for("audits.request_page", request_id=request_id))
    except DomainError as error:
        if error.status in (403, 404):
            raise
        flash(str(error.message), "error")
        return redirect(url_for("audits.request_page", request_id=request_id))
    q = responses.questionnaire_of(r)
    stored = r.values()
    rows = [(q.question(qid), result.cells.get(qid, ""), _shown(q.question(qid), value), value != stored.get(qid))
            for qid, value in result.values.items()]
    return render_template("audits/workbook_preview.html", r=r, q=q, rows=rows, problems=[
        (p.cell, q.question(p.question), roundtrip.problem_text(p)) for p in result.problems],
        answers_json=json.dumps(result.values, ensure_ascii=False),
        workbook_sha256=hashlib.sha256(content).hexdigest()), 422 if result.problems else 200


@bp.post("/questionnaire-requests/<int:request_id>/prefill")
@requires("questionnaire.answer")
def prefill(request_id: int):
    get_request(current_user, request_id)
    if not ActionForm().validate_on_submit():
        flash_form_expired()
    else:
        try:
            filled = reuse.prefill_from_previous(current_user, request_id)
        except DomainError as error:
            if error.status in (403, 404):
                raise
            flash(str(error.message), "error")
        else:
            flash(_("%(n)s answers filled in from your earlier answers: check them before you submit.",
                    n=len(filled)), "success")
    return redirect(url_for("audits.request_page", request_id=request_id))


@bp.post("/questionnaire-requests/<int:request_id>/on-behalf")
@requires("selection.edit")
def on_behalf(request_id: int):
    r = get_request(current_user, request_id)
    if not ActionForm().validate_on_submit():
        flash_form_expired()
        return redirect(url_for("audits.request_page", request_id=request_id))
    values = answers_from_form(responses.questionnaire_of(r), request.form)
    interview = request.form.get("interview", "")
    try:
        if request.form.get("action") == "submit":
            responses.save_answers(current_user, request_id, values, interview=interview)
            responses.submit(current_user, request_id, interview=interview)
        else:
            responses.save_answers(current_user, request_id, values, interview=interview)
    except ValidationFailed as error:
        flash_errors(error)
    except DomainError as error:
        if error.status in (403, 404):
            raise
        flash(str(error.message), "error")
    else:
        flash(_("Answers recorded on the vendor's behalf."), "success")
    return redirect(url_for("audits.request_page", request_id=request_id))
