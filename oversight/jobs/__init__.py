"""Long work in a worker: jobs queued by the web (and the API, the CLI), run by `flask worker`, with their
progress, their outcome and a retry on the jobs page.

`models` (the Job table: the truth about each job), `queue` (Huey: SQLite storage in the instance folder, or
Redis with REDIS_URL), `services` (submit, retry, who sees which), `run` (claiming and running a job in the
worker, re-queuing those whose worker died), `kinds` (what each kind of job does), `views`, `api`, `cli`
(`flask worker`), and the kinds that use it (`registry_import`).
"""


def init_app(app) -> None:
    """Register the jobs page, its API, `flask worker`, the clock's re-queue sweep, who sees which job, and the
    kinds of job."""
    from sqlalchemy import select

    from oversight import permissions as perm
    from oversight import scheduler
    from oversight.api import register_api_blueprint
    from oversight.jobs import api as jobs_api
    from oversight.jobs import registry_import, run
    from oversight.jobs.cli import worker_command
    from oversight.jobs.models import Job
    from oversight.jobs.services import restrict_jobs
    from oversight.jobs.views import bp

    if "jobs" not in app.blueprints:
        app.register_blueprint(bp)
    register_api_blueprint(jobs_api.blp)
    app.cli.add_command(worker_command)
    scheduler.register_job("jobs-requeue", run.requeue_abandoned, 60)
    perm.register_visibility("job", Job.id, lambda actor: restrict_jobs(select(Job.id), actor))
    registry_import.register()
