"""A vendor's ticketing system files through the API with its organisation's token: the receipt comes back at once,
the consignor forwards it up, bad input is named per field and nothing is stored."""

import base64

from sqlalchemy import func, select

from oversight.extensions import db
from oversight.notifications.models import Notification
from tests.factories import SUSPECTED_LEAK

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def filed(api, chain, **changes):
    return api.post("/api/v1/notifications", json={
        "entrustment_id": chain.call_centre.id, "title": "大阪センター端末の不審通信", "facts": SUSPECTED_LEAK,
        "attachments": [{"filename": "初動報告.pdf", "content_base64": base64.b64encode(PDF).decode()}],
        **changes})


def stored() -> int:
    return db.session.scalar(select(func.count()).select_from(Notification))


def test_a_ticketing_system_files_and_gets_its_receipt_and_the_consignor_forwards_it(api_as, chain):
    uf_api, toto_api = api_as(chain.uf_staff), api_as(chain.toto_staff)
    engagements = uf_api.get("/api/v1/engagements").get_json()["items"]
    assert [e["consignor"]["name"] for e in engagements] == ["株式会社東都システム"]

    created = filed(uf_api, chain)
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert created.headers["Location"].endswith(f"/api/v1/notifications/{body['id']}")
    assert body["receipt"]["number"].endswith("-000001") and len(body["receipt"]["content_sha256"]) == 64
    assert body["attachments"][0]["filename"] == "初動報告.pdf" and not body["unapproved_subcontract"]
    pdf = uf_api.get(body["receipt"]["url"])
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF-")

    inbox = toto_api.get("/api/v1/notifications").get_json()["received"]
    assert [n["id"] for n in inbox] == [body["id"]]
    up = toto_api.post(f"/api/v1/notifications/{body['id']}/forward", json={"message": "東都でも調査中"})
    assert up.status_code == 201, up.get_json()
    assert up.get_json()["recipient"]["name"] == "さくら商事株式会社" and up.get_json()["forwarded_from"] == body["id"]
    ack = toto_api.post(f"/api/v1/notifications/{body['id']}/acknowledge")
    assert ack.status_code == 200 and ack.get_json()["acknowledged_at"]


def test_a_draft_can_change_until_filed_and_never_after(api_as, chain):
    uf_api = api_as(chain.uf_staff)
    draft = filed(uf_api, chain, draft=True).get_json()
    assert draft["status"] == "draft" and draft["receipt"] is None
    changed = uf_api.patch(f"/api/v1/notifications/{draft['id']}", json={"facts": {"max_persons": 300}})
    assert changed.status_code == 200 and changed.get_json()["facts"]["max_persons"] == 300
    done = uf_api.post(f"/api/v1/notifications/{draft['id']}/file")
    assert done.status_code == 200 and done.get_json()["receipt"]["sequence"] == 1
    refused = uf_api.patch(f"/api/v1/notifications/{draft['id']}", json={"title": "書き換え"})
    assert refused.status_code == 422 and "続報" in refused.get_json()["errors"]["status"][0]


def test_bad_filings_are_named_per_field_and_store_nothing(api_as, chain):
    uf_api, minato_api = api_as(chain.uf_staff), api_as(chain.minato_staff)
    theirs = filed(uf_api, chain).get_json()
    before = stored()
    cases = [
        (minato_api, {"entrustment_id": chain.call_centre.id}, "entrustment_id", "直接の委託元"),
        (uf_api, {"facts": {**SUSPECTED_LEAK, "known_at": "2099-01-01T00:00:00+09:00"}}, "known_at", "未来"),
        (minato_api, {"follow_up_to": theirs["id"], "entrustment_id": None}, "follow_up_to", "自社の提出済み報告"),
        (uf_api, {"follow_up_to": 999999}, "follow_up_to", "自社の提出済み報告"),
        (uf_api, {"attachments": [{"filename": "報告.pdf", "content_base64": base64.b64encode(b"MZ\x90").decode()}]},
         "attachments", "PDFファイルではありません"),
        (uf_api, {"attachments": [{"filename": "報告.pdf", "content_base64": "%%%"}]}, "attachments[0]", "base64"),
    ]
    for api, changes, field, words in cases:
        response = filed(api, chain, **changes)
        assert response.status_code == 422, (changes, response.get_json())
        assert words in " ".join(response.get_json()["errors"][field]), response.get_json()
    assert stored() == before


def test_a_body_larger_than_every_attachment_at_its_largest_is_refused_before_it_is_read(app, api_as, chain,
                                                                                        monkeypatch):
    monkeypatch.setitem(app.config, "ATTACHMENT_MAX_BYTES", 1024 * 1024)  # ten files of 1 MB: a 14 MB body at most
    big = base64.b64encode(b"%PDF-1.7\n" + b"0" * (20 * 1024 * 1024) + b"%%EOF").decode()
    response = filed(api_as(chain.uf_staff), chain, attachments=[{"filename": "全ログ.pdf", "content_base64": big}])
    assert response.status_code == 413 and response.get_json()["code"] == "too_large"
    assert "10" in response.get_json()["message"] and "1 MB" in response.get_json()["message"]
    assert stored() == 0


def test_a_stranger_cannot_see_or_acknowledge_a_notification(api_as, chain):
    n = filed(api_as(chain.uf_staff), chain).get_json()
    minato_api = api_as(chain.minato_staff)
    assert minato_api.get(f"/api/v1/notifications/{n['id']}").status_code == 404
    assert minato_api.get(f"/api/v1/notifications/{n['id']}/receipt").status_code == 404
    assert minato_api.post(f"/api/v1/notifications/{n['id']}/acknowledge").status_code == 404
    assert minato_api.post(f"/api/v1/notifications/{n['id']}/forward", json={}).status_code == 404
