"""Pages of the answer review, findings and obligations (blueprint "findings"): each view parses, calls one service
(audits.review, audits.findings, audits.crosschecks, audits.obligations), renders or redirects."""

from __future__ import annotations

import io

from flask import Blueprint, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from audits import crosschecks, findings, obligations, review
from audits.audit_models import FINDING_SEVERITIES, Finding
from audits.audit_visibility import get_audit, get_finding, is_audited, is_auditor, restrict_findings
from audits.history import history_of
from audits.views import answers_from_form
from oversight import inputs
from oversight import permissions as perm
from oversight.accounts.auth import requires
from oversight.accounts.models import User
from oversight.extensions import db
from oversight.forms import ActionForm, one_button
from oversight.notifications import attachments
from oversight.timeutil import today_jst

bp = Blueprint("findings", __name__)
READERS = ("audit.view", "questionnaire.answer", "finding.remediate")
FINDING_READERS = ("audit.view", "finding.remediate")
MAX_REMEDIATION_FILES = 10
remediation_upload = inputs.body_limit(
    lambda config: attachments.request_limit(config["ATTACHMENT_MAX_BYTES"], MAX_REMEDIATION_FILES, base64=False,
                                             other=attachments.MB),
    lambda config: attachments.limit_refusal(config["ATTACHMENT_MAX_BYTES"], MAX_REMEDIATION_FILES))


def vendor_history(organisation):
    """The organisation page's section: the vendor's reviews, audits and findings the reader may see."""
    return history_of(current_user, organisation.id) if current_user.is_authenticated else None


def _owners(organisation_id):
    if organisation_id is None:
        return []
    return list(db.session.scalars(select(User).where(User.organisation_id == organisation_id,
                                                      User.is_enabled.is_(True)).order_by(User.name)))


# ---------------------------------------------------------------- the review of an audit's answers


@bp.get("/audits/<int:audit_id>/review")
@requires(*READERS)
def review_page(audit_id: int):
    audit = get_audit(current_user, audit_id)
    from audits.responses import questionnaire_of

    auditor = is_auditor(current_user, audit) and perm.allows(current_user, "audit.review")
    vendor = is_audited(current_user, audit)
    rows = review.review_rows(audit) if audit.request is not None else []
    return render_template(
        "audits/review.html", audit=audit, rows=rows, auditor=auditor, vendor=vendor,
        q=questionnaire_of(audit.request) if audit.request is not None else None,
        flags=crosschecks.flags_of(audit), findings=[f for f in audit.findings if f.origin != "cross_check"],
        owners=_owners(audit.auditor_id) if auditor else [], severities=FINDING_SEVERITIES, today=today_jst(),
        form=ActionForm())


@bp.post("/audits/<int:audit_id>/answers/<question_id>/review")
@requires("audit.review")
def answer_review(audit_id: int, question_id: str):
    get_audit(current_user, audit_id)
    data = {"verdict": request.form.get("verdict", ""), "comment": request.form.get("comment", "")}
    if request.form.get("raise_finding"):
        data["finding"] = {k: request.form.get(k, "") for k in ("severity", "title", "detail", "due_on", "owner_id")}
    one_button(lambda: review.review_answer(current_user, audit_id, question_id, data), _("Review recorded."),
               flash_refusals=True)
    return redirect(url_for("findings.review_page", audit_id=audit_id) + f"#q-{question_id}")


@bp.post("/audits/<int:audit_id>/answers/<question_id>/revision")
@requires("questionnaire.answer")
def answer_revise(audit_id: int, question_id: str):
    audit = get_audit(current_user, audit_id)
    data = {"comment": request.form.get("comment", "")}
    if audit.request is not None and f"a.{question_id}" in request.form:
        from audits.responses import questionnaire_of

        values = answers_from_form(questionnaire_of(audit.request), request.form)
        if question_id in values:
            data["value"] = values[question_id]
    one_button(lambda: review.revise_answer(current_user, audit_id, question_id, data), _("Revision recorded."),
               flash_refusals=True)
    return redirect(url_for("findings.review_page", audit_id=audit_id) + f"#q-{question_id}")


@bp.post("/audits/<int:audit_id>/send-back")
@requires("questionnaire.answer")
def send_back(audit_id: int):
    audit = get_audit(current_user, audit_id)
    if not is_audited(current_user, audit) or audit.request is None:
        from oversight.errors import Forbidden

        raise Forbidden(_("Only the vendor's staff revise its answers."))
    from audits.responses import submit

    one_button(lambda: submit(current_user, audit.request_id), _("Answers sent back to the auditor."),
               flash_refusals=True)
    return redirect(url_for("findings.review_page", audit_id=audit_id))


@bp.post("/audits/<int:audit_id>/cross-checks")
@requires("audit.review")
def cross_checks(audit_id: int):
    get_audit(current_user, audit_id)
    result = one_button(lambda: crosschecks.run_cross_checks(current_user, audit_id), flash_refusals=True)
    if result is not None:
        from flask import flash

        flash(_("Cross-checks done: %(flags)s flag(s), %(new)s new finding(s), %(recorded)s subcontract(s) recorded "
                "as found in the audit.", flags=len(result.flags), new=len(result.new_findings),
                recorded=len(result.recorded)), "success" if not result.flags else "error")
    return redirect(url_for("findings.review_page", audit_id=audit_id))


# ---------------------------------------------------------------- findings


