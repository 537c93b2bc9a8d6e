"""Organisations through the JSON API, as a client sees them: create, list, filter, page, read, change, delete."""

from oversight.registry import services as registry
from tests.factories import (
    SYSTEM,
    corporate_number,
    gen_entrustment,
    gen_organisation,
    gen_subcontract,
    gen_user,
)

ORGS = "/api/v1/organisations"


def test_a_privacy_officer_registers_a_vendor_and_reads_it_back_from_its_location(api_as):
    consignor = gen_organisation("委託元銀行")
    client = api_as(gen_user(consignor, role="privacy_office"))
    number = corporate_number()

    created = client.post(ORGS, json={
        "name": "データ入力株式会社", "name_kana": "データニュウリョク", "corporate_number": number, "record": {
            "contacts": [{"role": "incident", "name": "山田", "email": "sirt@example.jp", "phone": "03-1234-5678",
                          "available_24_7": True}],
            "certifications": [{"scheme": "pmark", "number": "10820001", "expires_on": "2027-03-31",
                                "verified_on": "2026-11-02"}]},
    })

    assert created.status_code == 201
    body = created.get_json()
    assert created.headers["Location"] == f"{ORGS}/{body['id']}"
    assert body["corporate_number"] == number and body["kind"] == "company"
    assert body["profile"] is None  # the company's own: it holds no data of this consignor's yet
    record = body["record"]
    assert record["status"] == "active"
    assert record["contacts"][0]["role"] == "incident" and record["contacts"][0]["available_24_7"] is True
    assert record["certifications"][0] == {
        "id": record["certifications"][0]["id"], "scheme": "pmark", "number": "10820001", "scope": "",
        "expires_on": "2027-03-31", "verified_on": "2026-11-02", "verified_by": record["certifications"][0][
            "verified_by"]}
    assert client.get(created.headers["Location"]).get_json() == body


def test_a_wrong_check_digit_is_refused_per_field_and_nothing_is_stored(api_as):
    client = api_as(gen_user(role="admin"))

    refused = client.post(ORGS, json={"name": "誤記株式会社", "corporate_number": "1000012050002"})

    assert refused.status_code == 422
    body = refused.get_json()
    assert body["code"] == "validation_failed" and body["message"]
    assert list(body["errors"]) == ["corporate_number"]
    assert client.get(ORGS).get_json()["total"] == 0


def test_a_broken_contact_is_reported_at_its_position_in_the_list(api_as):
    client = api_as(gen_user(role="admin"))

    refused = client.post(ORGS, json={"name": "窓口不備株式会社", "profile": {"contacts": [
        {"name": "佐藤", "email": "sato@example.jp"}, {"name": "鈴木", "email": "not an address"}]}})

    assert refused.status_code == 422
    assert "profile.contacts[1].email" in refused.get_json()["errors"]


def test_the_list_filters_by_kind_text_and_certification_and_pages(api_as):
    client = api_as(gen_user(role="admin"))
    for n in range(5):
        gen_organisation(f"印刷会社{n}", name_kana=f"インサツ{n}")
    gen_organisation("札幌市", name_kana="サッポロシ", kind="public_body")
    certified = gen_organisation("認証会社", name_kana="ニンショウ",
                                 certifications=[{"scheme": "iso27001", "expires_on": "2099-12-31"}])

    public = client.get(ORGS, query_string={"kind": "public_body"}).get_json()
    assert [o["name"] for o in public["items"]] == ["札幌市"]
    assert [o["name"] for o in client.get(ORGS, query_string={"q": "印刷会社3"}).get_json()["items"]] == ["印刷会社3"]
    by_scheme = client.get(ORGS, query_string={"certification": "iso27001"}).get_json()
    assert [o["id"] for o in by_scheme["items"]] == [certified.id]

    second = client.get(ORGS, query_string={"per_page": 3, "page": 2}).get_json()
    assert (second["total"], second["page"], second["per_page"], second["pages"]) == (7, 2, 3, 3)
    assert [o["name"] for o in second["items"]] == ["印刷会社3", "印刷会社4", "札幌市"]
    beyond = client.get(ORGS, query_string={"per_page": 3, "page": 9}).get_json()
    assert beyond["items"] == [] and beyond["total"] == 7


