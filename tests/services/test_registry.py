"""The registry's rules, scenario by scenario, through the services that every entry point calls."""

import pytest

from oversight.errors import ValidationFailed
from oversight.registry import services as registry
from oversight.trail import services as trail
from tests.factories import SYSTEM, gen_chain, gen_entrustment, gen_organisation, gen_subcontract


def test_a_wrong_check_digit_is_refused_and_nothing_is_stored():
    with pytest.raises(ValidationFailed) as refused:
        registry.create_organisation(SYSTEM, {"name": "誤記株式会社", "corporate_number": "1000012050002"})
    assert "corporate_number" in refused.value.errors
    assert registry.search_organisations(SYSTEM).total == 0


def test_the_national_tax_agency_number_passes_the_check_digit():
    org = registry.create_organisation(SYSTEM, {"name": "国税庁", "corporate_number": "７０００ー０１２０５０００２",
                                                "kind": "public_body"})
    assert org.corporate_number == "7000012050002"


def test_a_duplicate_corporate_number_is_refused():
    first = gen_organisation()
    with pytest.raises(ValidationFailed) as refused:
        registry.create_organisation(SYSTEM, {"name": "別会社", "corporate_number": first.corporate_number})
    assert "corporate_number" in refused.value.errors


def test_an_entrustment_to_itself_is_refused():
    org = gen_organisation()
    with pytest.raises(ValidationFailed) as refused:
        gen_entrustment(org, org)
    assert "contractor_id" in refused.value.errors


def test_negative_persons_and_end_before_start_are_refused():
    a, b = gen_organisation(), gen_organisation()
    with pytest.raises(ValidationFailed) as refused:
        gen_entrustment(a, b, person_count=-1, start_on="2026-04-01", end_on="2026-03-31")
    assert set(refused.value.errors) >= {"person_count", "end_on"}
    assert registry.search_entrustments(SYSTEM).total == 0


def test_a_chain_cannot_loop_back_to_an_organisation_above():
    orgs, entrustments = gen_chain(3)
    with pytest.raises(ValidationFailed) as refused:
        gen_subcontract(entrustments[-1], orgs[0])
    assert "contractor_id" in refused.value.errors
    with pytest.raises(ValidationFailed):
        gen_subcontract(entrustments[-1], orgs[1])


def test_no_subcontract_under_a_terminated_entrustment():
    a, b, c = gen_organisation(), gen_organisation(), gen_organisation()
    top = gen_entrustment(a, b)
    registry.transition_entrustment(SYSTEM, top.id, "terminate")
    with pytest.raises(ValidationFailed) as refused:
        gen_subcontract(top, c)
    assert "parent_id" in refused.value.errors


def test_the_uf_japan_shape_an_unapproved_fourth_tier_is_flagged():
    orgs, entrustments = gen_chain(3)
    hidden = gen_organisation("北斗オペレーション")
    found = gen_subcontract(entrustments[-1], hidden, origin="audit")
    states = registry.link_states([found.id])
    assert states[found.id].state == "unapproved"
    assert states[found.id].violation
    flagged = registry.search_entrustments(SYSTEM, flagged=True)
    assert [e.id for e in flagged.items] == [found.id]
    assert registry.violations_by_contractor(SYSTEM, [hidden.id]) == {hidden.id: 1}


def test_prohibited_terms_make_any_subcontract_a_violation_whatever_anyone_clicks():
    a, b, c = gen_organisation(), gen_organisation(), gen_organisation()
    top = gen_entrustment(a, b, subcontracting_terms="prohibited")
    with pytest.raises(ValidationFailed):
        gen_subcontract(top, c)
    declared = gen_subcontract(top, c, origin="declared_late")
    assert registry.link_states([declared.id])[declared.id].state == "prohibited"
    with pytest.raises(ValidationFailed):
        registry.decide_subcontract(SYSTEM, declared.id, approve=True)


