"""Requests that race on one notification (on both databases; SQLite runs on a file, one writer at a time): sixteen
acknowledgements acknowledge it once, and eight filings of one draft file it once — the others are answered
with the first outcome or told it is already filed, never with a 500."""

from sqlalchemy import func, select

from oversight.accounts import services as accounts
from oversight.extensions import db
from oversight.notifications import drafts, filing
from oversight.notifications.models import Notification
from oversight.outbox.models import OutboxMessage
from oversight.trail import services as trail
from oversight.trail.models import TrailRecord
from tests.factories import SUSPECTED_LEAK
from tests.helpers import all_at_once


def trail_records(action: str) -> int:
    return db.session.scalar(select(func.count()).select_from(TrailRecord).where(TrailRecord.action == action))


def test_sixteen_acknowledgements_at_once_acknowledge_once_and_all_answer_with_that_moment(app, chain):
    n = filing.file_new(chain.uf_staff, {"entrustment_id": chain.call_centre.id, "title": "端末の不審通信",
                                           "facts": SUSPECTED_LEAK})
    secret = accounts.issue_token(chain.toto_staff, "soc")[1]
    notification_id = n.id

    answers = all_at_once(app, secret, f"/api/v1/notifications/{notification_id}/acknowledge", 16)

    assert [status for status, _ in answers] == [200] * 16, answers[:2]
    assert len({body["acknowledged_at"] for _, body in answers}) == 1
    assert trail_records("notification_acknowledge") == 1 and trail.verify().ok
    mails = db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.key == f"notification-ack:{notification_id}"))
    assert mails == 1


def test_eight_filings_of_one_draft_at_once_file_it_once_and_tell_the_others_it_is_filed(app, chain):
    draft = drafts.create_draft(chain.uf_staff, {"entrustment_id": chain.call_centre.id, "title": "端末の不審通信",
                                                   "facts": SUSPECTED_LEAK})
    secret = accounts.issue_token(chain.uf_staff, "ticketing")[1]
    draft_id = draft.id

    answers = all_at_once(app, secret, f"/api/v1/notifications/{draft_id}/file", 8)

    assert sorted(status for status, _ in answers) == [200] + [409] * 7, answers
    [filed] = [body for status, body in answers if status == 200]
    receipt = filed["receipt"]["number"]
    assert all(body["message"] == f"この下書きは既に提出されています（受付番号 {receipt}）。"
               for status, body in answers if status == 409)
    n = db.session.get(Notification, draft_id)
    assert n.is_filed and n.receipt_number == receipt and n.sequence == 1 and filing.verify(n)
    assert trail_records("notification_file") == 1
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.key == f"notification:{draft_id}")) == 1


def test_filing_a_draft_that_is_already_filed_is_a_409_naming_its_receipt(api_as, chain):
    draft = drafts.create_draft(chain.uf_staff, {"entrustment_id": chain.call_centre.id, "title": "端末の不審通信",
                                                   "facts": SUSPECTED_LEAK})
    uf_api = api_as(chain.uf_staff)
    first = uf_api.post(f"/api/v1/notifications/{draft.id}/file")

    again = uf_api.post(f"/api/v1/notifications/{draft.id}/file")

    assert first.status_code == 200 and again.status_code == 409 and again.get_json()["code"] == "conflict"
    assert first.get_json()["receipt"]["number"] in again.get_json()["message"]
