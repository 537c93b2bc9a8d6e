"""Answer once, share with many — the pages: the company's answers (会社の回答) its own users keep and edit, with
evidence; and on a request, sharing them with its consignor or keeping a submitted request's answers as them.
Each view parses, calls one service (audits.company_answers), renders or redirects."""

from __future__ import annotations

import io
from types import SimpleNamespace

from flask import flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from audits import answer_changes, responses, reuse
from audits import company_answers as company
from audits.selection import SENDABLE
from audits.views import answers_from_form, bp, evidence_upload
from audits.visibility import get_request, is_respondent
from oversight.accounts.auth import requires
from oversight.errors import DomainError, ValidationFailed
from oversight.forms import ActionForm, flash_errors, flash_form_expired, one_button

MARKS = {answer_changes.DIFFERS: _l("Differs from the earlier answer"), answer_changes.NEW: _l("New question"),
         answer_changes.REWORDED: _l("Question changed in this version")}


def answer_sharing(r) -> SimpleNamespace:
    """What a request page shows of sharing (a Jinja global): the latest share (its consignor and the vendor read
    it), and for the vendor's staff the buttons and what changed since the answers it was filled from."""
    shares = company.shares_of_request(current_user, r) if current_user.is_authenticated else []
    share = shares[0] if shares else None
    respondent = current_user.is_authenticated and is_respondent(current_user, r)
    view = SimpleNamespace(share=share, respondent=respondent, can_share=False, can_keep=False, company=None,
                           changes={}, mark_labels=MARKS, source="", changed_since_share=0)
    values = r.values() if share or respondent else {}
    if share is not None:
        view.changed_since_share = sum(1 for k, v in share.values.items() if values.get(k) != v)
    if not respondent:
        return view
    view.company = company.answers_for_request(r)
    view.can_share = r.is_open and view.company is not None and bool(view.company.values)
    view.can_keep = r.status in ("submitted", "closed")
    if not r.is_open:
        return view
    q = responses.questionnaire_of(r)
    if share is not None:
        source = share.answers if share.answers is not None and \
            share.answers.questionnaire_sha256 == share.questionnaire_sha256 else None
        view.changes = answer_changes.changes(responses.questionnaire_of(source) if source else None, share.values,
                                              q, values)
        view.source = _("the company’s answers of %(day)s", day=share.answered_on.isoformat()
                        if share.answered_on else "—")
    else:
        previous = reuse.previous_request(r)
        if previous is not None and any(a.question_id in values for a in previous.answers):
            view.changes = answer_changes.changes(responses.questionnaire_of(previous), previous.values(), q,
                                                  values)
            view.source = _("your answers submitted on %(day)s", day=previous.submitted_at.date().isoformat()
                            if previous.submitted_at else "—")
    return view


@bp.get("/company/answers")
@requires("questionnaire.answer")
def company_answers():
    return render_template("audits/company_answers.html", items=company.list_company_answers(current_user),
                           questionnaires=SENDABLE, form=ActionForm())


@bp.post("/company/answers")
@requires("questionnaire.answer")
def company_answers_new():
    if not ActionForm().validate_on_submit():
        flash_form_expired()
        return redirect(url_for("audits.company_answers"))
    try:
        started = company.start_company_answers(current_user, {"questionnaire": request.form.get(
            "questionnaire", "")})
    except DomainError as error:
        if error.status in (403, 404):
            raise
        if isinstance(error, ValidationFailed):
            flash_errors(error)
        else:
            flash(str(error.message), "error")
        return redirect(url_for("audits.company_answers"))
    flash(_("Answer the questionnaire once here; then share the answers with each consignor that asks."), "success")
    return redirect(url_for("audits.company_answers_page", answers_id=started.id))


def _page(answers_id: int, errors: dict | None = None, posted: dict | None = None, status: int = 200):
    answers = company.get_company_answers(current_user, answers_id)
    q = responses.questionnaire_of(answers)
    values = {**(answers.values or {}), **(posted or {})}
    return render_template(
        "audits/company_answers_page.html", a=answers, q=q, values=values, errors=errors or {},
        editable=answers.organisation_id == current_user.organisation_id,
        files={qid: [f for f in answers.evidence if f.question_id == qid] for qid in
               {f.question_id for f in answers.evidence}}, form=ActionForm()), status


