"""The task queue under the jobs: Huey, with its storage in the instance folder (SQLite, no server) or in Redis
when REDIS_URL is set (several workers on several machines). Tests run it in Huey's immediate mode.

The queue carries only a job's id; the worker's task opens its own app context and runs the job from the table
(run.execute). The queue is built on first use, so a web process that never submits never opens it.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app
from huey import Huey, RedisHuey, SqliteHuey

TASK_NAME = "oversight.jobs.run"


def _settings(app: Flask) -> tuple:
    config = app.config
    path = config.get("JOB_QUEUE_PATH") or str(Path(app.instance_path) / "job-queue.db")
    return (bool(config.get("JOBS_IMMEDIATE")), config.get("REDIS_URL") or "", path,
            config.get("JOB_QUEUE_NAME") or "oversight")


def storage_name(app: Flask | None = None) -> str:
    """Where the queue lives, for the log: immediate, redis://… or the SQLite file."""
    immediate, redis_url, path, name = _settings(app or current_app)
    return "immediate (in the caller)" if immediate else f"{redis_url or path} (queue {name})"


def build(app: Flask) -> Huey:
    """A Huey queue for this configuration, with the one task that runs a job."""
    immediate, redis_url, path, name = _settings(app)
    if immediate:
        huey = Huey(name, immediate=True, results=False)  # memory storage, the task runs inside enqueue()
    elif redis_url:
        huey = RedisHuey(name, url=redis_url, results=False)
    else:
        huey = SqliteHuey(name, filename=path, results=False)

    @huey.task(name=TASK_NAME)
    def run_job(job_id: int) -> None:
        from oversight.jobs import run

        with app.app_context():  # a consumer thread has none: each job gets its own (and its own session)
            run.execute(job_id)

    huey.run_job = run_job
    return huey


def get(app: Flask | None = None) -> Huey:
    """The app's queue, built on first use (and again if the configuration named another one: tests)."""
    app = app or current_app._get_current_object()
    settings = _settings(app)
    cached = app.extensions.get("jobs_queue")
    if cached is None or cached[0] != settings:
        cached = (settings, build(app))
        app.extensions["jobs_queue"] = cached
    return cached[1]


def send(job_id: int) -> None:
    """Put a job's id on the queue (in immediate mode: run it now)."""
    queue = get()
    queue.enqueue(queue.run_job.s(job_id))
