"""A real `flask worker` process runs the jobs: on the SQLite queue file always, and on Redis when it is reachable
(TEST_REDIS_URL, which .ci/run sets, makes Redis required). Huey's immediate mode, used elsewhere, would hide
what only a real consumer shows: the job's id crossing the queue serialised, the worker's own app context and
database connection, and a worker killed in the middle of a job."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis

from oversight import uow
from oversight.config import REPO_ROOT
from oversight.extensions import db
from oversight.jobs import queue, services
from oversight.jobs.models import Job
from tests.factories import gen_organisation, gen_user
from tests.helpers import text_of

WAIT = 90  # seconds: a worker starts Python and imports the app (slow on a busy machine)
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"


def _redis_url() -> str:
    url = os.environ.get("TEST_REDIS_URL") or os.environ.get("REDIS_URL") or DEFAULT_REDIS
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        if os.environ.get("TEST_REDIS_URL"):
            pytest.fail(f"TEST_REDIS_URL={url} is set but Redis does not answer: {error}")
        pytest.skip(f"no Redis at {url}: {error}")
    return url


@pytest.fixture(params=["sqlite", "redis"])
def worker_env(request, app, tmp_path, monkeypatch):
    """The queue the test submits to and its worker consumes: a SQLite file of the test's own, or a Redis queue
    of a name of its own."""
    name = f"oversight-test-{uuid.uuid4().hex[:10]}"
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "TEST_WORKER_QUEUE_NAME": name,
           "TEST_WORKER_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"]}
    env.pop("TEST_WORKER_REDIS_URL", None)
    monkeypatch.setitem(app.config, "JOBS_IMMEDIATE", False)
    monkeypatch.setitem(app.config, "JOB_QUEUE_NAME", name)
    if request.param == "redis":
        url = _redis_url()
        env["TEST_WORKER_REDIS_URL"] = url
        monkeypatch.setitem(app.config, "REDIS_URL", url)
    else:
        path = str(tmp_path / "job-queue.db")
        env["TEST_WORKER_QUEUE_PATH"] = path
        monkeypatch.setitem(app.config, "JOB_QUEUE_PATH", path)
    yield env
    queue.get(app).flush()  # nothing of this test's queue is left in Redis


class Worker:
    """`flask worker` in a process of its own, its output in a file."""

    def __init__(self, env: dict, log: Path):
        self.log = log
        with open(log, "ab") as out:
            self.process = subprocess.Popen(  # noqa: S603
                [sys.executable, "-m", "flask", "--app", "tests.jobs.worker_app:create_app", "worker"],
                env=env, cwd=REPO_ROOT, stdout=out, stderr=subprocess.STDOUT)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def kill(self) -> None:
        self.process.kill()  # SIGKILL: no chance to clean up, as when the machine or the OOM killer stops it
        self.process.wait(timeout=WAIT)

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=WAIT)


def wait_for(condition, what: str, worker: Worker):
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        if worker.process.poll() is not None:
            raise AssertionError(f"the worker ended (status {worker.process.returncode}) while waiting for {what}:\n"
                                 + worker.output())
        time.sleep(0.1)
    raise AssertionError(f"waited {WAIT}s for {what}; the worker said:\n{worker.output()}")


def job_row(job_id: int) -> Job:
    """The job as the database has it now (read without holding SQLite's write lock, which the worker needs)."""
    db.session.rollback()
    with uow.read_only():
        job = db.session.get(Job, job_id)
        db.session.refresh(job)
        db.session.expunge(job)
    return job


@pytest.fixture
def staff():
    return gen_user(gen_organisation("さくらホールディングス株式会社"), role="procurement")


def test_a_real_worker_runs_jobs_to_success_and_a_failing_one_says_why_until_retried(worker_env, staff, tmp_path):
    worker = Worker(worker_env, tmp_path / "worker.log")
    try:
        cured = tmp_path / "cured"
        counted = services.submit(staff, "test.count", {"steps": 3}).id
        failing = services.submit(staff, "test.count", {"steps": 2, "fail_at": 2, "cured": str(cured)}).id

        done = wait_for(lambda: (j := job_row(counted)).status == "succeeded" and j, "the job to succeed", worker)
        assert (done.done, done.total, done.attempts, done.result) == (3, 3, 1, {"counted": 3, "by": staff.email})
        failed = wait_for(lambda: (j := job_row(failing)).status == "failed" and j, "the job to fail", worker)
        assert (failed.done, failed.error) == (1, "step 2 of 2: the partner system is not answering")

        cured.touch()
        services.retry(staff, failing)
        retried = wait_for(lambda: (j := job_row(failing)).status == "succeeded" and j, "the retry", worker)
        assert (retried.done, retried.attempts, retried.error) == (2, 2, None)
    finally:
        status = worker.stop()
    assert status == 0, worker.output()


def test_a_job_whose_worker_is_killed_runs_again_when_a_worker_starts(worker_env, staff, tmp_path, make_client):
    release = tmp_path / "release"
    first = Worker(worker_env, tmp_path / "first.log")
    try:
        job_id = services.submit(staff, "test.wait", {"release": str(release)}).id
        running = wait_for(lambda: (j := job_row(job_id)).done == 1 and j, "the job to start", first)
        assert running.status == "running" and running.worker.endswith(f":{first.process.pid}")
        client = make_client()
        client.login(staff.email)
        page = client.get(f"/jobs/{job_id}")
        assert "実行中" in text_of(page) and "1 / 2" in text_of(page) and "waiting" in text_of(page)
        assert page.headers["Refresh"]
    finally:
        first.kill()
    assert job_row(job_id).status == "running"  # nobody is left to say otherwise

    release.touch()
    second = Worker(worker_env, tmp_path / "second.log")
    try:
        finished = wait_for(lambda: (j := job_row(job_id)).status == "succeeded" and j, "the job to run again", second)
        assert (finished.attempts, finished.done, finished.result) == (2, 2, {"released": True})
        assert finished.worker.endswith(f":{second.process.pid}")
        assert "1 re-queued after their worker stopped" in second.output()
    finally:
        assert second.stop() == 0, second.output()
