"""The portal as its users click through it: UFサポート files from its engagement, 東都 sees it on its dashboard,
forwards it, and さくら's incident page lists both receipts; a bad upload is named on the form and stores nothing."""

import io

from sqlalchemy import func, select

from oversight.extensions import db
from oversight.notifications import drafts
from oversight.notifications.models import Notification
from oversight.trail.models import TrailRecord
from oversight.trail.visibility import restrict_trail
from tests.factories import PASSWORD
from tests.helpers import text_of

FORM = {"title": "大阪センター端末の不審通信", "certainty": "suspected", "cause": "unauthorised_access",
        "item.name": "on", "item.phone": "on", "occurred_on": "2026-11-20", "known_at": "2026-11-21T09:00",
        "report.overview": "コールセンターの端末に不審な通信。", "message": "端末を隔離した。"}


def logged_in(make_client, user):
    client = make_client()
    client.login(user.email, PASSWORD)
    return client


def test_a_subcontractor_files_and_the_news_climbs_to_the_top_with_receipts(make_client, chain):
    uf = logged_in(make_client, chain.uf_staff)
    portal = text_of(uf.get("/notifications"))
    assert "株式会社東都システム" in portal and "会員の問合せ対応データ（大阪センター）" in portal
    uf.get(f"/notifications/new?entrustment_id={chain.call_centre.id}")
    filed = uf.post("/notifications/new", {**FORM, "entrustment_id": chain.call_centre.id, "action": "file"})
    assert filed.status_code == 302
    page = text_of(uf.get(filed.headers["Location"]))
    n = db.session.scalar(select(Notification))
    assert n.receipt_number in page and n.content_sha256 in page and "保存内容と一致" in page

    toto = logged_in(make_client, chain.toto_staff)
    assert n.receipt_number in text_of(toto.get("/"))  # on 東都's dashboard, not acknowledged
    toto.get(f"/notifications/{n.id}")
    assert toto.post(f"/notifications/{n.id}/acknowledge").status_code == 302
    forwarded = toto.post(f"/notifications/{n.id}/forward", {"message": "東都でも調査中。"})
    assert forwarded.status_code == 302
    up = text_of(toto.get(forwarded.headers["Location"]))
    assert "さくら商事株式会社" in up and "東都でも調査中。" in up and "委託の連鎖を上る報告の経路" in up

    sakura = logged_in(make_client, chain.sakura_csirt)
    [top] = [x for x in db.session.scalars(select(Notification)) if x.recipient_id == chain.sakura.id]
    incident_page = text_of(sakura.get(f"/incidents/{top.incident_id}"))
    assert n.receipt_number in incident_page and top.receipt_number in incident_page
    assert incident_page.count("免除：委託元へ通知済み") == 2  # UFサポート and 東都
    receipt = sakura.get(f"/notifications/{n.id}/receipt.pdf")
    assert receipt.status_code == 200 and receipt.mimetype == "application/pdf"


def test_a_fake_pdf_is_named_on_the_form_and_nothing_is_filed(make_client, chain):
    uf = logged_in(make_client, chain.uf_staff)
    uf.get(f"/notifications/new?entrustment_id={chain.call_centre.id}")
    response = uf.post("/notifications/new", {
        **FORM, "entrustment_id": chain.call_centre.id, "action": "file",
        "attachments": (io.BytesIO(b"MZ\x90\x00 a program"), "初動報告.pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 422
    assert "初動報告.pdf はPDFファイルではありません" in text_of(response)
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 0


def test_another_organisations_engagement_is_refused_on_the_form(make_client, chain):
    minato = logged_in(make_client, chain.minato_staff)
    minato.get("/notifications/new")
    response = minato.post("/notifications/new", {**FORM, "entrustment_id": chain.call_centre.id, "action": "file"})
    assert response.status_code == 422 and "直接の委託元" in text_of(response)
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 0


def test_a_drafts_changes_are_in_the_trail_for_its_writer_alone(chain):
    draft = drafts.create_draft(chain.uf_staff, {"entrustment_id": chain.call_centre.id, "title": "下書き",
                                                   "facts": {"known_at": "2026-11-21T09:00:00+09:00"}})
    drafts.update_draft(chain.uf_staff, draft.id, {"title": "下書き（修正）"})
    drafts.discard_draft(chain.uf_staff, draft.id)
    actions = db.session.scalars(select(TrailRecord.action).where(TrailRecord.object_type == "notification",
                                                                  TrailRecord.object_id == draft.id)
                                 .order_by(TrailRecord.seq)).all()
    assert actions == ["notification_draft_create", "notification_draft_update", "notification_draft_discard"]
    seen_by_consignor = db.session.scalars(restrict_trail(select(TrailRecord.id), chain.toto_staff).where(
        TrailRecord.object_id == draft.id, TrailRecord.object_type == "notification")).all()
    assert seen_by_consignor == []
