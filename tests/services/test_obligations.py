"""Conditions are obligations too: a subcontract approval's conditions and a vendor approval's conditions appear
beside the findings with their due dates, are reminded when overdue (once), and are closed by the original
consignor only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from audits import findings, obligations
from audits.finding_reminders import enqueue_reminders
from audits.obligation_models import ApprovalObligation
from oversight.errors import Conflict, Forbidden, NotFound, ValidationFailed
from oversight.extensions import db
from oversight.outbox.models import OutboxMessage
from oversight.registry import services as registry
from oversight.timeutil import today_jst
from tests.audits.audit_world import gen_audit_world
from tests.factories import SYSTEM, corporate_number


@pytest.fixture
def world():
    w = gen_audit_world()
    e = registry.propose_subcontract(w.staff, w.entrustment.id, {
        "contractor_corporate_number": corporate_number(), "contractor_name": "発送代行株式会社",
        "data_set": "会員データ（発送）", "person_count": 100})
    w.conditioned = registry.decide_subcontract(w.privacy, e.id, approve=True,
                                                conditions="発送後30日以内にデータを削除し証明書を提出すること")
    return w


def test_findings_and_approval_conditions_are_one_list_with_due_dates(world):
    f = findings.raise_finding(world.auditor, {"audit_id": world.audit.id, "severity": "high", "title": "教育記録なし"})
    items = obligations.list_obligations(world.privacy)
    kinds = {(o.kind, o.id): o for o in items}
    assert ("finding", f.id) in kinds
    condition = kinds[("approval_condition", world.conditioned.id)]
    assert condition.due_on == today_jst() + timedelta(days=obligations.DEFAULT_APPROVAL_DAYS)
    assert condition.title.startswith("発送後30日以内") and condition.vendor == "発送代行株式会社"
    assert [o.due_on for o in items] == sorted(o.due_on for o in items)


def test_a_sibling_consignor_sees_none_of_anothers_obligations(world):
    assert obligations.list_obligations(world.otsu_privacy) == []


def test_an_overdue_approval_condition_is_reminded_once_and_closed_by_the_original_consignor(world):
    db.session.add(ApprovalObligation(entrustment_id=world.conditioned.id, due_on=today_jst() - timedelta(days=2)))
    db.session.commit()
    assert enqueue_reminders() == 1 and enqueue_reminders() == 0
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.key.like("approval-condition:%")))
    assert "privacy@sakura.example" in mail.recipients and "staff@uf.example" in mail.recipients
    with pytest.raises(Forbidden):
        obligations.close_approval_conditions(world.auditor, world.conditioned.id, {"closing": "met"})
    with pytest.raises(NotFound):
        obligations.close_approval_conditions(world.otsu_privacy, world.conditioned.id, {"closing": "met"})
    with pytest.raises(ValidationFailed) as refused:
        obligations.close_approval_conditions(world.privacy, world.conditioned.id, {"closing": "waived"})
    assert "note" in refused.value.errors
    obligations.close_approval_conditions(world.privacy, world.conditioned.id,
                                          {"closing": "met", "note": "削除証明書を受領"})
    with pytest.raises(Conflict):
        obligations.close_approval_conditions(world.privacy, world.conditioned.id, {"closing": "met"})
    assert all(o.kind != "approval_condition" for o in obligations.list_obligations(world.privacy))
    closed = [o for o in obligations.list_obligations(world.privacy, include_closed=True)
              if o.kind == "approval_condition"]
    assert [o.status for o in closed] == ["met"]


def test_the_due_date_of_an_approvals_conditions_can_be_set_not_in_the_past(world):
    with pytest.raises(ValidationFailed):
        obligations.set_approval_due(world.privacy, world.conditioned.id, {"due_on": "2020-01-01"})
    day = today_jst() + timedelta(days=90)
    obligations.set_approval_due(world.privacy, world.conditioned.id, {"due_on": day.isoformat()})
    assert {o.due_on for o in obligations.list_obligations(world.privacy) if o.kind == "approval_condition"} == {day}


def test_an_approval_without_conditions_is_no_obligation(world):
    assert all(o.id != world.subcontract.id for o in obligations.list_obligations(world.privacy)
               if o.kind == "approval_condition")
    with pytest.raises(NotFound):
        obligations.close_approval_conditions(SYSTEM, world.subcontract.id, {"closing": "met"})
