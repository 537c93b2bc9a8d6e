"""Legal's contract story in a real browser, on the demo data: the portfolio lists the weak contracts, a
bilingual contract is generated for the CRM vendor that has none, downloaded, and opens in LibreOffice."""

import docx
import pytest
from sqlalchemy import select

from oversight import demo
from oversight.accounts.system import SystemActor
from oversight.extensions import db
from oversight.registry.models import Entrustment
from tests.browser.steps import log_in
from tests.contracts.office import convert_to_pdf, office_tools, pdf_text

pytestmark = pytest.mark.browser


def test_legal_generates_a_bilingual_contract_and_sees_the_weak_ones(page, live_server, release_database, tmp_path):
    soffice, pdftotext = office_tools()
    demo.load(SystemActor(name="demo"))
    crm = db.session.scalar(select(Entrustment).where(Entrustment.data_set == "法人顧客の商談管理データ"))
    crm_id = crm.id
    release_database()

    log_in(page, live_server, "legal@sakura-hd.example", demo.DEMO_PASSWORD)

    page.click("nav >> text=契約")
    portfolio = page.inner_text("main")
    assert "事故の報告期限が72時間で" in portfolio and "事故の報告期限が48時間で" in portfolio
    assert "「事故調査への協力」の条項がありません。" in portfolio
    crm_row = page.locator(f"tr[data-entrustment='{crm_id}']")
    assert "契約が登録されていません" in crm_row.inner_text()

    page.goto(f"{live_server}/entrustments/{crm_id}")
    page.click("#contract-link")
    assert "契約が登録されていません" in page.inner_text("#gaps")
    page.select_option("#language", "bilingual")
    page.fill("#p-notice_hours", "0")
    page.click("#save-button")
    assert "1時間以上720時間以下で指定してください（指定値：0）" in page.inner_text(
        "small.error[data-field='notice_hours']")
    assert "まだありません" in page.inner_text("#version-list")
    page.fill("#p-notice_hours", "24")
    page.click("#save-button")
    assert "契約を保存しました。" in page.inner_text("main")
    page.click("#generate-button")
    assert "第 1 版を生成しました。" in page.inner_text("main")
    with page.expect_download() as download_info:
        page.click("#version-list a.download")
    path = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(path)
    assert path.suffix == ".docx"

    paragraphs = [p.text for p in docx.Document(path).paragraphs]
    assert "第1条（目的）" in paragraphs and "Article 1 (Purpose)" in paragraphs
    assert any("24時間以内" in p for p in paragraphs)

    convert_to_pdf(soffice, tmp_path, path)
    text = pdf_text(pdftotext, path.with_suffix(".pdf"))
    assert "さくら商事" in text and "Article1(Purpose)" in text

    page.click("nav >> text=契約")
    assert "契約が登録されていません" not in page.locator(f"tr[data-entrustment='{crm_id}']").inner_text()
