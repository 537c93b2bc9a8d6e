"""The workspace takes the engine's new facts: other data items, deletion for a reasonable reason, and shows a
contractor that has not notified yet its window for notifying the consignor."""

from datetime import date

import pytest
from sqlalchemy import func, select

from oversight.errors import ValidationFailed
from oversight.extensions import db
from oversight.incidents import board, chains, services
from oversight.incidents.models import Incident
from tests.factories import PASSWORD, SYSTEM, gen_entrustment, gen_organisation, gen_user

KNOWN = {"occurred_on": "2026-11-16", "known_at": "2026-11-17T10:00:00+09:00"}


def test_an_incident_with_only_other_data_items_is_recorded_and_counts_for_the_persons():
    payroll = gen_organisation("給与計算サービス株式会社")
    incident = services.open_incident(SYSTEM, {
        "organisation_id": payroll.id, "title": "給与明細の誤送付", "scope": "own",
        "facts": {**KNOWN, "cause": "mis_sent_mail", "max_persons": 1200,
                  "other_items": [{"name": "給与額"}, {"name": "年金番号"}]}})
    (result,) = chains.assessments(incident, as_of=date(2026, 11, 18))
    answer = result.assessment.to_dict()
    assert [g["article"] for g in answer["grounds"]] == ["施行規則7条4号"]  # 1,200 persons; no item is sensitive
    assert "data_items" not in answer["missing_report_items"]
    assert incident.facts["other_items"][0]["name"] == "給与額"


def test_an_other_item_without_a_name_is_refused_and_nothing_is_stored():
    payroll = gen_organisation("給与計算サービス株式会社")
    before = db.session.scalar(select(func.count(Incident.id)))
    with pytest.raises(ValidationFailed) as refused:
        services.open_incident(SYSTEM, {
            "organisation_id": payroll.id, "title": "給与明細の誤送付", "scope": "own",
            "facts": {**KNOWN, "cause": "mis_sent_mail", "other_items": [{"name": "給与額"}, {"name": " "}]}})
    assert list(refused.value.errors) == ["other_items[1].name"]
    assert "給与額" in str(refused.value.errors["other_items[1].name"][0])  # the message shows what to enter
    assert db.session.scalar(select(func.count(Incident.id))) == before


def test_deleting_expired_records_under_the_retention_rules_is_not_reportable():
    clinic = gen_organisation("みどり健診センター")
    incident = services.open_incident(SYSTEM, {
        "organisation_id": clinic.id, "title": "保存期間満了データの削除", "scope": "own",
        "facts": {**KNOWN, "events": ["loss"], "max_persons": 5000, "deleted_for_reasonable_reason": True}})
    (result,) = chains.assessments(incident, as_of=date(2026, 11, 18))
    assert not result.assessment.is_incident and not result.assessment.reportable
    assert [g.code for g in result.assessment.not_incident_reasons] == ["deleted_for_reasonable_reason"]
    assert not incident.party_for(clinic.id).must_report


def test_a_contractor_that_has_not_notified_its_consignor_sees_its_window():
    shop, vendor = gen_organisation("さくら商事株式会社"), gen_organisation("株式会社東都システム")
    gen_entrustment(shop, vendor, data_items=["name", "credit_card_number"], person_count=800)
    incident = services.open_incident(SYSTEM, {
        "organisation_id": vendor.id, "title": "会員サーバへの不正アクセス", "scope": "engagements",
        "facts": {**KNOWN, "cause": "unauthorised_access", "data_items": ["name", "credit_card_number"],
                  "max_persons": 800}})
    (result,) = chains.assessments(incident, as_of=date(2026, 11, 18))
    consignor, contractor = result.assessment.to_dict()["parties"]
    assert consignor["consignor_notice"] is None
    assert contractor["consignor_notice"]["from"] == "2026-11-20"
    assert contractor["consignor_notice"]["to"] == "2026-11-22"


def test_the_contractors_window_is_on_its_party_the_board_and_the_dashboard():
    shop, vendor = gen_organisation("さくら商事株式会社"), gen_organisation("株式会社東都システム")
    gen_entrustment(shop, vendor, data_items=["name", "credit_card_number"], person_count=800)
    staff = gen_user(vendor, role="contractor_user")
    incident = services.open_incident(staff, {
        "title": "会員サーバへの不正アクセス", "scope": "engagements",
        "facts": {**KNOWN, "cause": "unauthorised_access", "data_items": ["name", "credit_card_number"],
                  "max_persons": 800}})
    party = incident.party_for(vendor.id)
    assert (party.notice_from, party.notice_to) == (date(2026, 11, 20), date(2026, 11, 22))
    (row,) = board.deadline_board(staff, today=date(2026, 11, 18)).rows
    assert row.party == party and row.next[0] == "notice" and row.notice.last == date(2026, 11, 22)
    services.record_for_party(staff, incident.id, party.id, "notified_consignor", {"at": "2026-11-18T10:00:00+09:00"})
    assert party.notice_to is None and party.exempt


def test_the_portal_tells_a_contractor_that_has_not_notified_by_when_to_do_it(make_client):
    shop, vendor = gen_organisation("さくら商事株式会社"), gen_organisation("株式会社東都システム")
    gen_entrustment(shop, vendor, data_items=["name", "credit_card_number"], person_count=800)
    staff = gen_user(vendor, role="contractor_user")
    services.open_incident(staff, {"title": "会員サーバへの不正アクセス", "scope": "engagements",
                                   "facts": {**KNOWN, "cause": "unauthorised_access", "max_persons": 800}})
    client = make_client()
    client.login(staff.email, PASSWORD)
    portal = client.get("/notifications").get_data(as_text=True)
    assert 'id="notices-owed"' in portal and "2026年11月20日 – 2026年11月22日" in portal
