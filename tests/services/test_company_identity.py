"""A company's identity is shared; what each tenant records about it is its own (issue 13, point 2).

Two tenants work with the same vendor: さくら registered it first, with private notes and contacts; はなまる
names it by corporate number later. Each sees the one company, and only its own record of it.
"""

from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from oversight.errors import Forbidden, NotFound, ValidationFailed
from oversight.extensions import db
from oversight.registry import recipients as registry_contacts
from oversight.registry import services as registry
from oversight.registry.models import Organisation, OrganisationRecord
from tests.factories import SYSTEM, corporate_number, gen_entrustment, gen_organisation, gen_subcontract, gen_user

SAKURA_NOTES = "監査で持出し管理の不備を指摘。担当者の私用携帯は090-0000-0000。"


@pytest.fixture
def two_tenants():
    """さくら's privacy office registered 北斗データ with notes, a contact and a verified certificate;
    はなまる銀行 is another tenant that has never heard of さくら."""
    sakura, hanamaru = gen_organisation("さくら商事"), gen_organisation("はなまる銀行")
    sakura_user, hanamaru_user = gen_user(sakura, role="privacy_office"), gen_user(hanamaru, role="privacy_office")
    number = corporate_number()
    vendor = registry.create_organisation(sakura_user, {
        "name": "北斗データ株式会社", "corporate_number": number, "address": "札幌市中央区",
        "record": {"status": "suspended", "notes": SAKURA_NOTES,
                   "contacts": [{"role": "incident", "name": "北斗 太郎", "email": "taro@hokuto.example",
                                 "phone": "011-000-0000"}],
                   "certifications": [{"scheme": "pmark", "number": "P-1", "expires_on": "2027-03-31"}]}})
    return SimpleNamespace(sakura=sakura, hanamaru=hanamaru, sakura_user=sakura_user, hanamaru_user=hanamaru_user,
                           vendor=vendor, number=number)


def _record_count() -> int:
    return db.session.scalar(select(func.count()).select_from(OrganisationRecord))


def test_registering_a_number_another_tenant_registered_links_to_the_company_without_a_refusal(two_tenants):
    t = two_tenants
    linked = registry.create_organisation(t.hanamaru_user, {
        "name": "北斗データ", "corporate_number": t.number, "record": {"notes": "新規取引の候補"}})

    assert linked.id == t.vendor.id  # one company, not a second copy and not a 422
    seen = registry.seen_organisation(t.hanamaru_user, linked.id)
    assert seen.record.notes == "新規取引の候補" and seen.record.status == "active"
    assert seen.record.contacts == [] and seen.record.certifications == []
    assert seen.profile is None  # it holds no data of はなまる's
    assert seen.other_records == []
    assert linked.name == "北斗データ株式会社"  # the identity's public facts stay as registered
    sakura_seen = registry.seen_organisation(t.sakura_user, linked.id)
    assert sakura_seen.record.notes == SAKURA_NOTES and sakura_seen.record.status == "suspended"


def test_linking_answers_exactly_as_registering_a_new_company_does(two_tenants):
    t = two_tenants
    fresh_number = corporate_number()
    answers = []
    for number in (t.number, fresh_number):
        org = registry.create_organisation(t.hanamaru_user, {"name": "北斗データ株式会社", "corporate_number": number})
        seen = registry.seen_organisation(t.hanamaru_user, org.id)
        answers.append((org.name, seen.profile, seen.record.notes, seen.record.status, seen.other_records,
                        seen.can_edit_identity, seen.can_keep_record, seen.can_delete, seen.unapproved_subcontracts))
    assert answers[0] == answers[1]


def test_a_tenant_that_already_keeps_a_record_is_told_so(two_tenants):
    t = two_tenants
    with pytest.raises(ValidationFailed) as refused:
        registry.create_organisation(t.sakura_user, {"name": "北斗データ", "corporate_number": t.number})
    assert "corporate_number" in refused.value.errors


