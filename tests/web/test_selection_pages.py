"""The selection pages as procurement, the vendor's staff and the privacy office use them (no scripts: the forms
work on their own; the autosave answers in JSON)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from audits.models import QuestionnaireRequest, Selection
from oversight.extensions import db
from oversight.timeutil import today_jst
from tests.audits.selection_world import PDF, answer_all, gen_selection_world
from tests.factories import PASSWORD
from tests.helpers import plain_text, text_of


@pytest.fixture
def world():
    return gen_selection_world()


def login(make_client, user):
    client = make_client()
    client.login(user.email, PASSWORD)
    return client


def test_procurement_opens_a_selection_adds_a_candidate_and_sends_it(world, make_client):
    client = login(make_client, world.procurement)
    opened = client.post("/selections/new", {"title": "配送業務の委託先選定", "person_count": "5,000",
                                             "data_items": "name"}, follow_redirects=True)
    assert "選定「配送業務の委託先選定」を開始しました。" in text_of(opened)
    s = db.session.query(Selection).filter_by(title="配送業務の委託先選定").one()
    added = client.post(f"/selections/{s.id}/candidates", {"vendor_id": str(world.other.id),
                                                           "questionnaire": "triage"}, follow_redirects=True)
    assert "候補ベンダー株式会社を候補に追加しました。" in text_of(added)
    sent = client.post(f"/selections/{s.id}/send", follow_redirects=True)
    assert "1件の候補に質問票を送付しました。" in text_of(sent)
    assert "送付済み" in text_of(sent)


def test_a_selection_without_a_title_is_refused_naming_the_field(world, make_client):
    client = login(make_client, world.procurement)
    refused = client.post("/selections/new", {"title": " ", "person_count": "-3"})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert 'data-field="title"' in page and 'data-field="person_count"' in page


def test_the_vendor_answers_without_scripts_sees_errors_per_question_and_submits(world, make_client):
    client = login(make_client, world.shared_staff)
    r = world.shared_request
    page = client.get(f"/questionnaire-requests/{r.id}")
    assert page.status_code == 200 and "委託先選定時のデューデリジェンス質問票" in text_of(page)
    bad = client.post(f"/questionnaire-requests/{r.id}/answers", {"a.bp_policy": "yes", "a.org_notice_hours": "すぐ",
                                                                 "action": "save"})
    assert bad.status_code == 422
    assert re.search(r'data-field="org_notice_hours">[^<]*数値', bad.get_data(as_text=True))
    assert db.session.get(QuestionnaireRequest, r.id).answers == []
    good = client.post(f"/questionnaire-requests/{r.id}/answers", {"a.bp_policy": "yes", "action": "save"},
                       follow_redirects=True)
    assert "回答を保存しました。" in text_of(good)
    assert re.search(r"\d+問中1問回答", text_of(good))
    missing = client.post(f"/questionnaire-requests/{r.id}/submit")
    assert missing.status_code == 422
    assert 'data-field="sub_practice">この質問は回答必須です。' in missing.get_data(as_text=True)
    assert 'data-field="bp_policy">' not in missing.get_data(as_text=True)


def test_autosave_answers_in_json_with_the_progress(world, make_client):
    client = login(make_client, world.shared_staff)
    r = world.shared_request
    client.get(f"/questionnaire-requests/{r.id}")
    saved = client.post(f"/questionnaire-requests/{r.id}/answers", {"a.bp_policy": "yes", "a.sub_practice": "none"},
                        headers={"X-Autosave": "1"})
    assert saved.status_code == 200 and saved.json["answered"] == 2
    refused = client.post(f"/questionnaire-requests/{r.id}/answers", {"a.org_notice_hours": "x"},
                          headers={"X-Autosave": "1"})
    assert refused.status_code == 422 and "org_notice_hours" in refused.json["errors"]


def test_evidence_is_uploaded_and_a_fake_pdf_refused(world, make_client):
    client = login(make_client, world.shared_staff)
    r = world.shared_request
    client.get(f"/questionnaire-requests/{r.id}")
    import io

    ok = client.post(f"/questionnaire-requests/{r.id}/evidence", {"question_id": "bp_policy_doc",
                     "file": (io.BytesIO(PDF), "基本方針.pdf")}, content_type="multipart/form-data",
                     follow_redirects=True)
    assert "基本方針.pdfを添付しました。" in text_of(ok)
    fake = client.post(f"/questionnaire-requests/{r.id}/evidence", {"question_id": "bp_policy_doc",
                       "file": (io.BytesIO(b"GIF89a"), "偽物.pdf")}, content_type="multipart/form-data",
                       follow_redirects=True)
    assert "偽物.pdf" in text_of(fake) and len(db.session.get(QuestionnaireRequest, r.id).evidence) == 1


def test_procurement_reads_the_score_explained_compares_and_decides_with_a_condition(world, make_client):
    soon = (today_jst() + timedelta(days=30)).isoformat()
    answer_all(world.shared_staff, world.shared_request, {"cert_held": ["isms"], "cert_isms_expiry": soon})
    answer_all(world.other_staff, world.other_request,
               {"sub_practice": "without_approval", "att_contract_clauses": None})
    client = login(make_client, world.procurement)
    page = text_of(client.get(f"/questionnaire-requests/{world.other_request.id}"))
    assert "委託元の事前承認なく再委託する" in page and "ブロッカー" in page
    html = client.get(f"/selections/{world.selection.id}/comparison").get_data(as_text=True)
    comparison = plain_text(html)
    assert "委託元の事前承認なく再委託する" in comparison and "90日以内に期限切れ" in comparison
    clauses = plain_text(re.search(r'<tr class="clauses">.*?</tr>', html, re.S).group(0))
    assert "契約条項の受入れ" in clauses and "はい" in clauses and "未回答" in clauses  # the optional question skipped
    due = (today_jst() + timedelta(days=100)).isoformat()
    decided = client.post(f"/questionnaire-requests/{world.shared_request.id}/decision", {
        "outcome": "conditional", "reason": "", "condition_text": "ISMS認証の更新証明の提出",
        "condition_owner": "調達部 鈴木", "condition_due_on": due}, follow_redirects=True)
    assert "判断を記録しました：条件付き承認。" in text_of(decided)
    privacy = login(make_client, world.privacy)
    assert "ISMS認証の更新証明の提出" in text_of(privacy.get("/selections"))
    otsu = login(make_client, world.otsu_procurement)
    listing = text_of(otsu.get("/selections"))
    assert "ISMS認証の更新証明の提出" not in listing and "会員コールセンター" not in listing


def test_an_entrustment_says_whether_a_review_approved_its_contractor(world, make_client):
    from tests.factories import gen_entrustment

    reviewed = gen_entrustment(world.sakura, world.shared, data_set="会員コールセンター")
    unreviewed = gen_entrustment(world.sakura, world.other, data_set="配送")
    otsu_albums = gen_entrustment(world.otsu, world.shared, data_set="卒業アルバム")
    r = answer_all(world.shared_staff, world.shared_request)
    from audits import selection

    selection.decide(world.procurement, r.id, {"outcome": "approved"})
    client = login(make_client, world.privacy)
    assert "委託先選定の審査で選定済み：承認" in text_of(client.get(f"/entrustments/{reviewed.id}"))
    assert "この委託先を承認した選定の審査がありません" in text_of(client.get(f"/entrustments/{unreviewed.id}"))
    otsu = login(make_client, world.otsu_procurement)
    assert "この委託先を承認した選定の審査がありません" in text_of(otsu.get(f"/entrustments/{otsu_albums.id}"))
    staff = login(make_client, world.shared_staff)
    assert "選定の審査" not in text_of(staff.get(f"/entrustments/{reviewed.id}"))


def test_the_privacy_office_sees_a_condition_overdue_and_records_it_met_or_waived(world, make_client):
    from audits import selection

    r = answer_all(world.shared_staff, world.shared_request)
    due = today_jst() + timedelta(days=10)
    decision = selection.decide(world.procurement, r.id, {"outcome": "conditional", "conditions": [
        {"text": "SOC 2 Type II報告書の提出", "owner": "調達部 鈴木", "due_on": due.isoformat()},
        {"text": "再委託先一覧の提出", "owner": "調達部 鈴木", "due_on": due.isoformat()}]})
    soc2, subcontractors = decision.conditions
    soc2.due_on = today_jst() - timedelta(days=1)  # the due day has passed
    db.session.commit()
    client = login(make_client, world.privacy)
    dashboard = text_of(client.get("/"))
    assert "SOC 2 Type II報告書の提出" in dashboard and "期限超過" in dashboard
    page = f"/questionnaire-requests/{r.id}"
    refused = client.post(f"/selection-conditions/{subcontractors.id}/closing", {"closing": "waived", "note": ""})
    assert refused.status_code == 422 and "条件を免除する理由を入力してください。" in text_of(refused)
    met = client.post(f"/selection-conditions/{soc2.id}/closing", {"closing": "met", "note": "報告書を受領"},
                      follow_redirects=True)
    assert "条件の充足を記録しました。" in text_of(met) and "報告書を受領" in text_of(met)
    waived = client.post(f"/selection-conditions/{subcontractors.id}/closing",
                         {"closing": "waived", "note": "再委託しない契約に変更"}, follow_redirects=True)
    assert "条件の免除を記録しました。" in text_of(waived)
    assert "免除" in text_of(client.get(page)) and "期限超過" not in text_of(client.get(page))
    assert "SOC 2 Type II報告書の提出" not in text_of(client.get("/"))
