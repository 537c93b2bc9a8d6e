"""An operator admin reads every mail the outbox holds — newest first, by status, one page per mail with its
recipients, left-out addresses, body and delivery record — and nobody else may."""

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from oversight.extensions import db
from oversight.outbox import services as outbox
from oversight.outbox.models import OutboxMessage
from oversight.trail.models import TrailRecord
from tests.factories import gen_organisation, gen_user

REMINDER = "【oversight】速報（目安）：期限まで残り2日（問合せ管理システムへの不正アクセス）"
BODY = "株式会社東都システムサービス 御中\n\n期限まで残り2日です。"


@pytest.fixture
def operator_client(client):
    client.login(gen_user(None, "admin", email="operator@oversight.example").email)
    return client


def queue(key: str, recipients, subject: str = REMINDER, **kwargs) -> OutboxMessage:
    message = outbox.enqueue(key, recipients, subject, BODY, **kwargs)
    db.session.commit()
    return message


def test_without_a_mail_server_the_operator_reads_the_queued_reminder_in_japan_time(operator_client):
    message = queue("incident-reminder:1:quick:2026-12-09:2d", ["soc@toto-system.example", "soc@toto.local"],
                    object_type="incident", object_id=7)
    message.created_at = datetime(2026, 12, 6, 23, 30, tzinfo=UTC)
    db.session.commit()

    listing = operator_client.get("/outbox").get_data(as_text=True)
    assert "メールサーバーが設定されていない" in listing and REMINDER in listing
    assert 'id="nav-outbox"' in listing

    page = operator_client.get(f"/outbox/{message.id}").get_data(as_text=True)
    assert "soc@toto-system.example" in page and "期限まで残り2日です。" in page
    assert "soc@toto.local" in page and "予約済みのドメイン" in page  # the address left out, and why
    assert "2026-12-07 08:30 JST" in page  # queued at 23:30 UTC
    assert "送信待ち" in page and '<a href="/incidents/7">事案 #7</a>' in page


def subjects(page: str) -> list[str]:
    return re.findall(r'<a href="/outbox/\d+">([^<]*)</a>', page)


def test_the_list_is_newest_first_filtered_by_status_and_paginated(operator_client):
    for n in range(55):
        queue(f"notice:{n}", [f"contact{n}@example.jp"], subject=f"お知らせ {n}")
    queue("nobody", ["x@sakura.invalid"], subject="宛先なし")  # and the operators' warning about it

    first, second = (subjects(operator_client.get(f"/outbox?page={n}").get_data(as_text=True)) for n in (1, 2))
    assert first[1:4] == ["宛先なし", "お知らせ 54", "お知らせ 53"] and "無効なメールアドレス" in first[0]
    assert len(first) == 50 and second == [f"お知らせ {n}" for n in range(6, -1, -1)]

    unsendable = operator_client.get("/outbox?status=no_address").get_data(as_text=True)
    assert subjects(unsendable) == ["宛先なし"] and "有効な宛先なし (1)" in unsendable


def test_with_a_mail_server_the_page_says_mail_goes_out_by_smtp_and_a_failed_mail_can_be_sent_again(
        app, operator_client, smtp_server):
    message = queue("notice:1", ["privacy@sakura-hd.example"])
    message.status, message.attempts, message.last_error = "failed", 8, "8回送信を試みましたが送信できませんでした。"
    db.session.commit()

    listing = operator_client.get("/outbox").get_data(as_text=True)
    assert f"{app.config['MAIL_SERVER']} からSMTPで送信されます" in listing
    page = operator_client.get(f"/outbox/{message.id}").get_data(as_text=True)
    assert "送信できず" in page and "8回送信を試みました" in page and "再送する" in page

    operator_client.post(f"/outbox/{message.id}/send-again")
    outbox.deliver_due()
    db.session.expire_all()
    assert db.session.get(OutboxMessage, message.id).status == "sent" and len(smtp_server.messages) == 1
    record = db.session.scalar(select(TrailRecord).where(TrailRecord.action == "outbox_retry"))
    assert record.actor_name == "operator@oversight.example" and record.after == {"status": "pending"}


@pytest.mark.parametrize("role", ["admin", "privacy_office"])
def test_users_of_an_organisation_may_not_read_the_outbox_even_its_admin(client, role):
    message = queue("notice:1", ["privacy@sakura-hd.example"])
    user = gen_user(gen_organisation("さくら商事株式会社"), role)
    client.login(user.email)
    assert client.get("/outbox").status_code == 403
    assert client.get(f"/outbox/{message.id}").status_code == 403
    assert client.post(f"/outbox/{message.id}/send-again").status_code == 403
    assert 'id="nav-outbox"' not in client.get("/").get_data(as_text=True)


def test_an_unknown_mail_is_not_found(operator_client):
    assert operator_client.get("/outbox/999").status_code == 404


@pytest.mark.parametrize(("object_type", "link"), [
    ("audit", '<a href="/audits/5">監査 #5</a>'), ("finding", '<a href="/findings/5">指摘事項 #5</a>'),
    ("questionnaire_request", '<a href="/questionnaire-requests/5">質問票 #5</a>'),
    ("entrustment", '<a href="/entrustments/5">委託 #5</a>')])
def test_a_mail_of_the_audits_links_to_what_it_is_about_in_words(operator_client, object_type, link):
    message = queue(f"about:{object_type}", ["staff@uf-support.example"], object_type=object_type, object_id=5)
    assert link in operator_client.get(f"/outbox/{message.id}").get_data(as_text=True)
