"""What the auditor and the vendor see: the review page with each answer's thread and state and each cross-check
flag with its reason, the finding page and its closing refused without verification, the vendor's history on the
organisation page."""

from __future__ import annotations

import re

import pytest

from audits import findings, review
from oversight.extensions import db
from tests.audits.audit_world import answer_audit, gen_audit_world, unknown_company
from tests.factories import PASSWORD


def text_of(html: str) -> str:
    """The page's text without tags."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def world():
    w = gen_audit_world()
    w.hokuto = unknown_company()
    answer_audit(w.staff, w.audit, {"per_sub_status": "unchanged", "per_cert_held": ["none"],
                                    "per_sub_declared": f"東都コール株式会社, {w.sub.corporate_number}\n"
                                                        f"{w.hokuto[0]}, {w.hokuto[1]}"})
    return w


def _page(make_client, user, url):
    client = make_client()
    client.login(user.email, PASSWORD)
    response = client.get(url)
    assert response.status_code == 200, url
    return client, response.get_data(as_text=True)


def test_the_auditor_sees_each_flag_with_its_reason_and_the_unapproved_subcontract(world, make_client):
    _client, page = _page(make_client, world.auditor, f"/audits/{world.audit.id}/review")
    text = text_of(page)
    assert "登録されていない再委託先" in text and world.hokuto[1] in text and "無承認再委託" in text
    assert 'data-check="unknown_subcontractor"' in page
    _client, entrustments = _page(make_client, world.privacy, "/entrustments?flagged=1")
    assert world.hokuto[0] in text_of(entrustments)


def test_a_queried_answer_shows_its_thread_to_the_vendor_with_a_form_to_revise(world, make_client):
    review.review_answer(world.auditor, world.audit.id, "per_logs_reviewed",
                         {"verdict": "queried", "comment": "確認記録の日付を示してください。"})
    _client, page = _page(make_client, world.staff, f"/audits/{world.audit.id}/review")
    assert 'data-question="per_logs_reviewed" data-state="queried"' in page
    assert "確認記録の日付を示してください。" in text_of(page) and 'id="revise-per_logs_reviewed"' in page


def test_closing_without_verification_is_refused_with_a_clear_message_on_the_page(world, make_client):
    f = findings.raise_finding(world.auditor, {"audit_id": world.audit.id, "severity": "medium", "title": "記録の不備"})
    client, _page_html = _page(make_client, world.auditor, f"/findings/{f.id}")
    response = client.post(f"/findings/{f.id}/closing", {"verification": ""}, follow_redirects=True)
    assert "検証してから完了" in text_of(response.get_data(as_text=True))
    db.session.expire_all()
    assert db.session.get(type(f), f.id).status == "open"


def test_the_vendors_page_shows_its_whole_history_to_the_consignor(world, make_client):
    f = findings.raise_finding(world.auditor, {"audit_id": world.audit.id, "severity": "low", "title": "掲示物の不備"})
    findings.close_finding(world.auditor, f.id, {"verification": "現地で掲示を確認した"})
    _client, page = _page(make_client, world.privacy, f"/organisations/{world.vendor.id}")
    text = text_of(page)
    assert 'id="vendor-history"' in page and "掲示物の不備" in text and "完了" in text
    assert f'data-audit="{world.audit.id}"' in page and f'data-audit="{world.otsu_audit.id}"' not in page
    _client, otsu_page = _page(make_client, world.otsu_privacy, f"/organisations/{world.vendor.id}")
    assert "掲示物の不備" not in otsu_page and f'data-audit="{world.audit.id}"' not in otsu_page


def test_the_audit_page_leads_to_its_review_and_names_its_findings_in_words(world, make_client):
    f = findings.raise_finding(world.auditor, {"audit_id": world.audit.id, "severity": "medium", "title": "記録の不備"})
    db.session.commit()
    _client, page = _page(make_client, world.auditor, f"/audits/{world.audit.id}")
    assert f'href="/audits/{world.audit.id}/review"' in page and f'href="/findings/{f.id}"' in page
    text = text_of(page)
    assert "回答のレビュー・照合・指摘事項" in text and "中 記録の不備 — 是正待ち" in text
    assert "[medium]" not in text and "remediation_proposed" not in text
    _client, vendor_page = _page(make_client, world.staff, f"/audits/{world.audit.id}")
    assert f'href="/audits/{world.audit.id}/review"' in vendor_page
    _client, dashboard = _page(make_client, world.staff, "/")
    assert 'id="nav-findings"' in dashboard
    _client, audits = _page(make_client, world.auditor, "/audits")
    assert "実施中（" in text_of(audits) and "開く" not in text_of(audits)  # a state, not the verb "to open"


def test_a_cross_check_finding_names_its_question_and_its_author_in_words(world, make_client):
    from audits.audit_models import Finding

    flagged = db.session.query(Finding).filter_by(audit_id=world.audit.id, check="unknown_subcontractor").one()
    _client, page = _page(make_client, world.staff, f"/findings/{flagged.id}")
    text = text_of(page)
    assert "現在の全ての再委託先（全階層）を1行に1社ずつ" in text and "per_sub_declared" not in text
    assert "自動照合" in text and "委託先 " in text and "委託先候補" not in text  # an audited contractor, no candidate
