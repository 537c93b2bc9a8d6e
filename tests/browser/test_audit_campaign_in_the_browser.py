"""A periodic audit campaign in a real browser, on the demo (issue 17's "Done when"): the clock opens the audit of the
call centre's subcontract at UFサポート and mails the vendor; its staff answer in the portal with evidence and declare
a subcontractor the registry does not have; the auditor sees the cross-check's finding and the 無承認再委託 flag with
its reason, and the flagged subcontract in the registry; the vendor proposes a remediation with evidence, the
auditor verifies and closes it; the privacy office downloads the evidence pack, which `flask verify-pack` accepts."""

from __future__ import annotations

import csv
import io
import os
import re
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from audits.audit_models import Audit
from audits.campaign_demo import CALL_CENTRE
from oversight import demo
from oversight.accounts.system import SystemActor
from oversight.corporate_number import with_check_digit
from oversight.demo import DEMO_PASSWORD
from oversight.extensions import db
from oversight.outbox.models import OutboxMessage
from oversight.registry.models import Entrustment, Organisation
from oversight.scheduler import registered_jobs, run_job
from oversight.timeutil import today_jst
from tests.audits.audit_world import PDF
from tests.browser.steps import log_in, log_out

pytestmark = pytest.mark.browser

# SAVE_SCREENSHOTS=1 refreshes the screenshots in docs/; otherwise they go to the test's own folder.
DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "issue-17"
VENDOR, AUDITOR, PRIVACY = "staff@uf-support.example", "audit@sakura-hd.example", "privacy@sakura-hd.example"
UFS = "株式会社ユーエフ・サポート"
UNKNOWN = ("株式会社なにわテレマーケティング", with_check_digit("090001234567"))  # no such company in the registry


@pytest.fixture
def pack_dir(app, tmp_path, monkeypatch):
    """Built packs go to the test's own folder."""
    monkeypatch.setitem(app.config, "EVIDENCE_PACK_DIR", str(tmp_path / "packs"))
    return tmp_path / "packs"


@pytest.fixture
def shot(tmp_path):
    """Take a small screenshot (one screen, 256 colours) of what the user sees."""
    folder = DOCS_SCREENSHOTS if os.environ.get("SAVE_SCREENSHOTS") else tmp_path / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)

    def take(page, name: str, height: int = 900) -> None:
        from PIL import Image

        page.set_viewport_size({"width": 1100, "height": height})
        image = Image.open(io.BytesIO(page.screenshot(full_page=False)))
        image.convert("RGB").quantize(colors=256).save(folder / name, optimize=True)
    return take


def choose(page, question: str, code: str) -> None:
    page.check(f"input[name='a.{question}'][value='{code}']")


def attach(page, question: str, filename: str) -> None:
    page.set_input_files(f"#file-{question}", files=[{"name": filename, "mimeType": "application/pdf",
                                                      "buffer": PDF + question.encode()}])
    page.click(f"#upload-{question}")
    assert f"{filename}を添付しました。" in page.inner_text("main")