@bp.get("/company/answers/<int:answers_id>")
@requires("questionnaire.answer")
def company_answers_page(answers_id: int):
    return _page(answers_id)


@bp.post("/company/answers/<int:answers_id>")
@requires("questionnaire.answer")
def company_answers_save(answers_id: int):
    answers = company.get_company_answers(current_user, answers_id)
    if not ActionForm().validate_on_submit():
        flash_form_expired()
        return redirect(url_for("audits.company_answers_page", answers_id=answers_id))
    values = answers_from_form(responses.questionnaire_of(answers), request.form)
    try:
        company.update_company_answers(current_user, answers_id, values)
    except ValidationFailed as error:
        return _page(answers_id, {k: [str(m) for m in v] for k, v in error.errors.items()}, values, 422)
    flash(_("Your company’s answers were saved."), "success")
    return redirect(url_for("audits.company_answers_page", answers_id=answers_id))


@bp.post("/company/answers/<int:answers_id>/evidence")
@requires("questionnaire.answer")
@evidence_upload
def company_evidence_add(answers_id: int):
    company.get_company_answers(current_user, answers_id)
    if not ActionForm().validate_on_submit():
        flash_form_expired()
        return redirect(url_for("audits.company_answers_page", answers_id=answers_id))
    upload = request.files.get("file")
    question_id = request.form.get("question_id", "")
    try:
        added = company.attach_company_evidence(current_user, answers_id, question_id,
                                                        upload.filename if upload else "",
                                                        upload.read() if upload else b"")
    except ValidationFailed as error:
        flash_errors(error)
    except DomainError as error:
        if error.status in (403, 404):
            raise
        flash(str(error.message), "error")
    else:
        flash(_("%(name)s attached.", name=added.filename), "success")
    return redirect(url_for("audits.company_answers_page", answers_id=answers_id) + f"#q-{question_id}")


@bp.post("/company/answers/<int:answers_id>/evidence/<int:evidence_id>/delete")
@requires("questionnaire.answer")
def company_evidence_remove(answers_id: int, evidence_id: int):
    company.get_company_evidence(current_user, answers_id, evidence_id)
    one_button(lambda: company.remove_company_evidence(current_user, answers_id, evidence_id),
               _("File removed."), flash_refusals=True)
    return redirect(url_for("audits.company_answers_page", answers_id=answers_id))


@bp.get("/company/answers/<int:answers_id>/evidence/<int:evidence_id>")
@requires("questionnaire.answer")
def company_evidence(answers_id: int, evidence_id: int):
    f = company.get_company_evidence(current_user, answers_id, evidence_id)
    response = send_file(io.BytesIO(f.content), mimetype=f.media_type, as_attachment=True, download_name=f.filename,
                         etag=f.sha256)
    response.headers["Cache-Control"] = "no-store"
    return response


def _on_request(request_id: int, use_case, success) -> object:
    get_request(current_user, request_id)
    if not ActionForm().validate_on_submit():
        flash_form_expired()
    else:
        try:
            result = use_case()
        except DomainError as error:
            if error.status in (403, 404):
                raise
            if isinstance(error, ValidationFailed):
                flash_errors(error)
            else:
                flash(str(error.message), "error")
        else:
            flash(success(result), "success")
    return redirect(url_for("audits.request_page", request_id=request_id))


@bp.post("/questionnaire-requests/<int:request_id>/share")
@requires("questionnaire.answer")
def share_answers(request_id: int):
    return _on_request(request_id, lambda: company.share_into_request(current_user, request_id),
                       lambda share: _("Your company’s answers were shared with %(name)s: %(n)s answers filled in. "
                                       "Check the marked ones before you submit.", name=share.consignor.name,
                                       n=len(share.questions)))


@bp.post("/questionnaire-requests/<int:request_id>/company-answers")
@requires("questionnaire.answer")
def company_answers_from_request(request_id: int):
    return _on_request(request_id, lambda: company.save_from_request(current_user, request_id),
                       lambda kept: _("These answers are now your company’s answers to %(q)s %(version)s.",
                                      q=kept.questionnaire_id, version=kept.questionnaire_version))
