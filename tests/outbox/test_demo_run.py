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


def test_the_demo_runs_the_web_server_and_exactly_one_clock_that_delivers_and_both_stop(fresh_database):
    smtp = LocalSMTPServer()
    smtp.start()
    port = free_port()
    env = {**os.environ, "DATABASE_URL": fresh_database, "SECRET_KEY": "launcher-test", "MAIL_SERVER": "127.0.0.1",
           "MAIL_PORT": str(smtp.port), "MAIL_FROM": "oversight@sakura-hd.example"}
    launcher = subprocess.Popen([sys.executable, "-m", "flask", "--app", "oversight", "run-demo",  # noqa: S603
                                 "--port", str(port)], env=env, cwd=REPO_ROOT)
    try:
        [mail] = wait_for(lambda: smtp.messages, "the clock to deliver the queued mail")
        assert mail["Subject"] == "【oversight】ようこそ"
        login = wait_for(lambda: _get(f"http://127.0.0.1:{port}/login"), "the web server")
        assert "oversight" in login

        children = children_of(launcher.pid)
        assert len(children) == 2
        assert sum(" scheduler" in command for command in children.values()) == 1
        assert sum(" run " in command for command in children.values()) == 1
    finally:
        launcher.send_signal(signal.SIGINT)  # Ctrl-C
        launcher.wait(timeout=WAIT)
        smtp.stop()
    assert launcher.returncode == 0
    assert not any(alive(pid) for pid in children)


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
