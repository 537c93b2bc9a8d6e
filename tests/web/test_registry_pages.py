"""The registry as its users see it in the browser-less client: forms, flags, chains, refusals."""

import re
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import event, func, select

from oversight.extensions import db
from oversight.registry import services as registry
from oversight.registry.models import Entrustment, Organisation
from oversight.timeutil import today_jst
from oversight.trail.models import TrailRecord
from tests.factories import (
    PASSWORD,
    SYSTEM,
    corporate_number,
    gen_chain,
    gen_entrustment,
    gen_organisation,
    gen_subcontract,
    gen_user,
)
from tests.helpers import WebClient, text_of


def _organisations_count() -> int:
    return db.session.scalar(select(func.count(Organisation.id)))


def test_the_privacy_office_registers_a_vendor_through_the_form(client):
    sakura = gen_organisation("さくら商事")
    client.login(gen_user(sakura, role="privacy_office").email, PASSWORD)
    number = corporate_number()
    response = client.post("/organisations/new", {
        "name": "株式会社東都システム", "name_kana": "トウトシステム", "corporate_number": number,
        "kind": "company", "status": "candidate", "report_authority": "ppc"}, follow_redirects=True)
    assert "組織「株式会社東都システム」を登録しました。" in text_of(response)
    assert db.session.scalar(select(Organisation).where(Organisation.corporate_number == number)) is not None


def test_a_wrong_check_digit_in_the_form_gets_a_clear_message_and_stores_nothing(client):
    client.login(gen_user(gen_organisation(), role="procurement").email, PASSWORD)
    before = _organisations_count()
    response = client.post("/organisations/new", {"name": "誤記株式会社", "corporate_number": "1000012050002",
                                                   "kind": "company", "status": "active",
                                                   "report_authority": "ppc"})
    assert response.status_code == 422
    assert "チェックデジット（先頭の1桁）が一致しません" in text_of(response)
    assert _organisations_count() == before


def test_a_form_posted_without_its_csrf_token_is_refused_and_changes_nothing(client):
    client.login(gen_user(gen_organisation(), role="privacy_office").email, PASSWORD)
    before = _organisations_count()
    response = client.post("/organisations/new", {"name": "CSRFなし株式会社", "kind": "company"}, csrf=False)
    assert response.status_code == 400
    assert "セキュリティトークン" in text_of(response)
    assert _organisations_count() == before


def test_the_unapproved_subcontractor_stands_out_everywhere_it_appears(client):
    orgs, chain = gen_chain(3, consignor=gen_organisation("さくら商事"))
    hokuto = gen_organisation("北斗オペレーション")
    found = gen_subcontract(chain[-1], hokuto, origin="audit")
    client.login(gen_user(orgs[0], role="privacy_office").email, PASSWORD)

    listing = client.get("/entrustments?flagged=1").get_data(as_text=True)
    assert "北斗オペレーション" in listing and 'class="violation"' in listing
    assert "無承認再委託" in text_of(client.get(f"/organisations/{orgs[0].id}/chain"))
    assert "無承認の再委託（1件）" in text_of(client.get(f"/organisations/{hokuto.id}"))
    assert "無承認再委託：この再委託は最初の委託元の事前承認なく" in text_of(client.get(f"/entrustments/{found.id}"))
    dashboard = client.get("/").get_data(as_text=True)
    assert 'id="unapproved"' in dashboard and "北斗オペレーション" in dashboard
    organisations = client.get("/organisations").get_data(as_text=True)
    assert "無承認再委託 × 1" in organisations


def test_a_contractor_proposes_and_the_original_consignor_approves_through_the_pages(make_client):
    sakura, toto = gen_organisation("さくら商事"), gen_organisation("東都システム")
    cloud = gen_organisation("クラウド")  # registered by someone else: toto names it by corporate number
    top = gen_entrustment(sakura, toto, person_count=5000)
    contractor = make_client()
    contractor.login(gen_user(toto, role="contractor_user").email, PASSWORD)
    assert contractor.get(f"/organisations/{cloud.id}").status_code == 404
    response = contractor.post(f"/entrustments/{top.id}/subcontracts/new", {
        "contractor_corporate_number": cloud.corporate_number, "contractor_name": "クラウド",
        "origin": "planned", "data_set": "バックアップ",
        "person_count": "5000", "storage_country": "JP", "subcontracting_terms": "prohibited"}, follow_redirects=True)
    assert "再委託先の承認を申請しました。" in text_of(response)
    proposal = db.session.scalar(select(Entrustment).where(Entrustment.contractor_id == cloud.id))
    assert proposal.status == "proposed"

    privacy = make_client()
    privacy.login(gen_user(sakura, role="privacy_office").email, PASSWORD)
    assert "バックアップ" in privacy.get("/").get_data(as_text=True)
    response = privacy.post(f"/entrustments/{proposal.id}/decision", {
        "decision": "approve", "conditions": "国内保管に限る", "scope": "氏名・電話番号"}, follow_redirects=True)
    assert "承認しました。" in text_of(response)
    db.session.refresh(proposal)
    assert proposal.status == "approved" and proposal.approval_conditions == "国内保管に限る"
    actions = db.session.scalars(select(TrailRecord.action).where(TrailRecord.object_id == proposal.id,
                                                                  TrailRecord.object_type == "entrustment")).all()
    assert actions == ["propose", "approve"]


