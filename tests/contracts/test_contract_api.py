"""The contract API: the same services, bearer tokens, JSON refusals naming the parameter."""

from __future__ import annotations

import io

import docx
from sqlalchemy import func, select

from contracts.assembly import assemble
from contracts.docx_render import render_docx
from contracts.models import Contract
from oversight.accounts.services import issue_token
from oversight.extensions import db
from tests.contracts.conftest import base_request
from tests.factories import gen_entrustment, gen_organisation, gen_user


def _auth(user) -> dict:
    _token, secret = issue_token(user, "contracts")
    return {"Authorization": f"Bearer {secret}"}


def _setup():
    sakura, toto = gen_organisation("さくら商事株式会社"), gen_organisation("株式会社東都システム")
    e = gen_entrustment(sakura, toto, data_set="会員データ", data_items=["name", "email"], person_count=500)
    return sakura, toto, e


def test_legal_records_parameters_generates_and_downloads_through_the_api(client):
    sakura, _toto, e = _setup()
    headers = _auth(gen_user(sakura, role="legal"))
    body = client.get(f"/api/v1/entrustments/{e.id}/contract", headers=headers).get_json()
    assert body["recorded"] is False and body["request"]["params"]["contractor_name"] == "株式会社東都システム"

    request = {**body["request"], "language": "bilingual"}
    request["params"] = {**request["params"], "notice_hours": 10000}
    refused = client.open(f"/api/v1/entrustments/{e.id}/contract", method="PUT", json=request, headers=headers)
    assert refused.status_code == 422
    assert "notice_hours" in refused.get_json()["errors"]["notice_hours"][0]
    assert db.session.scalar(select(func.count(Contract.id))) == 0

    request["params"]["notice_hours"] = 12
    saved = client.open(f"/api/v1/entrustments/{e.id}/contract", method="PUT", json=request, headers=headers)
    assert saved.status_code == 200 and saved.get_json()["recorded"] is True

    created = client.open(f"/api/v1/entrustments/{e.id}/contract/versions", method="POST", headers=headers)
    assert created.status_code == 201
    download = client.open(created.headers["Location"], headers=headers)
    assert download.status_code == 200
    texts = [p.text for p in docx.Document(io.BytesIO(download.get_data())).paragraphs]
    assert "Article 1 (Purpose)" in texts and any("12時間以内" in t for t in texts)

    gaps = client.get(f"/api/v1/entrustments/{e.id}/contract/gaps", headers=headers).get_json()
    # The contract falls short of nothing; the one gap is the contractor's missing selection review (issue 16).
    assert [g["code"] for g in gaps["gaps"]] == ["selection:none"]


def test_another_tenant_gets_404_from_the_api(client):
    _sakura, _toto, e = _setup()
    headers = _auth(gen_user(gen_organisation("他社"), role="legal"))
    assert client.get(f"/api/v1/entrustments/{e.id}/contract", headers=headers).status_code == 404
    assert client.open(f"/api/v1/entrustments/{e.id}/contract/versions", method="POST",
                       headers=headers).status_code == 404
    assert client.get("/api/v1/contract-gaps", headers=headers).get_json()["items"] == []
    assert client.get(f"/api/v1/contract-gaps?contractor_id={e.contractor_id}", headers=headers).status_code == 404
    assert client.get(f"/api/v1/entrustments/{e.id}/contract").status_code == 401


def test_an_existing_docx_can_be_checked_through_the_api(client):
    sakura, _toto, _e = _setup()
    headers = {**_auth(gen_user(sakura, role="legal")), "Content-Type": "application/octet-stream"}
    data = render_docx(assemble(base_request(params={"notice_hours": 72})))
    result = client.open("/api/v1/contract-checks", method="POST", data=data, headers=headers).get_json()
    assert result["notice_hours"] == 72 and result["gaps"][0]["code"] == "weak:notice_hours"
    assert result["notice_period"] == {"unit": "hours", "amount": 72, "phrase": "72時間以内", "label": "72時間以内"}
    seven_days = docx.Document()
    seven_days.add_paragraph("乙は、事故の発生を知ったときは、7日以内に甲に報告する。")
    buffer = io.BytesIO()
    seven_days.save(buffer)
    result = client.open("/api/v1/contract-checks", method="POST", data=buffer.getvalue(), headers=headers).get_json()
    assert result["notice_period"]["label"] == "7日以内（168時間相当）" and result["notice_hours"] == 168
    assert "weak:notice_days" in [g["code"] for g in result["gaps"]]
    refused = client.open("/api/v1/contract-checks", method="POST", data=b"nope", headers=headers)
    assert refused.status_code == 422 and "file" in refused.get_json()["errors"]
