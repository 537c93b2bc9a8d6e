"""The foundation's story in a real browser: register a vendor, propose and approve a subcontractor, see the
chain, and a contractor who cannot open a sibling consignor's entrustment."""


import pytest

from tests.browser.steps import log_in, log_out
from tests.factories import corporate_number, gen_entrustment, gen_organisation, gen_user

pytestmark = pytest.mark.browser


def test_register_propose_approve_and_see_the_chain(page, live_server, release_database, tmp_path):
    sakura = gen_organisation("さくら商事ホールディングス株式会社")
    toto = gen_organisation("株式会社東都システムサービス")
    hanamaru = gen_organisation("はなまる銀行")
    other_vendor = gen_organisation("他社ベンダー株式会社")
    members = gen_entrustment(sakura, toto, data_set="ポイント会員の問合せ対応データ", person_count=1_380_000)
    sibling = gen_entrustment(hanamaru, other_vendor, data_set="はなまる銀行 顧客データ")
    gen_user(sakura, role="privacy_office", email="privacy@sakura.example")
    gen_user(toto, role="contractor_user", email="staff@toto.example")
    new_number = corporate_number()
    ids = {"members": members.id, "sibling": sibling.id, "sakura": sakura.id}
    release_database()

    log_in(page, live_server, "privacy@sakura.example")
    page.click("text=組織")
    page.click("#new-organisation")
    page.fill("#name", "株式会社クラウド保管")
    page.fill("#name_kana", "クラウドホカン")
    page.fill("#corporate_number", "1" + new_number[1:] if new_number[0] != "1" else "2" + new_number[1:])
    page.click("#save-organisation")
    assert "チェックデジット（先頭の1桁）が一致しません" in page.inner_text("main")
    page.fill("#corporate_number", new_number)
    page.click("#save-organisation")
    assert "組織「株式会社クラウド保管」を登録しました。" in page.inner_text("main")
    log_out(page)

    log_in(page, live_server, "staff@toto.example")
    page.goto(f"{live_server}/entrustments/{ids['members']}")
    page.click("#propose-subcontractor")
    page.fill("#contractor_corporate_number", new_number)
    page.fill("#contractor_name", "株式会社クラウド保管")
    page.fill("#data_set", "問合せ録音データのバックアップ")
    page.fill("#person_count", "1380000")
    page.click("#save-entrustment")
    assert "再委託先の承認を申請しました。" in page.inner_text("main")
    assert "承認待ち" in page.inner_text("main")
    page.goto(f"{live_server}/entrustments/{ids['sibling']}")
    assert "委託が見つかりません。" in page.inner_text("main")
    assert "はなまる銀行 顧客データ" not in page.content()
    log_out(page)

    log_in(page, live_server, "privacy@sakura.example")
    page.click("#pending >> text=問合せ録音データのバックアップ")
    page.select_option("#decision", "approve")
    page.fill("#conditions", "国内のデータセンターに限る")
    page.click("#submit-decision")
    assert "承認しました。" in page.inner_text("main")
    page.goto(f"{live_server}/organisations/{ids['sakura']}/chain")
    tree = page.inner_text("#chain-tree")
    assert "株式会社東都システムサービス" in tree and "株式会社クラウド保管" in tree
    assert "承認済み" in tree
    page.screenshot(path=str(tmp_path / "chain.png"), full_page=True)
