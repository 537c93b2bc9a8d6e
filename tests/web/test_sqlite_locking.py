"""On SQLite, reads never take the write lock and writers wait for it rather than fail; a GET writes only apart,
and an API token's last use is saved on reads too (at most once a minute)."""

import sqlite3
import threading
from datetime import timedelta

import pytest
from sqlalchemy import update

from oversight.accounts import services as accounts
from oversight.accounts.models import ApiToken
from oversight.extensions import db
from oversight.timeutil import utcnow
from oversight.trail import checks
from tests.api.conftest import ApiClient
from tests.factories import PASSWORD, gen_organisation, gen_user


@pytest.fixture
def sqlite_file():
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's locking (PostgreSQL readers never lock)")
    db.session.commit()
    return db.engine.url.database


class WriteLock:
    """Another process's writer: holds SQLite's write lock until released."""

    def __init__(self, path: str):
        self.connection = sqlite3.connect(path, isolation_level=None, timeout=30, check_same_thread=False)
        self.connection.execute("BEGIN IMMEDIATE")
        self.connection.execute("UPDATE organisation SET name = name")

    def release(self) -> None:
        self.connection.execute("COMMIT")
        self.connection.close()


def test_the_trail_page_answers_while_a_writer_holds_the_lock(sqlite_file, make_client):
    auditor = gen_user(gen_organisation("さくら商事株式会社"), role="auditor")
    client = make_client()
    client.login(auditor.email, PASSWORD)
    lock = WriteLock(sqlite_file)
    try:
        page = client.get("/trail")  # BEGIN IMMEDIATE here would wait out the busy timeout, then fail
    finally:
        lock.release()
    assert page.status_code == 200 and 'id="trail"' in page.get_data(as_text=True)


def test_an_api_read_answers_while_a_writer_holds_the_lock_and_its_token_stamp_waits_for_later(sqlite_file, app):
    user = gen_user(gen_organisation(), role="privacy_office")
    token, secret = accounts.issue_token(user, "SIEM")
    lock = WriteLock(sqlite_file)
    try:
        answer = ApiClient(app.test_client(), secret).get("/api/v1/organisations")
    finally:
        lock.release()
    assert answer.status_code == 200
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).last_used_at is None


def test_a_writer_waits_for_the_lock_instead_of_failing(sqlite_file, make_client):
    admin = gen_user(None, role="admin")
    client = make_client()
    client.login(admin.email, PASSWORD)
    client.get("/organisations/new")
    lock = WriteLock(sqlite_file)
    releaser = threading.Timer(1.0, lock.release)
    releaser.start()
    try:
        created = client.post("/organisations/new", {"name": "待機株式会社", "name_kana": "タイキ", "kind": "company",
                                                     "status": "active", "report_authority": "ppc"})
    finally:
        releaser.join()
    assert created.status_code == 302


def test_the_schedulers_walk_of_the_trail_takes_no_write_lock(sqlite_file):
    gen_organisation("さくら商事株式会社")
    lock = WriteLock(sqlite_file)
    try:
        result = checks.verify()  # BEGIN IMMEDIATE would wait out the busy timeout and fail "database is locked"
    finally:
        lock.release()
    assert result.ok


def test_a_tokens_last_use_is_saved_on_reads_at_most_once_a_minute(app):
    user = gen_user(gen_organisation(), role="privacy_office")
    token, secret = accounts.issue_token(user, "SIEM")
    client = ApiClient(app.test_client(), secret)

    assert client.get("/api/v1/organisations").status_code == 200
    db.session.expire_all()
    first = db.session.get(ApiToken, token.id).last_used_at
    assert first is not None and utcnow() - first < timedelta(minutes=1)

    client.get("/api/v1/organisations")
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).last_used_at == first  # within the minute: not written again

    earlier = first - timedelta(minutes=5)
    db.session.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=earlier))
    db.session.commit()
    client.get("/api/v1/organisations")
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).last_used_at > first


def test_the_scheduler_keeps_sqlites_planner_statistics(sqlite_file, app):
    from sqlalchemy import text

    from oversight import scheduler

    gen_organisation("さくら商事株式会社")
    db.session.commit()
    job = next(j for j in scheduler.registered_jobs() if j.name == "sqlite-analyse")

    assert scheduler.run_job(app, job)

    analysed = db.session.scalars(text("SELECT idx FROM sqlite_stat1 WHERE tbl = 'trail_record'")).all()
    assert "ix_trail_record_object" in analysed and "ix_trail_record_at" in analysed
