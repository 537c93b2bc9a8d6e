"""Mail is queued with the change it reports, sent once through a real SMTP server, retried when the server
is down, and every delay or failure is visible on the message."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from oversight.errors import Conflict, NotFound, ValidationFailed
from oversight.extensions import db
from oversight.outbox import services as outbox
from oversight.outbox.models import OutboxMessage
from oversight.timeutil import utcnow

KEY = "reminder:12:final:2026-12-01:7d"
SUBJECT = "【期限のお知らせ】確報の提出期限まであと7日です（インシデント #12）"
BODY = "さくらホールディングス株式会社\nプライバシー室 御中\n\n確報の提出期限は 2026-12-01 です。\n"


def queue(key=KEY, recipients=("privacy@sakura-hd.example",), subject=SUBJECT, **kwargs) -> OutboxMessage:
    message = outbox.enqueue(key, list(recipients), subject, BODY, **kwargs)
    db.session.commit()
    return message


def stored() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_a_queued_reminder_is_delivered_once_with_its_japanese_subject_intact(app, smtp_server):
    message = queue(object_type="incident", object_id=12)
    assert message.status == "pending"

    report = outbox.deliver_due()
    assert (report.sent, report.retried, report.failed) == (1, 0, 0)
    [mail] = smtp_server.messages
    assert mail["Subject"] == SUBJECT
    assert mail.get_content() == BODY
    assert mail["To"] == "privacy@sakura-hd.example"
    assert mail["From"].addresses[0].display_name == "委託先管理システム"
    assert mail["Message-ID"].strip() == outbox.message_id_for(KEY, app.config)
    assert mail["Auto-Submitted"] == "auto-generated"
    assert smtp_server.envelopes[0].mail_from == "oversight@sakura-hd.example"
    [row] = stored()
    assert row.status == "sent" and row.attempts == 1 and row.sent_at is not None and row.last_error is None

    assert outbox.deliver_due().sent == 0
    assert len(smtp_server.messages) == 1


def test_a_mail_is_queued_only_if_the_change_it_reports_is_committed(smtp_server):
    outbox.enqueue(KEY, ["privacy@sakura-hd.example"], SUBJECT, BODY)
    db.session.rollback()  # the business change failed
    assert stored() == []
    assert outbox.deliver_due().sent == 0 and smtp_server.messages == []


def test_queuing_the_same_reminder_again_after_a_restart_yields_one_message_and_one_mail(smtp_server):
    first_id = queue().id
    db.session.remove()  # as a new process would, with nothing in memory
    again = queue(subject="別の件名")
    assert again.id == first_id and again.subject == SUBJECT
    outbox.deliver_due()
    assert queue().status == "sent"  # a third time, after the mail went: still nothing new
    outbox.deliver_due()
    assert len(stored()) == 1 and len(smtp_server.messages) == 1


def test_a_concurrent_insert_of_the_same_key_is_absorbed_without_spoiling_the_callers_transaction(app, monkeypatch):
    with app.app_context():  # another request, committed first
        queue()
    other_process = db.session.scalar(select(OutboxMessage.id))
    db.session.remove()
    outbox.enqueue("notice:1", ["a@sakura-hd.example"], "件名", "本文")  # earlier work of the same transaction
    real_lookup = outbox._by_key
    calls = []

    def missed_once(key):  # the look-up ran before the other transaction committed
        calls.append(key)
        return None if len(calls) == 1 else real_lookup(key)

    monkeypatch.setattr(outbox, "_by_key", missed_once)
    message = outbox.enqueue(KEY, ["privacy@sakura-hd.example"], SUBJECT, BODY)
    assert message.id == other_process
    db.session.commit()
    assert sorted(m.key for m in stored()) == sorted([KEY, "notice:1"])


def test_a_missing_recipient_list_or_subject_is_refused_with_a_field_message_and_nothing_is_stored():
    with pytest.raises(ValidationFailed) as empty:
        outbox.enqueue(KEY, [], SUBJECT, BODY)
    assert str(empty.value.errors["recipients"][0]) == "必須項目です。"
    with pytest.raises(ValidationFailed) as no_subject:
        outbox.enqueue(KEY, ["privacy@sakura-hd.example"], " \n ", BODY)
    assert list(no_subject.value.errors) == ["subject"]
    db.session.commit()
    assert stored() == []


def test_addresses_are_normalised_and_a_line_break_in_the_subject_cannot_forge_a_header(smtp_server):
    message = queue(recipients=["Privacy@SAKURA-HD.example", "privacy@sakura-hd.example", "legal@sakura-hd.example"],
                    subject="件名\r\nBcc: attacker@evil.example")
    assert message.recipients == ["Privacy@sakura-hd.example", "privacy@sakura-hd.example",
                                  "legal@sakura-hd.example"]
    outbox.deliver_due()
    [mail] = smtp_server.messages
    assert mail["Bcc"] is None and mail["Subject"] == "件名 Bcc: attacker@evil.example"
    assert sorted(smtp_server.envelopes[0].rcpt_tos) == sorted(message.recipients)


def test_two_processes_claiming_the_same_message_never_send_it_twice(smtp_server):
    message = queue()
    now = utcnow()
    first = outbox._claim(message.id, now)
    second = outbox._claim(message.id, now)
    assert first is not None and second is None
    assert outbox.deliver_due().sent == 0  # a whole second run finds nothing to send either
    assert smtp_server.messages == []


def test_two_schedulers_running_at_once_deliver_each_of_thirty_messages_exactly_once(app, smtp_server):
    for n in range(30):
        outbox.enqueue(f"notice:{n}", [f"contact{n}@sakura-hd.example"], f"お知らせ {n}", BODY)
    db.session.commit()
    reports, errors = [], []

    def scheduler_process():
        with app.app_context():
            try:
                reports.append(outbox.deliver_due(limit=30))
            except Exception as error:  # surfaced below: an assertion in a thread would be lost
                errors.append(error)

    threads = [threading.Thread(target=scheduler_process) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sum(r.sent for r in reports) == 30
    subjects = sorted(m["Subject"] for m in smtp_server.messages)
    assert subjects == sorted(f"お知らせ {n}" for n in range(30))
    assert {m.status for m in stored()} == {"sent"} and {m.attempts for m in stored()} == {1}


def test_when_the_server_is_down_the_mail_waits_with_the_error_visible_and_goes_after_the_backoff(smtp_server):
    message = queue(object_type="incident", object_id=12)
    smtp_server.stop()
    t0 = utcnow()
    report = outbox.deliver_due(t0)
    assert (report.sent, report.retried) == (0, 1)
    [shown] = outbox.recent_for("incident", 12)
    assert shown.status == "pending" and shown.attempts == 1
    assert "1分後に再送します" in shown.last_error and "retrying in 1 min" in shown.last_error
    assert "ConnectionRefusedError" in shown.last_error
    assert shown.next_attempt_at == t0 + timedelta(minutes=1)

    smtp_server.start()
    assert outbox.deliver_due(t0 + timedelta(seconds=30)).sent == 0  # not yet due
    assert outbox.deliver_due(t0 + timedelta(minutes=1)).sent == 1
    [row] = stored()
    assert row.id == message.id and row.status == "sent" and row.attempts == 2 and row.last_error is None
    assert len(smtp_server.messages) == 1


def test_after_the_maximum_attempts_the_mail_is_failed_and_an_administrator_can_send_it_again(app, smtp_server):
    message = queue()
    smtp_server.stop()
    at = utcnow()
    waits = []
    for _ in range(app.config["MAIL_MAX_ATTEMPTS"]):
        report = outbox.deliver_due(at)
        [row] = stored()
        if row.status == "pending":
            waits.append(row.next_attempt_at - at)
            at = row.next_attempt_at
    assert [w // timedelta(minutes=1) for w in waits] == [1, 2, 4, 8, 16, 32, 60]
    assert report.failed == 1 and row.status == "failed" and row.attempts == 8
    assert "8回送信を試みましたが" in row.last_error and "Gave up after 8 attempts" in row.last_error
    assert outbox.deliver_due(at + timedelta(days=1)).sent == 0  # a failed mail is not retried by itself

    smtp_server.start()
    again = outbox.retry(message.id)
    assert again.status == "pending" and again.attempts == 0
    assert outbox.deliver_due().sent == 1 and len(smtp_server.messages) == 1
    with pytest.raises(Conflict):
        outbox.retry(message.id)  # sent: sending it again is not a retry
    with pytest.raises(NotFound):
        outbox.retry(message.id + 1000)


def test_a_message_left_sending_by_a_process_that_died_is_recovered_and_sent_with_the_same_message_id(
        app, smtp_server):
    message = queue()
    t0 = utcnow()
    assert outbox._claim(message.id, t0) is not None  # … and the process died before sending
    assert outbox.deliver_due(t0 + timedelta(minutes=10)).recovered == 0  # it might still be sending
    assert smtp_server.messages == []
    report = outbox.deliver_due(t0 + timedelta(minutes=16))
    assert (report.recovered, report.sent) == (1, 1)
    [row] = stored()
    assert row.status == "sent" and row.attempts == 2
    assert smtp_server.messages[0]["Message-ID"].strip() == outbox.message_id_for(KEY, app.config)


def test_a_message_stuck_after_its_last_attempt_is_failed_rather_than_sent_forever(app, smtp_server, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_MAX_ATTEMPTS", 1)
    message = queue()
    t0 = utcnow()
    outbox._claim(message.id, t0)
    report = outbox.deliver_due(t0 + timedelta(minutes=16))
    assert (report.recovered, report.failed, report.sent) == (1, 1, 0)
    [row] = stored()
    assert row.status == "failed" and "Sending was interrupted" in row.last_error


def test_without_a_mail_server_the_mail_stays_pending_with_an_explanation(app):
    assert app.config["MAIL_SERVER"] == ""
    queue()
    report = outbox.deliver_due()
    assert report.sent == 0 and "MAIL_SERVER" in report.unconfigured
    [row] = stored()
    assert row.status == "pending" and row.attempts == 0
    assert row.last_error.startswith("メールサーバーが設定されていないため、送信を待っています")
    assert "no mail server is configured" in row.last_error


def test_without_a_sender_address_the_mail_stays_pending_with_an_explanation(app, smtp_server, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_FROM", "")
    queue()
    assert "MAIL_FROM" in outbox.deliver_due().unconfigured
    [row] = stored()
    assert row.status == "pending" and "no sender address is configured" in row.last_error
    assert smtp_server.messages == []


def test_a_refused_recipient_is_reported_and_the_others_still_get_the_mail(smtp_server):
    smtp_server.refuse = {"gone@sakura-hd.example"}
    queue(recipients=["privacy@sakura-hd.example", "gone@sakura-hd.example"])
    queue(key="notice:2", recipients=["gone@sakura-hd.example"])
    report = outbox.deliver_due()
    assert (report.sent, report.retried) == (1, 1)
    partly, refused = stored()
    assert partly.status == "sent" and "gone@sakura-hd.example: 550" in partly.last_error
    assert refused.status == "pending" and "550 5.1.1 No such user here" in refused.last_error
    assert smtp_server.envelopes[0].rcpt_tos == ["privacy@sakura-hd.example"]


def test_the_page_of_an_object_lists_its_mails_newest_first():
    queue(key="a", object_type="incident", object_id=1)
    queue(key="b", object_type="incident", object_id=2)
    queue(key="c", object_type="incident", object_id=1)
    assert [m.key for m in outbox.recent_for("incident", 1)] == ["c", "a"]
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 3
