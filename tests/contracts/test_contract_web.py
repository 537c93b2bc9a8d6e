"""Contracts as legal staff use them in the browser-less client: parameters, generation, download, gaps."""

from __future__ import annotations

import hashlib
import io
import re
from urllib.parse import unquote

import docx
from sqlalchemy import func, select

from contracts.assembly import assemble, load_library
from contracts.docx_render import DOCX_MIME, render_docx
from contracts.models import Contract, ContractVersion
from oversight.accounts.services import issue_token
from oversight.extensions import db
from oversight.trail import services as trail
from oversight.trail.models import TrailRecord
from tests.contracts.conftest import base_request
from tests.factories import PASSWORD, gen_entrustment, gen_organisation, gen_subcontract, gen_user
from tests.helpers import text_of


def _world():
    sakura = gen_organisation("さくら商事株式会社", address="東京都千代田区丸の内一丁目1番1号")
    toto = gen_organisation("株式会社東都システム", address="大阪府大阪市北区梅田二丁目2番2号")
    e = gen_entrustment(sakura, toto, data_set="会員データ", purpose="会員サポート窓口の運営",
                        data_items=["name", "address", "email"], person_count=12000,
                        includes_my_number=True, storage_country="US")
    other = gen_organisation("他社商事")
    other_e = gen_entrustment(other, gen_organisation("他社委託先"), data_set="他社データ")
    return sakura, toto, e, other, other_e


def _form(template="full", **params) -> dict:
    library = load_library()
    data = {"template": template, "form_template": template, "language": "ja", "layout": "stacked",
            "action": "save"}
    for cid in library.templates[template].clauses:
        data[f"include.{cid}"] = "on"
    data.update({f"p.{k}": v for k, v in params.items()})
    return data


def _contracts() -> int:
    return db.session.scalar(select(func.count(Contract.id)))


def test_legal_generates_a_bilingual_contract_for_an_entrustment_and_downloads_it(client):
    sakura, toto, e, _other, _ = _world()
    legal = gen_user(sakura, role="legal")
    client.login(legal.email, PASSWORD)

    page = client.get(f"/entrustments/{e.id}/contract")
    assert page.status_code == 200
    assert "株式会社東都システム" in page.get_data(as_text=True)
    form = _form(contract_date="2026-04-01", notice_hours="24", includes_my_number="on")
    form["language"] = "bilingual"
    saved = client.post(f"/entrustments/{e.id}/contract", form)
    assert saved.status_code == 302
    generated = client.post(f"/entrustments/{e.id}/contract/generate", {}, follow_redirects=True)
    assert generated.status_code == 200
    version = db.session.scalar(select(ContractVersion))
    assert version.number == 1 and version.language == "bilingual"
    assert f"/contracts/versions/{version.id}/download" in generated.get_data(as_text=True)

    download = client.open(f"/contracts/versions/{version.id}/download")
    assert download.status_code == 200
    assert download.mimetype == DOCX_MIME
    assert download.headers["Cache-Control"] == "no-store"
    disposition = download.headers["Content-Disposition"]
    assert "filename*=UTF-8''" in disposition
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == \
        "個人データの取扱いに関する業務委託契約書_株式会社東都システム_v1.docx"
    data = download.get_data()
    assert hashlib.sha256(data).hexdigest() == version.sha256
    texts = [p.text for p in docx.Document(io.BytesIO(data)).paragraphs]
    assert "第1条（目的）" in texts and "Article 1 (Purpose)" in texts
    assert "\u3000\u3000さくら商事株式会社" in texts and "\u3000\u3000株式会社東都システム" in texts
    assert "令和8年4月1日" in texts
    assert any("アメリカ合衆国に所在する" in t for t in texts)
    assert any("番号法第10条第1項" in t for t in texts)

    printable = client.get(f"/entrustments/{e.id}/contract/preview")
    assert printable.status_code == 200
    assert "第1条（目的）" in text_of(printable) and "Article 1 (Purpose)" in text_of(printable)

    actions = [r.action for r in db.session.scalars(select(TrailRecord).where(
        TrailRecord.object_type == "entrustment", TrailRecord.object_id == e.id).order_by(TrailRecord.seq))]
    assert actions[-2:] == ["contract_create", "contract_generate"]
    assert trail.verify().ok


