"""The jobs page: the user's jobs (an admin's: the organisation's) with their progress, outcome and a retry."""

from __future__ import annotations

from flask import Blueprint, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from oversight.forms import ActionForm, flash_form_expired
from oversight.jobs import kinds, services
from oversight.jobs.models import JOB_STATUS

bp = Blueprint("jobs", __name__)
REFRESH_SECONDS = 3  # while a job shown is queued or running, the browser reloads the page (no script needed)


def describe(job) -> dict:
    """What the page shows of a job besides its columns: its kind's name, what it did, where to see it."""
    kind = kinds.kind(job.kind)
    finished = job.status == "succeeded"
    return {"summary": kind.summary(job) if kind and kind.summary and finished else "",
            "link": kind.link(job) if kind and kind.link else None}


def _refreshing(html: str, active: bool):
    response = make_response(html)
    if active:
        response.headers["Refresh"] = str(REFRESH_SECONDS)
    return response


@bp.get("/jobs")
@login_required
def index():
    jobs = services.list_jobs(current_user)
    html = render_template("jobs/index.html", jobs=jobs, statuses=JOB_STATUS, kinds=kinds,
                           described={job.id: describe(job) for job in jobs})
    return _refreshing(html, any(job.active for job in jobs))


@bp.get("/jobs/<int:job_id>")
@login_required
def show(job_id: int):
    job = services.get_job(current_user, job_id)
    html = render_template("jobs/show.html", job=job, statuses=JOB_STATUS, kinds=kinds, about=describe(job),
                           form=ActionForm())
    return _refreshing(html, job.active)


@bp.post("/jobs/<int:job_id>/retry")
@login_required
def retry(job_id: int):
    services.get_job(current_user, job_id)  # another's job: 404 before anything
    if not ActionForm().validate_on_submit():
        flash_form_expired()
    else:
        services.retry(current_user, job_id)
        flash(_("The job is queued again."), "success")
    return redirect(url_for("jobs.show", job_id=job_id))
