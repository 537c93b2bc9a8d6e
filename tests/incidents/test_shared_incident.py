"""One vendor, many consignors (the 146-school album vendor of reference 001, in small): each consignor's duty rests
on its own data, it records and corrects the facts of its own data, and it sees nothing of its siblings."""

from datetime import date

import pytest

from oversight.errors import NotFound, ValidationFailed
from oversight.extensions import db
from oversight.incidents import board, chains, services, workspace
from oversight.incidents.models import IncidentParty
from oversight.notifications import filing
from oversight.notifications import services as notifications
from tests.factories import STOLEN_LAPTOP, SYSTEM, gen_shared_vendor

# Not malicious: only the number of persons can make it reportable.
LOST_USB = {**STOLEN_LAPTOP, "cause": "lost_outside"}


@pytest.fixture
def vendor():
    return gen_shared_vendor()


def _open(world, facts, **data):
    return services.open_incident(world.vendor_staff, {
        "title": "制作用USBメモリの紛失", "scope": "engagements", "facts": facts, **data})


def _grounds(incident, consignor) -> dict[tuple, list[str]]:
    return {r.path: [g.article for g in r.assessment.grounds] for r in chains.assessments(incident)
            if r.path[0] == consignor.id}


def test_each_consignor_is_assessed_on_its_own_420_pupils_not_the_vendors_1260(vendor):
    incident = _open(vendor, LOST_USB)
    # 学校法人さくら学園 (a company) has 420 pupils concerned: not more than 1,000 (施行規則7条4号).
    assert _grounds(incident, vendor.sakura) == {(vendor.sakura.id, vendor.studio.id, vendor.vendor.id): []}
    assert not incident.party_for(vendor.sakura.id).must_report
    # The boards of education are public bodies: 420 is more than 100 (施行規則43条4号), each on its own count.
    for school in (vendor.kyoto, vendor.otsu):
        (articles,) = _grounds(incident, school).values()
        assert articles == ["施行規則43条4号"]
        assert incident.party_for(school.id).must_report
    # The vendor holds all 1,260 pupils' data: as a business it counts them all (more than 1,000).
    vendor_party = incident.party_for(vendor.vendor.id)
    assert vendor_party.must_report


def test_a_notice_to_one_school_does_not_exempt_the_vendor_towards_another(vendor):
    incident = _open(vendor, LOST_USB)
    vendor_party = incident.party_for(vendor.vendor.id)
    services.record_for_party(vendor.vendor_staff, incident.id, vendor_party.id, "notified_consignor",
                              {"at": "2026-11-21T15:00:00+09:00", "consignor_id": vendor.kyoto.id})
    kyoto, otsu = incident.party_for(vendor.kyoto.id), incident.party_for(vendor.otsu.id)
    assert kyoto.final_due is not None  # 京都市 knows from the notice: its clock runs
    assert otsu.must_report and otsu.final_due is None  # 大津市 has not been told: its clock has not started
    assert vendor_party.must_report  # still owes the report for 大津市's and the studio's data
    by_path = {r.path[0]: r.tiers[-1] for r in chains.assessments(incident)}
    assert by_path[vendor.kyoto.id].exempt and by_path[vendor.otsu.id].must_report


def test_a_vendor_with_several_consignors_must_say_which_one_it_notified(vendor):
    incident = _open(vendor, LOST_USB)
    party = incident.party_for(vendor.vendor.id)
    with pytest.raises(ValidationFailed) as refused:
        services.record_for_party(vendor.vendor_staff, incident.id, party.id, "notified_consignor",
                                  {"at": "2026-11-21T15:00:00+09:00"})
    assert "consignor_id" in refused.value.errors
    assert party.consignor_notices == {}


def test_the_consignor_records_its_own_count_without_changing_anyone_elses(vendor):
    incident = _open(vendor, LOST_USB)
    sakura = incident.party_for(vendor.sakura.id)
    # さくら学園 finds that its 1,100 alumni's photos were on the stick too: more than the registry's 420.
    with pytest.raises(ValidationFailed) as refused:
        services.record_party_facts(vendor.sakura_csirt, incident.id, sakura.id, {"facts": {"max_persons": 1100}})
    assert "max_persons" in refused.value.errors and sakura.facts == {}
    services.record_party_facts(vendor.sakura_csirt, incident.id, sakura.id, {
        "facts": {"max_persons": 1100, "persons_reason": "卒業生の写真も保存されていた"}, "note": "学園で確認"})
    assert _grounds(incident, vendor.sakura) == {(vendor.sakura.id, vendor.studio.id, vendor.vendor.id):
                                                 ["施行規則7条4号"]}
    assert incident.party_for(vendor.sakura.id).must_report
    assert incident.facts["max_persons"] == 1260  # the vendor's facts are untouched
    (kyoto_articles,) = _grounds(incident, vendor.kyoto).values()
    assert kyoto_articles == ["施行規則43条4号"]  # and 京都市 still counts its own 420
    event = incident.events[-1]
    assert (event.kind, event.actor_name, event.concerns_organisation_id) == (
        "party_facts", vendor.sakura_csirt.email, vendor.sakura.id)