def test_a_user_of_another_organisation_gets_404_everywhere(make_client):
    sakura, _toto, e, other, _ = _world()
    owner = make_client()
    owner.login(gen_user(sakura, role="legal").email, PASSWORD)
    owner.get(f"/entrustments/{e.id}/contract")
    owner.post(f"/entrustments/{e.id}/contract/generate", {})
    version = db.session.scalar(select(ContractVersion))

    stranger = make_client()
    stranger.login(gen_user(other, role="legal").email, PASSWORD)
    assert stranger.get(f"/entrustments/{e.id}/contract").status_code == 404
    assert stranger.get(f"/entrustments/{e.id}/contract/preview").status_code == 404
    assert stranger.open(f"/contracts/versions/{version.id}/download").status_code == 404
    stranger.get("/contracts")
    assert stranger.post(f"/entrustments/{e.id}/contract/generate", {}).status_code == 404
    assert stranger.post(f"/entrustments/{e.id}/contract", _form()).status_code == 404
    assert db.session.scalar(select(func.count(ContractVersion.id))) == 1
    assert "会員データ" not in stranger.get("/contracts").get_data(as_text=True)
    assert stranger.get(f"/contracts?contractor_id={e.contractor_id}").status_code == 404


def test_roles_without_the_contract_actions_are_refused(make_client):
    sakura, toto, e, _other, _ = _world()
    contractor = make_client()
    contractor.login(gen_user(toto, role="contractor_user").email, PASSWORD)
    assert contractor.get(f"/entrustments/{e.id}/contract").status_code == 403
    auditor = make_client()
    auditor.login(gen_user(sakura, role="auditor").email, PASSWORD)
    assert auditor.get(f"/entrustments/{e.id}/contract").status_code == 200
    assert auditor.post(f"/entrustments/{e.id}/contract/generate", {}).status_code == 403
    anonymous = make_client()
    assert "/login" in anonymous.get(f"/entrustments/{e.id}/contract").headers["Location"]


def test_the_contractor_side_cannot_draft_the_consignors_contract(make_client):
    _sakura, toto, e, _other, _ = _world()
    legal_of_contractor = make_client()
    legal_of_contractor.login(gen_user(toto, role="legal").email, PASSWORD)
    assert legal_of_contractor.get(f"/entrustments/{e.id}/contract").status_code == 200
    assert legal_of_contractor.post(f"/entrustments/{e.id}/contract/generate", {}).status_code == 403


def test_a_bad_notice_period_in_the_form_names_the_parameter_and_saves_nothing(client):
    sakura, _toto, e, _other, _ = _world()
    client.login(gen_user(sakura, role="legal").email, PASSWORD)
    client.get(f"/entrustments/{e.id}/contract")
    response = client.post(f"/entrustments/{e.id}/contract", _form(notice_hours="0"))
    assert response.status_code == 422
    expected = ("「事故の報告期限（知った時から・時間）」（notice_hours）："
                "1時間以上720時間以下で指定してください（指定値：0）")
    assert expected in text_of(response)
    assert 'data-field="notice_hours"' in response.get_data(as_text=True)
    assert _contracts() == 0
    response = client.post(f"/entrustments/{e.id}/contract", _form(notice_hours="10000"))
    assert response.status_code == 422 and "指定値：10,000" in text_of(response)
    assert _contracts() == 0 and db.session.scalar(select(func.count(ContractVersion.id))) == 0


def test_leaving_out_a_referenced_clause_in_the_form_is_explained(client):
    sakura, _toto, e, _other, _ = _world()
    client.login(gen_user(sakura, role="legal").email, PASSWORD)
    client.get(f"/entrustments/{e.id}/contract")
    form = _form()
    del form["include.damages"]
    response = client.post(f"/entrustments/{e.id}/contract", form)
    assert response.status_code == 422
    assert "この文書に含まれない条項「damages」を参照しています" in text_of(response)
    assert _contracts() == 0


def test_the_preview_shows_the_unsaved_parameters_without_saving(client):
    sakura, _toto, e, _other, _ = _world()
    client.login(gen_user(sakura, role="legal").email, PASSWORD)
    client.get(f"/entrustments/{e.id}/contract")
    form = _form(notice_hours="6")
    form["action"] = "preview"
    response = client.post(f"/entrustments/{e.id}/contract", form)
    assert response.status_code == 200
    assert "知った時から6時間以内" in text_of(response)
    assert _contracts() == 0


def test_the_portfolio_lists_weak_contracts_per_contractor_worst_first(client):
    sakura, toto, e, _other, _ = _world()
    sub = gen_subcontract(e, gen_organisation("株式会社みなと入力センター"))
    strong = gen_entrustment(sakura, gen_organisation("堅実データ株式会社"), data_set="堅実な委託",
                             data_items=["name"])
    legal = gen_user(sakura, role="legal")
    client.login(legal.email, PASSWORD)
    client.get(f"/entrustments/{e.id}/contract")
    weak = _form(notice_hours="72")
    del weak["include.forensic_cooperation"]
    assert client.post(f"/entrustments/{e.id}/contract", weak).status_code == 302
    assert client.post(f"/entrustments/{strong.id}/contract", _form()).status_code == 302

    page = client.get("/contracts")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    rows = re.findall(r'data-entrustment="(\d+)"', html)
    assert rows[0] in (str(e.id), str(sub.id))
    assert rows[-1] == str(strong.id)
    assert "事故の報告期限が72時間で、方針の上限（24時間）を超えています。" in text_of(page)
    assert "「事故調査への協力」の条項がありません。" in text_of(page)
    assert "契約が登録されていません" in text_of(page)  # the subcontract has none yet
    per_contractor = client.get(f"/contracts?contractor_id={toto.id}").get_data(as_text=True)
    assert "会員データ" in per_contractor and "堅実な委託" not in per_contractor


