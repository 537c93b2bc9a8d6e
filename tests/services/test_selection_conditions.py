"""The conditions of a conditional approval, followed until they are met or waived, and reminded once overdue."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import select

from audits import conditions, selection
from oversight.errors import Conflict, Forbidden, NotFound, ValidationFailed
from oversight.extensions import db
from oversight.outbox.models import OutboxMessage
from oversight.timeutil import today_jst
from oversight.trail.models import TrailRecord
from tests.audits.selection_world import answer_all, gen_selection_world
from tests.factories import gen_user


@pytest.fixture
def world():
    w = gen_selection_world()
    r = answer_all(w.shared_staff, w.shared_request)
    w.due = today_jst() + timedelta(days=30)
    decision = selection.decide(w.procurement, r.id, {"outcome": "conditional", "conditions": [
        {"text": "SOC 2 Type II報告書の提出", "owner": "調達部 鈴木", "due_on": w.due.isoformat()},
        {"text": "再委託先一覧の提出", "owner": "調達部 鈴木", "due_on": w.due.isoformat()}]})
    w.soc2, w.subcontractors = decision.conditions
    return w


def _noon_jst(day) -> datetime:
    return datetime.combine(day, time(3, 0), tzinfo=UTC)


def test_the_privacy_office_marks_a_condition_met_with_a_note_and_it_leaves_the_open_list(world):
    conditions.close_condition(world.privacy, world.soc2.id, {"closing": "met", "note": "2027年1月の報告書を受領"})
    assert world.soc2.met_on == today_jst() and world.soc2.closed_by_name
    assert world.soc2.closed_note == "2027年1月の報告書を受領"
    assert [c.text for c in selection.open_conditions(world.privacy)] == ["再委託先一覧の提出"]
    record = db.session.scalar(select(TrailRecord).where(TrailRecord.action == "selection_condition_met"))
    assert record.actor_name == "privacy@sakura.example" and record.after["note"] == "2027年1月の報告書を受領"
    with pytest.raises(Conflict):
        conditions.close_condition(world.procurement, world.soc2.id, {"closing": "waived", "note": "不要"})


def test_waiving_needs_the_reason_and_nothing_changes_without_it(world):
    with pytest.raises(ValidationFailed) as refused:
        conditions.close_condition(world.procurement, world.subcontractors.id, {"closing": "waived", "note": " "})
    assert "note" in refused.value.errors
    with pytest.raises(ValidationFailed) as unknown:
        conditions.close_condition(world.procurement, world.subcontractors.id, {"closing": "done"})
    assert "closing" in unknown.value.errors
    db.session.rollback()
    assert world.subcontractors.is_open
    assert db.session.scalar(select(TrailRecord).where(TrailRecord.action.like("selection_condition%"))) is None
    conditions.close_condition(world.procurement, world.subcontractors.id,
                               {"closing": "waived", "note": "再委託しない契約に変更したため"})
    assert world.subcontractors.waived_on == today_jst() and world.subcontractors.met_on is None


def test_only_the_consignors_privacy_office_and_procurement_close_its_conditions(world):
    with pytest.raises(NotFound):
        conditions.close_condition(world.otsu_procurement, world.soc2.id, {"closing": "met"})
    with pytest.raises(NotFound):
        conditions.close_condition(gen_user(world.otsu, "privacy_office"), world.soc2.id, {"closing": "met"})
    for user in (world.auditor, world.legal, world.shared_staff):
        with pytest.raises(Forbidden):
            conditions.close_condition(user, world.soc2.id, {"closing": "met"})
    assert world.soc2.is_open


def test_an_overdue_condition_is_mailed_once_to_the_consignors_privacy_office(world):
    gen_user(world.sakura, "privacy_office", email="privacy2@sakura.example")
    conditions.close_condition(world.privacy, world.subcontractors.id, {"closing": "met", "note": "受領"})
    assert conditions.enqueue_overdue_reminders(_noon_jst(world.due)) == 0  # due today: not overdue yet
    after = _noon_jst(world.due + timedelta(days=2))
    assert conditions.enqueue_overdue_reminders(after) == 1
    assert conditions.enqueue_overdue_reminders(after) == 0
    assert conditions.enqueue_overdue_reminders(after + timedelta(days=1)) == 0
    (mail,) = db.session.scalars(select(OutboxMessage).where(OutboxMessage.key.like("selection-condition:%")))
    assert mail.key == f"selection-condition:{world.soc2.id}:overdue"
    assert sorted(mail.recipients) == ["privacy2@sakura.example", "privacy@sakura.example"]
    assert "SOC 2 Type II報告書の提出" in mail.body and "期限を2日過ぎています" in mail.subject
    assert "otsu" not in " ".join(mail.recipients)


def test_the_reminder_job_is_registered_with_the_scheduler(app):
    from oversight.scheduler import registered_jobs

    assert "selection-condition-reminders" in {job.name for job in registered_jobs()}


def test_the_cli_closes_a_condition_as_the_web_and_the_api_do(app, world):
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["selection", "close-condition", "--as", world.procurement.email,
                                  str(world.soc2.id), "--closing", "waived"])
    assert refused.exit_code == 2 and "note" in refused.output
    done = runner.invoke(args=["selection", "close-condition", "--as", world.procurement.email,
                               str(world.soc2.id), "--closing", "met", "--note", "報告書を受領"])
    assert done.exit_code == 0, done.output
    assert f"condition {world.soc2.id}: met" in done.output
    assert db.session.get(type(world.soc2), world.soc2.id).met_on == today_jst()
