"""The scheduler's commands deliver queued mail; its jobs run in an app context, never overlapping."""

import time

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import select

from oversight import scheduler
from oversight.extensions import db
from oversight.outbox import services as outbox
from oversight.outbox.models import OutboxMessage

SUBJECT = "【期限のお知らせ】確報の提出期限まであと7日です"


def queue_reminder() -> None:
    outbox.enqueue("reminder:12:final:2026-12-01:7d", ["privacy@sakura-hd.example"], SUBJECT, "本文")
    db.session.commit()


def test_flask_scheduler_once_delivers_the_queued_mail(app, smtp_server):
    queue_reminder()
    result = app.test_cli_runner().invoke(args=["scheduler", "--once"])
    assert result.exit_code == 0, result.output
    assert "outbox-deliver: ok" in result.output
    assert [m["Subject"] for m in smtp_server.messages] == [SUBJECT]


def test_flask_outbox_deliver_prints_the_counts(app, smtp_server):
    queue_reminder()
    result = app.test_cli_runner().invoke(args=["outbox-deliver"])
    assert result.exit_code == 0, result.output
    assert "outbox: sent 1, retried 0, failed 0, recovered 0" in result.output
    assert len(smtp_server.messages) == 1


def test_flask_outbox_deliver_explains_an_unconfigured_mail_server(app):
    queue_reminder()
    result = app.test_cli_runner().invoke(args=["outbox-deliver"])
    assert result.exit_code == 0 and "MAIL_SERVER" in result.output


def test_a_failing_job_is_reported_and_does_not_stop_the_others(app, smtp_server, monkeypatch):
    def broken():
        raise RuntimeError("sweeper bug")

    monkeypatch.setitem(scheduler._jobs, "broken", scheduler.SweeperJob("broken", broken, 60))
    queue_reminder()
    result = app.test_cli_runner().invoke(args=["scheduler", "--once"])
    assert result.exit_code == 1
    assert "broken: FAILED" in result.output and "outbox-deliver: ok" in result.output
    assert len(smtp_server.messages) == 1


def test_registering_a_job_again_replaces_it(monkeypatch):
    monkeypatch.setattr(scheduler, "_jobs", dict(scheduler._jobs))
    scheduler.register_job("reminders", lambda: None, 300)
    scheduler.register_job("reminders", lambda: "new", 600)
    jobs = {job.name: job for job in scheduler.registered_jobs()}
    assert jobs["reminders"].seconds == 600 and jobs["reminders"].func() == "new"
    assert jobs["outbox-deliver"].seconds == 60


def test_jobs_are_coalesced_never_overlap_and_still_run_when_late(app):
    clock = scheduler.build_scheduler(app, BackgroundScheduler)
    clock.start(paused=True)  # the job defaults are applied when the jobs are added to their store
    try:
        job = clock.get_job("outbox-deliver")
        assert job.coalesce is True and job.max_instances == 1 and job.misfire_grace_time is None
        assert job.trigger.interval.total_seconds() == 60
    finally:
        clock.shutdown(wait=True)


def test_the_running_scheduler_delivers_from_its_own_thread_and_app_context(app, smtp_server):
    queue_reminder()
    clock = scheduler.build_scheduler(app, BackgroundScheduler)
    clock.start()
    try:
        deadline = time.monotonic() + 10
        while not smtp_server.messages and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        clock.shutdown(wait=True)
    assert [m["Subject"] for m in smtp_server.messages] == [SUBJECT]
    db.session.expire_all()
    assert db.session.scalars(select(OutboxMessage.status)).all() == ["sent"]