def test_an_uploaded_contract_without_the_notice_clause_is_flagged(client):
    sakura, _toto, _e, _other, _ = _world()
    client.login(gen_user(sakura, role="legal").email, PASSWORD)
    client.get("/contracts/check")
    library = load_library()
    clauses = [c for c in library.templates["full"].clauses
               if c not in ("incident_notice", "penalty", "termination", "subcontracting", "survival")]
    data = render_docx(assemble({**base_request(), "clauses": clauses}))
    response = client.post("/contracts/check", {"file": (io.BytesIO(data), "既存契約書.docx")},
                           content_type="multipart/form-data")
    assert response.status_code == 200
    page = text_of(response)
    assert "「事故発生時の報告期限」に当たる定めが見つかりません。" in page
    assert "これはキーワードによる簡易判定です" in page
    response = client.post("/contracts/check", {"file": (io.BytesIO(b"hello"), "note.txt")},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert 'data-field="file"' in response.get_data(as_text=True)


def test_an_uploaded_contract_with_a_period_in_business_days_says_what_was_found_and_why_it_is_weak(client):
    sakura, _toto, _e, _other, _ = _world()
    client.login(gen_user(sakura, role="legal").email, PASSWORD)
    client.get("/contracts/check")
    document = docx.Document()
    document.add_paragraph("乙は、個人データの漏えい事故が発生したことを知ったときは、3営業日以内に甲に報告しなければならない。")
    data = io.BytesIO()
    document.save(data)
    data.seek(0)
    page = text_of(client.post("/contracts/check", {"file": (data, "旧契約書.docx")},
                               content_type="multipart/form-data"))
    assert "読み取った事故の報告期限：3営業日以内（72時間以上。週末・祝日を挟むとさらに長くなります）。" in page
    assert "事故の報告期限が3営業日以内" in page and "方針の上限（24時間）を超え得ます" in page
    assert "「N営業日以内」" in page  # the caveat says which forms are read


def test_an_unapproved_subcontractor_without_a_contract_carries_its_flag_on_the_gap_pages(client):
    sakura, _toto, e, _other, _ = _world()
    hokuto = gen_subcontract(e, gen_organisation("有限会社北斗オペレーション"), approve=False, origin="audit",
                             data_set="会員データの入力作業")
    approved = gen_subcontract(e, gen_organisation("株式会社みなと入力センター"), data_set="承認済みの入力作業")
    client.login(gen_user(sakura, role="legal").email, PASSWORD)

    page = client.get("/contracts")
    html = page.get_data(as_text=True)
    rows = re.findall(r'<tr class="gap-row ([^"]*)" data-entrustment="(\d+)"', html)
    assert rows[0] == ("worst-high violation", str(hokuto.id))  # listed first, flagged
    assert [flags for flags, eid in rows if eid == str(approved.id)] == ["worst-high"]
    hokuto_row = html[html.index(f'data-entrustment="{hokuto.id}"'):]
    hokuto_row = re.sub(r"<[^>]+>", " ", hokuto_row[:hokuto_row.index("</tr>")])
    assert "無承認再委託" in hokuto_row and "契約が登録されていません" in hokuto_row
    assert "1 件の承認を得ていない再委託" in text_of(page)

    contract_page = text_of(client.get(f"/entrustments/{hokuto.id}/contract"))
    assert "無承認再委託：この再委託は最初の委託元の事前承認なく" in contract_page
    assert "無承認再委託" not in text_of(client.get(f"/entrustments/{approved.id}/contract"))

    headers = {"Authorization": f"Bearer {issue_token(gen_user(sakura, role='legal'), 'gaps')[1]}"}
    items = client.get("/api/v1/contract-gaps", headers=headers).get_json()["items"]
    assert (items[0]["entrustment_id"], items[0]["approval_state"], items[0]["violation"], items[0]["contract"]) == (
        hokuto.id, "unapproved", True, False)
    assert {i["entrustment_id"]: i["violation"] for i in items} == {e.id: False, hokuto.id: True, approved.id: False}
    one = client.get(f"/api/v1/entrustments/{hokuto.id}/contract/gaps", headers=headers).get_json()
    assert one["violation"] is True and one["approval_state"] == "unapproved"
