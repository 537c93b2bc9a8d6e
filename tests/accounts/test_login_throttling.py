"""Guessing passwords (issue 13, point 9: 60 wrong passwords in 32 s, then the right one worked).

Per e-mail address: after five failures in a row logging in is paused, each pause twice as long as the one
before; the owner is mailed at each pause, every failure and pause is in the trail, and an unknown address
gets the very same answers. Per client address: Flask-Limiter counts failed attempts."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from oversight.accounts import login
from oversight.accounts.login import LoginPaused, LoginRefused
from oversight.accounts.services import issue_token
from oversight.extensions import db, limiter
from oversight.outbox.models import OutboxMessage
from oversight.trail.models import TrailRecord
from tests.factories import PASSWORD, gen_organisation, gen_user
from tests.helpers import text_of

NOON = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)  # 12:00 in Japan
WRONG = "not the password at all"


def trail_actions(*actions: str) -> list[TrailRecord]:
    return list(db.session.scalars(select(TrailRecord).where(TrailRecord.action.in_(actions))
                                   .order_by(TrailRecord.seq)))


def fail(email: str, times: int, at: datetime | None = None) -> list[str]:
    """Try a wrong password `times` times at `at`; what each refusal said."""
    said = []
    for _ in range(times):
        with pytest.raises(LoginRefused) as refusal:
            login.log_in(email, WRONG, address="198.51.100.7", now=at)
        said.append(str(refusal.value.message))
    return said


def test_five_wrong_passwords_pause_the_account_and_then_even_the_right_one_is_refused(client, make_client):
    user = gen_user(gen_organisation())

    answers = [client.login(user.email, WRONG) for _ in range(5)]

    assert [a.status_code for a in answers] == [401, 401, 401, 401, 429]
    assert "メールアドレスまたはパスワードが正しくありません" in text_of(answers[0])
    assert "ログインを" in text_of(answers[4]) and "まで停止しています" in text_of(answers[4])
    browser = make_client()
    refused = browser.login(user.email, PASSWORD)
    assert refused.status_code == 429
    assert "まで停止しています" in text_of(refused)
    assert browser.get("/account").status_code == 302  # not logged in: sent to the log-in page


def test_the_pause_ends_and_each_following_pause_lasts_twice_as_long(app):
    user = gen_user(gen_organisation())
    first = app.config["LOGIN_LOCKOUT_MINUTES"]

    fail(user.email, 5, NOON)
    with pytest.raises(LoginPaused) as paused:
        login.log_in(user.email, PASSWORD, now=NOON + timedelta(minutes=first) - timedelta(seconds=1))
    assert paused.value.until == NOON + timedelta(minutes=first)

    later = NOON + timedelta(minutes=first)
    fail(user.email, 5, later)
    with pytest.raises(LoginPaused) as paused:
        login.log_in(user.email, PASSWORD, now=later)
    assert paused.value.until == later + timedelta(minutes=2 * first)

    after_second = later + timedelta(minutes=2 * first)
    assert login.log_in(user.email, PASSWORD, now=after_second).id == user.id
    fail(user.email, 5, after_second)  # a success starts afresh: the next pause is the first again
    with pytest.raises(LoginPaused) as paused:
        login.log_in(user.email, PASSWORD, now=after_second)
    assert paused.value.until == after_second + timedelta(minutes=first)


def test_pauses_stop_growing_at_the_maximum(app):
    user = gen_user(gen_organisation())
    first, longest = app.config["LOGIN_LOCKOUT_MINUTES"], app.config["LOGIN_LOCKOUT_MAX_MINUTES"]
    at, lengths = NOON, []
    for _ in range(12):
        fail(user.email, 5, at)
        with pytest.raises(LoginPaused) as paused:
            login.log_in(user.email, PASSWORD, now=at)
        lengths.append(paused.value.until - at)
        at = paused.value.until

    assert lengths == [timedelta(minutes=min(first * 2**n, longest)) for n in range(12)]
    assert lengths[-1] == lengths[-2] == timedelta(minutes=longest)


def test_an_unknown_address_gets_the_same_answers_as_a_real_account(app):
    user = gen_user(gen_organisation(), email="real@example.jp")

    real = fail(user.email, 5, NOON)
    unknown = fail("nobody@example.jp", 5, NOON)

    assert real == unknown
    assert "2026-12-01 12:05 JST" in real[-1]
    with pytest.raises(LoginPaused) as real_paused:
        login.log_in(user.email, PASSWORD, now=NOON)
    with pytest.raises(LoginPaused) as unknown_paused:
        login.log_in("nobody@example.jp", PASSWORD, now=NOON)
    assert str(real_paused.value.message) == str(unknown_paused.value.message)


def test_each_failure_and_the_pause_are_in_the_trail_and_the_owner_is_mailed_once(client):
    user = gen_user(gen_organisation(), email="kato@example.jp")

    for _ in range(6):
        client.login("  Kato@example.jp", WRONG)

    failed = trail_actions("login_failed")
    assert [r.after["reason"] for r in failed] == ["wrong_password"] * 5 + ["locked"]
    assert {r.object_id for r in failed} == {user.id}
    assert {r.object_label for r in failed} == {"Kato@example.jp"}  # as typed
    assert all(r.actor_user_id is None and r.actor_name.startswith("anonymous") for r in failed)
    [lockout] = trail_actions("lockout")
    assert lockout.object_id == user.id and lockout.after["owner_mailed"] is True
    records = db.session.scalars(select(TrailRecord)).all()
    assert WRONG not in json.dumps([[r.object_label, r.before, r.after] for r in records], ensure_ascii=False)

    [mail] = db.session.scalars(select(OutboxMessage).where(OutboxMessage.key.like("login-lockout:%"))).all()
    assert mail.recipients == [user.email]
    assert "ログインを一時停止しました" in mail.subject and "paused" in mail.subject
    assert "パスワードの誤りが続いた" in mail.body and "too many failed attempts" in mail.body


def test_failures_for_an_unknown_address_are_recorded_and_mail_nobody(client):
    for _ in range(5):
        client.login("ghost@example.jp", WRONG)

    assert [r.after["reason"] for r in trail_actions("login_failed")] == ["unknown_account"] * 5
    [lockout] = trail_actions("lockout")
    assert lockout.object_id is None and lockout.after["owner_mailed"] is False
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_guesses_sent_at_once_to_several_workers_pause_the_account_once(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("requests run truly in parallel on PostgreSQL (.ci/run sets TEST_DATABASE_URL)")
    user = gen_user(gen_organisation())
    db.session.commit()
    guesses = 20
    start, statuses, lock = threading.Barrier(guesses), [], threading.Lock()

    def guess() -> None:
        with app.app_context():
            start.wait()
            try:
                login.log_in(user.email, WRONG, now=NOON)
            except LoginPaused:
                outcome = "paused"
            except LoginRefused:
                outcome = "refused"
            finally:
                db.session.remove()
        with lock:
            statuses.append(outcome)

    threads = [threading.Thread(target=guess) for _ in range(guesses)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert sorted(statuses) == ["paused"] * 16 + ["refused"] * 4
    assert len(trail_actions("lockout")) == 1
    assert [r.after["reason"] for r in trail_actions("login_failed")].count("wrong_password") == 5
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 1


@pytest.fixture
def per_address_limit(app, monkeypatch):
    """The per-address limit switched on (TestConfig leaves it off), from an empty store and back."""
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "3 per hour")
    limiter.reset()
    yield
    limiter.reset()


def test_failed_attempts_from_one_address_are_limited_whatever_the_account(client, make_client, per_address_limit):
    org = gen_organisation()
    users = [gen_user(org) for _ in range(4)]

    for user in users[:3]:
        assert client.login(user.email, WRONG).status_code == 401
    refused = make_client().login(users[3].email, PASSWORD)

    assert refused.status_code == 429
    assert "試行が多すぎます" in text_of(refused)


def test_successful_logins_do_not_count_against_the_address(client, make_client, per_address_limit):
    user = gen_user(gen_organisation())

    client.login(user.email, WRONG)
    for _ in range(5):
        assert make_client().login(user.email, PASSWORD).status_code == 302
    client.login(user.email, WRONG)

    assert make_client().login(user.email, PASSWORD).status_code == 302
    client.login(user.email, WRONG)
    assert make_client().login(user.email, PASSWORD).status_code == 429


def test_api_tokens_work_as_before_while_the_account_and_its_address_are_throttled(client, per_address_limit):
    user = gen_user(gen_organisation())
    _token, secret = issue_token(user, "ticketing")
    fail(user.email, 5)  # the account is paused from now on
    for _ in range(3):
        client.login(user.email, WRONG)
    assert client.login(user.email, PASSWORD).status_code == 429

    assert client.get("/api/v1/organisations", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    assert client.get("/api/v1/organisations", headers={"Authorization": "Bearer ovs_wrong"}).status_code == 401
    assert client.get("/api/v1/organisations").status_code == 401
