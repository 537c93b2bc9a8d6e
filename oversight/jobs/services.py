"""Submitting jobs, retrying failed ones, and who sees which: the use cases of the jobs page, its API and the areas
that hand work to the worker.

Who sees a job: the user who started it; an admin of its organisation sees all of that organisation's jobs; an
operator admin (no organisation) sees all. Nobody sees another organisation's jobs, not even that they exist.
"""

from __future__ import annotations

import hashlib
import json
import logging

from flask_babel import lazy_gettext as _l
from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from oversight import inputs, uow
from oversight import permissions as perm
from oversight.errors import Conflict, NotFound, ValidationFailed
from oversight.extensions import db
from oversight.jobs import kinds, queue
from oversight.jobs.models import Job
from oversight.timeutil import utcnow
from oversight.trail import services as trail

log = logging.getLogger("oversight.jobs")
LIST_LIMIT = 100
_PENDING = "jobs_to_send"  # ids of jobs to put on the queue once the transaction that made them commits


def restrict_jobs(query, actor):
    """Limit a Job select to the jobs the actor may see."""
    if perm.is_admin(actor) and actor.organisation_id is None:
        return query
    if perm.is_admin(actor):
        return query.where(Job.organisation_id == actor.organisation_id)
    return query.where(Job.user_id == actor.id)


def job_key(actor, kind: str, key: str | None, params: dict) -> str:
    """The idempotency key of a submission: its kind and the submitter's key (else its parameters), for this
    submitter alone (a colleague's same submission is a job of the colleague's, which only they see)."""
    named = key if key is not None else json.dumps(params, sort_keys=True, ensure_ascii=False)
    return f"{kind}:" + hashlib.sha256(f"user:{actor.id}\n{kind}\n{named}".encode()).hexdigest()


@uow.atomic()
def submit(actor, kind: str, params: dict, *, key: str | None = None, total: int | None = None) -> Job:
    """Queue a job of `kind` with `params` for the worker, started by `actor`; the same submission again (same
    kind and key, or same parameters without a key) is the same job, returned as it is."""
    found = kinds.kind(kind)
    if found is None:
        raise ValidationFailed({"kind": [_l("Unknown kind of job: %(kind)s", kind=kind)]})
    if found.action:
        perm.require(actor, found.action)
    try:
        params = json.loads(json.dumps(params, ensure_ascii=False))
    except (TypeError, ValueError):
        raise ValidationFailed({"params": [_l("The parameters of a job must be JSON.")]}) from None
    full_key = job_key(actor, kind, key, params)
    existing = db.session.scalar(select(Job).where(Job.key == full_key))
    if existing is not None:
        return existing
    job = Job(key=full_key, kind=kind, params=params, organisation_id=actor.organisation_id, user_id=actor.id,
              user_name=getattr(actor, "email", "") or "", status="queued", done=0, total=total, message="",
              attempts=0, worker="", created_at=utcnow(), enqueued_at=utcnow())
    try:
        with uow.savepoint():
            db.session.add(job)
            db.session.flush()
    except IntegrityError:  # submitted at the same moment by another request: that one is the job
        existing = db.session.scalar(select(Job).where(Job.key == full_key))
        if existing is None:
            raise
        return existing
    trail.record(actor, "job_submit", "job", job.id, label=kinds.label(kind, "ja"),
                 after={"kind": kind, "params": params})
    send_after_commit(job.id)
    return job


def get_job(actor, job_id: int) -> Job:
    """One job the actor may see; NotFound for any other (whether it exists or not)."""
    job_id = inputs.object_id(job_id)
    job = job_id and db.session.scalar(restrict_jobs(select(Job).where(Job.id == job_id), actor))
    if job is None:
        raise NotFound(_l("This job does not exist, or you may not see it."))
    return job


def list_jobs(actor, *, limit: int = LIST_LIMIT) -> list[Job]:
    """The jobs the actor may see, newest first."""
    return db.session.scalars(restrict_jobs(select(Job), actor).order_by(Job.id.desc()).limit(limit)).all()


@uow.atomic()
def retry(actor, job_id: int) -> Job:
    """Queue a failed job again (its attempts go on counting); anything but a failed job is refused."""
    job = get_job(actor, job_id)
    if job.status != "failed":
        raise Conflict(_l("Only a failed job can be retried."))
    before = {"status": job.status, "error": job.error, "attempts": job.attempts}
    job.status, job.error, job.result, job.finished_at = "queued", None, None, None
    job.done, job.message, job.worker, job.enqueued_at = 0, "", "", utcnow()
    trail.record(actor, "job_retry", "job", job.id, label=kinds.label(job.kind, "ja"), before=before,
                 after={"status": "queued"})
    send_after_commit(job.id)
    return job


def send_after_commit(job_id: int) -> None:
    """Put the job on the queue when the current transaction commits (a worker must find its row), or never if
    it rolls back."""
    db.session.info.setdefault(_PENDING, []).append(job_id)


@event.listens_for(Session, "after_commit")
def _send_pending(session):
    pending = session.info.pop(_PENDING, None)
    for job_id in pending or ():
        try:
            queue.send(job_id)
        except Exception:  # noqa: BLE001 - the job is stored: the clock sends it again (JOB_RESEND_SECONDS)
            log.exception("jobs: job %s is stored but could not be put on the queue now", job_id)


@event.listens_for(Session, "after_rollback")
def _forget_pending(session):
    session.info.pop(_PENDING, None)
