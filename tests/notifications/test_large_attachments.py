"""A notification carries files up to ATTACHMENT_MAX_BYTES (20 MB) through the portal form and through the API, and
a larger one is refused with the 20 MB limit named; the pages and calls without attachments keep the small limit."""

import base64
import io

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from oversight.extensions import db
from oversight.notifications.models import Notification, NotificationAttachment
from oversight.registry.models import Organisation
from tests.factories import PASSWORD, SUSPECTED_LEAK, gen_user
from tests.helpers import text_of
from tests.notifications.test_portal_pages import FORM

MB = 1024 * 1024


def pdf_of(size: int) -> bytes:
    """A PDF (as the attachment check sees one) of exactly `size` bytes."""
    head, tail = b"%PDF-1.7\n", b"\n%%EOF\n"
    return head + b"0" * (size - len(head) - len(tail)) + tail


def stored() -> tuple[int, int]:
    return (db.session.scalar(select(func.count()).select_from(Notification)),
            db.session.scalar(select(func.count()).select_from(NotificationAttachment)))


@pytest.fixture
def uf_web(make_client, chain):
    client = make_client()
    client.login(chain.uf_staff.email, PASSWORD)
    client.get(f"/notifications/new?entrustment_id={chain.call_centre.id}")
    return client


def file_on_the_form(client, chain, content: bytes):
    # Encoded here, in memory: the test client spools a large multipart body to a temporary file it never closes.
    boundary, body = encode_multipart({
        **FORM, "entrustment_id": str(chain.call_centre.id), "action": "file", "csrf_token": client.token,
        "attachments": FileStorage(io.BytesIO(content), "全ログ.pdf", content_type="application/pdf")})
    return client.open("/notifications/new", method="POST", data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")


def file_through_the_api(api_as, chain, content: bytes):
    return api_as(chain.uf_staff).post("/api/v1/notifications", json={
        "entrustment_id": chain.call_centre.id, "title": "大阪センター端末の不審通信", "facts": SUSPECTED_LEAK,
        "attachments": [{"filename": "全ログ.pdf", "content_base64": base64.b64encode(content).decode()}]})


def test_a_10_mb_pdf_attaches_through_the_portal_form(uf_web, chain):
    response = file_on_the_form(uf_web, chain, pdf_of(10 * MB))

    assert response.status_code == 302, text_of(response)[:300]
    [attachment] = db.session.scalars(select(NotificationAttachment))
    assert attachment.filename == "全ログ.pdf" and attachment.size == 10 * MB


def test_a_10_mb_pdf_attaches_through_the_api(api_as, chain):
    response = file_through_the_api(api_as, chain, pdf_of(10 * MB))

    assert response.status_code == 201, response.get_json()
    assert [(a["filename"], a["size"]) for a in response.get_json()["attachments"]] == [("全ログ.pdf", 10 * MB)]


def test_a_21_mb_pdf_is_refused_on_the_form_with_the_20_mb_limit_and_nothing_is_stored(uf_web, chain):
    response = file_on_the_form(uf_web, chain, pdf_of(21 * MB))

    assert response.status_code == 422
    assert "全ログ.pdf は20MBを超えています" in text_of(response)
    assert stored() == (0, 0)


def test_a_21_mb_pdf_is_refused_by_the_api_with_the_20_mb_limit_and_nothing_is_stored(api_as, chain):
    response = file_through_the_api(api_as, chain, pdf_of(21 * MB))

    assert response.status_code == 422
    assert response.get_json()["errors"]["attachments"] == [
        "全ログ.pdf は20MBを超えています。小さいファイルにする（分割する）などしてください。"]
    assert stored() == (0, 0)


def test_a_form_larger_than_every_attachment_at_its_largest_is_refused_saying_the_limits(app, uf_web, chain,
                                                                                        monkeypatch):
    monkeypatch.setitem(app.config, "ATTACHMENT_MAX_BYTES", MB)  # ten files of 1 MB: an 11 MB form at most

    response = file_on_the_form(uf_web, chain, pdf_of(12 * MB))

    assert response.status_code == 413
    assert "1件の報告に添付できるのは、1ファイル1 MBまで、最大10件です" in text_of(response)
    assert stored() == (0, 0)


def test_pages_and_calls_without_attachments_keep_the_small_body_limit(app, make_client, api_as):
    admin = gen_user(role="admin")
    web = make_client()
    web.login(admin.email, PASSWORD)
    web.get("/organisations/new")
    too_big = "株" * (app.config["MAX_CONTENT_LENGTH"] // 3 + 1)  # 3 bytes each in UTF-8

    page = web.post("/organisations/new", {"name": too_big, "name_kana": "カブ"})
    assert page.status_code == 413
    assert f"{app.config['MAX_CONTENT_LENGTH']:,} バイトを超えています" in text_of(page)
    call = api_as(admin).post("/api/v1/organisations", json={"name": too_big})
    assert call.status_code == 413 and call.get_json()["code"] == "too_large"
    assert f"{app.config['API_MAX_JSON_BYTES']:,}" in call.get_json()["message"]
    assert db.session.scalar(select(func.count()).select_from(Organisation)) == 0
