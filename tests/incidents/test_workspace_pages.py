"""The incident workspace as its users see it: the vendor opens an incident from the form, records more facts,
the consignor sees its own deadlines and records its report, and a stranger sees nothing."""

import re

from oversight.extensions import db
from oversight.incidents.models import Incident, IncidentEvent
from tests.factories import PASSWORD, gen_entrustment, gen_organisation, gen_user

FORM = {"title": "会員サイトへの不正アクセス", "scope": "engagements", "cause": "unauthorised_access",
        "item.name": "on", "item.credit_card_number": "on", "max_persons": "1,200", "occurred_on": "2026-11-16",
        "known_at": "2026-11-17T10:00", "notified_consignor_at": "2026-11-17T15:00", "contact_available": "yes"}


def _world():
    shop, vendor = gen_organisation("さくら商事株式会社"), gen_organisation("株式会社東都システム")
    gen_entrustment(shop, vendor, data_set="会員データ", data_items=["name", "credit_card_number"])
    return shop, vendor, gen_user(vendor, role="contractor_user"), gen_user(shop, role="incident_team")


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def test_the_vendor_opens_an_incident_and_the_consignor_sees_its_deadlines(make_client):
    shop, vendor, vendor_staff, shop_csirt = _world()
    staff = make_client()
    staff.login(vendor_staff.email, PASSWORD)
    response = staff.post("/incidents/new", FORM)
    assert response.status_code == 302
    incident = db.session.query(Incident).one()
    page = _text(staff.get(response.headers["Location"]))
    assert "報告対象" in page and "施行規則7条2号" in page and "施行規則7条3号" in page
    assert "免除" in page  # the vendor notified its consignor: exempt (法26条1項ただし書)

    csirt = make_client()
    csirt.login(shop_csirt.email, PASSWORD)
    board = _text(csirt.get("/incidents"))
    assert "会員サイトへの不正アクセス" in board and "さくら商事株式会社" in board
    assert "2026年11月22日" in board and "速報" in board  # the quick-report target comes first
    party = incident.party_for(shop.id)
    assert csirt.post(f"/incidents/{incident.id}/parties/{party.id}/quick_report",
                      {"at": "2026-11-19T10:00"}).status_code == 302
    db.session.expire_all()
    assert incident.party_for(shop.id).quick_reported_at is not None
    # The consignor cannot rewrite the vendor's facts: what happened is the vendor's to record.
    refused = csirt.post(f"/incidents/{incident.id}/facts", {**FORM, "max_persons": "5"})
    assert refused.status_code == 422 and "事案が発生した組織のみ" in _text(refused)
    db.session.expire_all()
    assert db.session.get(Incident, incident.id).facts["max_persons"] == 1200


def test_bad_facts_from_the_form_are_named_and_nothing_is_stored(make_client):
    _shop, _vendor, vendor_staff, _csirt = _world()
    staff = make_client()
    staff.login(vendor_staff.email, PASSWORD)
    response = staff.post("/incidents/new", {**FORM, "max_persons": "-3", "occurred_on": "2026-11-18"})
    assert response.status_code == 422
    page = _text(response)
    assert "本人の数は負の数にできません" in page or "negative" in page
    assert db.session.query(Incident).count() == 0


def test_recording_more_facts_keeps_each_change_in_the_timeline(make_client):
    _shop, _vendor, vendor_staff, _csirt = _world()
    staff = make_client()
    staff.login(vendor_staff.email, PASSWORD)
    staff.post("/incidents/new", {**FORM, "max_persons": "800"})
    incident = db.session.query(Incident).one()
    response = staff.post(f"/incidents/{incident.id}/facts", {**FORM, "max_persons": "1500",
                                                               "note": "調査の結果、件数が増加"})
    assert response.status_code == 302
    events = db.session.query(IncidentEvent).order_by(IncidentEvent.id).all()
    assert [e.kind for e in events] == ["opened", "facts"]
    assert ["max_persons", 800, 1500] in events[1].changes and events[1].note == "調査の結果、件数が増加"
    assert "調査の結果、件数が増加" in _text(staff.get(f"/incidents/{incident.id}"))


def test_a_stranger_gets_404_and_sees_no_row(make_client):
    _shop, _vendor, vendor_staff, _csirt = _world()
    staff = make_client()
    staff.login(vendor_staff.email, PASSWORD)
    staff.post("/incidents/new", FORM)
    incident = db.session.query(Incident).one()
    stranger = make_client()
    stranger.login(gen_user(gen_organisation("他社F1"), role="incident_team").email, PASSWORD)
    assert stranger.get(f"/incidents/{incident.id}").status_code == 404
    assert "会員サイトへの不正アクセス" not in _text(stranger.get("/incidents"))