def test_a_contractor_cannot_propose_more_persons_than_it_holds(client):
    sakura, toto, cloud = gen_organisation(), gen_organisation(), gen_organisation()
    top = gen_entrustment(sakura, toto, person_count=100)
    client.login(gen_user(toto, role="contractor_user").email, PASSWORD)
    response = client.post(f"/entrustments/{top.id}/subcontracts/new", {
        "contractor_corporate_number": cloud.corporate_number, "origin": "planned", "data_set": "x",
        "person_count": "101",
        "storage_country": "JP", "subcontracting_terms": "prior_approval"})
    assert response.status_code == 422
    assert "元の委託（100人）を超えています" in text_of(response)


def test_a_vendor_serving_two_consignors_shows_each_only_its_own_relationship(make_client):
    school_a, school_b = gen_organisation("A市教育委員会"), gen_organisation("B市教育委員会")
    album = gen_organisation("アルバム工房")
    own = gen_entrustment(school_a, album, data_set="A市 卒業アルバム")
    sibling = gen_entrustment(school_b, album, data_set="B市 卒業アルバム")
    client = make_client()
    client.login(gen_user(school_a, role="privacy_office").email, PASSWORD)
    assert client.get(f"/entrustments/{own.id}").status_code == 200
    assert client.get(f"/entrustments/{sibling.id}").status_code == 404
    assert "B市" not in client.get(f"/organisations/{album.id}/chain?direction=up").get_data(as_text=True)
    vendor = make_client()
    vendor.login(gen_user(album, role="contractor_user").email, PASSWORD)
    upward = text_of(vendor.get(f"/organisations/{album.id}/chain?direction=up"))
    assert "A市教育委員会" in upward and "B市教育委員会" in upward


def test_logging_out_ends_the_session_even_for_a_copied_cookie(app, client):
    user = gen_user(gen_organisation(), role="viewer")
    client.login(user.email, PASSWORD)
    stolen = WebClient(app.test_client())
    for cookie in client.client._cookies.values():
        stolen.client.set_cookie(cookie.key, cookie.value, domain=cookie.domain)
    assert stolen.get("/organisations").status_code == 200
    client.post("/logout")
    assert stolen.get("/organisations").status_code == 302


