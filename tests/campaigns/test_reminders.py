"""Reminders of an open audit: the vendor 7, 3 and 1 days before the day it answers by, on the day and once
overdue; the internal owner at the same stages; the privacy office when the audit is overdue. Each once, however
often the clock sweeps — and nothing once the audit is answered or closed."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import select

from audits import campaigns
from audits.audit_reminders import send_due_reminders
from oversight.extensions import db
from oversight.incidents.art26.deadlines import JST
from oversight.outbox.models import OutboxMessage
from tests.campaigns.world import gen_audit_world


def at(day) -> datetime:
    return datetime.combine(day, time(9), JST)


@pytest.fixture
def audit():
    world = gen_audit_world(due_in=20)
    [audit_id] = campaigns.open_due_audits(within_days=30).opened
    from audits.audit_models import Audit

    return world, db.session.get(Audit, audit_id)


def keys() -> list[str]:
    return sorted(db.session.scalars(select(OutboxMessage.key)).all())


def test_each_stage_is_reminded_once_to_the_vendor_and_the_owner_then_escalated(audit):
    world, a = audit
    due = a.due_on
    assert send_due_reminders(at(due - timedelta(days=8))) == 0  # too early
    for days_before in (7, 3, 1, 0):
        assert send_due_reminders(at(due - timedelta(days=days_before))) == 2
        assert send_due_reminders(at(due - timedelta(days=days_before))) == 0  # the clock sweeps again
    assert send_due_reminders(at(due + timedelta(days=1))) == 3  # vendor, owner, and the escalation
    assert send_due_reminders(at(due + timedelta(days=5))) == 0  # overdue is said once
    expected = [f"audit:{a.id}:opened"] + [f"audit:{a.id}:{side}:{due.isoformat()}:{stage}" for side in
                                           ("owner", "vendor") for stage in ("0d", "1d", "3d", "7d", "overdue")]
    assert keys() == sorted(expected + [f"audit:{a.id}:escalated:{due.isoformat()}"])
    by_key = {m.key: m for m in db.session.scalars(select(OutboxMessage))}
    vendor = by_key[f"audit:{a.id}:vendor:{due.isoformat()}:3d"]
    assert sorted(vendor.recipients) == ["quality@toto.example", "staff@toto.example"]
    assert "あと3日" in vendor.subject and "in 3 day(s)" in vendor.subject
    owner = by_key[f"audit:{a.id}:owner:{due.isoformat()}:1d"]
    assert owner.recipients == ["auditor@sakura.example"]  # no owner named: the auditor's auditors
    escalation = by_key[f"audit:{a.id}:escalated:{due.isoformat()}"]
    assert escalation.recipients == ["privacy@sakura.example"] and "期限を過ぎた" in escalation.subject
    assert all("大津市" not in m.body for m in by_key.values())


def test_the_named_owner_is_reminded_and_the_vendor_is_not_once_it_has_answered(audit):
    from audits import audit_services
    from tests.campaigns.world import answer

    world, a = audit
    audit_services.assign_owner(world.privacy, a.id, {"owner_id": world.privacy.id})
    answer(world.toto_staff, a)
    assert send_due_reminders(at(a.due_on - timedelta(days=3))) == 1
    [reminder] = [m for m in db.session.scalars(select(OutboxMessage)) if ":3d" in m.key]
    assert reminder.key.startswith(f"audit:{a.id}:owner:") and reminder.recipients == ["privacy@sakura.example"]


def test_a_stage_reached_the_day_the_audit_opened_is_not_reminded_to_the_vendor():
    gen_audit_world(due_in=10)
    [audit_id] = campaigns.open_due_audits().opened
    from audits.audit_models import Audit

    a = db.session.get(Audit, audit_id)
    opened_day = a.opened_at.astimezone(JST).date()
    send_due_reminders(at(opened_day))
    vendor_keys = [k for k in keys() if ":vendor:" in k]
    assert vendor_keys == []  # the opening mail told the vendor already; the owner hears of it
    assert any(":owner:" in k for k in keys()) == ((a.due_on - opened_day).days <= 7)


def test_a_closed_audit_is_no_longer_reminded(audit):
    from audits import audit_services
    from tests.campaigns.world import answer

    world, a = audit
    answer(world.toto_staff, a)
    audit_services.close_audit(world.auditor, a.id, {"conclusion": "問題なし"})
    assert send_due_reminders(at(a.due_on + timedelta(days=1))) == 0


def test_the_vendor_is_reminded_of_an_on_site_visit_until_the_audit_is_recorded():
    world = gen_audit_world(due_in=20)
    from audits.audit_models import Audit

    visit = campaigns.open_audit(world.privacy, world.members.id, {"kind": "onsite"})
    visit = db.session.get(Audit, visit.id)
    due = visit.due_on
    assert send_due_reminders(at(due - timedelta(days=3))) == 2  # the vendor and the owner
    by_key = {m.key: m for m in db.session.scalars(select(OutboxMessage))}
    reminder = by_key[f"audit:{visit.id}:vendor:{due.isoformat()}:3d"]
    assert sorted(reminder.recipients) == ["quality@toto.example", "staff@toto.example"]
    assert "実地監査" in reminder.subject and "on-site visit" in reminder.subject
    assert f"/audits/{visit.id}" in reminder.body and "/questionnaire-requests/" not in reminder.body
    assert send_due_reminders(at(due - timedelta(days=3))) == 0
