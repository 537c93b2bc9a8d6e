"""The incident story in a real browser: the vendor records a card-data leak it has already notified, sees that
it is exempt and that its consignor must report; the consignor finds the deadline on its board and records its
quick report; then the vendor learns more persons were affected and the timeline keeps the change."""


import pytest

from tests.browser.steps import log_in, log_out
from tests.factories import gen_entrustment, gen_organisation, gen_user

pytestmark = pytest.mark.browser


def test_vendor_records_a_leak_and_the_consignor_meets_its_deadline(page, live_server, release_database):
    shop, vendor = gen_organisation("さくら商事株式会社"), gen_organisation("株式会社東都システム")
    gen_entrustment(shop, vendor, data_set="会員データ", data_items=["name", "credit_card_number"])
    gen_user(vendor, role="contractor_user", email="staff@toto.example")
    gen_user(shop, role="incident_team", email="csirt@sakura.example")
    release_database()

    log_in(page, live_server, "staff@toto.example")
    page.click("nav >> text=事案")
    page.click("#new-incident")
    page.fill("#title", "会員サイトへの不正アクセス")
    page.select_option("#cause", "unauthorised_access")
    page.check("#item-name")
    page.check("#item-credit_card_number")
    page.fill("#max_persons", "-5")
    page.fill("#occurred_on", "2026-11-16")
    page.fill("#known_at", "2026-11-17T10:00")
    page.click("#open-incident")
    assert "本人の数は負の数にできません。" in page.inner_text("small.error[data-field='max_persons']")
    page.fill("#max_persons", "800")
    page.fill("#notified_consignor_at", "2026-11-17T15:00")
    page.click("#open-incident")
    assert "事案を登録しました。" in page.inner_text("main")
    main = page.inner_text("main")
    assert "報告対象" in main and "施行規則7条2号" in main and "施行規則7条3号" in main
    vendor_row = page.locator("#party-table tr[data-organisation='株式会社東都システム']")
    assert "免除：委託元へ通知済み" in vendor_row.inner_text()
    shop_row = page.locator("#party-table tr[data-organisation='さくら商事株式会社']")
    assert "報告義務あり" in shop_row.inner_text() and "2027年1月18日" in shop_row.inner_text()
    log_out(page)

    log_in(page, live_server, "csirt@sakura.example")
    page.click("nav >> text=事案")
    board = page.locator("#board").inner_text()
    assert "会員サイトへの不正アクセス" in board and "2026年11月22日" in board and "速報" in board
    page.click("#board >> text=会員サイトへの不正アクセス")
    party_id = page.locator("#party-table tr[data-organisation='さくら商事株式会社']").get_attribute("id")
    page.click(f"#record-{party_id.removeprefix('party-')}")
    page.fill(f"#at-{party_id.removeprefix('party-')}-quick_report", "2026-11-19T10:00")
    page.click(f"#save-{party_id.removeprefix('party-')}-quick_report")
    assert "記録しました。" in page.inner_text("main")
    assert "速報 2026-11-19 10:00 JST" in page.locator(f"#{party_id}").inner_text()
    assert page.locator("#facts-form").count() == 0  # the consignor cannot rewrite the vendor's facts
    page.click("nav >> text=事案")
    assert "2027年1月18日" in page.locator("#board").inner_text()  # now the final report is what is owed
    log_out(page)

    log_in(page, live_server, "staff@toto.example")
    page.click("nav >> text=事案")
    page.click("#incident-list >> text=会員サイトへの不正アクセス")
    page.fill("#max_persons", "1500")
    page.fill("#note", "調査の結果、対象者が増加")
    page.click("#save-facts")
    assert "事実関係を記録しました。" in page.inner_text("main")
    timeline = page.inner_text(".timeline")
    assert "調査の結果、対象者が増加" in timeline and "本人の数（最大）\t800 → 1,500" in timeline