def test_the_vendor_records_one_schools_count_for_it(vendor):
    incident = _open(vendor, {**LOST_USB, "max_persons": None})
    otsu = incident.party_for(vendor.otsu.id)
    services.record_party_facts(vendor.vendor_staff, incident.id, otsu.id, {"facts": {"max_persons": 40}})
    (articles,) = _grounds(incident, vendor.otsu).values()
    assert articles == []  # 40 persons: not more than 100
    (kyoto_articles,) = _grounds(incident, vendor.kyoto).values()
    assert kyoto_articles == ["施行規則43条4号"]  # unknown at the vendor: the registry's 420 is the largest possible


@pytest.mark.parametrize(("facts", "field"), [
    ({"max_persons": -1}, "max_persons"),
    ({"max_persons": 300_000_000}, "max_persons"),
    ({"data_items": ["name", "unicorn"]}, "data_items[1]"),
    ({"cause": "theft"}, "cause"),
])
def test_bad_facts_of_a_consignor_are_named_and_nothing_is_stored(vendor, facts, field):
    incident = _open(vendor, LOST_USB)
    kyoto = incident.party_for(vendor.kyoto.id)
    with pytest.raises(ValidationFailed) as refused:
        services.record_party_facts(vendor.kyoto_privacy, incident.id, kyoto.id, {"facts": facts})
    assert field in refused.value.errors
    db.session.rollback()
    assert db.session.get(IncidentParty, kyoto.id).facts == {}


def test_a_consignor_cannot_record_facts_for_a_sibling_or_an_incident_it_is_not_party_to(vendor):
    incident = _open(vendor, LOST_USB)
    otsu = incident.party_for(vendor.otsu.id)
    with pytest.raises(NotFound):
        services.record_party_facts(vendor.kyoto_privacy, incident.id, otsu.id, {"facts": {"max_persons": 1}})
    own = services.open_incident(SYSTEM, {"organisation_id": vendor.otsu.id, "title": "大津市の事故", "scope": "own",
                                          "facts": LOST_USB})
    with pytest.raises(NotFound):
        services.record_party_facts(vendor.kyoto_privacy, own.id, own.parties[0].id, {"facts": {"max_persons": 1}})


def test_a_school_sees_only_itself_and_the_vendor(vendor):
    incident = _open(vendor, LOST_USB, notified_consignor_at="2026-11-21T15:00:00+09:00")
    page = workspace.build(vendor.kyoto_privacy, incident.id)
    assert {p.party.organisation.name for p in page.parties} == {"京都市教育委員会", "卒業アルバム制作株式会社"}
    assert [c.consignor.name for c in page.chains] == ["京都市教育委員会"]
    assert page.chains[0].facts["max_persons"] == 420
    assert "max_persons" not in page.facts  # the vendor's total would tell how many others there are
    (vendor_view,) = [p for p in page.parties if p.party.organisation_id == vendor.vendor.id]
    assert vendor_view.status == "exempt" and [org.name for org, _at in vendor_view.notices] == ["京都市教育委員会"]


def test_the_contractor_in_between_sees_the_chain_through_it_from_its_consignor_down(vendor):
    incident = _open(vendor, LOST_USB)
    page = workspace.build(vendor.studio_staff, incident.id)
    assert {p.party.organisation.name for p in page.parties} == {
        "学校法人さくら学園", "みやこ写真館株式会社", "卒業アルバム制作株式会社"}
    (chain,) = page.chains
    assert [t.organisation.name for t in chain.tiers] == ["学校法人さくら学園", "みやこ写真館株式会社",
                                                          "卒業アルバム制作株式会社"]
    assert chain.tiers[0].above and not chain.tiers[1].above


def test_the_final_report_date_shows_from_the_first_moment_on_the_board(vendor):
    incident = _open(vendor, LOST_USB, notified_consignor_at="2026-11-21T15:00:00+09:00")
    (row,) = board.deadline_board(vendor.kyoto_privacy, today=date(2026, 11, 22)).rows
    assert row.party.organisation_id == vendor.kyoto.id
    assert (row.quick.first, row.quick.last) == (date(2026, 11, 24), date(2026, 11, 26))
    assert row.final.last == date(2026, 12, 21)  # 30 days from 21 Nov, a Monday
    assert row.next[0] == "quick"
    vendor_rows = board.deadline_board(vendor.vendor_staff, today=date(2026, 11, 22)).rows
    assert {r.party.organisation_id for r in vendor_rows} == {vendor.kyoto.id, vendor.otsu.id}
    assert incident.status == "open"


def test_notifications_to_one_school_reach_neither_the_other_nor_its_mail(vendor):
    incident = _open(vendor, LOST_USB)
    notice = {"title": "USBメモリの紛失", "facts": LOST_USB, "incident_id": incident.id}
    filed = filing.file_new(vendor.vendor_staff, {**notice, "entrustment_id": vendor.albums["kyoto"].id})
    later = filing.file_new(vendor.vendor_staff, {**notice, "entrustment_id": vendor.albums["otsu"].id})
    assert filed.incident_id == later.incident_id == incident.id
    assert incident.party_for(vendor.kyoto.id).known_at == filed.filed_at
    assert incident.party_for(vendor.otsu.id).known_at == later.filed_at
    assert incident.party_for(vendor.sakura.id).known_at is None  # the studio's consignor has not been told
    with pytest.raises(NotFound):
        notifications.get_notification(vendor.kyoto_privacy, later.id)
    assert [n.id for n in notifications.for_incident(vendor.kyoto_privacy, incident)] == [filed.id]
