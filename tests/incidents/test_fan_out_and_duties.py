"""An incident at a vendor: every consignor whose data it touches gets its own assessment, known date and deadlines;
the vendor is exempt towards each consignor it has notified (法26条1項ただし書)."""

from datetime import datetime, timedelta

import pytest

from oversight.errors import ValidationFailed
from oversight.extensions import db
from oversight.incidents import chains, services
from oversight.incidents.art26.deadlines import JST
from oversight.incidents.models import Incident
from tests.factories import SYSTEM, gen_entrustment, gen_organisation, gen_subcontract, gen_user

CARD_LEAK = {"data_items": ["name", "credit_card_number"], "cause": "unauthorised_access", "max_persons": 800,
             "occurred_on": "2026-11-16", "known_at": "2026-11-17T10:00:00+09:00"}


def _party(incident, org):
    return incident.party_for(org.id)


@pytest.fixture
def album_vendor():
    """Two schools entrust pupils' data to the album vendor, which subcontracts printing to a printer."""
    vendor, printer = gen_organisation("卒業アルバム制作株式会社"), gen_organisation("ひかり印刷株式会社")
    schools = [gen_organisation(f"市立第{n}小学校", kind="public_body") for n in (1, 2)]
    albums = [gen_entrustment(s, vendor, data_items=["name", "photo"], person_count=420) for s in schools]
    printing = gen_subcontract(albums[0], printer, person_count=420)
    return {"vendor": vendor, "printer": printer, "schools": schools, "albums": albums, "printing": printing}


def test_an_incident_at_the_vendor_reaches_every_school_with_its_own_deadlines(album_vendor):
    vendor, schools = album_vendor["vendor"], album_vendor["schools"]
    incident = services.open_incident(SYSTEM, {
        "organisation_id": vendor.id, "title": "アルバム制作サーバへの不正アクセス", "scope": "engagements",
        "facts": CARD_LEAK, "notified_consignor_at": "2026-11-17T15:00:00+09:00"})
    roles = {p.organisation.name: p.role for p in incident.parties}
    assert roles == {"卒業アルバム制作株式会社": "origin", "市立第1小学校": "consignor", "市立第2小学校": "consignor"}
    vendor_party = _party(incident, vendor)
    assert vendor_party.exempt and not vendor_party.must_report
    for school in schools:
        party = _party(incident, school)
        # A school learns when the vendor's notice arrives (17 Nov): the quick report is due within about 3–5 days
        # (通則編3-5-3-3), the final one within 60 days (施行規則7条3号: unauthorised access), from the next day.
        assert party.must_report
        assert (party.quick_from.isoformat(), party.quick_to.isoformat()) == ("2026-11-20", "2026-11-22")
        assert party.final_due.isoformat() == "2027-01-18"
    assert len(chains.assessments(incident)) == 2


def test_a_consignor_that_learned_later_counts_from_its_own_known_date(album_vendor):
    vendor, school = album_vendor["vendor"], album_vendor["schools"][1]
    incident = services.open_incident(SYSTEM, {
        "organisation_id": vendor.id, "title": "USBメモリの紛失", "scope": "engagements",
        "facts": {**CARD_LEAK, "cause": "lost_outside", "data_items": ["name", "photo"], "max_persons": 1500}})
    party = _party(incident, school)
    assert party.must_report and party.quick_from is None  # not informed yet: no clock has started
    assert _party(incident, vendor).must_report  # it has not notified anyone: it must report itself
    services.record_for_party(SYSTEM, incident.id, party.id, "known", {"at": "2026-11-20T09:00:00+09:00"})
    assert party.quick_to.isoformat() == "2026-11-25"
    first = _party(incident, album_vendor["schools"][0])
    assert first.quick_from is None


def test_the_subcontractor_incident_climbs_the_chain_one_tier_at_a_time(album_vendor):
    printer, vendor, school = album_vendor["printer"], album_vendor["vendor"], album_vendor["schools"][0]
    incident = services.open_incident(SYSTEM, {
        "organisation_id": printer.id, "title": "印刷データの誤送付", "scope": "engagements",
        "facts": {**CARD_LEAK, "cause": "mis_sent_email", "data_items": ["name", "medical_history"],
                  "max_persons": 3}, "notified_consignor_at": "2026-11-17T12:00:00+09:00"})
    assert [p.role for p in incident.parties] == ["origin", "intermediate", "consignor"] or \
        {p.role for p in incident.parties} == {"origin", "intermediate", "consignor"}
    assert _party(incident, printer).exempt
    assert _party(incident, vendor).must_report  # the vendor has not passed it on yet
    services.record_for_party(SYSTEM, incident.id, _party(incident, vendor).id, "notified_consignor",
                              {"at": "2026-11-17T18:00:00+09:00"})
    assert _party(incident, vendor).exempt and _party(incident, school).must_report
    assert _party(incident, school).quick_to.isoformat() == "2026-11-22"


def test_own_data_at_the_consignor_is_assessed_for_the_consignor_alone():
    shop = gen_organisation("さくら商事株式会社")
    incident = services.open_incident(SYSTEM, {"organisation_id": shop.id, "title": "会員DBの設定不備",
                                               "scope": "own", "facts": {**CARD_LEAK, "max_persons": 1001,
                                                                          "cause": "public_misconfiguration"}})
    assert [p.role for p in incident.parties] == ["origin"] and incident.parties[0].must_report


@pytest.mark.parametrize("facts, field", [
    ({"data_items": ["name", "no_such_item"]}, "data_items[1]"),
    ({"cause": "aliens"}, "cause"),
    ({"occurred_on": "2026-11-18", "known_at": "2026-11-17T10:00:00+09:00"}, "known_at"),
    ({"max_persons": -1}, "max_persons"),
    ({"max_persons": 10**12}, "max_persons"),
    ({"data_kind": "my_number", "data_items": ["name"]}, "data_items"),
])
def test_bad_facts_name_the_field_and_store_nothing(album_vendor, facts, field):
    with pytest.raises(ValidationFailed) as refused:
        services.open_incident(SYSTEM, {"organisation_id": album_vendor["vendor"].id, "title": "誤り",
                                        "facts": {**CARD_LEAK, **facts}})
    assert field in refused.value.errors
    db.session.rollback()
    assert db.session.query(Incident).count() == 0


def test_a_notice_dated_before_the_incident_or_in_the_future_is_refused(album_vendor):
    for notified in ("2026-11-10T09:00:00+09:00", (datetime.now(JST) + timedelta(days=2)).isoformat()):
        with pytest.raises(ValidationFailed) as refused:
            services.open_incident(SYSTEM, {"organisation_id": album_vendor["vendor"].id, "title": "誤り",
                                            "facts": CARD_LEAK, "notified_consignor_at": notified})
        assert "notified_consignor_at" in refused.value.errors
        db.session.rollback()
    assert db.session.query(Incident).count() == 0


def test_a_user_cannot_open_an_incident_at_another_organisation(album_vendor):
    stranger = gen_user(gen_organisation("他社"), role="incident_team")
    with pytest.raises(ValidationFailed) as refused:
        services.open_incident(stranger, {"organisation_id": album_vendor["vendor"].id, "title": "x",
                                          "facts": CARD_LEAK})
    assert "organisation_id" in refused.value.errors
