"""The clock opens the periodic audits that fall due — a frozen questionnaire sent to the vendor, who is mailed —
and only those; opening again opens nothing twice; an audit is opened by hand by an organisation up the chain."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from audits import campaigns
from audits.audit_models import Audit
from audits.models import QuestionnaireRequest
from oversight.errors import Conflict, Forbidden, NotFound, ValidationFailed
from oversight.extensions import db
from oversight.outbox.models import OutboxMessage
from oversight.timeutil import today_jst
from tests.campaigns.world import gen_audit_world


@pytest.fixture
def world():
    return gen_audit_world()


def audits():
    return db.session.scalars(select(Audit).order_by(Audit.id)).all()


def test_the_clock_opens_the_call_centres_audit_and_mails_its_questionnaire_to_the_vendor(world):
    result = campaigns.open_due_audits()
    assert (result.due, len(result.opened), result.mailed) == (1, 1, 1)
    [audit] = audits()
    assert audit.entrustment_id == world.members.id and audit.auditor_id == world.sakura.id
    assert audit.vendor_id == world.toto.id and audit.kind == "questionnaire" and audit.status == "open"
    assert audit.tier == "high" and [r["en"] for r in audit.tier_reasons] == ["1,380,000 persons"]
    assert 6 <= (audit.due_on - today_jst()).days <= 10
    request = db.session.get(QuestionnaireRequest, audit.request_id)
    assert request.selection_id is None and request.requester_id == world.sakura.id
    assert request.questionnaire_id == "periodic" and request.status == "sent" and request.due_on == audit.due_on
    assert request.work_title == "会員の問合せ対応データ"
    [mail] = db.session.scalars(select(OutboxMessage)).all()
    assert mail.key == f"audit:{audit.id}:opened"
    assert sorted(mail.recipients) == ["quality@toto.example", "staff@toto.example"]
    assert "さくら商事株式会社" in mail.subject and f"/questionnaire-requests/{request.id}" in mail.body
    assert "大津市" not in mail.body


def test_running_the_clock_again_opens_nothing_twice(world):
    campaigns.open_due_audits()
    again = campaigns.open_due_audits()
    assert (again.due, again.opened) == (0, [])
    assert len(audits()) == 1 and len(db.session.scalars(select(OutboxMessage)).all()) == 1


def test_an_audit_another_scheduler_opened_meanwhile_is_skipped_not_duplicated(world):
    from audits.schedule import due_to_open

    rows = due_to_open()
    db.session.commit()
    first = campaigns.open_rows(rows)
    second = campaigns.open_rows(rows)  # computed before the first committed: its insert is refused, and skipped
    assert len(first.opened) == 1 and (second.opened, second.skipped) == ([], 1)
    assert len(audits()) == 1 and len(db.session.scalars(select(OutboxMessage)).all()) == 1


def test_a_sibling_consignors_entrustment_not_yet_due_is_not_opened(world):
    campaigns.open_due_audits()
    assert [a.entrustment_id for a in audits()] == [world.members.id]
    within_two_years = campaigns.open_due_audits(within_days=800)
    assert {a.entrustment_id for a in audits()} == {world.members.id, world.album.id, world.call_centre.id}
    assert len(within_two_years.opened) == 2


def test_a_subcontract_is_audited_by_the_nearest_organisation_up_the_chain_that_runs_audits(world):
    campaigns.open_due_audits(within_days=800)
    by_entrustment = {a.entrustment_id: a for a in audits()}
    # 東都 has only contractor staff (nobody runs audits there): さくら, the original consignor, audits UFサポート.
    assert by_entrustment[world.call_centre.id].auditor_id == world.sakura.id
    assert by_entrustment[world.call_centre.id].vendor_id == world.ufs.id
    assert by_entrustment[world.album.id].auditor_id == world.otsu.id


def test_an_auditor_opens_an_onsite_audit_by_hand_with_the_checklist(world):
    audit = campaigns.open_audit(world.auditor, world.call_centre.id, {"kind": "onsite"})
    assert audit.kind == "onsite" and audit.request_id is None and audit.owner_id == world.auditor.id
    assert len(audit.checklist) == 10 and all(item["result"] is None for item in audit.checklist)
    assert {item["id"] for item in audit.checklist} >= {"people_on_site", "subcontractors_match"}
    [mail] = db.session.scalars(select(OutboxMessage)).all()
    assert mail.recipients == ["staff@ufs.example"] and "実地監査" in mail.subject


def test_opening_by_hand_refuses_what_it_must(world):
    with pytest.raises(NotFound):  # a sibling consignor may not even learn that the entrustment exists
        campaigns.open_audit(world.otsu_privacy, world.members.id, {})
    with pytest.raises(Forbidden):  # the contractor does not audit itself
        campaigns.open_audit(world.procurement, world.members.id, {})
    with pytest.raises(ValidationFailed) as refused:
        campaigns.open_audit(world.privacy, world.members.id, {"kind": "coffee", "due_on": "2020-01-01"})
    assert set(refused.value.errors) == {"kind", "due_on"}
    campaigns.open_audit(world.privacy, world.members.id, {})
    with pytest.raises(Conflict):
        campaigns.open_audit(world.privacy, world.members.id, {})
    assert len(audits()) == 1


def test_an_audit_due_soon_gives_the_vendor_two_weeks_to_answer(world):
    audit = campaigns.open_audit(world.privacy, world.members.id, {
        "due_on": (today_jst() + timedelta(days=2)).isoformat()})
    assert audit.request.due_on == today_jst() + timedelta(days=14)
