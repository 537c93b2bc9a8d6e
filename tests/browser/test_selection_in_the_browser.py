"""Procurement's selection story in a real browser: the due-diligence questionnaire sent to two candidates; one
answers in the portal (autosave, a follow-up question appearing, evidence), the other through the API; the
comparison shows the second's blocker and the first's expiring certificate; a conditional approval with a dated
condition is recorded, and the privacy office sees the condition."""

import base64
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from audits import responses
from audits.demo import GOOD
from audits.models import QuestionnaireRequest
from oversight.accounts.models import User
from oversight.accounts.services import issue_token
from oversight.extensions import db
from oversight.registry import services as registry
from oversight.timeutil import today_jst
from tests.audits.selection_world import PDF
from tests.browser.steps import log_in, log_out
from tests.factories import gen_organisation, gen_user

pytestmark = pytest.mark.browser


def test_procurement_sends_vendors_answer_and_procurement_compares_and_decides(page, live_server, release_database,
                                                                              app, tmp_path):
    sakura = gen_organisation("さくら商事株式会社")
    toto, minato = gen_organisation("株式会社東都システム"), gen_organisation("港データ株式会社")
    procurement = gen_user(sakura, "procurement", email="procurement@sakura.example")
    gen_user(sakura, "privacy_office", email="privacy@sakura.example")
    toto_staff = gen_user(toto, "contractor_user", email="staff@toto.example")
    minato_staff = gen_user(minato, "contractor_user", email="staff@minato.example")
    for vendor in (toto, minato):
        registry.create_organisation(procurement, {"name": vendor.name, "corporate_number": vendor.corporate_number})
    minato_token = issue_token(minato_staff, "answers")[1]
    toto_org_id, minato_org_id, toto_staff_id = toto.id, minato.id, toto_staff.id
    release_database()

    log_in(page, live_server, "procurement@sakura.example")
    page.click("#nav-selections")
    page.click("#new-selection")
    page.fill("#title", "会員コールセンターの委託先選定")
    page.fill("#person_count", "120000")
    page.click("#create-selection")
    assert "選定「会員コールセンターの委託先選定」を開始しました。" in page.inner_text("main")
    for vendor in ("株式会社東都システム", "港データ株式会社"):
        page.select_option("#vendor_id", label=vendor)
        page.click("#add-candidate")
    page.click("#send")
    assert "2件の候補に質問票を送付しました。" in page.inner_text("main")
    selection_url = page.url
    log_out(page)

    with app.app_context():
        toto_request = db.session.query(QuestionnaireRequest).filter_by(vendor_id=toto_org_id).one()
        minato_request = db.session.query(QuestionnaireRequest).filter_by(vendor_id=minato_org_id).one()
        toto_id, minato_id = toto_request.id, minato_request.id

    # 東都 answers in the portal: autosave counts the answers; saying "yes" to incidents brings the follow-ups.
    log_in(page, live_server, "staff@toto.example")
    page.click("#nav-questionnaires")
    page.click(f"tr[data-request='{toto_id}'] a")
    expect(page.locator("#q-inc_count")).to_be_hidden()
    page.check("input[name='a.inc_any'][value='yes']")
    expect(page.locator("#q-inc_count")).to_be_visible()
    page.check("input[name='a.inc_any'][value='no']")
    expect(page.locator("#q-inc_count")).to_be_hidden()
    page.check("input[name='a.bp_policy'][value='yes']")
    page.wait_for_selector("#autosave-status[data-state='saved']")
    assert re.search(r"\d+問中[12]問回答", page.inner_text("#progress"))
    page.set_input_files("#file-bp_policy_doc", files=[{"name": "基本方針.pdf", "mimeType": "application/pdf",
                                                        "buffer": PDF}])
    page.click("#upload-bp_policy_doc")
    assert "基本方針.pdfを添付しました。" in page.inner_text("main")
    with app.app_context():  # the rest of a long questionnaire, as saved on earlier visits
        soon = (today_jst() + timedelta(days=45)).isoformat()
        request = db.session.get(QuestionnaireRequest, toto_id)
        staff = db.session.get(User, toto_staff_id)
        responses.save_answers(staff, toto_id, {**GOOD, "cert_isms_expiry": soon,
                                                "org_last_audit": (today_jst() - timedelta(days=100)).isoformat(),
                                                "hum_last_training": (today_jst() - timedelta(days=50)).isoformat()})
        for question_id in responses.current_score(request).unanswered_required:
            responses.attach_evidence(staff, toto_id, question_id, f"{question_id}.pdf", PDF + question_id.encode())
        db.session.remove()
    page.reload()
    page.click("#submit")
    assert "回答を提出しました。" in page.inner_text("main")
    log_out(page)

    # 港データ answers through the API: it subcontracts without the consignor's approval.
    client = app.test_client()
    headers = {"Authorization": f"Bearer {minato_token}"}
    answers = {**GOOD, "sub_practice": "without_approval", "sub_list": "株式会社さざなみ（大阪）",
               "sub_all_declared": True, "sub_flowdown": True, "sub_further_approval": True,
               "sub_supervision": True, "org_last_audit": (today_jst() - timedelta(days=100)).isoformat(),
               "hum_last_training": (today_jst() - timedelta(days=50)).isoformat(),
               "cert_isms_expiry": (today_jst() + timedelta(days=400)).isoformat()}
    assert client.post(f"/api/v1/questionnaire-requests/{minato_id}/answers", json={"answers": answers},
                       headers=headers).status_code == 200
    detail = client.get(f"/api/v1/questionnaire-requests/{minato_id}", headers=headers).json
    evidence = [q["id"] for q in detail["questions"] if q["type"] == "evidence" and q.get("required", True)]
    for question_id in evidence:
        client.post(f"/api/v1/questionnaire-requests/{minato_id}/evidence", headers=headers, json={
            "question_id": question_id, "filename": f"{question_id}.pdf",
            "content_base64": base64.b64encode(PDF + question_id.encode()).decode()})
    submitted = client.post(f"/api/v1/questionnaire-requests/{minato_id}/submit", headers=headers)
    assert submitted.status_code == 200, submitted.json

    log_in(page, live_server, "procurement@sakura.example")
    page.goto(selection_url)
    assert "回答提出済み" in page.inner_text(f"tr[data-request='{toto_id}'] .status")
    page.click("#compare")
    flags = page.inner_text(f"tr.red-flags td[data-request='{minato_id}']")
    assert "ブロッカー" in flags and "委託元の事前承認なく再委託する" in flags
    certificates = page.inner_text(f"tr.certifications td[data-request='{toto_id}']")
    assert "90日以内に期限切れ" in certificates
    page.screenshot(path=str(tmp_path / "comparison.png"), full_page=True)

    page.goto(f"{live_server}/questionnaire-requests/{toto_id}")
    assert "この候補の懸念事項" not in page.inner_text("main")
    assert "90日以内に期限切れ" in page.inner_text("#score-costs")
    page.check("input[name='outcome'][value='conditional']")
    due = (today_jst() + timedelta(days=120)).isoformat()
    page.fill("#condition-text-0", "ISMS認証の更新証明書の提出")
    page.fill("#condition-owner-0", "調達部 鈴木")
    page.fill("#condition-due-0", due)
    page.click("#record-decision")
    assert "判断を記録しました：条件付き承認。" in page.inner_text("main")
    log_out(page)

    log_in(page, live_server, "privacy@sakura.example")
    dashboard = page.inner_text("#selection-conditions")
    due_day = today_jst() + timedelta(days=120)
    assert "ISMS認証の更新証明書の提出" in dashboard
    assert f"{due_day.year}年{due_day.month}月{due_day.day}日" in dashboard
    page.click("#nav-selections")
    conditions = page.inner_text("#open-conditions")
    assert "ISMS認証の更新証明書の提出" in conditions and "株式会社東都システム" in conditions
