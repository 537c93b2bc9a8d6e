"""The app a real `flask worker` started by the tests serves: the suite's configuration and database (from the
environment), the queue the test names, and the tests' kinds of job."""

from __future__ import annotations

import os

from oversight import create_app as create_oversight_app
from oversight.config import TestConfig


def create_app():
    import tests.jobs.kinds  # noqa: F401 - registers the tests' kinds of job

    return create_oversight_app(TestConfig, {
        "SQLALCHEMY_DATABASE_URI": os.environ["TEST_WORKER_DATABASE_URL"],
        "JOBS_IMMEDIATE": False,
        "REDIS_URL": os.environ.get("TEST_WORKER_REDIS_URL", ""),
        "JOB_QUEUE_PATH": os.environ.get("TEST_WORKER_QUEUE_PATH", ""),
        "JOB_QUEUE_NAME": os.environ["TEST_WORKER_QUEUE_NAME"],
        "JOB_LEASE_SECONDS": 3,
    })
