"""Running a job in the worker: claim it, run its kind's handler as the user who started it, record progress and
the outcome; and finding jobs whose worker died, to queue them again.

A job is claimed by one conditional update (queued → running), so a message delivered twice (a re-send, two
workers) runs it once. A worker killed in the middle leaves its job running: the next worker to start on that
host sees that the process is gone, another host's worker or the clock sees that its heartbeat stopped
(JOB_LEASE_SECONDS), and the job is queued again (its attempts count on; its handler must be safe to run again,
as the importer is: it applies a file once).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from datetime import timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from oversight import uow
from oversight.accounts.system import SystemActor
from oversight.errors import DomainError
from oversight.extensions import db
from oversight.jobs import kinds, queue
from oversight.jobs.models import Job
from oversight.timeutil import utcnow

log = logging.getLogger("oversight.jobs")
PROGRESS_INTERVAL = 0.5  # seconds: progress is written at most this often (and always at the end)
_running: set[int] = set()  # ids of the jobs this process runs now (the heartbeat renews them)


def worker_id() -> str:
    """This process, as a job records who runs it: host:pid."""
    return f"{socket.gethostname()}:{os.getpid()}"


class JobFailed(DomainError):
    """A job that cannot run; its message is the reason shown on the jobs page."""

    status = 409
    code = "job_failed"


class JobRun:
    """What a handler gets: the job's parameters, the user who started it, and `progress` to report how far it is."""

    def __init__(self, job: Job, attempt: int):
        self.job_id = job.id
        self.attempt = attempt
        self.params = dict(job.params or {})
        self.actor = job.user
        self.done, self.total, self.message = 0, job.total, ""
        self._written = 0.0

    def progress(self, done: int, total: int | None = None, message=None) -> None:
        """Record that `done` of `total` steps are done (and what is happening, in words)."""
        self.done = max(0, int(done))
        if total is not None:
            self.total = int(total)
        if message is not None:
            self.message = str(message)[:500]
        finished = self.total is not None and self.done >= self.total
        if finished or time.monotonic() - self._written >= PROGRESS_INTERVAL:
            self.flush()

    def flush(self) -> bool:
        """Write the progress now, in a short transaction of its own so that the page sees it while the work goes
        on. On SQLite not while the handler's own transaction is open: it holds the one write lock, and the
        progress shows when that step ends."""
        if db.engine.dialect.name == "sqlite" and db.session().in_transaction():
            return False
        with db.engine.begin() as connection:
            connection.execute(update(Job).where(Job.id == self.job_id, Job.status == "running",
                                                 Job.attempts == self.attempt)
                               .values(done=self.done, total=self.total, message=self.message,
                                       heartbeat_at=utcnow()))
        self._written = time.monotonic()
        return True


def _language(user) -> str:
    return (getattr(user, "locale", "") or "ja_JP") if user is not None else "ja_JP"


def _reason(error: Exception) -> str:
    if isinstance(error, DomainError):
        details = [str(m) for messages in (error.errors or {}).values() for m in messages]
        text = str(error.message)
        return "\n".join([text, *[d for d in details if d != text]])
    return str(_l("The job stopped on an unexpected error (%(error)s). It can be retried; if it fails again, "
                  "the operators find the details in the worker's log.", error=type(error).__name__))


