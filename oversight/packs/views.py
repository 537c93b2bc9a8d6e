"""The evidence-pack pages: a contractor's packs (choose the period, build), one pack (progress, download)."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, flash, make_response, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from oversight import permissions as perm
from oversight.errors import Forbidden, ValidationFailed
from oversight.forms import ActionForm, flash_form_expired
from oversight.packs import services
from oversight.registry.seen import get_organisation
from oversight.timeutil import today_jst

bp = Blueprint("packs", __name__)
REFRESH_SECONDS = 3


def job_summary(job) -> str:
    """What a finished pack job did, for the jobs page."""
    result = job.result or {}
    if "files" not in result:
        return ""
    return _("Evidence pack built: %(files)s files, %(size)s bytes.", files=result["files"],
             size=f"{result.get('size') or 0:,}")


def job_link(job) -> str | None:
    """The pack's page, from the jobs page."""
    pack_id = (job.params or {}).get("pack_id")
    return url_for("packs.show", pack_id=pack_id) if pack_id else None


def _contractor(organisation_id: int):
    org = get_organisation(current_user, organisation_id)
    if org.id == current_user.organisation_id:
        raise Forbidden(services.OWN_ORGANISATION)
    return org


def _contractor_page(organisation_id: int, *, errors: dict | None = None, values: dict | None = None, status=200):
    perm.require(current_user, "pack.build")
    org = _contractor(organisation_id)
    today = today_jst()
    values = values or {"period_from": (today - timedelta(days=365)).isoformat(), "period_to": today.isoformat()}
    packs = services.list_packs(current_user, contractor_id=org.id)
    html = render_template("packs/contractor.html", org=org, packs=packs, values=values, errors=errors or {},
                           form=ActionForm())
    response = make_response(html, status)
    if any(p.status in ("queued", "running") for p in packs):
        response.headers["Refresh"] = str(REFRESH_SECONDS)
    return response


@bp.get("/organisations/<int:organisation_id>/evidence-packs")
@login_required
def contractor(organisation_id: int):
    return _contractor_page(organisation_id)


@bp.post("/organisations/<int:organisation_id>/evidence-packs")
@login_required
def build(organisation_id: int):
    perm.require(current_user, "pack.build")
    _contractor(organisation_id)  # another tenant's: 404 before anything; one's own: 403
    if not ActionForm().validate_on_submit():
        flash_form_expired()
        return redirect(url_for("packs.contractor", organisation_id=organisation_id))
    data = {"contractor_id": organisation_id, "period_from": request.form.get("period_from", ""),
            "period_to": request.form.get("period_to", "")}
    try:
        pack = services.request_pack(current_user, data)
    except ValidationFailed as error:
        return _contractor_page(organisation_id, errors=error.errors, values=data, status=422)
    flash(_("The evidence pack is being built; this page shows its progress."), "success")
    return redirect(url_for("packs.show", pack_id=pack.id))


@bp.get("/evidence-packs/<int:pack_id>")
@login_required
def show(pack_id: int):
    pack = services.get_pack(current_user, pack_id)
    response = make_response(render_template("packs/show.html", pack=pack, job=pack.job))
    if pack.status in ("queued", "running"):
        response.headers["Refresh"] = str(REFRESH_SECONDS)
    return response


@bp.get("/evidence-packs/<int:pack_id>/download")
@login_required
def download(pack_id: int):
    pack, path = services.open_download(current_user, pack_id)
    return send_file(path, mimetype="application/zip", as_attachment=True, download_name=pack.download_name,
                     conditional=False, etag=False)
