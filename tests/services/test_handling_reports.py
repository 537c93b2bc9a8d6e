"""Monthly handling reports: the consignor switches them on, the contractor files each month once, both read them,
nobody else does, and a missing month is reminded once — however often the clock runs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from audits import handling_months as hm
from audits import handling_reports as reports
from audits.handling_models import HandlingReport, HandlingReportPlan
from oversight.errors import Conflict, Forbidden, NotFound, ValidationFailed
from oversight.extensions import db
from oversight.outbox.models import OutboxMessage
from oversight.timeutil import today_jst, utcnow
from oversight.trail.models import TrailRecord
from tests.audits.handling_world import ANSWERS, gen_handling_world, months_ago
from tests.factories import gen_organisation, gen_user


@pytest.fixture
def world():
    return gen_handling_world()


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_the_consignor_reads_its_months_with_the_missing_one_marked_overdue(world):
    view = reports.entrustment_reports(world.kyoto_privacy, world.albums["kyoto"].id)
    states = {m.text: m.status for m in view.months}
    assert states[hm.period_text(months_ago(2))] == "overdue"
    assert states[hm.period_text(months_ago(3))] == "filed_late"  # filed today, long after its due day
    assert states[hm.period_text(months_ago(0))] == "open"
    assert view.can_configure and not view.can_file
    (row,) = reports.overview(world.kyoto_privacy)
    assert row.overdue == [months_ago(2)] and row.filed == 2


def test_the_contractor_files_a_missing_month_and_the_consignor_reads_its_answers(world):
    view = reports.entrustment_reports(world.vendor_staff, world.albums["kyoto"].id)
    assert view.can_file and [m.period for m in view.fileable] == [months_ago(0), months_ago(2)]
    filed = reports.file_report(world.vendor_staff, world.albums["kyoto"].id, {
        "period": hm.period_text(months_ago(2)),
        "answers": {**ANSWERS, "incident": "yes", "incident_detail": "撮影データの誤送付を未然に防止"}})
    assert filed.form_id == "monthly-handling" and filed.answers["incident"] is True
    month = next(m for m in reports.entrustment_reports(world.kyoto_privacy, world.albums["kyoto"].id).months
                 if m.period == months_ago(2))
    assert month.status == "filed_late" and month.report.answers["incident_detail"] == "撮影データの誤送付を未然に防止"
    record = db.session.scalars(select(TrailRecord).where(TrailRecord.action == "handling_report_file")
                                .order_by(TrailRecord.id.desc())).first()
    assert record.object_id == filed.id and record.after["period"] == hm.period_text(months_ago(2))


def test_the_consignors_owner_is_told_of_a_filed_report_an_incident_named_first(world):
    quiet = db.session.scalar(select(OutboxMessage).where(
        OutboxMessage.key == reports.filed_key(world.albums["kyoto"].id, months_ago(1))))
    assert quiet.recipients == ["privacy-user@kyoto.example"] and "要確認" not in quiet.subject
    reports.file_report(world.vendor_staff, world.albums["kyoto"].id, {
        "period": hm.period_text(months_ago(2)),
        "answers": {**ANSWERS, "incident": "yes", "incident_detail": "撮影データの誤送付を未然に防止"}})
    told = db.session.scalar(select(OutboxMessage).where(
        OutboxMessage.key == reports.filed_key(world.albums["kyoto"].id, months_ago(2))))
    assert told.recipients == ["privacy-user@kyoto.example"]
    assert told.subject.startswith("【oversight】【要確認】") and hm.period_text(months_ago(2)) in told.subject
    assert "事故・ヒヤリハットの有無：はい；事故・ヒヤリハットの内容と対応：撮影データの誤送付を未然に防止" in told.body
    assert "Any incident or near miss this month: Yes" in told.body
    assert "再委託先の変更" not in told.body  # answered no: nothing to look at
    assert "大津" not in told.body and "staff@album.example" not in told.recipients


def test_bad_answers_are_named_and_nothing_is_stored(world):
    before = _count(HandlingReport)
    with pytest.raises(ValidationFailed) as refused:
        reports.file_report(world.vendor_staff, world.albums["kyoto"].id, {
            "period": hm.period_text(months_ago(2)),
            "answers": {**ANSWERS, "persons_handled": "約400", "deletion": "deleted"}})
    assert set(refused.value.errors) == {"persons_handled", "deletion_detail"}
    with pytest.raises(ValidationFailed) as refused:
        reports.file_report(world.vendor_staff, world.albums["kyoto"].id, {"period": "2026/11", "answers": ANSWERS})
    assert set(refused.value.errors) == {"period"}
    future = hm.next_month(months_ago(0))
    with pytest.raises(ValidationFailed):
        reports.file_report(world.vendor_staff, world.albums["kyoto"].id,
                            {"period": hm.period_text(future), "answers": ANSWERS})
    assert _count(HandlingReport) == before


def test_a_month_is_filed_once(world):
    with pytest.raises(Conflict):
        reports.file_report(world.vendor_staff, world.albums["kyoto"].id,
                            {"period": hm.period_text(months_ago(3)), "answers": ANSWERS})


def test_only_the_consignor_switches_reports_and_only_the_contractor_files(world):
    with pytest.raises(Forbidden):
        reports.set_plan(world.vendor_privacy, world.albums["kyoto"].id, {"enabled": False})
    with pytest.raises(Forbidden):
        reports.file_report(gen_user(world.kyoto, "contractor_user"), world.albums["kyoto"].id,
                            {"period": hm.period_text(months_ago(2)), "answers": ANSWERS})
    plan = reports.set_plan(world.kyoto_procurement, world.albums["kyoto"].id, {"enabled": False})
    assert not plan.enabled and plan.since == months_ago(3)
    with pytest.raises(Conflict):
        reports.file_report(world.vendor_staff, world.albums["kyoto"].id,
                            {"period": hm.period_text(months_ago(2)), "answers": ANSWERS})
    assert [r.action for r in db.session.scalars(select(TrailRecord).where(
        TrailRecord.object_type == "handling_report_plan").order_by(TrailRecord.id))][-1] == "handling_reports_off"


def test_a_bad_first_month_is_named_and_nothing_changes(world):
    for since in ("2026-13", "1999-01"):
        with pytest.raises(ValidationFailed) as refused:
            reports.set_plan(world.kyoto_privacy, world.albums["kyoto"].id, {"enabled": True, "since": since})
        assert set(refused.value.errors) == {"since"}
    with pytest.raises(ValidationFailed) as refused:
        reports.set_plan(world.kyoto_privacy, world.albums["kyoto"].id, {"enabled": "perhaps"})
    assert set(refused.value.errors) == {"enabled"}
    assert db.session.scalar(select(HandlingReportPlan.since).where(
        HandlingReportPlan.entrustment_id == world.albums["kyoto"].id)) == months_ago(3)


def test_a_sibling_consignor_of_the_same_vendor_sees_nothing_of_anothers_reports(world):
    with pytest.raises(NotFound):
        reports.entrustment_reports(world.otsu_privacy, world.albums["kyoto"].id)
    rows = reports.overview(world.otsu_privacy)
    assert [r.entrustment.id for r in rows] == [world.albums["otsu"].id]
    # Neither does the studio's consignor up the chain, nor an unrelated organisation.
    assert reports.overview(gen_user(world.sakura, "privacy_office")) == []
    with pytest.raises(NotFound):
        stranger = gen_user(gen_organisation("無関係の会社"), "privacy_office")
        reports.entrustment_reports(stranger, world.albums["otsu"].id)
    # The vendor reads both of its own engagements.
    assert {r.entrustment.id for r in reports.overview(world.vendor_staff)} == {world.albums["kyoto"].id,
                                                                                world.albums["otsu"].id}


def test_a_missing_month_is_reminded_once_to_the_contractor_and_the_consignors_owner(world):
    now = utcnow()
    assert reports.enqueue_missing_reminders(now) == 4  # two entrustments × (contractor, owner)
    assert reports.enqueue_missing_reminders(now) == 0  # the clock again
    assert reports.enqueue_missing_reminders(now + timedelta(hours=1)) == 0  # a second clock, later
    month = hm.period_text(months_ago(2))
    to_vendor, to_owner = (db.session.scalar(select(OutboxMessage).where(OutboxMessage.key == key))
                           for key in reports.reminder_keys(world.albums["kyoto"].id, months_ago(2)))
    assert to_vendor.recipients == ["staff@album.example"]
    assert month in to_vendor.subject and "未提出" in to_vendor.subject
    assert to_owner.recipients == ["privacy-user@kyoto.example"]
    assert "大津" not in to_owner.body and "大津" not in to_vendor.body


def test_no_reminder_once_the_month_is_filed_or_reports_are_off(world):
    reports.file_report(world.vendor_staff, world.albums["kyoto"].id,
                        {"period": hm.period_text(months_ago(2)), "answers": ANSWERS})
    reports.set_plan(world.otsu_privacy, world.albums["otsu"].id, {"enabled": False})
    assert reports.enqueue_missing_reminders(utcnow()) == 0


def test_the_reminder_job_is_registered_with_the_clock(app):
    from oversight.scheduler import registered_jobs

    assert "handling-report-reminders" in {job.name for job in registered_jobs()}


def test_the_cli_switches_files_and_lists_as_the_pages_do(app, world, tmp_path):
    runner = app.test_cli_runner()
    answers = tmp_path / "answers.json"
    answers.write_text('{"persons_handled": "四百"}', encoding="utf-8")
    refused = runner.invoke(args=["handling-reports", "file", "--as", world.vendor_staff.email,
                                  str(world.albums["kyoto"].id), "--period", hm.period_text(months_ago(2)),
                                  str(answers)])
    assert refused.exit_code == 2 and "persons_handled" in refused.output
    answers.write_text('{"persons_handled": 420, "incident": false, "subcontractor_change": false, '
                       '"storage_location": "京都", "deletion": "none"}', encoding="utf-8")
    done = runner.invoke(args=["handling-reports", "file", "--as", world.vendor_staff.email,
                               str(world.albums["kyoto"].id), "--period", hm.period_text(months_ago(2)), str(answers)])
    assert done.exit_code == 0, done.output
    listed = runner.invoke(args=["handling-reports", "list", "--as", world.kyoto_privacy.email])
    assert "missing: none" in listed.output and "大津" not in listed.output
    off = runner.invoke(args=["handling-reports", "plan", "--as", world.otsu_procurement.email,
                              str(world.albums["otsu"].id), "--off"])
    assert off.exit_code == 0 and off.output.strip() == "off"
    assert today_jst()  # the CLI counts in Japan time like the pages
