"""The clock (`flask scheduler --once`), `flask audits …`, and a campaign over many vendors in the worker: launched
by the clock when more are due than it opens itself, or by a privacy office from the schedule page — with its
progress and outcome on the jobs page."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from audits.audit_models import Audit
from oversight.extensions import db
from oversight.jobs.models import Job
from oversight.outbox.models import OutboxMessage
from tests.campaigns.world import gen_audit_world, gen_due_vendors
from tests.factories import PASSWORD, gen_user


@pytest.fixture
def world():
    w = gen_audit_world()
    w.more = gen_due_vendors(w, 4)
    db.session.commit()
    return w


def count(model) -> int:
    db.session.expire_all()
    return len(db.session.scalars(select(model)).all())


def test_flask_scheduler_once_opens_the_audits_due_and_queues_their_mail(app, world):
    result = app.test_cli_runner().invoke(args=["scheduler", "--once"])
    assert result.exit_code == 0, result.output
    assert "audits-open-due: ok" in result.output and "audit-reminders: ok" in result.output
    assert count(Audit) == 5 and count(OutboxMessage) >= 5


def test_flask_audits_open_due_lists_opens_and_opens_nothing_twice(app, world):
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["audits", "open-due", "--dry-run"])
    assert dry.exit_code == 0 and "5 due" in dry.output and count(Audit) == 0
    first = runner.invoke(args=["audits", "open-due"])
    assert "5 due, 5 opened" in first.output
    again = runner.invoke(args=["audits", "open-due"])
    assert "0 due, 0 opened" in again.output and count(Audit) == 5
    listed = runner.invoke(args=["audits", "list", "--as", "auditor@sakura.example"])
    assert "5 audit(s)" in listed.output and "東都システム" in listed.output
    refused = runner.invoke(args=["audits", "open", "--as", "privacy@otsu.example", str(world.members.id)])
    assert refused.exit_code == 2 and "該当する委託がない" in refused.output
    schedule = runner.invoke(args=["audits", "schedule", "--as", "privacy@sakura.example", "--lang", "en"])
    assert "high: 1,380,000 persons" in schedule.output
    assert runner.invoke(args=["audits", "check-data"]).exit_code == 0


def test_the_clock_hands_a_large_campaign_to_the_worker_with_its_progress(app, world, monkeypatch):
    from audits.campaigns import open_due_on_clock

    monkeypatch.setitem(app.config, "AUDIT_CAMPAIGN_INLINE_MAX", 2)
    said = open_due_on_clock()
    assert re.match(r"5 due: campaign job \d+", said)
    [job] = db.session.scalars(select(Job)).all()
    db.session.refresh(job)
    assert job.kind == "audit-campaign" and job.status == "succeeded", job.error
    assert job.user_id is None and job.user_name == "system:clock" and job.done == job.total == 5
    assert job.result["opened"] == 5 and count(Audit) == 5
    assert open_due_on_clock() == "0 due, 0 opened, 0 already open, 0 mailed, 0 without an address"


def test_a_privacy_office_launches_a_campaign_and_follows_it_on_the_jobs_page(world, make_client):
    client = make_client()
    client.login(world.privacy.email, PASSWORD)
    response = client.post("/audit-schedule/campaign", {"within_days": "90"})
    assert response.status_code == 302 and "/jobs/" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "定期監査の一斉開始" in page and "監査を5件開始しました" in page
    assert count(Audit) == 5
    refused = client.post("/audit-schedule/campaign", {"within_days": "0"})
    assert refused.status_code == 302
    sibling = make_client()
    sibling.login(world.otsu_privacy.email, PASSWORD)
    assert sibling.get(response.headers["Location"]).status_code == 404


def test_the_vendor_answers_in_the_portal_and_the_auditor_closes_the_audit_on_its_page(world, make_client):
    from audits.campaigns import open_due_audits
    from tests.campaigns.world import answer

    open_due_audits()
    audit = db.session.scalars(select(Audit).where(Audit.entrustment_id == world.members.id)).one()
    vendor = make_client()
    vendor.login(world.toto_staff.email, PASSWORD)
    mine = vendor.get("/audits").get_data(as_text=True)
    assert 'id="nav-audits"' in mine and "会員の問合せ対応データ" in mine and "さくら商事" in mine
    answer(world.toto_staff, audit)
    auditor = make_client()
    auditor.login(world.auditor.email, PASSWORD)
    page = auditor.get(f"/audits/{audit.id}").get_data(as_text=True)
    assert "回答提出済み" in page and 'id="close-form"' in page
    refused = auditor.post(f"/audits/{audit.id}/close", {"conclusion": ""})
    assert refused.status_code == 422 and "必須項目です。" in refused.get_data(as_text=True)
    closed = auditor.post(f"/audits/{audit.id}/close", {"conclusion": "重大な指摘なし"})
    assert closed.status_code == 302
    assert "重大な指摘なし" in auditor.get(f"/audits/{audit.id}").get_data(as_text=True)
    assert f'data-audit="{audit.id}"' in auditor.get("/audits?status=closed").get_data(as_text=True)
    viewer = gen_user(world.sakura, "viewer")
    other = make_client()
    other.login(viewer.email, PASSWORD)
    assert other.get("/audits").status_code == 403