@bp.get("/findings")
@requires(*FINDING_READERS)
def index():
    status = request.args.get("status", "open")
    query = restrict_findings(select(Finding), current_user).order_by(Finding.due_on, Finding.id)
    if status == "open":
        query = query.where(Finding.status != "closed")
    elif status in ("remediation_proposed", "closed"):
        query = query.where(Finding.status == status)
    severity = request.args.get("severity", "")
    if severity in FINDING_SEVERITIES:
        query = query.where(Finding.severity == severity)
    if request.args.get("overdue"):
        query = query.where(Finding.status != "closed", Finding.due_on < today_jst())
    return render_template("audits/findings.html", findings=list(db.session.scalars(query.limit(500))),
                           status=status, severity=severity, severities=FINDING_SEVERITIES, today=today_jst())


@bp.get("/obligations")
@requires("audit.view", "finding.remediate", "selection.view", "entrustment.view")
def obligations_page():
    include_closed = bool(request.args.get("closed"))
    return render_template("audits/obligations.html", items=obligations.list_obligations(
        current_user, include_closed=include_closed), include_closed=include_closed, today=today_jst(),
        form=ActionForm())


@bp.route("/findings/new", methods=["GET", "POST"])
@requires("finding.manage")
def new():
    target = {k: request.values.get(k, "") for k in ("audit_id", "entrustment_id")}
    data, errors, status = dict(target), {}, 200
    if request.method == "POST":
        data.update({k: request.form.get(k, "") for k in ("severity", "title", "detail", "due_on", "owner_id")})
        if not ActionForm().validate_on_submit():
            from oversight.forms import flash_form_expired

            flash_form_expired()
            status = 400
        else:
            from oversight.errors import ValidationFailed

            try:
                raised = findings.raise_finding(current_user, data)
            except ValidationFailed as error:
                errors, status = {k: [str(m) for m in v] for k, v in error.errors.items()}, 422
            else:
                from flask import flash

                flash(_("Finding raised."), "success")
                return redirect(url_for("findings.show", finding_id=raised.id))
    return render_template("audits/finding_new.html", data=data, errors=errors, severities=FINDING_SEVERITIES,
                           owners=_owners(current_user.organisation_id), form=ActionForm()), status


@bp.get("/findings/<int:finding_id>")
@requires(*FINDING_READERS)
def show(finding_id: int):
    finding = get_finding(current_user, finding_id)
    auditor = is_auditor(current_user, finding) and perm.allows(current_user, "finding.manage")
    vendor = is_audited(current_user, finding) and perm.allows(current_user, "finding.remediate")
    return render_template("audits/finding.html", f=finding, auditor=auditor, vendor=vendor, today=today_jst(),
                           question=_question(finding), form=ActionForm())


def _question(finding):
    """The question the finding is about, as the questionnaire words it (None when it is about none)."""
    if not finding.question_id or finding.audit is None or finding.audit.request is None:
        return None
    from audits.responses import questionnaire_of

    return questionnaire_of(finding.audit.request).question(finding.question_id)


@bp.post("/findings/<int:finding_id>/comments")
@requires("finding.manage", "finding.remediate")
def comment(finding_id: int):
    get_finding(current_user, finding_id)
    one_button(lambda: findings.comment_finding(current_user, finding_id, {"text": request.form.get("text", "")}),
               _("Comment added."), flash_refusals=True)
    return redirect(url_for("findings.show", finding_id=finding_id))


@bp.post("/findings/<int:finding_id>/remediation")
@requires("finding.remediate")
@remediation_upload
def remediation(finding_id: int):
    get_finding(current_user, finding_id)
    uploads = [(f.filename, f.read()) for f in request.files.getlist("files") if f and f.filename]
    one_button(lambda: findings.propose_remediation(current_user, finding_id, {"text": request.form.get("text", "")},
                                                    uploads), _("Remediation sent to the auditor."),
               flash_refusals=True)
    return redirect(url_for("findings.show", finding_id=finding_id))


@bp.post("/findings/<int:finding_id>/closing")
@requires("finding.manage")
def close(finding_id: int):
    get_finding(current_user, finding_id)
    one_button(lambda: findings.close_finding(current_user, finding_id, {
        "verification": request.form.get("verification", "")}), _("Finding verified and closed."),
        flash_refusals=True)
    return redirect(url_for("findings.show", finding_id=finding_id))


@bp.post("/findings/<int:finding_id>/reopening")
@requires("finding.manage")
def reopen(finding_id: int):
    get_finding(current_user, finding_id)
    one_button(lambda: findings.reopen_finding(current_user, finding_id, {
        "reason": request.form.get("reason", ""), "due_on": request.form.get("due_on", "")}),
        _("Finding reopened."), flash_refusals=True)
    return redirect(url_for("findings.show", finding_id=finding_id))


@bp.get("/findings/<int:finding_id>/evidence/<int:evidence_id>")
@requires(*FINDING_READERS)
def evidence(finding_id: int, evidence_id: int):
    f = findings.get_evidence(current_user, finding_id, evidence_id)
    response = send_file(io.BytesIO(f.content), mimetype=f.media_type, as_attachment=True, download_name=f.filename,
                         etag=f.sha256)
    response.headers["Cache-Control"] = "no-store"
    return response


# ---------------------------------------------------------------- subcontract approval conditions


@bp.post("/approval-conditions/<int:entrustment_id>/closing")
@requires("entrustment.decide")
def approval_close(entrustment_id: int):
    one_button(lambda: obligations.close_approval_conditions(current_user, entrustment_id, {
        "closing": request.form.get("closing", ""), "note": request.form.get("note", "")}), _("Recorded."),
        flash_refusals=True)
    return redirect(url_for("findings.obligations_page"))


@bp.post("/approval-conditions/<int:entrustment_id>/due")
@requires("entrustment.decide")
def approval_due(entrustment_id: int):
    one_button(lambda: obligations.set_approval_due(current_user, entrustment_id, {
        "due_on": request.form.get("due_on", "")}), _("Due date set."), flash_refusals=True)
    return redirect(url_for("findings.obligations_page"))
