"""Import / export pages: download what you may see; upload a spreadsheet, preview it row by row, apply it."""

from __future__ import annotations

import io

from flask import Blueprint, abort, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import RadioField
from wtforms.fields.choices import SelectChoice

from oversight import permissions as perm
from oversight.accounts.auth import requires
from oversight.errors import Conflict, ValidationFailed
from oversight.forms import ActionForm, attach_errors, flash_form_expired
from oversight.jobs import registry_import
from oversight.registry import importexport

bp = Blueprint("importexport", __name__)


class ImportForm(FlaskForm):
    kind = RadioField(_l("The file contains"), default="organisations", choices=[
        SelectChoice("organisations", _l("Organisations")), SelectChoice("entrustments", _l("Entrustments")),
        SelectChoice("both", _l("Both: an Excel workbook with an organisations sheet and an entrustments sheet"))])
    file = FileField(_l("File (.csv or .xlsx)"), validators=[FileRequired(_l("Choose a file to upload."))])


def _index_page(form: ImportForm, status: int = 200):
    return render_template("importexport/index.html", form=form, max_rows=importexport.MAX_ROWS,
                           recent=importexport.recent_imports(current_user)), status


@bp.get("/data")
@login_required
def index():
    if not (perm.allows(current_user, "data.import") or perm.allows(current_user, "data.export")):
        abort(403)
    return _index_page(ImportForm())


@bp.get("/data/export/<any(organisations, entrustments, both):kind>.<any(csv, xlsx):fmt>")
@requires("data.export")
def export(kind: str, fmt: str):
    result = importexport.export(current_user, kind, fmt)
    response = send_file(io.BytesIO(result.content), mimetype=result.mimetype, as_attachment=True,
                         download_name=result.filename)
    response.headers["Cache-Control"] = "no-store"  # personal data: keep it out of shared caches
    return response


@bp.post("/data/import")
@requires("data.import")
def upload():
    form = ImportForm()
    if form.validate_on_submit():
        try:
            batch = importexport.stage_import(current_user, form.kind.data, form.file.data.filename or "",
                                              form.file.data.read())
        except ValidationFailed as error:
            attach_errors(form, error)
        else:
            return redirect(url_for("importexport.preview", batch_id=batch.id))
    return _index_page(form, 422)


@bp.get("/data/import/<batch_id>")
@requires("data.import")
def preview(batch_id: str):
    batch = importexport.get_import(current_user, batch_id)
    return render_template("importexport/preview.html", batch=batch, result=importexport.import_result(batch),
                           action_form=ActionForm())


@bp.post("/data/import/<batch_id>/apply")
@requires("data.import")
def apply(batch_id: str):
    if not ActionForm().validate_on_submit():
        flash_form_expired()
        return redirect(url_for("importexport.preview", batch_id=batch_id))
    if registry_import.runs_in_worker(importexport.get_import(current_user, batch_id)):
        job = registry_import.submit_apply(current_user, batch_id)
        flash(_("The file is large: the background worker applies it. This page shows how far it is."), "info")
        return redirect(url_for("jobs.show", job_id=job.id))
    try:
        result = importexport.apply_import(current_user, batch_id)
    except Conflict as error:
        flash(str(error.message), "error")
    else:
        counts = result.counts
        flash(_("Imported: %(create)s created, %(update)s changed, %(unchanged)s unchanged.",
                create=counts["create"], update=counts["update"], unchanged=counts["unchanged"]), "success")
    return redirect(url_for("importexport.preview", batch_id=batch_id))