@contextmanager
def count_queries():
    statements = []

    def before(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


def test_the_organisation_list_runs_the_same_number_of_queries_for_5_or_50_rows(app, client, monkeypatch):
    admin = gen_user(None, role="admin")
    for n in range(60):
        org = gen_organisation(f"委託先{n:02d}")
        registry.add_certification(SYSTEM, org.id, {"scheme": "pmark", "expires_on": "2027-01-31"})
        registry.add_contact(SYSTEM, org.id, {"name": "窓口", "role": "general"})
    client.login(admin.email, PASSWORD)
    monkeypatch.setitem(app.config, "PAGE_SIZE", 5)
    with count_queries() as small:
        shown = client.get("/organisations")
        assert shown.status_code == 200 and len(re.findall(r"委託先\d\d", text_of(shown))) == 5
    monkeypatch.setitem(app.config, "PAGE_SIZE", 50)
    with count_queries() as large:
        shown = client.get("/organisations")
        assert shown.status_code == 200 and len(re.findall(r"委託先\d\d", text_of(shown))) == 50
    assert len(small) == len(large), (len(small), len(large))
    assert len(large) <= 12


def test_disabling_a_user_ends_their_session_at_once(make_client):
    org = gen_organisation()
    staff = gen_user(org, role="viewer")
    session = make_client()
    session.login(staff.email, PASSWORD)
    assert session.get("/organisations").status_code == 200
    admin = make_client()
    admin.login(gen_user(None, role="admin").email, PASSWORD)
    response = admin.post(f"/users/{staff.id}/disable", follow_redirects=True)
    assert "セッションは終了しました" in text_of(response)
    assert session.get("/organisations").status_code == 302
    assert session.login(staff.email, PASSWORD).status_code == 401


def test_the_organisation_page_shows_the_companys_identity_its_own_information_and_our_record_apart(make_client):
    sakura, album = gen_organisation("さくら商事"), gen_organisation("フォトアルバム工房")
    gen_entrustment(sakura, album)
    registry.add_contact(gen_user(album, role="contractor_user"), album.id, {
        "role": "incident", "name": "アルバムCSIRT", "email": "csirt@album.example", "phone": "075-111-1111"})
    client = make_client()
    client.login(gen_user(sakura, role="privacy_office").email, PASSWORD)
    client.post(f"/organisations/{album.id}/contacts", {"contact-name": "営業 西田", "contact-role": "contract"})
    client.post(f"/organisations/{album.id}/edit", {"status": "candidate", "notes": "点検で指摘あり"})

    page = client.get(f"/organisations/{album.id}").get_data(as_text=True)
    sections = {name: text_of_section(page, name) for name in ("identity", "profile", "record")}
    assert "会社の基本情報" in sections["identity"] and album.corporate_number in sections["identity"]
    assert "会社の情報" in sections["profile"] and "アルバムCSIRT" in sections["profile"]
    assert "営業 西田" not in sections["profile"]
    assert "当社の記録" in sections["record"] and "営業 西田" in sections["record"]
    assert "点検で指摘あり" in sections["record"] and "選定中" in sections["record"]
    own = make_client()
    own.login(gen_user(album, role="contractor_user").email, PASSWORD)
    own_page = own.get(f"/organisations/{album.id}").get_data(as_text=True)
    assert "アルバムCSIRT" in own_page and "営業 西田" not in own_page and "点検で指摘あり" not in own_page


def text_of_section(html: str, section_id: str) -> str:
    start = html.index(f'<section id="{section_id}">')
    return html[start:html.index("</section>", start)]


def test_a_name_with_html_is_shown_as_text_and_invisible_direction_characters_are_refused(client):
    sakura = gen_organisation("さくら商事")
    client.login(gen_user(sakura, role="privacy_office").email, PASSWORD)
    shown = client.post("/organisations/new", {"name": "<b>太字</b>商事", "kind": "company",
                                               "report_authority": "ppc", "status": "active"},
                        follow_redirects=True).get_data(as_text=True)
    assert "&lt;b&gt;太字&lt;/b&gt;商事" in shown and "<b>太字</b>" not in shown
    for name in ("請求書\u202excod.exe", "名前\t株式会社", "二行\n株式会社", "ゼロ\u200b幅"):
        before = _organisations_count()
        refused = client.post("/organisations/new", {"name": name, "kind": "company", "report_authority": "ppc",
                                                     "status": "active"})
        assert refused.status_code == 422, name
        assert _organisations_count() == before


def test_a_vendor_page_and_list_count_only_the_unapproved_subcontracts_their_reader_may_see(client):
    vendor = gen_organisation("北斗オペレーション")
    own, own_contractor = gen_organisation("自社"), gen_organisation("自社の委託先")
    gen_subcontract(gen_entrustment(own, own_contractor), vendor)
    gen_subcontract(gen_entrustment(gen_organisation("他社"), gen_organisation("他社の委託先")), vendor, origin="audit")
    client.login(gen_user(own, role="privacy_office").email, PASSWORD)

    assert 'id="org-violation"' not in client.get(f"/organisations/{vendor.id}").get_data(as_text=True)
    assert "無承認再委託 ×" not in client.get("/organisations").get_data(as_text=True)


def test_the_expiry_warning_window_is_the_configured_number_of_days_everywhere(app, client, monkeypatch):
    sakura = gen_organisation("さくら商事")
    in_60_days = (today_jst() + timedelta(days=60)).isoformat()
    tohto = gen_organisation("東都システム")
    registry.add_certification(SYSTEM, tohto.id, {"scheme": "pmark", "expires_on": in_60_days})
    client.login(gen_user(None, role="admin").email, PASSWORD)
    assert "東都システム" in text_of(client.get("/organisations?certification=expiring"))
    assert "cert-expiring" in client.get("/organisations").get_data(as_text=True)
    monkeypatch.setitem(app.config, "CERT_EXPIRY_WARNING_DAYS", 30)
    listed = text_of(client.get("/organisations?certification=expiring"))
    assert "30日以内に期限" in listed and "東都システム" not in listed
    page = client.get("/organisations").get_data(as_text=True)
    assert "cert-valid" in page and "cert-expiring" not in page
    client.login(gen_user(sakura, role="admin").email, PASSWORD)
    assert "30日以内に期限を迎える認証" in text_of(client.get("/"))
