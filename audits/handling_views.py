"""Monthly handling report pages (blueprint "handling_reports"): the list of entrustments with reports on, one
entrustment's months with the form the contractor fills and the switch the consignor turns. Each view parses,
calls one service (audits.handling_reports), renders or redirects."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from audits import handling_form as hf
from audits import handling_months as hm
from audits import handling_reports as reports
from oversight.accounts.auth import requires
from oversight.errors import DomainError, ValidationFailed
from oversight.forms import ActionForm, flash_errors, flash_form_expired

bp = Blueprint("handling_reports", __name__)

STATUS_LABELS = {"open": _l("This month (open)"), "awaiting": _l("Due soon"), "overdue": _l("Missing (overdue)"),
                 "filed": _l("Filed"), "filed_late": _l("Filed late")}
DELETION_NONE = "none"


@bp.context_processor
def _words():
    return {"status_labels": STATUS_LABELS, "period_text": hm.period_text, "lang_code": _lang_code}


def _lang_code() -> str:
    from oversight.templating import lang

    return "ja" if lang() == "ja" else "en"


@bp.get("/handling-reports")
@requires("handling_report.view")
def index():
    return render_template("audits/handling_reports.html", rows=reports.overview(current_user),
                           form=reports.report_form())


def _page(entrustment_id: int, errors: dict | None = None, posted: dict | None = None, status: int = 200):
    view = reports.entrustment_reports(current_user, entrustment_id)
    return render_template("audits/handling_entrustment.html", v=view, e=view.entrustment, form=reports.report_form(),
                           errors=errors or {}, posted=posted or {}, csrf=ActionForm()), status


@bp.get("/entrustments/<int:entrustment_id>/handling-reports")
@requires("handling_report.view")
def entrustment(entrustment_id: int):
    return _page(entrustment_id)


@bp.post("/entrustments/<int:entrustment_id>/handling-reports/plan")
@requires("handling_report.configure")
def plan(entrustment_id: int):
    reports.entrustment_reports(current_user, entrustment_id)  # not found before anything else
    if not ActionForm().validate_on_submit():
        flash_form_expired()
        return redirect(url_for(".entrustment", entrustment_id=entrustment_id))
    try:
        saved = reports.set_plan(current_user, entrustment_id, {"enabled": request.form.get("enabled", ""),
                                                                "since": request.form.get("since", "")})
    except ValidationFailed as error:
        return _page(entrustment_id, {k: [str(m) for m in v] for k, v in error.errors.items()}, None, 422)
    except DomainError as error:
        if error.status in (403, 404):
            raise
        flash(str(error.message), "error")
    else:
        flash(_("Monthly reports switched on from %(month)s.", month=hm.period_text(saved.since)) if saved.enabled
              else _("Monthly reports switched off."), "success")
    return redirect(url_for(".entrustment", entrustment_id=entrustment_id))


def answers_from_form(form: hf.ReportForm, posted) -> dict:
    """The answers a posted report form holds, by field id (blank: not answered)."""
    return {field.id: posted.get(f"a.{field.id}", "") for field in form.fields}


@bp.post("/entrustments/<int:entrustment_id>/handling-reports")
@requires("handling_report.file")
def file(entrustment_id: int):
    reports.entrustment_reports(current_user, entrustment_id)
    if not ActionForm().validate_on_submit():
        flash_form_expired()
        return redirect(url_for(".entrustment", entrustment_id=entrustment_id))
    answers = answers_from_form(reports.report_form(), request.form)
    period = request.form.get("period", "")
    try:
        filed = reports.file_report(current_user, entrustment_id, {"period": period, "answers": answers})
    except ValidationFailed as error:
        return _page(entrustment_id, {k: [str(m) for m in v] for k, v in error.errors.items()},
                     {"period": period, **answers}, 422)
    except DomainError as error:
        if error.status in (403, 404):
            raise
        if isinstance(error, ValidationFailed):
            flash_errors(error)
        else:
            flash(str(error.message), "error")
    else:
        flash(_("The report of %(month)s is filed. The consignor can read it now.",
                month=hm.period_text(filed.period)), "success")
    return redirect(url_for(".entrustment", entrustment_id=entrustment_id))