def test_a_list_item_carries_the_vendors_unapproved_subcontracts_but_not_its_contacts(api_as):
    client = api_as(gen_user(role="admin"))
    bank, vendor, hidden = gen_organisation(), gen_organisation(), gen_organisation("北斗オペレーション")
    gen_subcontract(gen_entrustment(bank, vendor), hidden, origin="audit")

    items = {o["id"]: o for o in client.get(ORGS).get_json()["items"]}

    assert items[hidden.id]["unapproved_subcontracts"] == 1
    assert items[vendor.id]["unapproved_subcontracts"] == 0
    assert "contacts" not in items[hidden.id]


def test_patch_changes_only_the_keys_sent_and_a_contacts_list_replaces_the_old_one(api_as):
    vendor = gen_organisation("委託先株式会社", industry="BPO", contacts=[
        {"name": "旧担当", "email": "old@example.jp"}, {"name": "旧担当2", "email": "old2@example.jp"}])
    client = api_as(gen_user(vendor, role="contractor_user"))
    url = f"{ORGS}/{vendor.id}"

    moved = client.patch(url, json={"address": "東京都港区"})
    assert moved.status_code == 200
    assert moved.get_json()["address"] == "東京都港区" and moved.get_json()["industry"] == "BPO"
    assert len(moved.get_json()["profile"]["contacts"]) == 2

    replaced = client.patch(url, json={"profile": {"contacts": [{"name": "新担当", "role": "privacy"}]}})
    assert [(c["name"], c["role"]) for c in replaced.get_json()["profile"]["contacts"]] == [("新担当", "privacy")]
    assert client.get(url).get_json()["address"] == "東京都港区"


def test_an_unused_organisation_is_deleted_with_204_and_is_then_not_found(api_as):
    consignor = gen_organisation()
    client = api_as(gen_user(consignor, role="privacy_office"))
    candidate = client.post(ORGS, json={"name": "選定候補株式会社", "record": {"status": "candidate"}}).get_json()

    deleted = client.delete(f"{ORGS}/{candidate['id']}")

    assert deleted.status_code == 204 and deleted.get_data() == b""
    assert client.get(f"{ORGS}/{candidate['id']}").status_code == 404


def test_an_organisation_party_to_an_entrustment_is_not_deleted(api_as):
    client = api_as(gen_user(role="admin"))
    bank, vendor = gen_organisation(), gen_organisation()
    gen_entrustment(bank, vendor)

    refused = client.delete(f"{ORGS}/{vendor.id}")

    assert refused.status_code == 409 and refused.get_json()["code"] == "conflict"
    assert client.get(f"{ORGS}/{vendor.id}").status_code == 200


def test_a_contractor_user_may_not_delete_even_its_own_organisation(api_as):
    vendor = gen_organisation()
    client = api_as(gen_user(vendor, role="contractor_user"))

    refused = client.delete(f"{ORGS}/{vendor.id}")

    assert refused.status_code == 403 and refused.get_json()["code"] == "forbidden"
    assert registry.get_organisation(SYSTEM, vendor.id)


def test_a_vendor_registered_by_another_consignor_is_absent_from_the_list_and_not_found(api_as):
    own, other = gen_organisation("自社"), gen_organisation("他社")
    client = api_as(gen_user(own, role="privacy_office"))
    other_client = api_as(gen_user(other, role="privacy_office"))
    theirs = other_client.post(ORGS, json={"name": "他社の委託先"}).get_json()

    assert {o["id"] for o in client.get(ORGS).get_json()["items"]} == {own.id}
    for url in (f"{ORGS}/{theirs['id']}", f"{ORGS}/{theirs['id']}/chain/up"):
        assert client.get(url).status_code == 404
    assert client.patch(f"{ORGS}/{theirs['id']}", json={"name": "乗っ取り"}).status_code == 404
    assert client.delete(f"{ORGS}/{theirs['id']}").status_code == 404
    assert other_client.get(f"{ORGS}/{theirs['id']}").get_json()["name"] == "他社の委託先"


