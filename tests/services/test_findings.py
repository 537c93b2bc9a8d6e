"""Findings to closure: raised with severity, owner and due date; remediated by the vendor with evidence checked by
content and hashed; verified and closed by the auditor (never without a verification note), or reopened; overdue
ones reminded and escalated by the clock, once."""

from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import select

from audits import findings
from audits.audit_models import Finding
from audits.finding_reminders import ESCALATE_AFTER_DAYS, enqueue_reminders
from oversight.errors import Conflict, Forbidden, NotFound, ValidationFailed
from oversight.extensions import db
from oversight.outbox.models import OutboxMessage
from oversight.timeutil import today_jst
from oversight.trail.models import TrailRecord
from tests.audits.audit_world import PDF, gen_audit_world


@pytest.fixture
def world():
    return gen_audit_world()


def _raise(world, **data):
    return findings.raise_finding(world.auditor, {"audit_id": world.audit.id, "severity": "high",
                                                  "title": "アクセスログを確認していない", "owner_id": world.auditor.id,
                                                  **data})


def test_a_finding_carries_severity_owner_and_due_date_and_the_vendor_is_told(world):
    f = _raise(world)
    assert (f.vendor_id, f.auditor_id, f.entrustment_id) == (world.vendor.id, world.sakura.id, world.entrustment.id)
    assert f.due_on == today_jst() + timedelta(days=30) and f.owner_name == "監査部 佐藤"
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.key == f"finding:{f.id}:opened"))
    assert mail.recipients == ["staff@uf.example"] and "重要度：高" in mail.subject
    assert db.session.scalar(select(TrailRecord.action).where(TrailRecord.object_type == "finding")) == "finding_raise"


@pytest.mark.parametrize(("data", "field"), [
    ({"severity": "urgent"}, "severity"), ({"title": ""}, "title"), ({"due_on": "2020-01-01"}, "due_on"),
    ({"due_on": "31/12/2026"}, "due_on"), ({"owner_id": 999999}, "owner_id")])
def test_a_bad_finding_is_refused_naming_the_field_and_nothing_is_stored(world, data, field):
    with pytest.raises(ValidationFailed) as refused:
        _raise(world, **data)
    assert field in refused.value.errors
    assert db.session.scalar(select(Finding.id)) is None


def test_the_owner_must_be_of_the_auditors_organisation(world):
    with pytest.raises(ValidationFailed) as refused:
        _raise(world, owner_id=world.staff.id)
    assert "owner_id" in refused.value.errors


def test_remediation_evidence_is_checked_by_content_and_hashed(world):
    f = _raise(world)
    event = findings.propose_remediation(world.staff, f.id, {"text": "毎月の確認を始めました"},
                                         [("確認記録.pdf", PDF + b"log")])
    assert f.status == "remediation_proposed"
    [evidence] = f.evidence
    assert evidence.event_id == event.id and evidence.sha256 == hashlib.sha256(PDF + b"log").hexdigest()
    assert evidence.media_type == "application/pdf"
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.key == f"finding:{f.id}:remediation:{event.id}"))
    assert mail.recipients == ["auditor@sakura.example"]


def _zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "0" * (200 * 1024 * 1024))
    return buffer.getvalue()


@pytest.mark.parametrize(("name", "content", "says"), [
    ("記録.pdf", b"MZ\x90\x00 not a pdf", "内容が一致しません"),
    ("記録.exe", PDF, ".pdf"),
    ("爆弾.docx", None, "内容が一致しません"),
    ("空.pdf", b"", "空")])
def test_remediation_evidence_that_is_not_what_it_claims_is_refused_and_nothing_is_stored(world, name, content, says):
    f = _raise(world)
    with pytest.raises(ValidationFailed) as refused:
        findings.propose_remediation(world.staff, f.id, {"text": "是正しました"},
                                     [(name, _zip_bomb() if content is None else content)])
    assert says in str(refused.value.errors["file"][0])
    db.session.expire_all()
    assert db.session.get(Finding, f.id).status == "open" and db.session.get(Finding, f.id).evidence == []


def test_a_too_large_file_is_refused_naming_the_limit(world, app, monkeypatch):
    monkeypatch.setitem(app.config, "ATTACHMENT_MAX_BYTES", 1024 * 1024)
    f = _raise(world)
    with pytest.raises(ValidationFailed) as refused:
        findings.propose_remediation(world.staff, f.id, {"text": "是正"}, [("大.pdf", PDF + b"0" * 2 * 1024 * 1024)])
    assert "1MB" in str(refused.value.errors["file"][0])


