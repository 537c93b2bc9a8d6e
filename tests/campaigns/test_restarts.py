"""Nothing lost, nothing twice: a scheduler killed in the middle of a campaign and started again opens every audit
once and mails each once; two schedulers started at the same moment do the same; the reminders likewise."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import select

from audits import campaigns
from audits.audit_models import Audit
from audits.audit_reminders import send_due_reminders
from oversight.extensions import db
from oversight.incidents.art26.deadlines import JST
from oversight.outbox import services as outbox
from oversight.outbox.models import OutboxMessage
from tests.campaigns.world import gen_audit_world, gen_due_vendors

VENDORS = 7


class Killed(BaseException):
    """The process dies (SIGKILL): nothing after it runs, what was not committed is lost."""


@pytest.fixture
def world():
    w = gen_audit_world()
    w.more = gen_due_vendors(w, VENDORS)
    return w


def stored():
    db.session.expire_all()
    return db.session.scalars(select(Audit)).all(), db.session.scalars(select(OutboxMessage.key)).all()


def assert_each_once(audits, keys):
    assert len(audits) == VENDORS + 1
    assert Counter((a.auditor_id, a.entrustment_id) for a in audits).most_common(1)[0][1] == 1
    assert Counter(keys).most_common(1)[0][1] == 1
    assert sorted(k for k in keys if k.endswith(":opened")) == sorted(f"audit:{a.id}:opened" for a in audits)


def test_a_scheduler_killed_mid_campaign_and_restarted_loses_no_audit_and_mails_none_twice(world, monkeypatch):
    real, calls = campaigns._create, []

    def dies_on_the_fifth(*args, **kwargs):
        calls.append(1)
        if len(calls) == 5:
            raise Killed
        return real(*args, **kwargs)

    monkeypatch.setattr(campaigns, "_create", dies_on_the_fifth)
    monkeypatch.setattr(campaigns, "BATCH", 2)
    from audits.schedule import due_to_open

    with pytest.raises(Killed):
        campaigns.open_rows(due_to_open(), batch=2)
    audits, keys = stored()
    assert len(audits) == 4 and len(keys) == 4  # two batches committed; the third died with its work
    monkeypatch.setattr(campaigns, "_create", real)
    again = campaigns.open_due_audits()  # the restarted scheduler
    assert len(again.opened) == VENDORS + 1 - 4
    assert_each_once(*stored())


def test_two_schedulers_started_at_once_open_and_mail_each_audit_once(app, world):
    db.session.commit()
    errors, results = [], []

    def scheduler():
        with app.app_context():
            try:
                results.append(campaigns.open_due_audits())
            except Exception as error:  # noqa: BLE001 - surfaced below: an assertion in a thread would be lost
                errors.append(error)

    threads = [threading.Thread(target=scheduler) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert sum(len(r.opened) for r in results) == VENDORS + 1
    assert_each_once(*stored())


def _at_first_stage():
    audits, _keys = stored()
    return datetime.combine(min(a.due_on for a in audits) - timedelta(days=1), time(9), JST)


def test_reminders_killed_mid_sweep_and_sent_again_go_out_once(world, monkeypatch):
    campaigns.open_due_audits()
    now = _at_first_stage()
    real, calls = outbox.enqueue, []

    def dies_on_the_third(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise Killed
        return real(*args, **kwargs)

    monkeypatch.setattr(outbox, "enqueue", dies_on_the_third)
    with pytest.raises(Killed):
        send_due_reminders(now)
    assert [k for k in stored()[1] if not k.endswith(":opened")] == []  # the sweep's one transaction was lost
    monkeypatch.setattr(outbox, "enqueue", real)
    first = send_due_reminders(now)
    assert first > 2 and send_due_reminders(now) == 0
    assert Counter(stored()[1]).most_common(1)[0][1] == 1


def test_two_schedulers_sweeping_reminders_at_once_queue_each_once(app, world):
    campaigns.open_due_audits()
    now = _at_first_stage()
    db.session.commit()
    errors, counts = [], []

    def scheduler():
        with app.app_context():
            try:
                counts.append(send_due_reminders(now))
            except Exception as error:  # noqa: BLE001
                errors.append(error)

    threads = [threading.Thread(target=scheduler) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    _audits, keys = stored()
    assert Counter(keys).most_common(1)[0][1] == 1
    assert len([k for k in keys if not k.endswith(":opened")]) >= 2