def test_proposing_a_subcontractor_by_corporate_number_never_reveals_another_tenants_record(two_tenants):
    """The issue's scenario: a contractor of はなまる names さくら's vendor by its number."""
    t = two_tenants
    hikari = gen_organisation("ひかり印刷")
    top = gen_entrustment(t.hanamaru, hikari, person_count=500)
    hikari_user = gen_user(hikari, role="contractor_user")
    with pytest.raises(NotFound):
        registry.get_organisation(hikari_user, t.vendor.id)

    sub = registry.propose_subcontract(hikari_user, top.id, {
        "contractor_corporate_number": t.number, "contractor_name": "ホクトデータ", "data_set": "宛名印刷"})

    assert sub.contractor_id == t.vendor.id
    for user in (hikari_user, t.hanamaru_user):  # the proposer and the consignor above it
        seen = registry.seen_organisation(user, t.vendor.id)
        assert seen.profile is not None and seen.profile.contacts == []  # the company's own: it has none
        assert seen.record is None or (seen.record.notes == "" and seen.record.contacts == [])
        assert seen.other_records == []
    assert registry.seen_organisation(SYSTEM, t.vendor.id).other_records  # the operator sees every record


def test_naming_a_company_by_number_needs_its_name_whether_or_not_it_is_registered(two_tenants):
    t = two_tenants
    hikari = gen_organisation("ひかり印刷")
    top = gen_entrustment(t.hanamaru, hikari)
    hikari_user = gen_user(hikari, role="contractor_user")
    for number in (t.number, corporate_number()):
        with pytest.raises(ValidationFailed) as refused:
            registry.propose_subcontract(hikari_user, top.id, {"contractor_corporate_number": number,
                                                               "data_set": "宛名印刷"})
        assert list(refused.value.errors) == ["contractor_name"]


def test_a_company_named_for_the_first_time_in_a_proposal_is_registered_with_the_proposers_record():
    consignor, contractor = gen_organisation("委託元"), gen_organisation("委託先")
    top = gen_entrustment(consignor, contractor)
    user = gen_user(contractor, role="contractor_user")
    number = corporate_number()

    sub = registry.propose_subcontract(user, top.id, {"contractor_corporate_number": f" {number[:4]}－{number[4:]} ",
                                                      "contractor_name": "新規再委託先株式会社", "data_set": "x"})

    assert sub.contractor.corporate_number == number and sub.contractor.name == "新規再委託先株式会社"
    assert registry.own_record(user, sub.contractor_id) is not None


def test_a_failed_proposal_leaves_no_company_and_no_record_behind():
    consignor, contractor = gen_organisation("委託元"), gen_organisation("委託先")
    top = gen_entrustment(consignor, contractor, person_count=10)
    user = gen_user(contractor, role="contractor_user")
    organisations, records = db.session.scalar(select(func.count(Organisation.id))), _record_count()
    with pytest.raises(ValidationFailed):
        registry.propose_subcontract(user, top.id, {"contractor_corporate_number": corporate_number(),
                                                    "contractor_name": "新規", "data_set": "x", "person_count": 11})
    db.session.rollback()
    assert (db.session.scalar(select(func.count(Organisation.id))), _record_count()) == (organisations, records)
    with pytest.raises(ValidationFailed):  # to itself: found only after naming the company
        registry.propose_subcontract(user, top.id, {"contractor_corporate_number": contractor.corporate_number,
                                                    "contractor_name": "委託先", "data_set": "x"})
    assert _record_count() == records


def test_the_companys_own_profile_is_kept_by_its_users_and_shared_with_its_consignors_only(two_tenants):
    t = two_tenants
    vendor_user = gen_user(t.vendor, role="contractor_user")
    registry.update_organisation(vendor_user, t.vendor.id, {"profile": {
        "contacts": [{"role": "incident", "name": "CSIRT", "email": "csirt@hokuto.example", "phone": "011-111-1111"}],
        "certifications": [{"scheme": "iso27001", "number": "IS 1", "expires_on": "2028-01-31"}]}})
    consignor = gen_organisation("委託元の市役所", kind="public_body")
    gen_entrustment(consignor, t.vendor)

    consignor_view = registry.seen_organisation(gen_user(consignor, role="viewer"), t.vendor.id)
    assert [c.name for c in consignor_view.profile.contacts] == ["CSIRT"]
    assert consignor_view.record is None
    sakura_view = registry.seen_organisation(t.sakura_user, t.vendor.id)  # registered it, holds no data there
    assert sakura_view.profile is None and sakura_view.record.notes == SAKURA_NOTES
    with pytest.raises(Forbidden):
        registry.update_organisation(t.sakura_user, t.vendor.id, {"profile": {"contacts": []}})
    own_view = registry.seen_organisation(vendor_user, t.vendor.id)
    assert own_view.record is None and own_view.other_records == [] and own_view.can_edit_profile