def test_the_clock_opens_the_call_centres_audit_and_it_runs_to_a_verified_evidence_pack(
        page, live_server, release_database, app, pack_dir, shot, tmp_path):
    demo.load(SystemActor(name="demo"))
    call_centre = db.session.scalar(select(Entrustment).where(Entrustment.data_set == CALL_CENTRE))
    call_centre_id, ufs_id = call_centre.id, call_centre.contractor_id
    minato = db.session.scalar(select(Organisation).where(Organisation.name == "株式会社みなとデータ入力"))
    minato_line = f"{minato.name}, {minato.corporate_number}"
    release_database()

    # 1. The clock's job, run as the scheduler runs it, opens the audit and queues the request to the vendor.
    assert run_job(app, next(job for job in registered_jobs() if job.name == "audits-open-due"))
    with app.app_context():
        audit = db.session.scalar(select(Audit).where(Audit.entrustment_id == call_centre_id,
                                                      Audit.status == "open"))
        assert audit is not None and audit.kind == "questionnaire"
        audit_id, request_id = audit.id, audit.request_id
        mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.key == f"audit:{audit_id}:opened"))
        assert VENDOR in mail.recipients and "定期監査の質問票のご回答のお願い" in mail.subject
        db.session.remove()

    # 2. The vendor finds the audit in the portal and answers it: autosave, evidence, and the subcontractors.
    log_in(page, live_server, VENDOR, DEMO_PASSWORD)
    page.click("#nav-audits")
    row = page.locator(f"tr[data-audit='{audit_id}']")
    assert "さくら商事ホールディングス株式会社" in row.inner_text() and "実施中" in row.inner_text()
    row.locator("a").click()
    assert "定期監査" in page.inner_text("h1") and CALL_CENTRE in page.inner_text("h1")
    page.click("#request-link")
    page.wait_for_url(re.compile(rf"/questionnaire-requests/{request_id}$"))
    expect(page.locator("#q-per_sub_declared")).to_be_hidden()

    today = today_jst()
    choose(page, "per_purpose_only", "yes")
    choose(page, "per_storage", "unchanged")
    choose(page, "per_monthly_reports", "yes")
    choose(page, "per_access_review", "yes")
    choose(page, "per_logs_reviewed", "monthly")
    page.fill("#a-per_training_date", (today - timedelta(days=60)).isoformat())
    choose(page, "per_sub_status", "unchanged")  # "unchanged", yet it lists a company nobody approved
    expect(page.locator("#q-per_sub_declared")).to_be_visible()
    choose(page, "per_sub_corporate_numbers", "yes")
    choose(page, "per_sub_audited", "yes")
    choose(page, "per_incidents", "no")
    choose(page, "per_deletion", "with_certificate")
    choose(page, "per_truthful", "yes")
    page.check("input[name='a.per_cert_held'][value='pmark']")
    page.fill("#a-per_cert_pmark_expiry", (today + timedelta(days=45)).isoformat())
    page.evaluate("document.getElementById('autosave-status').removeAttribute('data-state')")
    page.fill("#a-per_sub_declared", f"{minato_line}\n{UNKNOWN[0]}, {UNKNOWN[1]}")
    page.locator("#a-per_sub_declared").blur()  # a change event: the autosave
    page.wait_for_selector("#autosave-status[data-state='saved']")

    for question, filename in (("per_log_review_record", "ログ確認記録.pdf"), ("per_training_record", "教育記録.pdf"),
                               ("per_sub_list", "再委託先一覧.pdf"), ("per_deletion_certificate", "削除証明書.pdf")):
        attach(page, question, filename)
    assert page.input_value("#a-per_sub_declared") == f"{minato_line}\n{UNKNOWN[0]}, {UNKNOWN[1]}"  # kept
    page.click("#submit")
    assert "回答を提出しました。" in page.inner_text("main")
    assert "回答提出済み" in page.inner_text("#request-status")
    log_out(page)

    # 3. The auditor opens the review: the cross-check flags the unknown subcontractor, with its reason.
    log_in(page, live_server, AUDITOR, DEMO_PASSWORD)
    page.click("#nav-audits")
    page.locator(f"tr[data-audit='{audit_id}'] a").click()
    page.click("#review-link")
    page.wait_for_url(re.compile(rf"/audits/{audit_id}/review$"))
    flag = page.locator("#flags li[data-check='unknown_subcontractor']")
    text = flag.inner_text()
    assert "無承認再委託" in text and UNKNOWN[0] in text and UNKNOWN[1] in text
    assert "登録されていない再委託先" in text
    assert not page.locator("#flags li[data-check='unknown_subcontractor'] >> text=株式会社みなとデータ入力").count()
    shot(page, "review-with-flag.png")
    finding_url = flag.locator("a").get_attribute("href")
    finding_id = int(finding_url.rsplit("/", 1)[1])

    page.click("header nav a[href='/entrustments']")
    page.check("input[name='flagged']")
    page.click("form[role='search'] button[type='submit']")
    flagged = page.locator("#entrustments tbody tr", has_text=UNKNOWN[0])
    assert flagged.count() == 1 and "無承認再委託" in flagged.inner_text() and UFS in flagged.inner_text()
    flagged.locator("a").first.click()
    violation = page.inner_text("#violation")
    assert "無承認再委託" in violation and "監査で発覚" in violation
    log_out(page)

    # 4. The vendor opens the finding and proposes a remediation with evidence.
    log_in(page, live_server, VENDOR, DEMO_PASSWORD)
    page.click("#nav-findings")
    page.locator(f"tr[data-finding='{finding_id}'] a").first.click()
    assert "無承認再委託" in page.inner_text("#finding-violation")
    assert "是正待ち" in page.inner_text("#finding-status")
    page.fill("#remediation-text", "なにわテレマーケティングへの再委託を停止し、データの削除証明を受領しました。")
    page.set_input_files("#remediation-files", files=[{"name": "削除証明書_なにわ.pdf", "mimeType": "application/pdf",
                                                      "buffer": PDF + b"naniwa-deletion"}])
    page.click("#propose-remediation")
    assert "是正の検証待ち" in page.inner_text("#finding-status")
    assert "削除証明書_なにわ.pdf" in page.inner_text("#finding-thread")
    log_out(page)

    # The auditor verifies it and closes it with a verification note.
    log_in(page, live_server, AUDITOR, DEMO_PASSWORD)
    page.goto(f"{live_server}{finding_url}")
    page.fill("#verification", "削除証明書の原本と、なにわ社の作業端末の返却記録を確認した。")
    page.click("#close-finding")
    assert "完了（検証済み）" in page.inner_text("#finding-status")
    assert "削除証明書の原本と、なにわ社の作業端末の返却記録を確認した。" in page.inner_text("#finding-thread")
    shot(page, "finding-closed.png", height=1300)
    log_out(page)

    # 5. The privacy office builds the evidence pack of UFサポート for the year to today and downloads it.
    log_in(page, live_server, PRIVACY, DEMO_PASSWORD)
    page.goto(f"{live_server}/organisations/{ufs_id}")
    page.click("#evidence-packs")
    assert UFS in page.inner_text("#packs-title")
    page.fill("#period_from", (today - timedelta(days=365)).isoformat())
    page.fill("#period_to", today.isoformat())
    page.click("#build-pack")
    expect(page.locator("#status")).to_have_text("ダウンロード可")
    shot(page, "evidence-pack.png")
    with page.expect_download() as download_info:
        page.click("#download")
    download = download_info.value
    path = tmp_path / download.suggested_filename
    download.save_as(path)

    result = app.test_cli_runner().invoke(args=["verify-pack", str(path)])
    assert result.exit_code == 0, result.output

    with zipfile.ZipFile(path) as archive:
        folder = f"audits/audit-{audit_id}"
        names = archive.namelist()
        answers = archive.read(f"{folder}/answers.csv").decode("utf-8-sig")
        assert UNKNOWN[1] in answers and "per_sub_declared" in answers
        assert any(n.startswith(f"{folder}/evidence/") for n in names)
        found = list(csv.DictReader(io.StringIO(archive.read(f"{folder}/findings.csv").decode("utf-8-sig"))))
        [flagged_finding] = [f for f in found if f["id"] == str(finding_id)]
        assert flagged_finding["check"] == "unknown_subcontractor" and UNKNOWN[0] in flagged_finding["title"] + \
            flagged_finding["detail"]
        events = archive.read(f"{folder}/finding-events.csv").decode("utf-8-sig")
        assert "なにわ社の作業端末の返却記録を確認した" in events
        assert any(n.startswith(f"{folder}/findings/finding-{finding_id}/") for n in names)
