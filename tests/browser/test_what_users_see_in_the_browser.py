"""What each role of the demo reads, walked in Chromium (the what-users-see issue): readable timelines and trail,
labelled record forms defaulting to now in Japan time, dashboard cards that are links, forwarding that
acknowledges, the unapproved subcontractor flagged on the contract page, the outbox page, and no missing icon."""

import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from oversight import demo
from oversight.accounts.system import SystemActor
from oversight.extensions import db
from oversight.registry.models import Entrustment, Organisation
from tests.browser.steps import log_in, log_out

pytestmark = pytest.mark.browser
PASSWORD = demo.DEMO_PASSWORD
JST = ZoneInfo("Asia/Tokyo")
RAW = ("None", "False", "True", "{'", "['", "T00:", "+00:00")


@pytest.fixture
def demo_site(live_server, release_database):
    demo.load(SystemActor(name="demo"))
    release_database()
    return live_server


@pytest.fixture
def missing(page):
    """Every response of the walk that answered 404 (the favicon was one on every page)."""
    seen: list[str] = []
    page.on("response", lambda r: seen.append(r.url) if r.status == 404 else None)
    return seen


def _no_internals(text: str) -> None:
    assert not [raw for raw in RAW if raw in text], [raw for raw in RAW if raw in text]


def test_the_album_vendor_records_what_it_did_in_labelled_forms_and_reads_its_timeline(page, demo_site, missing):
    log_in(page, demo_site, "staff@photo-album.example", PASSWORD)
    page.click("nav >> text=事案")
    page.click("#incident-list >> text=制作担当者のノートPCの盗難")

    own = page.locator("details.record-block").first
    own.locator("summary").click()
    legends = own.locator("legend").all_inner_texts()
    assert any("速報" in legend for legend in legends) and any("確報" in legend for legend in legends)
    buttons = own.locator("button[type=submit]").all_inner_texts()
    assert buttons and set(buttons) == {"記録する"}
    quick = own.locator("input[name=at]").nth(2)
    default = datetime.fromisoformat(quick.input_value()).replace(tzinfo=JST)
    assert abs(datetime.now(JST) - default) < timedelta(minutes=5)  # now, in Japan time
    own.locator("form.record-form").nth(2).locator("button").click()
    assert "記録しました" in page.inner_text("main")

    timeline = page.locator("ol.timeline").inner_text()
    assert "盗難" in timeline and "氏名" in timeline  # the cause and the items as the vendor chose them
    assert "theft" not in timeline and "school_class" not in timeline and "high_grade_encryption" not in timeline
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日", timeline) or re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", timeline)
    _no_internals(timeline)

    # The 11-school page shows the assessment once where the schools agree, not once per school.
    assert page.locator("section.assessment").count() <= 3
    assert page.evaluate("document.body.scrollHeight") < 9_000

    # The data-item grid is wide enough that no label breaks (顔/写真, クレジット/カード下4桁).
    for code in ("photo", "credit_card_last4", "name"):
        label = page.locator(f"#data-items label:has(#item-{code})")
        if label.count():
            line = float(page.evaluate("e => parseFloat(getComputedStyle(e).lineHeight) || 24", label.element_handle()))
            assert label.bounding_box()["height"] < 2 * line, code
    assert missing == []


def test_a_public_school_reads_article_68_and_named_sources(page, demo_site):
    log_in(page, demo_site, "privacy@kyoto-city.example", PASSWORD)
    page.click("nav >> text=事案")
    page.click("#incident-list >> text=制作担当者のノートPCの盗難")
    headings = page.locator("section.assessment h2").all_inner_texts()
    assert headings and all("68条" in h for h in headings)
    main = page.inner_text("main")
    assert not re.search(r"(?<![\d条号])\b00[0-4]\b(?![\d条号])", main.replace("R0", ""))  # no bare reference numbers
    _no_internals(page.locator("ol.timeline").inner_text())


