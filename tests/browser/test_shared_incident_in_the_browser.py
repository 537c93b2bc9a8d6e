"""The shared incident in a real browser, on the demo: the album vendor has lost 4,620 pupils' data of eleven
schools and records 420 for 京都市; 京都市 sees only itself and the vendor, must report on grounds of its own 420
pupils (not on the 1,000-person item), corrects its own count, and finds its final-report date on its dashboard
from the start; 大津市 sees nothing of 京都市."""

import pytest

from oversight import demo
from oversight.accounts.system import SystemActor
from tests.browser.steps import log_in, log_out

pytestmark = pytest.mark.browser
PASSWORD = demo.DEMO_PASSWORD


def _record_count(page, consignor: str, persons: str, note: str) -> None:
    """From the incident page, record one consignor's number of persons on its own facts page."""
    page.locator(f"#consignor-facts-table tr[data-consignor='{consignor}'] a").click()
    page.fill("#max_persons", persons)
    page.fill("#note", note)
    page.click("#save-party-facts")


def test_each_school_sees_only_its_own_part_of_the_vendors_incident(page, live_server, release_database):
    demo.load(SystemActor(name="demo"))
    release_database()

    log_in(page, live_server, "staff@photo-album.example", PASSWORD)
    page.click("nav >> text=事案")
    page.click("#incident-list >> text=制作担当者のノートPCの盗難")
    parties = page.locator("#party-table").inner_text()
    assert "京都市教育委員会" in parties and "学校法人さくら学園" in parties and "大津市教育委員会" in parties
    assert page.input_value("#max_persons") == "4620"
    _record_count(page, "京都市教育委員会", "420", "京都市分の名簿で確認")
    assert "事実関係を記録しました。" in page.inner_text("main")
    assert "記録済み" in page.locator("#consignor-facts-table tr[data-consignor='京都市教育委員会']").inner_text()
    log_out(page)

    log_in(page, live_server, "privacy@kyoto-city.example", PASSWORD)
    deadlines = page.locator("#incident-deadlines").inner_text()
    assert "制作担当者のノートPCの盗難" in deadlines and "年" in deadlines  # the final-report date, from the start
    final_due = page.locator("#incident-deadlines td.final-due").first.inner_text()
    assert "日" in final_due
    page.click("#incident-deadlines >> text=制作担当者のノートPCの盗難")
    parties = page.locator("#party-table").inner_text()
    assert "京都市教育委員会" in parties and "フォトアルバム工房" in parties
    for sibling in ("大津市教育委員会", "学校法人さくら学園", "奈良市教育委員会"):
        assert sibling not in page.content()
    grounds = page.locator("section.assessment ul.grounds").inner_text()
    assert "施行規則43条" in grounds and "千人を超える" not in grounds
    assert "420" in page.locator("tr.chain td.persons").inner_text()
    _record_count(page, "京都市教育委員会", "380", "転出者を除いた数")
    assert "380" in page.locator("tr.chain td.persons").inner_text()
    timeline = page.locator("ol.timeline").inner_text()
    assert "privacy@kyoto-city.example" in timeline and "転出者を除いた数" in timeline
    log_out(page)

    log_in(page, live_server, "privacy@otsu-city.example", PASSWORD)
    page.click("nav >> text=事案")
    page.click("#incident-list >> text=制作担当者のノートPCの盗難")
    content = page.content()
    assert "京都市教育委員会" not in content and "転出者を除いた数" not in content and "380" not in page.locator(
        "tr.chain td.persons").inner_text()
    assert "大津市教育委員会" in page.locator("#party-table").inner_text()
