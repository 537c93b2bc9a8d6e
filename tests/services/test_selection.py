"""Vendor selection, as procurement and the vendors live it: open, send, answer, submit, compare, decide."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from audits import library, responses, selection
from audits.models import QuestionnaireRequest
from oversight.errors import Conflict, Forbidden, NotFound, ValidationFailed
from oversight.extensions import db
from oversight.outbox.models import OutboxMessage
from oversight.timeutil import today_jst
from oversight.trail.models import TrailRecord
from tests.audits.selection_world import PDF, answer_all, gen_selection_world


@pytest.fixture
def world():
    return gen_selection_world()


def test_sending_freezes_the_questionnaire_and_mails_the_vendor_staff_once(world):
    r = world.shared_request
    current = library.current("dd-selection")
    assert (r.status, r.questionnaire_version) == ("sent", current.version)
    assert r.questionnaire_sha256 == library.freeze(current)[1]
    mails = db.session.scalars(select(OutboxMessage).where(OutboxMessage.object_type == "questionnaire_request",
                                                           OutboxMessage.object_id == r.id)).all()
    assert len(mails) == 1 and "staff@shared.example" in mails[0].recipients
    assert "さくら商事株式会社" in mails[0].subject
    with pytest.raises(Conflict):
        selection.send_request(world.procurement, r.id)


def test_a_vendor_answers_with_evidence_submits_and_the_score_is_kept(world):
    submitted = answer_all(world.shared_staff, world.shared_request)
    assert submitted.status == "submitted"
    assert submitted.score_percent == 100.0 and submitted.blocked is False
    unanswered = submitted.score["unanswered"]
    assert unanswered["required"] == []
    assert submitted.answered_count + len(unanswered["optional"]) == submitted.question_count
    assert submitted.evidence and all(len(f.sha256) == 64 for f in submitted.evidence)
    actions = db.session.scalars(select(TrailRecord.action).where(
        TrailRecord.object_type == "questionnaire_request", TrailRecord.object_id == submitted.id)).all()
    assert "questionnaire_submit" in actions and "evidence_attach" in actions
    with pytest.raises(Conflict):
        responses.save_answers(world.shared_staff, submitted.id, {"bp_policy": False})


def test_subcontracting_without_approval_is_a_blocker_that_needs_a_reason_to_approve(world):
    r = answer_all(world.other_staff, world.other_request, {"sub_practice": "without_approval"})
    assert r.blocked
    assert "sub_practice" in [f["question"] for f in r.score["red_flags"]]
    with pytest.raises(ValidationFailed) as refused:
        selection.decide(world.procurement, r.id, {"outcome": "approved"})
    assert "reason" in refused.value.errors
    db.session.rollback()
    decision = selection.decide(world.procurement, r.id, {"outcome": "rejected", "reason": "無承認の再委託"})
    assert decision.outcome == "rejected" and decision.decided_by_name


def test_a_wrong_answer_is_refused_naming_the_question_and_nothing_is_stored(world):
    r = world.shared_request
    with pytest.raises(ValidationFailed) as refused:
        responses.save_answers(world.shared_staff, r.id, {"bp_policy": True, "org_notice_hours": "soon"})
    assert set(refused.value.errors) == {"org_notice_hours"}
    db.session.rollback()
    assert db.session.get(QuestionnaireRequest, r.id).answers == []
    with pytest.raises(ValidationFailed) as unknown:
        responses.save_answers(world.shared_staff, r.id, {"no_such_question": "x"})
    assert "no_such_question" in unknown.value.errors


def test_submitting_with_required_answers_missing_names_each_one(world):
    responses.save_answers(world.shared_staff, world.shared_request.id, {"bp_policy": True})
    with pytest.raises(ValidationFailed) as refused:
        responses.submit(world.shared_staff, world.shared_request.id)
    assert "sub_practice" in refused.value.errors and "bp_policy" not in refused.value.errors
    db.session.rollback()
    assert db.session.get(QuestionnaireRequest, world.shared_request.id).status == "in_progress"


def test_evidence_that_is_not_what_its_name_claims_is_refused(world):
    with pytest.raises(ValidationFailed) as refused:
        responses.attach_evidence(world.shared_staff, world.shared_request.id, "bp_policy_doc", "方針.pdf",
                                  b"MZ\x90\x00 not a pdf")
    assert "file" in refused.value.errors
    with pytest.raises(ValidationFailed):
        responses.attach_evidence(world.shared_staff, world.shared_request.id, "bp_policy", "方針.pdf", PDF)


def test_progress_counts_only_the_questions_that_apply(world):
    r = world.shared_request
    responses.save_answers(world.shared_staff, r.id, {"sub_practice": "none"})
    answered, total = r.answered_count, r.question_count
    responses.save_answers(world.shared_staff, r.id, {"sub_practice": "prior_approval"})
    assert answered == 1 and r.answered_count == 1
    assert r.question_count > total  # the follow-up questions on subcontractors now apply


def test_a_conditional_approval_needs_dated_conditions_and_lists_them_for_the_privacy_office(world):
    r = answer_all(world.shared_staff, world.shared_request)
    with pytest.raises(ValidationFailed) as refused:
        selection.decide(world.procurement, r.id, {"outcome": "conditional"})
    assert "conditions" in refused.value.errors
    db.session.rollback()
    due = today_jst() + timedelta(days=120)
    with pytest.raises(ValidationFailed) as undated:
        selection.decide(world.procurement, r.id, {"outcome": "conditional", "conditions": [
            {"text": "SOC 2 Type II報告書の提出", "owner": "調達部"}]})
    assert "conditions.0.due_on" in undated.value.errors
    db.session.rollback()
    selection.decide(world.procurement, r.id, {"outcome": "conditional", "conditions": [
        {"text": "SOC 2 Type II報告書の提出", "owner": "調達部", "due_on": due.isoformat()}]})
    conditions = selection.open_conditions(world.privacy)
    assert [(c.text, c.due_on) for c in conditions] == [("SOC 2 Type II報告書の提出", due)]
    assert selection.open_conditions(world.otsu_procurement) == []
    record = db.session.scalar(select(TrailRecord).where(TrailRecord.action == "selection_decide"))
    assert record.after["outcome"] == "conditional" and record.actor_name == "procurement@sakura.example"


def test_the_comparison_shows_each_candidates_flags_and_expiring_certificate(world):
    soon = (today_jst() + timedelta(days=30)).isoformat()
    answer_all(world.shared_staff, world.shared_request, {"cert_held": ["isms"], "cert_isms_expiry": soon})
    answer_all(world.other_staff, world.other_request, {"sub_practice": "without_approval"})
    columns = selection.compare(world.privacy, world.selection.id)
    by_vendor = {c["request"].vendor.name: c for c in columns}
    shared, other = by_vendor["共通ベンダー株式会社"], by_vendor["候補ベンダー株式会社"]
    assert other["score"].blocked and not shared["score"].blocked
    assert [line.result for _, _, line in shared["certifications"]] == ["partial"]


def test_a_comparison_naming_another_consignors_request_is_not_found(world):
    with pytest.raises(NotFound):
        selection.compare(world.procurement, world.selection.id, [world.shared_request.id, world.otsu_request.id])


def test_the_vendor_sees_only_requests_addressed_to_it_and_never_a_sibling_consignors(world):
    from audits.visibility import get_request, get_selection, restrict_requests

    seen = db.session.scalars(restrict_requests(select(QuestionnaireRequest), world.shared_staff)).all()
    assert {r.id for r in seen} == {world.shared_request.id, world.otsu_request.id}
    seen_by_other = db.session.scalars(restrict_requests(select(QuestionnaireRequest), world.other_staff)).all()
    assert [r.id for r in seen_by_other] == [world.other_request.id]
    seen_by_otsu = db.session.scalars(restrict_requests(select(QuestionnaireRequest), world.otsu_procurement)).all()
    assert [r.id for r in seen_by_otsu] == [world.otsu_request.id]
    for request in (world.shared_request, world.other_request):
        with pytest.raises(NotFound):
            get_request(world.otsu_procurement, request.id)
    with pytest.raises(NotFound):
        get_selection(world.shared_staff, world.selection.id)


def test_only_the_addressed_vendors_staff_answer(world):
    with pytest.raises(NotFound):
        responses.save_answers(world.other_staff, world.shared_request.id, {"bp_policy": True})
    with pytest.raises(Forbidden):
        responses.save_answers(world.procurement, world.shared_request.id, {"bp_policy": True})


def test_a_draft_request_is_not_seen_by_the_vendor(world):
    s, (draft,) = __import__("tests.audits.selection_world", fromlist=["gen_selection"]).gen_selection(
        world.procurement, [world.shared], send=False, title="下書きの選定")
    with pytest.raises(NotFound):
        responses.save_answers(world.shared_staff, draft.id, {"bp_policy": True})


def test_a_vendor_prefills_a_new_request_from_its_own_earlier_answers_and_nothing_of_the_other_consignor(world):
    from audits import reuse

    answer_all(world.shared_staff, world.otsu_request, {"att_responder": "品質保証部 森"})
    filled = reuse.prefill_from_previous(world.shared_staff, world.shared_request.id)
    r = db.session.get(QuestionnaireRequest, world.shared_request.id)
    assert "bp_policy" in filled and r.values()["att_responder"] == "品質保証部 森"
    assert {f.sha256 for f in r.evidence} == {f.sha256 for f in world.otsu_request.evidence}
    assert not responses.current_score(r).unanswered_required
    with pytest.raises(Conflict):
        reuse.prefill_from_previous(world.other_staff, world.other_request.id)


def test_procurement_enters_answers_on_the_vendors_behalf_recorded_with_whom_it_interviewed(world):
    responses.save_answers(world.procurement, world.other_request.id, {"bp_policy": True},
                           interview="候補ベンダー 情報システム部 高田")
    answer = db.session.get(QuestionnaireRequest, world.other_request.id).answers[0]
    assert answer.on_behalf and "高田" in answer.answered_by_name
    record = db.session.scalar(select(TrailRecord).where(TrailRecord.action == "questionnaire_on_behalf"))
    assert record.after == {"interviewed": "候補ベンダー 情報システム部 高田", "questions": ["bp_policy"]}
    with pytest.raises(ValidationFailed):
        responses.save_answers(world.procurement, world.other_request.id, {"bp_policy": True}, interview=" ")
    db.session.rollback()
    with pytest.raises(NotFound):
        responses.save_answers(world.otsu_procurement, world.other_request.id, {"bp_policy": True}, interview="誰か")
    with pytest.raises(Forbidden):
        responses.save_answers(world.privacy, world.other_request.id, {"bp_policy": True}, interview="誰か")