def test_closing_without_verification_is_refused_with_a_clear_message(world):
    f = _raise(world)
    with pytest.raises(ValidationFailed) as refused:
        findings.close_finding(world.auditor, f.id, {"verification": "  "})
    assert "検証" in str(refused.value.message) or "verified" in str(refused.value.message)
    assert "verification" in refused.value.errors
    assert db.session.get(Finding, f.id).status == "open"


def test_the_auditor_verifies_and_closes_then_reopens_with_a_new_due_date(world):
    f = _raise(world)
    findings.propose_remediation(world.staff, f.id, {"text": "是正しました"}, [("記録.pdf", PDF)])
    findings.close_finding(world.auditor, f.id, {"verification": "3か月分の確認記録を閲覧した"})
    assert f.status == "closed" and f.closed_by_name == "監査部 佐藤"
    with pytest.raises(Conflict):
        findings.close_finding(world.auditor, f.id, {"verification": "再度"})
    with pytest.raises(ValidationFailed) as refused:
        findings.reopen_finding(world.auditor, f.id, {"reason": ""})
    assert "reason" in refused.value.errors
    due = (today_jst() + timedelta(days=20)).isoformat()
    findings.reopen_finding(world.auditor, f.id, {"reason": "翌月の記録が欠けている", "due_on": due})
    assert f.status == "open" and f.due_on.isoformat() == due and f.closed_at is None
    assert [e.kind for e in f.events] == ["opened", "remediation", "closed", "reopened"]


def test_only_the_vendor_remediates_and_only_the_auditor_closes(world):
    f = _raise(world)
    with pytest.raises(Forbidden):
        findings.propose_remediation(world.privacy, f.id, {"text": "x"})
    with pytest.raises(Forbidden):
        findings.close_finding(world.staff, f.id, {"verification": "自分で確認"})
    with pytest.raises(Forbidden):
        findings.close_finding(world.procurement, f.id, {"verification": "確認"})
    with pytest.raises(NotFound):
        findings.close_finding(world.otsu_privacy, f.id, {"verification": "確認"})


def test_a_finding_on_an_entrustment_without_an_audit_is_raised_by_its_consignor_only(world):
    f = findings.raise_finding(world.privacy, {"entrustment_id": world.subcontract.id, "severity": "low",
                                               "title": "再委託先の教育記録が古い"})
    assert f.vendor_id == world.sub.id and f.audit_id is None
    with pytest.raises(ValidationFailed):
        findings.raise_finding(world.otsu_privacy, {"entrustment_id": world.entrustment.id, "severity": "low",
                                                    "title": "x"})


def test_an_overdue_finding_is_reminded_then_escalated_each_once(world, monkeypatch):
    f = _raise(world)
    f.due_on = today_jst() - timedelta(days=1)
    db.session.commit()
    assert enqueue_reminders() == 1
    assert enqueue_reminders() == 0  # a second clock, or a restart: nothing twice
    reminder = db.session.scalar(select(OutboxMessage).where(OutboxMessage.key.like(f"finding:{f.id}:overdue:%")))
    assert set(reminder.recipients) == {"staff@uf.example", "auditor@sakura.example"}
    f.due_on = today_jst() - timedelta(days=ESCALATE_AFTER_DAYS)
    db.session.commit()
    enqueue_reminders()
    escalation = db.session.scalar(select(OutboxMessage).where(OutboxMessage.key.like(f"finding:{f.id}:escalated:%")))
    assert escalation.recipients == ["privacy@sakura.example"]
    queued = db.session.scalar(select(db.func.count(OutboxMessage.id)))
    assert enqueue_reminders() == 0 and db.session.scalar(select(db.func.count(OutboxMessage.id))) == queued
    assert [e.kind for e in db.session.get(Finding, f.id).events].count("escalated") == 1


def test_a_closed_finding_is_not_reminded(world):
    f = _raise(world)
    findings.close_finding(world.auditor, f.id, {"verification": "現地で確認した"})
    f.due_on = today_jst() - timedelta(days=30)
    db.session.commit()
    assert enqueue_reminders() == 0