def execute(job_id: int) -> str:
    """Run one job: the worker's task. Returns what became of it: succeeded, failed, or skipped (not queued:
    another worker has it, or it is finished)."""
    now = utcnow()
    claimed = db.session.execute(
        update(Job).where(Job.id == job_id, Job.status == "queued")
        .values(status="running", attempts=Job.attempts + 1, worker=worker_id(), heartbeat_at=now, started_at=now,
                finished_at=None, error=None, result=None, done=0, message="")
        .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    if claimed != 1:
        return "skipped"
    job = db.session.get(Job, job_id)
    run = JobRun(job, job.attempts)
    kind = kinds.kind(job.kind)
    _running.add(job_id)
    with force_locale(_language(run.actor)):
        try:
            if kind is None:
                raise JobFailed(_l("This worker does not know jobs of the kind “%(kind)s”.", kind=job.kind))
            if run.actor is None and kind.system and job.user_id is None and job.user_name.startswith("system:"):
                run.actor = SystemActor(name=job.user_name.removeprefix("system:"))  # submitted by the clock
            elif run.actor is None or not run.actor.is_enabled:
                raise JobFailed(_l("The account that started this job is disabled or deleted, so it does not run."))
            db.session.commit()  # end the read: on SQLite an open transaction holds the write lock
            result = kind.handler(run)
        except Exception as error:
            db.session.rollback()
            if not isinstance(error, DomainError):
                log.exception("job %s (%s) failed", job_id, job.kind)
            return _finish(run, "failed", error=_reason(error))
        finally:
            _running.discard(job_id)
        return _finish(run, "succeeded", result=result)


def _finish(run: JobRun, status: str, *, error: str | None = None, result: dict | None = None) -> str:
    values = {"status": status, "finished_at": utcnow(), "heartbeat_at": utcnow(), "message": run.message,
              "done": run.total if status == "succeeded" and run.total is not None else run.done,
              "total": run.total, "error": error, "result": result}
    finished = db.session.execute(
        update(Job).where(Job.id == run.job_id, Job.status == "running", Job.attempts == run.attempt)
        .values(**values).execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    if not finished:
        log.warning("job %s: attempt %s finished after it was queued again; its outcome is not recorded",
                    run.job_id, run.attempt)
    return status


def _process_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    try:  # a killed child its parent has not reaped yet still answers
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except (OSError, IndexError):
        return False


def abandoned(job: Job, now, lease: timedelta) -> bool:
    """Whether a running job's worker is gone: on this host, its process has ended; elsewhere, its heartbeat is
    older than the lease."""
    host, _, pid = (job.worker or "").rpartition(":")
    if host == socket.gethostname() and pid.isdigit():
        return _process_gone(int(pid))
    beat = job.heartbeat_at or job.started_at
    return beat is None or beat < now - lease


def requeue_abandoned() -> str:
    """Queue again the jobs whose worker died, and send again the jobs queued long ago that no worker took (their
    message lost: Redis restarted without persistence, a queue file deleted). A message sent twice is harmless."""
    config = current_app.config
    now = utcnow()
    lease = timedelta(seconds=float(config["JOB_LEASE_SECONDS"]))
    requeued = []
    for job in db.session.scalars(select(Job).where(Job.status == "running")).all():
        if abandoned(job, now, lease):
            with force_locale(_language(job.user)):
                message = str(_l("The worker running this job stopped; it is queued again."))
            moved = db.session.execute(
                update(Job).where(Job.id == job.id, Job.status == "running", Job.attempts == job.attempts)
                .values(status="queued", worker="", enqueued_at=now, message=message)
                .execution_options(synchronize_session=False)).rowcount
            if moved:
                requeued.append(job.id)
    resend_before = now - timedelta(seconds=float(config["JOB_RESEND_SECONDS"]))
    stale = db.session.scalars(select(Job.id).where(Job.status == "queued", Job.enqueued_at < resend_before)).all()
    if stale:
        db.session.execute(update(Job).where(Job.id.in_(stale), Job.status == "queued").values(enqueued_at=now)
                           .execution_options(synchronize_session=False))
    db.session.commit()
    for job_id in [*requeued, *stale]:
        queue.send(job_id)
    return f"{len(requeued)} re-queued after their worker stopped, {len(stale)} sent again"


def heartbeat() -> int:
    """Renew the lease of the jobs this process runs (best effort: on SQLite a long write elsewhere may hold the
    lock, and the beat is skipped)."""
    running = list(_running)
    if not running:
        return 0
    uow.write_apart(update(Job).where(Job.id.in_(running), Job.worker == worker_id(), Job.status == "running")
                    .values(heartbeat_at=utcnow()))
    return len(running)


def start_heartbeat(app, stop: threading.Event) -> threading.Thread:
    """A daemon thread renewing this process's jobs every third of the lease until `stop` is set."""
    interval = max(1.0, float(app.config["JOB_LEASE_SECONDS"]) / 3)

    def beat():
        while not stop.wait(interval):
            with app.app_context():
                try:
                    heartbeat()
                except Exception:  # noqa: BLE001 - a missed beat is retried; the worker must go on
                    log.exception("jobs: heartbeat failed")

    thread = threading.Thread(target=beat, name="job-heartbeat", daemon=True)
    thread.start()
    return thread
