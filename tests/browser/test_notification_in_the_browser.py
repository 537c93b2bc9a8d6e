"""The contractor-portal story in a real browser: UFサポート files a suspected leak with its first findings, 東都
acknowledges it and passes it up with its own additions, さくら's incident team gets the e-mail, follows its link,
opens the incident and sees its own deadlines and the exemption of both lower tiers, each with its receipt."""

import re
import subprocess

import pytest

from oversight.extensions import db
from oversight.incidents.models import Incident
from oversight.notifications.models import Notification
from oversight.outbox import services as outbox
from oversight.templating import format_date
from tests.browser.steps import log_in, log_out
from tests.contracts.office import office_tools
from tests.factories import contract_with_notice_hours

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def test_a_suspected_leak_climbs_the_chain_and_the_consignor_sees_its_deadlines(
        page, live_server, release_database, chain, smtp_server, app, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "BASE_URL", live_server)
    contract_with_notice_hours(chain.call_centre, 12)
    call_centre, sakura = chain.call_centre.id, chain.sakura.id
    release_database()

    # UFサポート files from its engagement, with a first report attached.
    log_in(page, live_server, "staff@uf.example")
    page.click("#nav-notifications")
    page.click(f"#notify-{call_centre}")
    assert page.inner_text("#recipient") == "株式会社東都システム"
    page.fill("#title", "大阪センター端末の不審通信")
    page.select_option("#certainty", "suspected")
    page.select_option("#cause", "unauthorised_access")
    page.check("#item-name")
    page.check("#item-phone")
    page.fill("#known_at", page.evaluate("() => new Date(Date.now() - 3600e3 + 9 * 3600e3).toISOString().slice(0, 16)"))
    page.fill("#message", "端末をネットワークから切り離し、ログを保全した。")
    page.set_input_files("#attachments", {"name": "初動報告.pdf", "mimeType": "application/pdf", "buffer": PDF})
    page.click("#file-notification")
    assert "提出しました。受付番号" in page.inner_text("main")
    first_number = page.inner_text("#receipt-number")
    assert "期限内" in page.inner_text("#contract-clock")  # filed within the subcontract's 12 hours
    with page.expect_download() as download:
        page.click("#download-receipt")
    receipt = tmp_path / "receipt.pdf"
    download.value.save_as(receipt)
    _soffice, pdftotext = office_tools()
    text = "".join(subprocess.run([pdftotext, "-enc", "UTF-8", str(receipt), "-"], capture_output=True,
                                  check=True).stdout.decode().split())
    assert first_number in text and "事故等報告受領証" in text
    log_out(page)

    # 東都 finds it on its dashboard, acknowledges it and forwards it to さくら with its additions.
    log_in(page, live_server, "staff@toto.example")
    assert first_number in page.inner_text("#notifications-waiting")
    page.click(f"#notifications-waiting >> text={first_number}")
    page.click("#acknowledge")
    assert "受領を確認しました" in page.inner_text("main")
    assert page.inner_text("#forward-to") == "さくら商事株式会社"
    page.fill("#forward-message", "東都の問合せ管理システムでも同時刻の不審ログを確認中。")
    page.click("#forward-button")
    assert "さくら商事株式会社へ報告しました" in page.inner_text("main")
    top_number = page.inner_text("#receipt-number")
    path = page.inner_text("#path-table")
    assert first_number in path and top_number in path
    log_out(page)

    # さくら's incident contact and incident-team user receive the mail; its link leads to the notification.
    outbox.deliver_due()
    release_database()
    [(envelope, mail)] = [(e, m) for e, m in zip(smtp_server.envelopes, smtp_server.messages, strict=True)
                          if top_number in m["Subject"]]
    assert {"csirt@sakura.example", "csirt-user@sakura.example"} <= set(envelope.rcpt_tos)
    link = re.search(r"https?://\S+/notifications/\d+", mail.get_content()).group(0)

    log_in(page, live_server, "csirt-user@sakura.example")
    page.goto(link)
    path = page.inner_text("#path-table")
    assert "UFサポート株式会社" in path and first_number in path and top_number in path
    assert "東都の問合せ管理システムでも同時刻の不審ログを確認中。" in page.inner_text("#message")
    page.click("#open-incident")
    uf_row = page.locator("#party-table tr[data-organisation='UFサポート株式会社']").inner_text()
    toto_row = page.locator("#party-table tr[data-organisation='株式会社東都システム']").inner_text()
    sakura_row = page.locator("#party-table tr[data-organisation='さくら商事株式会社']").inner_text()
    assert "免除：委託元へ通知済み" in uf_row and first_number in uf_row
    assert "免除：委託元へ通知済み" in toto_row and top_number in toto_row
    db.session.expire_all()
    top = db.session.query(Notification).filter_by(recipient_id=sakura).one()
    party = db.session.get(Incident, top.incident_id).party_for(sakura)
    assert party.must_report and party.known_at == top.filed_at
    assert "報告義務あり" in sakura_row
    assert format_date(party.quick_from) in sakura_row and format_date(party.final_due) in sakura_row
    release_database()
    notices = page.inner_text("#notice-table")
    assert first_number in notices and top_number in notices
    log_out(page)
