"""/api/v1/jobs: the jobs the caller may see, one job with its progress and outcome, and the retry of a failed one.
The same services and visibility as the jobs page."""

from __future__ import annotations

from flask_babel import get_locale
from marshmallow import Schema, fields

from oversight.api.base import ID, WRITE_ERRORS, ApiBlueprint, actor, documented
from oversight.jobs import kinds, services
from oversight.jobs.models import JOB_STATUS
from oversight.jobs.views import describe

blp = ApiBlueprint("jobs_api", __name__, url_prefix="/jobs",
                   description="Long work run by the background worker: progress, outcome, retry.")


class JobSchema(Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"example": "registry-import"})
    kind_label = fields.String(metadata={"example": "登録簿の取込み"})
    status = fields.String(metadata={"enum": JOB_STATUS.codes})
    done = fields.Integer(metadata={"description": "steps done (rows applied, …)"})
    total = fields.Integer(allow_none=True, metadata={"description": "steps in all, when known"})
    percent = fields.Integer(allow_none=True)
    message = fields.String(metadata={"description": "what the job is doing, in words"})
    error = fields.String(allow_none=True, metadata={"description": "why a failed job failed"})
    summary = fields.String(metadata={"description": "what a finished job did, in words"})
    result = fields.Dict(allow_none=True)
    params = fields.Dict()
    attempts = fields.Integer()
    started_by = fields.String()
    created_at = fields.DateTime()
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)


class JobListSchema(Schema):
    items = fields.List(fields.Nested(JobSchema))


def _body(job) -> dict:
    locale = get_locale()
    lang = "ja" if locale is None or locale.language == "ja" else "en"
    return {"id": job.id, "kind": job.kind, "kind_label": kinds.label(job.kind, lang), "status": job.status,
            "done": job.total if job.status == "succeeded" and job.total else job.done, "total": job.total,
            "percent": job.percent, "message": job.message, "error": job.error,
            "summary": describe(job)["summary"], "result": job.result, "params": job.params,
            "attempts": job.attempts, "started_by": job.user_name, "created_at": job.created_at,
            "started_at": job.started_at, "finished_at": job.finished_at}


@blp.route("")
@blp.response(200, JobListSchema)
@documented()
def list_jobs():
    """The jobs the caller may see, newest first (its own; an admin's: its organisation's)"""
    return {"items": [_body(job) for job in services.list_jobs(actor())]}


@blp.route(f"/<{ID}:job_id>")
@blp.response(200, JobSchema)
@documented()
def get_job(job_id: int):
    """One job: its status, progress, and outcome or reason for failing"""
    return _body(services.get_job(actor(), job_id))


@blp.route(f"/<{ID}:job_id>/retry", methods=["POST"])
@blp.response(200, JobSchema)
@documented(errors=WRITE_ERRORS)
def retry_job(job_id: int):
    """Queue a failed job again"""
    return _body(services.retry(actor(), job_id))
