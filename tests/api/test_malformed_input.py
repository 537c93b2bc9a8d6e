"""Malformed input that once gave 500s on PostgreSQL — a NUL byte (which PostgreSQL cannot store in text), a number
past any id, a string where an object belongs — is refused with a message naming the field, on the pages and in the
API, and changes nothing. The refusals come from one place (oversight/inputs.py), not from each route."""

import base64

import pytest
from sqlalchemy import func, select

from oversight.extensions import db
from oversight.incidents.models import Incident
from oversight.notifications import drafts, filing
from oversight.notifications.models import Notification
from oversight.registry.models import Organisation
from tests.factories import PASSWORD, SUSPECTED_LEAK, gen_user
from tests.helpers import text_of

HUGE = "99999999999999999999"
NUL_MESSAGE = "保存できない文字（NUL、U+0000）が含まれています"


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def admin_web(make_client):
    admin = gen_user(role="admin")
    client = make_client()
    client.login(admin.email, PASSWORD)
    return client


@pytest.mark.parametrize(("url", "field"), [
    ("/organisations?kind=%00", "kind"), ("/organisations?status=%00", "status"),
    ("/organisations?certification=%00", "certification"), ("/organisations?q=%00", "q"),
    ("/entrustments?status=%00", "status"), ("/incidents?status=a%00", "status"),
    ("/trail?object_type=organisation&object_id=%00", "object_id"),
])
def test_a_nul_in_a_page_filter_is_refused_naming_the_filter(admin_web, url, field):
    page = admin_web.get(url)

    assert page.status_code == 422
    assert f"{field}：{NUL_MESSAGE}" in text_of(page)


@pytest.mark.parametrize("url", [
    f"/organisations?page={HUGE}", f"/entrustments?page={HUGE}", f"/trail?page={HUGE}",
    f"/notifications/new?follow_up_to={HUGE}", f"/incidents/new?entrustment_id={HUGE}",
])
def test_a_huge_page_or_id_in_a_page_address_shows_nothing_rather_than_failing(admin_web, url):
    assert admin_web.get(url).status_code == 200


def test_a_huge_object_number_in_the_trail_filter_is_refused_naming_the_filter(admin_web):
    page = admin_web.get(f"/trail?object_type=organisation&object_id={HUGE}")
    assert page.status_code == 400 and "object_id" in page.get_data(as_text=True)


def test_a_huge_contractor_id_names_no_contractor(admin_web):
    assert admin_web.get(f"/contracts?contractor_id={HUGE}").status_code == 404


def test_a_nul_in_a_posted_form_field_is_refused_and_nothing_is_registered(admin_web):
    admin_web.get("/organisations/new")

    page = admin_web.post("/organisations/new", {"name": "ヌル\x00株式会社", "name_kana": "ヌル", "kind": "company"})

    assert page.status_code == 422 and f"name：{NUL_MESSAGE}" in text_of(page)
    assert count(Organisation) == 0


def notice(chain, **changes) -> dict:
    return {"entrustment_id": chain.call_centre.id, "title": "端末の不審通信", "facts": SUSPECTED_LEAK, **changes}


PDF = base64.b64encode(b"%PDF-1.4\n%%EOF\n").decode()


@pytest.mark.parametrize(("changes", "field"), [
    ({"title": "端末\x00の不審通信"}, "title"),
    ({"message": "隔離した\x00"}, "message"),
    ({"attachments": [{"filename": "初動\x00報告.pdf", "content_base64": PDF}]}, "attachments[0].filename"),
    ({"facts": {**SUSPECTED_LEAK, "report_items": {"overview": "不審\x00"}}}, "facts.report_items.overview"),
    ({"draft": True, "title": "下書き\x00"}, "title"),
])
def test_a_nul_in_a_notification_is_refused_naming_the_field_and_nothing_is_filed(api_as, chain, changes, field):
    refused = api_as(chain.uf_staff).post("/api/v1/notifications", json=notice(chain, **changes))

    assert refused.status_code == 422 and list(refused.get_json()["errors"]) == [field]
    assert NUL_MESSAGE in refused.get_json()["errors"][field][0]
    assert count(Notification) == 0 and count(Incident) == 0


@pytest.mark.parametrize("field", ["follow_up_to", "entrustment_id", "incident_id"])
def test_a_huge_id_in_a_notification_is_refused_naming_the_field(api_as, chain, field):
    refused = api_as(chain.uf_staff).post("/api/v1/notifications", json=notice(chain, **{field: int(HUGE)}))

    assert refused.status_code == 422 and field in refused.get_json()["errors"]
    assert count(Notification) == 0


def test_a_nul_in_an_incident_a_forward_or_a_facts_note_is_refused_naming_the_field(api_as, chain):
    uf_api, toto_api = api_as(chain.uf_staff), api_as(chain.toto_staff)
    filed = filing.file_new(chain.uf_staff, notice(chain))
    filed_id, incident_id = filed.id, filed.incident_id
    before = (count(Notification), count(Incident))

    cases = [
        (uf_api.post("/api/v1/incidents", json={"title": "紛失\x00", "facts": SUSPECTED_LEAK}), "title"),
        (toto_api.post(f"/api/v1/notifications/{filed_id}/forward", json={"message": "調査中\x00"}), "message"),
        (uf_api.patch(f"/api/v1/incidents/{incident_id}/facts", json={"facts": {}, "note": "続報\x00"}), "note"),
    ]
    for response, field in cases:
        assert response.status_code == 422 and list(response.get_json()["errors"]) == [field], response.get_json()
    assert (count(Notification), count(Incident)) == before


def test_facts_that_are_not_an_object_are_refused_naming_facts(api_as, chain):
    uf_api = api_as(chain.uf_staff)
    filed = filing.file_new(chain.uf_staff, notice(chain))
    draft = drafts.create_draft(chain.uf_staff, notice(chain))
    incident_url, draft_url = f"/api/v1/incidents/{filed.incident_id}/facts", f"/api/v1/notifications/{draft.id}"

    for url in (incident_url, draft_url):
        refused = uf_api.patch(url, json={"facts": "x"})
        assert refused.status_code == 422 and list(refused.get_json()["errors"]) == ["facts"], url


def test_a_huge_contractor_id_is_refused_naming_it(api_as, chain):
    admin_api = api_as(gen_user(role="admin"))

    refused = admin_api.post("/api/v1/entrustments", json={
        "consignor_id": chain.sakura.id, "contractor_id": int(HUGE), "data_set": "会員データ"})

    assert refused.status_code == 422 and "contractor_id" in refused.get_json()["errors"]
