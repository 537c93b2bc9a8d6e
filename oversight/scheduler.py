"""The clock: one process, `flask scheduler`, runs the registered sweeper jobs at their intervals.

Why one process of its own, never a scheduler started inside the web server: APScheduler 3 keeps its jobs in
the memory of the process that starts it, so every process that starts one runs every job — with four
gunicorn workers each reminder sweep would run four times, the debug reloader starts it twice, and
`gunicorn --preload` forks the workers away from its thread. A job store in the database does not help
(APScheduler 3 cannot share one between processes). So the web processes only write rows (queued mail,
deadlines) and this process sweeps them.

A job picks due work from the app's own tables and handles each item idempotently (an outbox key, a
claim), so a second scheduler started by mistake, or `flask scheduler --once` from cron beside it, wastes a
little work but sends nothing twice. Each area registers its jobs with `register_job` in its init_app.
"""

from __future__ import annotations

import logging
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import click
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask, current_app

from oversight.extensions import db


@dataclass(frozen=True)
class SweeperJob:
    """A function run without arguments inside an app context every `seconds` seconds."""

    name: str
    func: Callable[[], object]
    seconds: int


_jobs: dict[str, SweeperJob] = {}


def register_job(name: str, func: Callable[[], object], seconds: int) -> None:
    """Add a sweeper job, or replace the one registered under `name` (registering again is harmless)."""
    if seconds <= 0:
        raise ValueError(f"job {name}: the interval must be positive, not {seconds}")
    _jobs[name] = SweeperJob(name, func, int(seconds))


def registered_jobs() -> list[SweeperJob]:
    """The registered jobs, in the order they were first registered."""
    return list(_jobs.values())


def run_job(app: Flask, job: SweeperJob) -> bool:
    """Run one job in a fresh app context and log how it went; False if it raised (logged, not re-raised,
    so one failing job does not stop the others or the scheduler)."""
    with app.app_context():
        started = time.monotonic()
        try:
            result = job.func()
        except Exception:
            db.session.rollback()
            app.logger.exception("scheduler: job %s failed", job.name)
            return False
        elapsed = time.monotonic() - started
        app.logger.info("scheduler: job %s done in %.2fs%s", job.name, elapsed,
                        "" if result is None else f": {result}")
        return True


def run_all_once(app: Flask) -> dict[str, bool]:
    """Run every registered job once, one after the other: {name: succeeded}."""
    return {job.name: run_job(app, job) for job in registered_jobs()}


def build_scheduler(app: Flask, scheduler_class: type[BaseScheduler] = BlockingScheduler) -> BaseScheduler:
    """A scheduler (not started) with every registered job, each first due at once."""
    scheduler = scheduler_class(
        timezone=UTC,
        job_defaults={
            "coalesce": True,  # runs missed while the process was busy or asleep become one run
            "max_instances": 1,  # a slow run is never overlapped by the next one
            # The default (1 s) silently skips a run that starts late; a sweep is worth running however late.
            "misfire_grace_time": None,
        },
    )
    for job in registered_jobs():
        scheduler.add_job(run_job, "interval", args=(app, job), seconds=job.seconds, id=job.name, name=job.name,
                          replace_existing=True, next_run_time=datetime.now(UTC))
    return scheduler


ANALYSIS_LIMIT = 100_000  # index entries sampled per index: bounded time however large the tables grow


def analyse_sqlite():
    """SQLite only: refresh the query planner's statistics. Without them it takes any index with an equality for
    selective, and a trail page filtered by kind of object and date over a million records becomes a scan."""
    if db.engine.dialect.name != "sqlite":
        return "not SQLite: nothing to do"
    raw = db.engine.raw_connection()
    try:  # on the DBAPI connection, in autocommit: the write lock is held for a fraction of a second
        raw.driver_connection.execute(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}")
        raw.driver_connection.execute("ANALYZE")
    finally:
        raw.close()
    return "statistics refreshed"


def init_app(app: Flask) -> None:
    """Register `flask scheduler` and the core's own job (the areas register theirs in their init_app)."""
    app.cli.add_command(scheduler_command)
    register_job("sqlite-analyse", analyse_sqlite, 24 * 3600)


def _log_info(app: Flask) -> None:
    if app.logger.level == logging.NOTSET:
        app.logger.setLevel(logging.INFO)


@click.command("scheduler")
@click.option("--once", is_flag=True, help="Run every registered job once and exit (for cron and tests).")
def scheduler_command(once: bool) -> None:
    """Run the sweeper jobs (mail delivery, reminders) in this one process until stopped."""
    app = current_app._get_current_object()
    _log_info(app)
    if once:
        results = run_all_once(app)
        for name, ok in results.items():
            click.echo(f"{name}: {'ok' if ok else 'FAILED (see the log)'}")
        if not all(results.values()):
            sys.exit(1)
        return
    scheduler = build_scheduler(app)
    click.echo("scheduler: " + ", ".join(f"{job.name} every {job.seconds}s" for job in registered_jobs()))

    def _stop(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, _stop)  # as Ctrl+C: let the running job finish before exiting
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        if scheduler.running:
            scheduler.shutdown(wait=True)
    click.echo("scheduler stopped")