def test_contacts_added_through_a_page_go_where_the_user_keeps_them(two_tenants):
    t = two_tenants
    registry.add_contact(t.sakura_user, t.vendor.id, {"name": "営業 北斗", "role": "contract"})
    vendor_user = gen_user(t.vendor, role="contractor_user")
    registry.add_contact(vendor_user, t.vendor.id, {"name": "総務", "role": "general"})

    assert [c.name for c in registry.own_record(t.sakura_user, t.vendor.id).contacts] == ["北斗 太郎", "営業 北斗"]
    assert [c.name for c in db.session.get(Organisation, t.vendor.id).contacts] == ["総務"]
    sakura_contact = registry.own_record(t.sakura_user, t.vendor.id).contacts[0].id
    with pytest.raises(NotFound):
        registry.remove_contact(vendor_user, t.vendor.id, sakura_contact)


def test_a_certification_kept_in_a_record_says_who_verified_it_and_when(two_tenants):
    t = two_tenants
    registry.add_certification(t.sakura_user, t.vendor.id, {"scheme": "iso27001", "expires_on": "2028-01-31",
                                                            "verified_on": "2026-11-01"})
    certs = registry.own_record(t.sakura_user, t.vendor.id).certifications
    assert [(c.scheme, c.verified_on.isoformat() if c.verified_on else None) for c in certs] == [
        ("pmark", certs[0].verified_on.isoformat()), ("iso27001", "2026-11-01")]
    assert certs[1].verified_by_id == t.sakura_user.id


def _actors():
    """Who, for an identity with or without a corporate number, may change its public facts."""
    return [
        ("an operator admin", "admin", True, True),
        ("the company's own user", "own", True, True),
        ("the tenant that registered it, while the company has no users", "registrar", False, True),
        ("the tenant that registered it, once the company has users", "registrar_with_users", False, False),
        ("a tenant that linked to it by number", "linker", False, None),
        ("a consignor that meets it in its chain", "consignor", False, False),
    ]


@pytest.mark.parametrize(("who", "key", "numbered", "numberless"), _actors(), ids=[a[0] for a in _actors()])
def test_who_may_change_a_companys_public_facts(who, key, numbered, numberless):
    registrar_org = gen_organisation("登録した委託元")
    registrar = gen_user(registrar_org, role="procurement")
    for has_number, expected in ((True, numbered), (False, numberless)):
        if expected is None:
            continue  # nothing links to a company without a number
        number = corporate_number() if has_number else ""
        vendor = registry.create_organisation(registrar, {"name": f"委託先{has_number}", "corporate_number": number})
        actor = {"admin": SYSTEM, "registrar": registrar}.get(key)
        if key in ("own", "registrar_with_users"):
            vendor_user = gen_user(vendor, role="contractor_user")
            actor = vendor_user if key == "own" else registrar
        if key == "linker":
            actor = gen_user(gen_organisation("後から登録した委託元"), role="procurement")
            registry.create_organisation(actor, {"name": "別名", "corporate_number": number})
        if key == "consignor":
            chain_top = gen_organisation("連鎖の委託元")
            gen_entrustment(chain_top, vendor)
            actor = gen_user(chain_top, role="privacy_office")
        if expected:
            registry.update_organisation(actor, vendor.id, {"address": "東京都港区"})
            assert db.session.get(Organisation, vendor.id).address == "東京都港区"
        else:
            with pytest.raises(Forbidden):
                registry.update_organisation(actor, vendor.id, {"address": "東京都港区"})
            db.session.rollback()