def test_nothing_downstream_is_approved_unless_every_step_up_is():
    a, b, c, d = (gen_organisation() for _ in range(4))
    top = gen_entrustment(a, b)
    middle = gen_subcontract(top, c, origin="filing")
    low = registry.propose_subcontract(SYSTEM, middle.id, {"contractor_id": d.id, "data_set": "x"})
    with pytest.raises(ValidationFailed) as refused:
        registry.decide_subcontract(SYSTEM, low.id, approve=True)
    assert "parent_id" in refused.value.errors
    registry.decide_subcontract(SYSTEM, middle.id, approve=True)
    registry.decide_subcontract(SYSTEM, low.id, approve=True)
    states = registry.link_states([low.id])
    assert states[low.id].settled


def test_notice_after_terms_need_no_approval():
    a, b, c = gen_organisation(), gen_organisation(), gen_organisation()
    top = gen_entrustment(a, b, subcontracting_terms="notice_after")
    sub = registry.propose_subcontract(SYSTEM, top.id, {"contractor_id": c.id, "data_set": "宛名印刷"})
    assert sub.status == "active"
    assert registry.link_states([sub.id])[sub.id].state == "notified"


def test_a_rejection_needs_a_reason_and_is_recorded():
    a, b, c = gen_organisation(), gen_organisation(), gen_organisation()
    top = gen_entrustment(a, b)
    sub = registry.propose_subcontract(SYSTEM, top.id, {"contractor_id": c.id, "data_set": "x"})
    with pytest.raises(ValidationFailed):
        registry.decide_subcontract(SYSTEM, sub.id, approve=False)
    registry.decide_subcontract(SYSTEM, sub.id, approve=False, reason="ISMS未取得のため")
    assert sub.status == "rejected" and sub.rejection_reason == "ISMS未取得のため"


def test_the_146_school_album_vendor_sees_every_consignor_upward():
    album = gen_organisation("卒業アルバム制作会社")
    printer = gen_organisation("印刷会社")
    for n in range(146):
        school = gen_organisation(f"第{n + 1}小学校設置者", kind="public_body")
        top = gen_entrustment(school, album, person_count=120)
        if n % 10 == 0:
            gen_subcontract(top, printer)
    up = registry.chain_up(SYSTEM, album.id)
    assert len({path[0].link.consignor_id for path in up.paths}) == 146
    printer_up = registry.chain_up(SYSTEM, printer.id)
    assert len(printer_up.paths) == 15
    assert all(len(path) == 2 for path in printer_up.paths)


def test_every_change_is_in_the_trail_and_the_chain_verifies():
    orgs, entrustments = gen_chain(2)
    registry.update_organisation(SYSTEM, orgs[1].id, {"address": "東京都港区"})
    result = trail.verify()
    assert result.ok and result.count >= 7


@pytest.mark.parametrize("field", ["name", "name_kana", "industry", "address"])
@pytest.mark.parametrize("bad", ["請求書\u202ecod.exe", "名前\t株式会社", "二行\n株式会社", "見えない\u2066文字"])
def test_an_organisation_cannot_be_renamed_to_a_name_that_hides_controls_or_reorders_itself(field, bad):
    org = gen_organisation("ひかり印刷")
    with pytest.raises(ValidationFailed) as refused:
        registry.update_organisation(SYSTEM, org.id, {field: bad})
    assert list(refused.value.errors) == [field]


def test_contact_names_certification_numbers_and_data_sets_are_checked_alike():
    org = gen_organisation()
    with pytest.raises(ValidationFailed) as refused:
        registry.update_organisation(SYSTEM, org.id, {"profile": {
            "contacts": [{"name": "窓口\u202e"}], "certifications": [{"scheme": "pmark", "number": "P\t1"}]}})
    assert set(refused.value.errors) == {"profile.contacts[0].name", "profile.certifications[0].number"}
    with pytest.raises(ValidationFailed) as refused:
        gen_entrustment(org, gen_organisation(), data_set="顧客\u202eデータ")
    assert list(refused.value.errors) == ["data_set"]
