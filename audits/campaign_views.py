"""Periodic audit pages (blueprint "campaigns"): the list of audits (the auditor's, the vendor's own, those shared
with the organisation), one audit (status, due, tier and reasons, the questionnaire's progress, the checklist,
owner, closing, sharing up the chain), the schedule of tiers and due dates, opening an audit by hand and launching
a campaign. Each view parses, calls one service (audits.campaigns, audits.audit_services, audits.schedule) and
renders or redirects."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from audits import audit_labels, audit_services, campaigns, labels, links, responses, schedule
from audits.audit_visibility import get_audit, is_audited, is_auditor
from oversight import inputs
from oversight import permissions as perm
from oversight.accounts.auth import requires
from oversight.errors import DomainError, ValidationFailed
from oversight.forms import ActionForm, flash_errors, flash_form_expired, one_button
from oversight.timeutil import today_jst

bp = Blueprint("campaigns", __name__)
READERS = ("audit.view", "questionnaire.answer")
bp.context_processor(lambda: {"audit_labels": audit_labels, "labels": labels, "tier_name": tier_name})


def tier_name(code: str) -> str:
    """A tier's label in the page's language (its code when the policy no longer has it)."""
    from flask_babel import get_locale

    try:
        level = schedule.policies()[0].level(code)
    except KeyError:
        return code
    locale = get_locale()
    return level.label.get("ja" if locale is None or locale.language == "ja" else "en")


@bp.get("/audits")
@requires(*READERS)
def audits():
    status = request.args.get("status") or "open"
    kind = request.args.get("kind") or None
    try:
        found = audit_services.list_audits(current_user, status=status, kind=kind)
    except ValidationFailed as error:
        flash_errors(error)
        return redirect(url_for("campaigns.audits"))
    return render_template("campaigns/audits.html", found=found, kind=kind, today=today_jst(),
                           auditor_view=perm.allows(current_user, "audit.view"))


def _audit_page(audit_id: int, errors: dict | None = None, status: int = 200):
    audit = get_audit(current_user, audit_id)
    auditor = is_auditor(current_user, audit)
    runs = auditor and perm.allows(current_user, "audit.run")
    r = audit.request
    score = responses.current_score(r) if r is not None and auditor else None
    answered = responses.progress(score) if score is not None else None
    above = audit_services.chain_above(audit) if runs else []
    return render_template(
        "campaigns/audit.html", audit=audit, auditor=auditor, runs=runs, vendor_view=is_audited(current_user, audit),
        request_=r, answered=answered, today=today_jst(), errors=errors or {},
        links=links.links_of(current_user, r.id) if runs and r is not None else [],
        owners=audit_services.owner_choices(current_user, audit) if runs else [],
        above=audit_services.organisation_names(above),
        shared_with=audit_services.organisation_names([s.organisation_id for s in audit.shares]) if auditor else {},
        form=ActionForm()), status


@bp.get("/audits/<int:audit_id>")
@requires(*READERS)
def audit_page(audit_id: int):
    return _audit_page(audit_id)


def _post(audit_id: int, use_case, success: str, anchor: str = ""):
    """A form on the audit page: refusals of the fields re-render the page (422), others flash."""
    get_audit(current_user, audit_id)
    if not ActionForm().validate_on_submit():
        flash_form_expired()
        return redirect(url_for("campaigns.audit_page", audit_id=audit_id) + anchor)
    try:
        use_case()
    except ValidationFailed as error:
        return _audit_page(audit_id, {k: [str(m) for m in v] for k, v in error.errors.items()}, 422)
    except DomainError as error:
        if error.status in (403, 404):
            raise
        flash(str(error.message), "error")
    else:
        flash(success, "success")
    return redirect(url_for("campaigns.audit_page", audit_id=audit_id) + anchor)


@bp.post("/audits/<int:audit_id>/checklist")
@requires("audit.run")
def checklist(audit_id: int):
    audit = get_audit(current_user, audit_id)
    items = {i["id"]: {"result": request.form.get(f"result.{i['id']}", ""), "note": request.form.get(
        f"note.{i['id']}", "")} for i in audit.checklist if f"result.{i['id']}" in request.form}
    return _post(audit_id, lambda: audit_services.record_checklist(current_user, audit_id, {"items": items}),
                 _("Checklist recorded."), "#checklist")


@bp.post("/audits/<int:audit_id>/close")
@requires("audit.run")
def close(audit_id: int):
    data = {"conclusion": request.form.get("conclusion", ""), "share_upward": "share_upward" in request.form}
    return _post(audit_id, lambda: audit_services.close_audit(current_user, audit_id, data), _("Audit closed."))


@bp.post("/audits/<int:audit_id>/share")
@requires("audit.run")
def share(audit_id: int):
    ids = [inputs.object_id(v) or 0 for v in request.form.getlist("organisation_id")]
    return _post(audit_id, lambda: audit_services.share_audit(current_user, audit_id, {"organisation_ids": ids}),
                 _("Audit result shared up the chain."), "#shares")


@bp.post("/audits/<int:audit_id>/owner")
@requires("audit.run")
def owner(audit_id: int):
    data = {"owner_id": request.form.get("owner_id", "")}
    return _post(audit_id, lambda: audit_services.assign_owner(current_user, audit_id, data), _("Owner recorded."))


@bp.post("/audits/<int:audit_id>/cancel")
@requires("audit.run")
def cancel(audit_id: int):
    data = {"reason": request.form.get("reason", "")}
    return _post(audit_id, lambda: audit_services.cancel_audit(current_user, audit_id, data), _("Audit cancelled."))


@bp.post("/audits/<int:audit_id>/links")
@requires("audit.run")
def link_create(audit_id: int):
    audit = get_audit(current_user, audit_id)
    if not ActionForm().validate_on_submit():
        flash_form_expired()
    elif audit.request_id is None:
        flash(_("This audit has no questionnaire."), "error")
    else:
        try:
            link, secret = links.create_link(current_user, audit.request_id, {
                "recipient": request.form.get("recipient", ""), "days": request.form.get("days", "")})
        except ValidationFailed as error:
            flash_errors(error)
        except DomainError as error:
            if error.status in (403, 404):
                raise
            flash(str(error.message), "error")
        else:
            address = url_for("audits.link_page", token=secret, _external=True)
            flash(_("Link for %(name)s (shown only now; send it yourself): %(url)s", name=link.recipient,
                    url=address), "success")
    return redirect(url_for("campaigns.audit_page", audit_id=audit_id) + "#links")


@bp.post("/audits/<int:audit_id>/links/<int:link_id>/revoke")
@requires("audit.run")
def link_revoke(audit_id: int, link_id: int):
    audit = get_audit(current_user, audit_id)
    one_button(lambda: links.revoke_link(current_user, audit.request_id or 0, link_id), _("Link revoked."),
               flash_refusals=True)
    return redirect(url_for("campaigns.audit_page", audit_id=audit_id) + "#links")


# ---------------------------------------------------------------- the schedule, opening by hand, campaigns


@bp.get("/audit-schedule")
@requires("audit.view")
def schedule_page():
    tier = request.args.get("tier") or None
    within = request.args.get("within") or None
    within_days = inputs.object_id(within) if within else None
    view = schedule.schedule(current_user, tier=tier, within_days=within_days)
    tiers, _campaign = schedule.policies()
    return render_template("campaigns/schedule.html", view=view, tiers=tiers, tier=tier, within=within_days,
                           form=ActionForm())


@bp.post("/entrustments/<int:entrustment_id>/audits")
@requires("audit.run")
def open_(entrustment_id: int):
    if not ActionForm().validate_on_submit():
        flash_form_expired()
        return redirect(url_for("registry.entrustment", entrustment_id=entrustment_id))
    data = {k: request.form.get(k, "") for k in ("kind", "due_on")}
    try:
        audit = campaigns.open_audit(current_user, entrustment_id, data)
    except ValidationFailed as error:
        flash_errors(error)
    except DomainError as error:
        if error.status in (403, 404):
            raise
        flash(str(error.message), "error")
    else:
        flash(_("Audit opened; the vendor has been told."), "success")
        return redirect(url_for("campaigns.audit_page", audit_id=audit.id))
    return redirect(url_for("registry.entrustment", entrustment_id=entrustment_id))


@bp.post("/audit-schedule/campaign")
@requires("audit.run")
def campaign():
    if not ActionForm().validate_on_submit():
        flash_form_expired()
        return redirect(url_for("campaigns.schedule_page"))
    try:
        job = campaigns.launch_campaign(current_user, {"within_days": request.form.get("within_days", "")})
    except ValidationFailed as error:
        flash_errors(error)
    except DomainError as error:
        if error.status in (403, 404):
            raise
        flash(str(error.message), "error")
    else:
        flash(_("Campaign launched: the worker opens the audits; follow it on the jobs page."), "success")
        return redirect(url_for("jobs.show", job_id=job.id))
    return redirect(url_for("campaigns.schedule_page"))
