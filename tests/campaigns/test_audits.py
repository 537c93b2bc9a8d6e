"""An audit from opening to closing: the vendor answers in the portal (the auditor's owner is told), the auditor
records a checklist item by item, closes with a conclusion, and an audit of a subcontract is shared up the chain —
read by the organisations above, never by a sibling consignor of the same vendor."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from audits import audit_services, campaigns, links, responses
from audits.audit_models import Audit
from audits.audit_visibility import get_audit
from oversight.errors import Conflict, Forbidden, NotFound, ValidationFailed
from oversight.extensions import db
from oversight.outbox.models import OutboxMessage
from oversight.timeutil import today_jst
from tests.campaigns.world import answer, gen_audit_world, honest_answers, open_world_audit
from tests.factories import gen_organisation, gen_subcontract, gen_user


@pytest.fixture
def world():
    return gen_audit_world()


def test_the_vendor_answers_the_audit_in_the_portal_and_the_auditors_are_told(world):
    audit = open_world_audit(world)
    answer(world.toto_staff, audit)
    audit = db.session.get(Audit, audit.id)
    assert audit.status == "submitted" and audit.submitted_at is not None
    [told] = [m for m in db.session.scalars(select(OutboxMessage)) if ":submitted:" in m.key]
    assert told.recipients == ["auditor@sakura.example"] and "東都システム" in told.subject
    assert f"/audits/{audit.id}" in told.body


def test_a_person_without_an_account_answers_an_audit_through_a_link_the_auditor_made(world):
    audit = open_world_audit(world)
    link, secret = links.create_link(world.auditor, audit.request_id, {"recipient": "東都 品質管理部 高田"})
    opened, respondent = links.open_link(secret)
    responses.save_answers(respondent, audit.request_id, {"per_purpose_only": True})
    assert audit.request.values()["per_purpose_only"] is True
    with pytest.raises(Forbidden):  # procurement makes links for selections, not for audits
        links.create_link(world.procurement, audit.request_id, {"recipient": "x"})


def test_closing_a_questionnaire_audit_waits_for_the_answers_then_keeps_the_score_and_conclusion(world):
    audit = open_world_audit(world)
    with pytest.raises(ValidationFailed) as refused:
        audit_services.close_audit(world.auditor, audit.id, {"conclusion": ""})
    assert set(refused.value.errors) == {"conclusion", "audit"}
    answer(world.toto_staff, audit)
    closed = audit_services.close_audit(world.auditor, audit.id, {"conclusion": "重大な指摘なし"})
    assert closed.status == "closed" and closed.conclusion == "重大な指摘なし"
    assert closed.score_percent == closed.request.score_percent and closed.request.status == "closed"
    with pytest.raises(Conflict):
        audit_services.close_audit(world.auditor, audit.id, {"conclusion": "二度目"})


def test_the_next_audit_is_counted_from_the_closed_one(world):
    from audits.schedule import entrustment_tier

    audit = open_world_audit(world)
    answer(world.toto_staff, audit, honest_answers(world.ufs))
    audit_services.close_audit(world.auditor, audit.id, {"conclusion": "問題なし"})
    row = entrustment_tier(world.privacy, world.members)
    assert row.due.basis == "last_audit" and row.facts.last_audit_on == today_jst()
    assert 170 <= (row.due.due_on - today_jst()).days <= 184  # six months on, a business day
    assert row.open_audit is None and campaigns.open_due_audits().opened == []


def test_an_onsite_checklist_is_recorded_item_by_item_and_closed_with_its_score(world):
    audit = campaigns.open_audit(world.auditor, world.call_centre.id, {"kind": "onsite"})
    items = {i["id"]: {"result": "ok"} for i in audit.checklist}
    with pytest.raises(ValidationFailed) as refused:
        audit_services.record_checklist(world.auditor, audit.id, {"items": {
            "people_on_site": {"result": "ng"}, "area_control": {"result": "maybe"}, "nonsense": {"result": "ok"}}})
    assert set(refused.value.errors) == {"items.people_on_site.note", "items.area_control.result", "items.nonsense"}
    assert all(i["result"] is None for i in db.session.get(Audit, audit.id).checklist)  # nothing stored
    audit_services.record_checklist(world.auditor, audit.id, {"items": {"people_on_site": {
        "result": "ng", "note": "申告のない協力会社の要員2名が作業していた"}}})
    with pytest.raises(ValidationFailed) as refused:
        audit_services.close_audit(world.auditor, audit.id, {"conclusion": "指摘あり"})
    assert "checklist" in refused.value.errors
    items.pop("people_on_site")
    recorded = audit_services.record_checklist(world.auditor, audit.id, {"items": items})
    assert recorded.status == "in_review"
    closed = audit_services.close_audit(world.auditor, audit.id, {"conclusion": "協力会社の要員について指摘"})
    assert closed.score_percent == 90.0


def test_only_the_auditor_runs_its_audit(world):
    audit = open_world_audit(world)
    for outsider, error in ((world.otsu_privacy, NotFound), (world.toto_staff, Forbidden),
                            (world.procurement, Forbidden)):
        with pytest.raises(error):
            audit_services.close_audit(outsider, audit.id, {"conclusion": "x"})
    with pytest.raises(ValidationFailed):  # the owner is a user of the auditor who runs audits
        audit_services.assign_owner(world.privacy, audit.id, {"owner_id": world.otsu_privacy.id})
    assert audit_services.assign_owner(world.privacy, audit.id, {"owner_id": world.auditor.id}).owner_id == \
        world.auditor.id


def test_a_contractor_audits_its_subcontractor_and_shares_the_result_up_the_chain_never_to_a_sibling():
    world = gen_audit_world()
    toto_auditor = gen_user(world.toto, "privacy_office", email="privacy@toto.example")
    # 大津市 also entrusts to 東都, which hands that work to UFサポート too: 大津市 is a sibling of さくら there.
    sibling_sub = gen_subcontract(world.album, world.ufs, data_set="大津市 卒業アルバム（入力）", person_count=420)
    audit = campaigns.open_audit(toto_auditor, world.call_centre.id, {"kind": "document_review"})
    assert audit.auditor_id == world.toto.id and audit.vendor_id == world.ufs.id
    with pytest.raises(NotFound):  # さくら does not see 東都's audit before it is shared
        get_audit(world.privacy, audit.id)
    with pytest.raises(ValidationFailed):  # 大津市 is not above 東都 on this chain
        audit_services.share_audit(toto_auditor, audit.id, {"organisation_ids": [world.otsu.id]})
    audit_services.record_checklist(toto_auditor, audit.id, {"items": {i["id"]: {"result": "ok"}
                                                                       for i in audit.checklist}})
    closed = audit_services.close_audit(toto_auditor, audit.id, {"conclusion": "再委託先の書面監査：問題なし"})
    assert [s.organisation_id for s in closed.shares] == [world.sakura.id]
    assert get_audit(world.privacy, audit.id).conclusion == "再委託先の書面監査：問題なし"
    with pytest.raises(NotFound):
        get_audit(world.otsu_privacy, audit.id)
    listed = audit_services.list_audits(world.otsu_privacy, status="all")
    assert listed.audits == [] and listed.counts["all"] == 0
    assert sibling_sub.id not in [a.entrustment_id for a in audit_services.list_audits(world.privacy,
                                                                                       status="all").audits]


def test_the_vendor_sees_its_own_audits_and_not_who_else_audits_it(world):
    audit = open_world_audit(world)
    campaigns.open_audit(world.otsu_privacy, world.album.id, {})
    mine = audit_services.list_audits(world.toto_staff, status="open")
    assert len(mine.audits) == 2  # its own audits, by each consignor: the vendor knows both
    sakura_view = audit_services.list_audits(world.privacy, status="open")
    assert [a.id for a in sakura_view.audits] == [audit.id]
    otsu_view = audit_services.list_audits(world.otsu_privacy, status="all")
    assert [a.auditor_id for a in otsu_view.audits] == [world.otsu.id]


def test_a_cancelled_audit_leaves_the_vendors_list(world):
    audit = open_world_audit(world)
    with pytest.raises(ValidationFailed):
        audit_services.cancel_audit(world.privacy, audit.id, {"reason": " "})
    audit_services.cancel_audit(world.privacy, audit.id, {"reason": "委託の終了"})
    assert audit_services.list_audits(world.toto_staff, status="all").audits == []


def test_a_second_organisation_up_the_chain_may_audit_a_subcontractor_directly(world):
    top = campaigns.open_audit(world.privacy, world.call_centre.id, {"kind": "onsite"})
    assert top.auditor_id == world.sakura.id
    outsider = gen_user(gen_organisation("無関係株式会社"), "privacy_office")
    with pytest.raises(NotFound):
        campaigns.open_audit(outsider, world.call_centre.id, {})