def test_the_privacy_office_dashboard_cards_are_links_and_stand_clear_of_the_table(page, demo_site, missing):
    log_in(page, demo_site, "privacy@sakura-hd.example", PASSWORD)
    table = page.locator("#notifications-waiting").bounding_box()
    cards = page.locator("div.cards").bounding_box()
    assert cards["y"] - (table["y"] + table["height"]) >= 8  # not touching
    page.click("#card-unapproved")
    page.wait_for_url(re.compile(r"#unapproved-section$"))
    page.click("#card-late-notifications")
    page.wait_for_url(re.compile(r"/notifications/breaches"))
    assert "会員向けダイレクトメール発送リスト" in page.inner_text("main")

    page.goto(f"{demo_site}/contracts")
    heading = page.locator("h2.contractor", has_text="有限会社北斗オペレーション")
    row = heading.locator("xpath=following-sibling::table[1]").locator("tr.gap-row").first
    assert "無承認再委託" in row.inner_text() and "なし" in row.inner_text()
    assert missing == []


def test_forwarding_a_subcontractors_notice_acknowledges_it(page, demo_site):
    from oversight.notifications import filing as notifications

    ufs = db.session.scalar(select(Organisation).where(Organisation.name.like("%ユーエフ%")))
    upward = db.session.scalar(select(Entrustment).where(Entrustment.contractor_id == ufs.id))
    filer = SystemActor(name="運用管理部", role="contractor_user", organisation_id=ufs.id)
    notice = notifications.file_new(filer, {
        "entrustment_id": upward.id, "title": "大阪センターでの誤送信",
        "facts": {"cause": "misdelivery", "data_items": ["name", "phone"], "max_persons": 12,
                  "occurred_on": (datetime.now(JST).date() - timedelta(days=1)).isoformat(),
                  "known_at": datetime.now(JST).replace(microsecond=0).isoformat()}})
    db.session.commit()
    notice_id = notice.id
    db.session.remove()

    log_in(page, demo_site, "staff@toto-system.example", PASSWORD)
    page.goto(f"{demo_site}/notifications/{notice_id}")
    assert "まだ" in page.inner_text("#acknowledgement") or "未" in page.inner_text("#acknowledgement")
    page.fill("#forward-message", "当社でも対象者を確認中。")
    page.click("#forward-button")
    page.goto(f"{demo_site}/notifications/{notice_id}")
    acknowledged = page.inner_text("#acknowledgement")
    assert "まだ" not in acknowledged and "渡辺 翔太" in acknowledged
    assert re.search(r"\d{4}", acknowledged)
    log_out(page)


def test_the_operator_reads_the_demo_mail_and_the_auditor_reads_the_trail(page, demo_site, missing):
    log_in(page, demo_site, "admin@oversight.example", PASSWORD)
    page.goto(f"{demo_site}/outbox")
    outbox = page.locator("#outbox").inner_text()
    assert "事故等の報告：株式会社はやぶさ物流" in outbox and "csirt@sakura-hd.example" in outbox
    page.locator("#outbox a", has_text="株式会社はやぶさ物流").first.click()
    mail = page.inner_text("main")
    assert "DMの誤封入" in mail and "csirt@sakura-hd.example" in mail and "送信待ち" in mail
    _no_internals(mail)
    log_out(page)

    log_in(page, demo_site, "audit@sakura-hd.example", PASSWORD)
    page.goto(f"{demo_site}/trail")
    trail = page.locator("#trail").inner_text()
    assert "incident_open" not in trail and "entrustment_create" not in trail
    _no_internals(trail)
    assert page.locator("#trail > tbody > tr").count() <= 100
    assert page.locator("#trail-older").count() == 1  # the demo has more than one page
    page.select_option("#object_type", "entrustment")
    page.click("form.filters button[type=submit]")
    kinds = {t.strip() for t in page.locator("#trail > tbody > tr > td:nth-child(5)").all_inner_texts()}
    assert kinds and all(k.startswith("委託") for k in kinds), kinds
    with page.expect_download() as download:
        page.click("#trail-export")
    csv_text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    header = csv_text.splitlines()[0]
    assert "ハッシュ" in header or "hash" in header.lower()
    assert page.evaluate("document.body.scrollHeight") < 12_000
    assert missing == []
