"""The auditor reviews each answer of a periodic audit: accept, query (the vendor revises; the thread is kept),
reject; the request reopens for the queried answers only."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from audits import responses, review, review_state
from audits.audit_models import Audit, Finding
from oversight.errors import Conflict, Forbidden, NotFound, ValidationFailed
from oversight.extensions import db
from oversight.outbox.models import OutboxMessage
from tests.audits.audit_world import PDF, answer_audit, gen_audit_world


@pytest.fixture
def world():
    w = gen_audit_world()
    answer_audit(w.staff, w.audit)
    return w


def test_submitting_an_audit_marks_it_submitted_and_tells_the_auditor(world):
    audit = db.session.get(Audit, world.audit.id)
    assert audit.status == "submitted" and audit.submitted_at is not None
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.key.like(f"audit:{audit.id}:submitted:%")))
    assert "auditor@sakura.example" in mail.recipients and "定期監査の質問票に回答がありました" in mail.subject


def test_a_query_returns_the_request_and_the_vendor_revises_only_that_answer(world):
    entry = review.review_answer(world.auditor, world.audit.id, "per_logs_reviewed",
                                 {"verdict": "queried", "comment": "確認記録の日付を示してください。"})
    audit = db.session.get(Audit, world.audit.id)
    assert audit.request.status == "returned" and audit.status == "in_review"
    assert entry.answer_value == "monthly"
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.key == f"answer-review:{entry.id}:queried"))
    assert mail.recipients == ["staff@uf.example"] and "確認記録の日付" in mail.body

    with pytest.raises(ValidationFailed) as refused:
        responses.save_answers(world.staff, audit.request_id, {"per_access_review": False})
    assert "per_access_review" in refused.value.errors
    with pytest.raises(ValidationFailed) as owed:
        responses.submit(world.staff, audit.request_id)
    assert "per_logs_reviewed" in owed.value.errors

    review.revise_answer(world.staff, audit.id, "per_logs_reviewed",
                         {"value": "quarterly", "comment": "実際は四半期ごとでした。訂正します。"})
    assert audit.request.values()["per_logs_reviewed"] == "quarterly"
    responses.submit(world.staff, audit.request_id)
    assert audit.request.status == "submitted"
    thread = review_state.threads(audit.request_id)["per_logs_reviewed"]
    assert [(e.verdict, e.answer_value) for e in thread] == [("queried", "monthly"), ("revised", "quarterly")]
    assert thread[1].comment == "実際は四半期ごとでした。訂正します。"


def test_a_queried_evidence_answer_takes_new_files_while_others_stay_closed(world):
    review.review_answer(world.auditor, world.audit.id, "per_training_record",
                         {"verdict": "queried", "comment": "受講者一覧を添付してください。"})
    request_id = world.audit.request_id
    responses.attach_evidence(world.staff, request_id, "per_training_record", "受講者一覧.pdf", PDF + b"list")
    with pytest.raises(ValidationFailed):
        responses.attach_evidence(world.staff, request_id, "per_log_review_record", "ログ.pdf", PDF + b"log")
    entry = review.revise_answer(world.staff, world.audit.id, "per_training_record", {"comment": "添付しました"})
    assert any(f["filename"] == "受講者一覧.pdf" for f in entry.answer_value)


def test_a_rejection_can_raise_a_finding_with_it(world):
    review.review_answer(world.auditor, world.audit.id, "per_deletion", {
        "verdict": "rejected", "comment": "削除証明書が日付のない写しです。",
        "finding": {"severity": "medium", "title": "削除証明書の不備", "owner_id": world.auditor.id}})
    finding = db.session.scalar(select(Finding).where(Finding.audit_id == world.audit.id, Finding.origin == "review"))
    assert (finding.question_id, finding.severity, finding.owner_name) == ("per_deletion", "medium", "監査部 佐藤")
    assert review_state.states(world.audit.request_id)["per_deletion"] == "rejected"


@pytest.mark.parametrize(("data", "field"), [
    ({"verdict": "queried"}, "comment"), ({"verdict": "rejected", "comment": " "}, "comment"),
    ({"verdict": "maybe"}, "verdict"), ({"verdict": "accepted", "finding": {"severity": "low", "title": "x"}},
                                        "finding")])
def test_a_bad_review_is_refused_naming_the_field_and_nothing_is_stored(world, data, field):
    with pytest.raises(ValidationFailed) as refused:
        review.review_answer(world.auditor, world.audit.id, "per_logs_reviewed", data)
    assert field in refused.value.errors
    assert review_state.threads(world.audit.request_id) == {}


def test_only_the_auditor_reviews_and_a_sibling_consignor_does_not_even_find_the_audit(world):
    with pytest.raises(Forbidden):
        review.review_answer(world.procurement, world.audit.id, "per_logs_reviewed", {"verdict": "accepted"})
    with pytest.raises(NotFound):
        review.review_answer(world.otsu_privacy, world.audit.id, "per_logs_reviewed", {"verdict": "accepted"})
    with pytest.raises(Forbidden):
        review.review_answer(world.staff, world.audit.id, "per_logs_reviewed", {"verdict": "accepted"})


def test_answers_are_reviewed_once_submitted(world):
    with pytest.raises(Conflict):
        review.review_answer(world.otsu_privacy, world.otsu_audit.id, "per_logs_reviewed", {"verdict": "accepted"})
