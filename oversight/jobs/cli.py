"""`flask worker`: the Huey consumer that runs the jobs, a process of its own (never inside the web workers)."""

from __future__ import annotations

import logging
import threading

import click
from flask import current_app

from oversight.jobs import queue, run


@click.command("worker")
@click.option("--threads", default=1, show_default=True, type=click.IntRange(1, 32),
              help="Jobs run at once by this process.")
def worker_command(threads: int) -> None:
    """Run the jobs queued for the worker (imports, …) until stopped. One process with the SQLite queue; with
    REDIS_URL as many as you like, on as many machines."""
    app = current_app._get_current_object()
    if app.config.get("JOBS_IMMEDIATE"):
        raise click.UsageError("JOBS_IMMEDIATE is set: jobs run where they are submitted, there is nothing to consume")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    app.logger.setLevel(logging.INFO)
    huey = queue.get(app)
    click.echo(f"worker {run.worker_id()}: queue {queue.storage_name(app)}, {threads} thread(s)")
    with app.app_context():
        click.echo(f"worker: {run.requeue_abandoned()}")
    stop = threading.Event()
    run.start_heartbeat(app, stop)
    # SIGTERM (the launcher, systemd) lets running jobs finish for a while; a job cut short is queued again
    # by the next worker to start.
    # An idle worker looks at the SQLite queue at least every second (Redis wakes it at once).
    consumer = huey.create_consumer(workers=threads, periodic=False, graceful_signal="TERM", max_delay=1.0,
                                    shutdown_timeout=float(app.config["JOB_SHUTDOWN_SECONDS"]))
    try:
        consumer.run()
    finally:
        stop.set()
    click.echo("worker stopped")
