"""The incident API: a vendor's ticketing system opens an incident, records more facts and what each party did;
the consignor reads its deadlines; bad input is named per field and stores nothing."""

from oversight.extensions import db
from oversight.incidents.models import Incident
from tests.factories import gen_entrustment, gen_organisation, gen_user

FACTS = {"data_items": ["name", "credit_card_number"], "cause": "unauthorised_access", "max_persons": 800,
         "occurred_on": "2026-11-16", "known_at": "2026-11-17T10:00:00+09:00"}


def _world(api_as):
    shop, vendor = gen_organisation("さくら商事株式会社"), gen_organisation("株式会社東都システム")
    gen_entrustment(shop, vendor, data_set="会員データ")
    return shop, vendor, api_as(gen_user(vendor, role="contractor_user")), api_as(gen_user(shop, role="incident_team"))


def test_a_ticketing_system_opens_an_incident_and_the_consignor_sees_its_deadline(api_as):
    shop, vendor, vendor_api, shop_api = _world(api_as)
    created = vendor_api.post("/api/v1/incidents", json={
        "title": "会員サイトへの不正アクセス", "facts": FACTS, "notified_consignor_at": "2026-11-17T15:00:00+09:00"})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert created.headers["Location"].endswith(f"/api/v1/incidents/{body['id']}")
    parties = {p["organisation"]["name"]: p for p in body["parties"]}
    assert parties["株式会社東都システム"]["exempt"] and parties["さくら商事株式会社"]["must_report"]
    assert parties["さくら商事株式会社"]["final_due"] == "2027-01-18"
    (chain,) = body["assessments"]
    assert chain["path"] == [shop.id, vendor.id] and chain["assessment"]["reportable"]

    deadlines = shop_api.get("/api/v1/deadlines").get_json()["items"]
    assert [(d["organisation"]["name"], d["next"], d["due"]) for d in deadlines] == [
        ("さくら商事株式会社", "quick", "2026-11-22")]
    # The quick report is a window, and the final report's due date shows from the start.
    assert deadlines[0]["quick_report"]["first"] == "2026-11-20"
    assert deadlines[0]["final_report"]["last"] == "2027-01-18"
    party_id = parties["さくら商事株式会社"]["id"]
    recorded = shop_api.post(f"/api/v1/incidents/{body['id']}/parties/{party_id}/records",
                             json={"action": "quick_report", "at": "2026-11-19T10:00:00+09:00"})
    assert recorded.status_code == 200 and recorded.get_json()["quick_reported_at"].startswith("2026-11-19T01:00")
    assert shop_api.get("/api/v1/deadlines").get_json()["items"][0]["next"] == "final"

    more = vendor_api.patch(f"/api/v1/incidents/{body['id']}/facts", json={"facts": {"max_persons": 1500}})
    assert more.status_code == 200
    grounds = [g["article"] for g in more.get_json()["assessments"][0]["assessment"]["grounds"]]
    assert "施行規則7条4号" in grounds
    # The consignor may not rewrite what happened: that is the vendor's to record.
    refused = shop_api.patch(f"/api/v1/incidents/{body['id']}/facts", json={"facts": {"cause": "theft"}})
    assert refused.status_code == 422 and "cause" in refused.get_json()["errors"]


def test_bad_facts_are_named_and_nothing_is_stored(api_as):
    _shop, _vendor, vendor_api, _shop_api = _world(api_as)
    refused = vendor_api.post("/api/v1/incidents", json={"title": "誤り", "facts": {
        **FACTS, "data_items": ["name", "unicorn"], "cause": "aliens", "max_persons": -4,
        "known_at": "2026-11-15T10:00:00+09:00"}})
    assert refused.status_code == 422
    errors = refused.get_json()["errors"]
    assert {"data_items[1]", "cause", "max_persons", "known_at"} <= set(errors)
    assert errors["max_persons"] == ["本人の数は負の数にできません。"]
    future = vendor_api.post("/api/v1/incidents", json={"title": "未来", "facts": {**FACTS,
                                                                                  "known_at": "2099-01-01"}})
    assert future.status_code == 422 and "known_at" in future.get_json()["errors"]
    assert db.session.query(Incident).count() == 0


def test_the_stateless_assessment_and_the_vocabularies(api_as):
    api = api_as(gen_user(gen_organisation(), role="viewer"))
    result = api.post("/api/v1/assessments?as_of=2026-11-23", json={
        "handler_kind": "company", "data_items": ["address"], "cause": "mis_sent_email", "max_persons": 1000,
        "known_at": "2026-11-17"})
    assert result.status_code == 200 and result.get_json()["reportable"] is False
    items = {i["code"]: i for i in api.get("/api/v1/vocabularies/data-items").get_json()["items"]}
    assert items["credit_card_number"]["attributes"]["financial_alone"] and items["medical_history"]["attributes"][
        "sensitive"]
    causes = {c["code"] for c in api.get("/api/v1/vocabularies/causes").get_json()["items"]}
    assert {"unauthorised_access", "ransomware", "mis_sent_email"} <= causes
    assert db.session.query(Incident).count() == 0


def test_another_tenant_cannot_read_the_incident(api_as):
    _shop, _vendor, vendor_api, _shop_api = _world(api_as)
    incident_id = vendor_api.post("/api/v1/incidents", json={"title": "x", "facts": FACTS}).get_json()["id"]
    stranger = api_as(gen_user(gen_organisation("他社"), role="incident_team"))
    assert stranger.get(f"/api/v1/incidents/{incident_id}").status_code == 404
    assert stranger.get("/api/v1/incidents").get_json()["items"] == []


def test_an_id_no_row_can_have_is_refused_by_field(api_as):
    _shop, _vendor, vendor_api, _shop_api = _world(api_as)
    for bad in (2**63, -1, "abc", True):
        refused = vendor_api.post("/api/v1/incidents", json={"title": "x", "facts": FACTS, "organisation_id": bad,
                                                             "scope": "entrustment", "entrustment_id": bad})
        assert refused.status_code == 422, bad
        assert {"organisation_id", "entrustment_id"} <= set(refused.get_json()["errors"])
    assert db.session.query(Incident).count() == 0
