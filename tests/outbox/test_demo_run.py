"""`make run` shows a newcomer the demo's mail: it runs the web server and exactly one clock beside it, the clock
queues and delivers mail, Ctrl-C stops both; and the demo's first sweep queues a reminder."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import select

from oversight import create_app, demo
from oversight.accounts.system import SystemActor
from oversight.config import REPO_ROOT, TestConfig
from oversight.extensions import db
from oversight.outbox import services as outbox
from oversight.outbox.models import OutboxMessage
from oversight.scheduler import run_all_once
from tests.smtp import LocalSMTPServer, free_port

WAIT = 90  # seconds: the processes start Python and import the app (slow on a busy machine)


def wait_for(condition, what: str):
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"waited {WAIT}s for {what}")


def children_of(pid: int) -> dict[int, str]:
    """The launcher's child processes and their command lines (Linux /proc)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return {int(c): Path(f"/proc/{c}/cmdline").read_bytes().replace(b"\0", b" ").decode() for c in children}


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0]
    except FileNotFoundError:
        return False
    return state != "Z"


@pytest.fixture
def fresh_database(tmp_path):
    """A migrated SQLite file of its own, as `make run` prepares (whatever database the suite runs on)."""
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    app = create_app(TestConfig, {"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        outbox.enqueue("welcome", ["privacy@sakura-hd.example"], "【oversight】ようこそ", "デモのメールです。")
        db.session.commit()
        db.engine.dispose()
    return url


def test_the_demo_runs_the_web_server_and_exactly_one_clock_that_delivers_and_both_stop(fresh_database, tmp_path):
    smtp = LocalSMTPServer()
    smtp.start()
    port = free_port()
    queue_path = str(tmp_path / "job-queue.db")
    env = {**os.environ, "DATABASE_URL": fresh_database, "SECRET_KEY": "launcher-test", "MAIL_SERVER": "127.0.0.1",
           "MAIL_PORT": str(smtp.port), "MAIL_FROM": "oversight@sakura-hd.example", "JOB_QUEUE_PATH": queue_path,
           "TRAIL_KEY": TestConfig.TRAIL_KEY}  # the records the test writes and the demo's are one chain
    env.pop("REDIS_URL", None)
    launcher = subprocess.Popen([sys.executable, "-m", "flask", "--app", "oversight", "run-demo",  # noqa: S603
                                 "--port", str(port)], env=env, cwd=REPO_ROOT)
    try:
        [mail] = wait_for(lambda: smtp.messages, "the clock to deliver the queued mail")
        assert mail["Subject"] == "【oversight】ようこそ"
        login = wait_for(lambda: _get(f"http://127.0.0.1:{port}/login"), "the web server")
        assert "oversight" in login

        children = children_of(launcher.pid)
        assert len(children) == 3
        assert sum(" scheduler" in command for command in children.values()) == 1
        assert sum(" run " in command for command in children.values()) == 1
        assert sum(command.rstrip().endswith(" worker") for command in children.values()) == 1
        assert _a_large_import_is_applied_by_the_demos_worker(fresh_database, queue_path) == "succeeded"
    finally:
        launcher.send_signal(signal.SIGINT)  # Ctrl-C
        launcher.wait(timeout=WAIT)
        smtp.stop()
    assert launcher.returncode == 0
    assert not any(alive(pid) for pid in children)


def _a_large_import_is_applied_by_the_demos_worker(database_url: str, queue_path: str) -> str:
    from oversight import uow
    from oversight.jobs import registry_import
    from oversight.jobs.models import Job
    from oversight.registry import importexport
    from tests.factories import corporate_number, gen_organisation, gen_user

    app = create_app(TestConfig, {"SQLALCHEMY_DATABASE_URI": database_url, "JOBS_IMMEDIATE": False,
                                  "JOB_QUEUE_PATH": queue_path, "REDIS_URL": "", "IMPORT_WORKER_ROWS": 1})
    with app.app_context():
        buyer = gen_user(gen_organisation("さくらホールディングス株式会社"), role="procurement")
        rows = "名称 (name),法人番号 (corporate_number)\r\n" + "".join(
            f"委託先{n}株式会社,{corporate_number()}\r\n" for n in range(2))
        batch = importexport.stage_import(buyer, "organisations", "vendors.csv", rows.encode())
        job_id = registry_import.submit_apply(buyer, batch.id).id

        def finished():
            db.session.rollback()
            with uow.read_only():
                status = db.session.scalar(select(Job.status).where(Job.id == job_id))
            return status if status in ("succeeded", "failed") else None

        status = wait_for(finished, "the demo's worker to apply the import")
        db.engine.dispose()
    return status


def _get(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - a local test server
            return response.read().decode()
    except OSError:
        return None


def test_the_first_sweep_after_loading_the_demo_queues_a_reminder_for_the_operator_to_read(app):
    demo.load(SystemActor(name="demo"))
    run_all_once(app)
    reminders = db.session.scalars(select(OutboxMessage).where(OutboxMessage.key.like("incident-reminder:%"))).all()
    assert [m.recipients for m in reminders] == [["soc@toto-system.example"]]
    assert "速報（目安）：期限まで残り2日" in reminders[0].subject
    assert "admin@oversight.example" in demo.login_help() and "/outbox" in demo.login_help()
