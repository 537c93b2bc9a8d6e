"""Entrustments and subcontracting approval through the JSON API, and who may see which part of a chain."""


from oversight.registry import services as registry
from tests.factories import SYSTEM, gen_chain, gen_entrustment, gen_organisation, gen_subcontract, gen_user

ENTRUSTMENTS = "/api/v1/entrustments"
ORGS = "/api/v1/organisations"


def test_a_subcontractor_is_proposed_by_the_contractor_approved_by_the_consignor_and_activated(api_as):
    bank = gen_organisation("あおば銀行")
    bank_api = api_as(gen_user(bank, role="privacy_office"))
    bpo = bank_api.post(ORGS, json={"name": "BPOサービス"}).get_json()
    bpo_api = api_as(gen_user(registry.get_organisation(SYSTEM, bpo["id"]), role="privacy_office"))
    top = bank_api.post(ENTRUSTMENTS, json={
        "consignor_id": bank.id, "contractor_id": bpo["id"], "data_set": "顧客データ", "person_count": 5000,
        "data_items": ["name", "address"], "start_on": "2026-04-01",
        "override_reason": "既存の委託（選定審査は導入前に紙で実施）"}).get_json()
    assert (top["approval_state"], top["status"], top["consignor_name"]) == ("direct", "active", "あおば銀行")
    printer = bpo_api.post(ORGS, json={"name": "宛名印刷株式会社"}).get_json()

    proposed = bpo_api.post(f"{ENTRUSTMENTS}/{top['id']}/subcontracts", json={
        "contractor_id": printer["id"], "data_set": "宛名印刷", "person_count": 5000})
    assert proposed.status_code == 201
    sub = proposed.get_json()
    assert proposed.headers["Location"] == f"{ENTRUSTMENTS}/{sub['id']}"
    assert (sub["parent_id"], sub["consignor_id"], sub["contractor_name"]) == (top["id"], bpo["id"], "宛名印刷株式会社")
    assert (sub["status"], sub["origin"], sub["approval_state"], sub["violation"]) == \
        ("proposed", "planned", "pending", False)

    assert bpo_api.post(f"{ENTRUSTMENTS}/{sub['id']}/approve").status_code == 403
    approved = bank_api.post(f"{ENTRUSTMENTS}/{sub['id']}/approve",
                             json={"conditions": "ISMS認証の維持", "scope": "氏名・住所のみ"})
    assert approved.status_code == 200
    assert (approved.get_json()["status"], approved.get_json()["approval_state"]) == ("approved", "approved")
    assert approved.get_json()["approval_conditions"] == "ISMS認証の維持"

    active = bank_api.post(f"{ENTRUSTMENTS}/{sub['id']}/activate")
    assert active.status_code == 200 and active.get_json()["status"] == "active"
    assert bank_api.get(f"{ENTRUSTMENTS}/{sub['id']}").get_json()["upstream_settled"] is True


def test_posting_an_entrustment_with_a_parent_id_proposes_a_subcontract(api_as):
    bank, bpo, printer = gen_organisation(), gen_organisation(), gen_organisation()
    top = gen_entrustment(bank, bpo)
    admin = api_as(gen_user(role="admin"))

    proposal = admin.post(ENTRUSTMENTS, json={"parent_id": top.id, "contractor_id": printer.id, "data_set": "印刷"})

    assert proposal.status_code == 201
    assert (proposal.get_json()["consignor_id"], proposal.get_json()["status"]) == (bpo.id, "proposed")


def test_a_subcontract_found_in_an_audit_is_flagged_as_an_unapproved_violation(api_as):
    orgs, chain = gen_chain(2)
    top_consignor = orgs[0]
    office = api_as(gen_user(top_consignor, role="privacy_office"))
    auditor = api_as(gen_user(top_consignor, role="auditor"))
    hidden = office.post(ORGS, json={"name": "北斗オペレーション"}).get_json()

    found = auditor.post(f"{ENTRUSTMENTS}/{chain[-1].id}/subcontracts", json={
        "contractor_id": hidden["id"], "data_set": "コールセンター業務", "origin": "audit"})

    assert found.status_code == 201
    body = found.get_json()
    assert (body["status"], body["origin"], body["approval_state"], body["violation"]) == \
        ("active", "audit", "unapproved", True)
    assert body["upstream_settled"] is True
    flagged = auditor.get(ENTRUSTMENTS, query_string={"flagged": "true"}).get_json()
    assert [e["id"] for e in flagged["items"]] == [body["id"]]
    assert auditor.get(ENTRUSTMENTS, query_string={"flagged": "false"}).get_json()["total"] == 3


def test_a_contractor_token_cannot_read_a_sibling_consignors_entrustment(api_as):
    city, bank, vendor, printer = (gen_organisation(name) for name in ("市役所", "銀行", "委託先", "印刷会社"))
    for_city, for_bank = gen_entrustment(city, vendor), gen_entrustment(bank, vendor)
    printing = gen_subcontract(for_city, printer)
    printer_api = api_as(gen_user(printer, role="contractor_user"))
    city_api = api_as(gen_user(city, role="privacy_office"))

    for client in (printer_api, city_api):
        assert client.get(f"{ENTRUSTMENTS}/{for_bank.id}").status_code == 404
        assert client.get(f"{ORGS}/{bank.id}").status_code == 404
        assert for_bank.id not in {e["id"] for e in client.get(ENTRUSTMENTS).get_json()["items"]}
    assert {e["id"] for e in printer_api.get(ENTRUSTMENTS).get_json()["items"]} == {printing.id}
    by_vendor = city_api.get(ENTRUSTMENTS, query_string={"organisation_id": vendor.id}).get_json()
    assert {e["id"] for e in by_vendor["items"]} == {for_city.id, printing.id}
    refused = city_api.post(f"{ENTRUSTMENTS}/{for_bank.id}/terminate")
    assert refused.status_code == 404 and refused.get_json()["code"] == "not_found"
    assert api_as(gen_user(bank, role="viewer")).get(f"{ENTRUSTMENTS}/{for_bank.id}").get_json()["status"] == "active"