SAKURA_NOTES = "持出し管理の不備を指摘済み。"


def _sakuras_vendor(api_as):
    """さくら registers a vendor with private notes and contacts; returns (さくら, the vendor's id, its number)."""
    sakura = gen_organisation("さくら商事")
    number = corporate_number()
    vendor = api_as(gen_user(sakura, role="privacy_office")).post(ORGS, json={
        "name": "北斗データ株式会社", "corporate_number": number, "record": {
            "notes": SAKURA_NOTES, "contacts": [{"role": "incident", "name": "北斗 太郎",
                                                 "email": "taro@hokuto.example", "phone": "011-000-0000"}]}})
    assert vendor.status_code == 201
    return sakura, vendor.get_json()["id"], number


def test_a_contractor_naming_another_tenants_vendor_by_number_reads_neither_its_notes_nor_its_contacts(api_as):
    _sakura, vendor_id, number = _sakuras_vendor(api_as)
    hanamaru, hikari = gen_organisation("はなまる銀行"), gen_organisation("ひかり印刷")
    top = gen_entrustment(hanamaru, hikari, person_count=500)
    contractor = api_as(gen_user(hikari, role="contractor_user"))
    assert contractor.get(f"{ORGS}/{vendor_id}").status_code == 404

    proposed = contractor.post(f"/api/v1/entrustments/{top.id}/subcontracts", json={
        "contractor_corporate_number": number, "contractor_name": "北斗データ", "data_set": "宛名印刷"})

    assert proposed.status_code == 201 and proposed.get_json()["contractor_id"] == vendor_id
    for client in (contractor, api_as(gen_user(hanamaru, role="privacy_office"))):
        answer = client.get(f"{ORGS}/{vendor_id}")
        assert answer.status_code == 200
        text = answer.get_data(as_text=True)
        assert SAKURA_NOTES not in text and "taro@hokuto.example" not in text
        assert answer.get_json()["profile"] == {"contacts": [], "certifications": []}


def test_registering_a_number_another_tenant_registered_answers_201_as_for_a_new_company(api_as):
    _sakura, vendor_id, number = _sakuras_vendor(api_as)
    client = api_as(gen_user(gen_organisation("はなまる銀行"), role="procurement"))

    answers = [client.post(ORGS, json={"name": "北斗データ株式会社", "corporate_number": n,
                                       "record": {"notes": "候補"}}) for n in (number, corporate_number())]

    assert [a.status_code for a in answers] == [201, 201]
    linked, fresh = (a.get_json() for a in answers)
    assert linked["id"] == vendor_id
    for body in (linked, fresh):
        for key in ("id", "corporate_number"):
            body.pop(key)
        for key in ("created_at", "updated_at"):
            body["record"].pop(key)
    assert linked == fresh
    assert SAKURA_NOTES not in str(linked)


def test_a_list_counts_only_the_unapproved_subcontracts_its_reader_may_see(api_as):
    vendor = gen_organisation("北斗オペレーション")
    own, own_contractor = gen_organisation("自社"), gen_organisation("自社の委託先")
    gen_subcontract(gen_entrustment(own, own_contractor), vendor)
    gen_subcontract(gen_entrustment(gen_organisation("他社"), gen_organisation("他社の委託先")), vendor, origin="audit")
    attacker = gen_organisation("攻撃者")
    attackers_top = gen_entrustment(gen_organisation("攻撃者の委託元"), attacker)
    attacker_api = api_as(gen_user(attacker, role="contractor_user"))
    for _ in range(3):  # another tenant inflating the vendor's count
        attacker_api.post(f"/api/v1/entrustments/{attackers_top.id}/subcontracts", json={
            "contractor_corporate_number": vendor.corporate_number, "contractor_name": "北斗",
            "data_set": "申告", "origin": "declared_late"})

    items = {o["id"]: o for o in api_as(gen_user(own, role="privacy_office")).get(ORGS).get_json()["items"]}

    assert items[vendor.id]["unapproved_subcontracts"] == 0
