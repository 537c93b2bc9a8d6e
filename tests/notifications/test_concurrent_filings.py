"""Fifty notifications filed at the same moment (PostgreSQL, where requests truly run in parallel): every one is
stored, each with its own receipt number, without gaps, each with its trail record and its mail."""

import threading

import pytest
from sqlalchemy import func, select

from oversight.accounts import services as accounts
from oversight.extensions import db
from oversight.notifications.models import Notification
from oversight.outbox.models import OutboxMessage
from oversight.trail import services as trail
from oversight.trail.models import TrailRecord
from tests.api.conftest import ApiClient
from tests.factories import SUSPECTED_LEAK, gen_organisation, gen_subcontract, gen_user

FILINGS = 50


def test_fifty_filings_at_once_lose_nothing_and_share_no_receipt_number(app, chain):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("concurrency is proved on PostgreSQL (.ci/run sets TEST_DATABASE_URL); SQLite runs one writer")
    vendors = []
    for n in range(5):  # five call-centre subcontractors of 東都, ten filings each
        org = gen_organisation(f"コールセンター{n}株式会社")
        engagement = gen_subcontract(chain.members, org, data_items=["name", "phone"])
        vendors.append((engagement.id, accounts.issue_token(gen_user(org, role="contractor_user"), "t")[1]))
    db.session.commit()
    trail_before = db.session.scalar(select(func.count()).select_from(TrailRecord))
    start, answers, lock = threading.Barrier(FILINGS), [], threading.Lock()

    def file(i: int) -> None:
        entrustment_id, secret = vendors[i % len(vendors)]
        client = ApiClient(app.test_client(), secret)
        start.wait()
        response = client.post("/api/v1/notifications", json={
            "entrustment_id": entrustment_id, "title": f"端末の不審通信 {i}", "facts": SUSPECTED_LEAK})
        with lock:
            answers.append((response.status_code, response.get_json()))

    threads = [threading.Thread(target=file, args=(i,)) for i in range(FILINGS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert [status for status, _ in answers] == [201] * FILINGS, [b for s, b in answers if s != 201][:3]
    db.session.expire_all()
    filed = list(db.session.scalars(select(Notification).where(Notification.recipient_id == chain.toto.id)))
    assert len(filed) == FILINGS
    assert sorted(n.sequence for n in filed) == list(range(1, FILINGS + 1))
    assert {b["receipt"]["number"] for _, b in answers} == {n.receipt_number for n in filed}
    assert db.session.scalar(select(func.count()).select_from(TrailRecord)) - trail_before >= 2 * FILINGS
    assert trail.verify().ok
    mails = db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.key.like("notification:%")))
    assert mails == FILINGS