def test_the_chain_up_of_a_vendor_serving_many_schools_has_one_path_per_holding(api_as):
    album, printer = gen_organisation("卒業アルバム制作会社"), gen_organisation("印刷会社")
    schools = set()
    for n in range(24):
        school = gen_organisation(f"第{n + 1}小学校設置者", kind="public_body")
        schools.add(school.id)
        top = gen_entrustment(school, album, person_count=120)
        if n % 4 == 0:
            gen_subcontract(top, printer)
    admin = api_as(gen_user(role="admin"))

    album_up = admin.get(f"{ORGS}/{album.id}/chain/up").get_json()
    assert {path[0]["consignor"]["id"] for path in album_up["paths"]} == schools
    printer_up = admin.get(f"{ORGS}/{printer.id}/chain/up").get_json()
    assert len(printer_up["paths"]) == 6
    for path in printer_up["paths"]:
        assert [link["depth"] for link in path] == [0, 1]
        assert path[0]["consignor"]["id"] in schools and path[0]["contractor"]["name"] == "卒業アルバム制作会社"
        assert path[-1]["contractor"] == {"id": printer.id, "name": "印刷会社"}
        assert path[-1]["approval_state"] == "approved" and path[-1]["settled"] is True

    # The printer's own staff see the part of each path their visibility covers: from the album maker down.
    own_up = api_as(gen_user(printer, role="contractor_user")).get(f"{ORGS}/{printer.id}/chain/up").get_json()
    assert [[link["consignor"]["id"] for link in path] for path in own_up["paths"]] == [[album.id]] * 6


def test_the_chain_down_is_a_nested_tree_with_a_state_on_every_link(api_as):
    orgs, chain = gen_chain(3)
    gen_subcontract(chain[0], gen_organisation("無承認先"), origin="declared_late")
    client = api_as(gen_user(orgs[0], role="privacy_office"))

    down = client.get(f"{ORGS}/{orgs[0].id}/chain/down").get_json()

    assert down["organisation_id"] == orgs[0].id
    [root] = down["roots"]
    assert (root["entrustment_id"], root["approval_state"], root["depth"]) == (chain[0].id, "direct", 0)
    approved, late = root["children"]
    assert (approved["approval_state"], late["approval_state"], late["violation"]) == ("approved", "unapproved", True)
    [bottom] = approved["children"]
    assert bottom["contractor"]["id"] == orgs[3].id and bottom["depth"] == 2 and bottom["children"] == []


def test_a_rejection_needs_a_reason_in_text(api_as):
    bank, bpo, printer = gen_organisation(), gen_organisation(), gen_organisation()
    sub = gen_subcontract(gen_entrustment(bank, bpo), printer, approve=False)
    bank_api = api_as(gen_user(bank, role="privacy_office"))
    url = f"{ENTRUSTMENTS}/{sub.id}/reject"

    assert bank_api.post(url).get_json()["errors"].keys() == {"reason"}
    assert bank_api.post(url, json={"reason": ["ISMS"]}).get_json()["errors"].keys() == {"reason"}
    rejected = bank_api.post(url, json={"reason": "ISMS未取得のため"}).get_json()
    assert (rejected["status"], rejected["approval_state"], rejected["rejection_reason"]) == \
        ("rejected", "rejected", "ISMS未取得のため")


def test_patch_changes_the_terms_but_never_the_parties(api_as):
    bank, bpo, other = gen_organisation(), gen_organisation(), gen_organisation()
    top = gen_entrustment(bank, bpo)
    client = api_as(gen_user(bank, role="privacy_office"))
    url = f"{ENTRUSTMENTS}/{top.id}"

    changed = client.patch(url, json={"subcontracting_terms": "prohibited", "person_count": "12,000"})
    assert changed.status_code == 200
    assert (changed.get_json()["subcontracting_terms"], changed.get_json()["person_count"]) == ("prohibited", 12000)

    refused = client.patch(url, json={"contractor_id": other.id, "purpose": "変更"})
    assert refused.status_code == 422 and list(refused.get_json()["errors"]) == ["contractor_id"]
    assert client.get(url).get_json()["contractor_id"] == bpo.id and client.get(url).get_json()["purpose"] == ""


def test_an_entrustment_is_terminated_only_after_its_subcontracts(api_as):
    orgs, chain = gen_chain(2)
    client = api_as(gen_user(orgs[0], role="privacy_office"))

    refused = client.post(f"{ENTRUSTMENTS}/{chain[0].id}/terminate")
    assert refused.status_code == 422 and "status" in refused.get_json()["errors"]

    assert client.post(f"{ENTRUSTMENTS}/{chain[1].id}/terminate").get_json()["status"] == "terminated"
    assert client.post(f"{ENTRUSTMENTS}/{chain[0].id}/terminate").get_json()["status"] == "terminated"


def test_a_rejection_reason_with_a_control_character_is_refused_like_any_other_text(api_as):
    bank, bpo, printer = gen_organisation(), gen_organisation(), gen_organisation()
    sub = gen_subcontract(gen_entrustment(bank, bpo), printer, approve=False)
    bank_api = api_as(gen_user(bank, role="privacy_office"))

    refused = bank_api.post(f"{ENTRUSTMENTS}/{sub.id}/reject", json={"reason": "未取得\u0000"})

    assert refused.status_code == 422 and list(refused.get_json()["errors"]) == ["reason"]