def test_a_tenant_cannot_give_a_company_a_number_by_editing_it(two_tenants):
    """Setting a number on an identity would tell whether that number is registered elsewhere: refused alike."""
    t = two_tenants
    own_entry = registry.create_organisation(t.hanamaru_user, {"name": "番号のない委託先", "corporate_number": ""})
    for number in (t.number, corporate_number()):
        with pytest.raises(ValidationFailed) as refused:
            registry.update_organisation(t.hanamaru_user, own_entry.id, {"corporate_number": number})
        assert "corporate_number" in refused.value.errors
        db.session.rollback()


def test_deleting_removes_the_tenants_record_and_the_company_only_when_nobody_else_uses_it(two_tenants):
    t = two_tenants
    registry.create_organisation(t.hanamaru_user, {"name": "北斗データ", "corporate_number": t.number})
    registry.delete_organisation(t.hanamaru_user, t.vendor.id)
    with pytest.raises(NotFound):
        registry.get_organisation(t.hanamaru_user, t.vendor.id)
    assert registry.seen_organisation(t.sakura_user, t.vendor.id).record.notes == SAKURA_NOTES

    registry.delete_organisation(t.sakura_user, t.vendor.id)
    assert db.session.get(Organisation, t.vendor.id) is None


def test_an_operator_admin_keeps_no_record_and_a_company_none_of_itself(two_tenants):
    t = two_tenants
    with pytest.raises(ValidationFailed) as refused:
        registry.update_organisation(SYSTEM, t.vendor.id, {"record": {"notes": "運用メモ"}})
    assert list(refused.value.errors) == ["record"]
    with pytest.raises(ValidationFailed) as refused:
        registry.update_organisation(t.sakura_user, t.sakura.id, {"record": {"notes": "自社メモ"}})
    assert list(refused.value.errors) == ["record"]


def test_fields_that_moved_into_the_record_are_refused_at_the_top_level(two_tenants):
    with pytest.raises(ValidationFailed) as refused:
        registry.create_organisation(two_tenants.hanamaru_user, {"name": "旧形式株式会社", "notes": "メモ",
                                                                  "contacts": []})
    assert set(refused.value.errors) == {"notes", "contacts"}


def test_incident_mail_goes_to_the_companys_own_contacts_and_those_kept_by_parties_to_the_matter(two_tenants):
    t = two_tenants
    vendor_user = gen_user(t.vendor, role="contractor_user")
    registry.add_contact(vendor_user, t.vendor.id, {"role": "incident", "name": "CSIRT",
                                                    "email": "csirt@hokuto.example", "phone": "011-111-1111"})
    assert registry_contacts.incident_addresses(t.vendor.id) == ["csirt@hokuto.example"]
    assert registry_contacts.incident_addresses(t.vendor.id, kept_by=[t.sakura.id]) == [
        "csirt@hokuto.example", "taro@hokuto.example"]
    assert registry_contacts.incident_addresses(t.vendor.id, kept_by=[t.hanamaru.id]) == ["csirt@hokuto.example"]


def test_an_unapproved_subcontract_names_only_what_the_viewer_may_see_of_the_vendor():
    """Point 8 at the service: another tenant's unapproved subcontract of the same vendor is not counted."""
    vendor = gen_organisation("北斗オペレーション")
    own_orgs = [gen_organisation("自社"), gen_organisation("自社の委託先")]
    own_top = gen_entrustment(*own_orgs)
    gen_subcontract(own_top, vendor)  # approved: no violation
    other_top = gen_entrustment(gen_organisation("他社"), gen_organisation("他社の委託先"))
    gen_subcontract(other_top, vendor, origin="audit")  # another tenant's violation
    viewer = gen_user(own_orgs[0], role="privacy_office")

    assert registry.violations_by_contractor(viewer, [vendor.id]) == {}
    assert registry.violations_by_contractor(SYSTEM, [vendor.id]) == {vendor.id: 1}
    assert registry.seen_organisation(viewer, vendor.id).unapproved_subcontracts == 0
    page = registry.search_organisations(viewer, q="北斗")
    assert page.extra["violations"] == {}
