"""Factories with defaults: each builds through the services, so test data obeys the same rules."""

from __future__ import annotations

import itertools
from types import SimpleNamespace

from contracts import services as contracts
from oversight.accounts import services as accounts
from oversight.accounts.system import SystemActor
from oversight.corporate_number import with_check_digit
from oversight.registry import services as registry

PASSWORD = "correct horse battery staple"  # noqa: S105
SYSTEM = SystemActor(name="tests")
_seq = itertools.count(1)


def corporate_number() -> str:
    return with_check_digit(f"{next(_seq):012d}")


def gen_organisation(name: str | None = None, **fields):
    """An organisation registered by the operator; `contacts` and `certifications` are its own profile."""
    n = next(_seq)
    profile = {key: fields.pop(key) for key in ("contacts", "certifications") if key in fields}
    data = {"name": name or f"テスト株式会社{n}", "name_kana": f"テスト{n}",
            "corporate_number": corporate_number(), **fields}
    if profile:
        data["profile"] = profile
    return registry.create_organisation(SYSTEM, data)


def gen_user(organisation=None, role: str = "privacy_office", email: str | None = None, **fields):
    n = next(_seq)
    return accounts.create_user(None, {
        "email": email or f"user{n}@example.jp", "name": fields.pop("name", f"利用者{n}"), "role": role,
        "password": PASSWORD, "organisation_id": organisation.id if organisation else None, **fields})


def gen_entrustment(consignor, contractor, **fields):
    data = {"consignor_id": consignor.id, "contractor_id": contractor.id, "data_set": fields.pop(
        "data_set", f"顧客データ{next(_seq)}"), "person_count": fields.pop("person_count", 1000), **fields}
    return registry.create_entrustment(SYSTEM, data)


def gen_subcontract(parent, contractor, *, approve: bool = True, origin: str = "planned", **fields):
    """A subcontract under `parent`, approved by the original consignor unless told otherwise."""
    data = {"contractor_id": contractor.id, "data_set": fields.pop("data_set", f"再委託データ{next(_seq)}"),
            "person_count": fields.pop("person_count", parent.person_count), **fields}
    e = registry.propose_subcontract(SYSTEM, parent.id, data, origin=origin)
    if approve and e.status == "proposed":
        e = registry.decide_subcontract(SYSTEM, e.id, approve=True)
        e = registry.transition_entrustment(SYSTEM, e.id, "activate")
    return e


def gen_chain(depth: int, consignor=None):
    """Organisations A → B → C … and the approved entrustments between them; returns (orgs, entrustments)."""
    orgs = [consignor or gen_organisation()] + [gen_organisation() for _ in range(depth)]
    entrustments = [gen_entrustment(orgs[0], orgs[1])]
    for org in orgs[2:]:
        entrustments.append(gen_subcontract(entrustments[-1], org))
    return orgs, entrustments


SUSPECTED_LEAK = {"certainty": "suspected", "cause": "unauthorised_access", "data_items": ["name", "phone"],
                  "occurred_on": "2026-11-20", "known_at": "2026-11-21T09:00:00+09:00",
                  "report_items": {"overview": "コールセンターの端末に不審な通信。会員情報の流出のおそれ。"}}


def contract_with_notice_hours(entrustment, hours: int):
    """Record the entrustment's contract with `hours` to notify an incident (the clause's notice_hours)."""
    request = contracts.default_request(entrustment)
    request["params"].update(notice_hours=hours, contract_date="2025-10-01")
    return contracts.save_contract(SYSTEM, entrustment.id, request)


def gen_call_centre_chain() -> SimpleNamespace:
    """さくら商事 entrusts member data to 東都システム, which subcontracts the call centre to UFサポート (approved);
    東都 also has a backup run by 港データ that さくら never approved. Each has an incident contact and users."""
    sakura = gen_organisation("さくら商事株式会社")
    toto = gen_organisation("株式会社東都システム")
    uf = gen_organisation("UFサポート株式会社")
    minato = gen_organisation("港データ株式会社")
    for org, address in ((sakura, "csirt@sakura.example"), (toto, "soc@toto.example"), (uf, "ops@uf.example")):
        registry.add_contact(SYSTEM, org.id, {"role": "incident", "name": "事故窓口", "email": address,
                                              "phone": "03-1234-5678"})
    members = gen_entrustment(sakura, toto, data_set="会員の問合せ対応データ", data_items=["name", "phone"],
                              person_count=1_380_000)
    call_centre = gen_subcontract(members, uf, data_set="会員の問合せ対応データ（大阪センター）",
                                  person_count=1_200_000, data_items=["name", "phone"])
    backup = gen_subcontract(members, minato, approve=False, data_set="録音データのバックアップ")
    return SimpleNamespace(
        sakura=sakura, toto=toto, uf=uf, minato=minato, members=members, call_centre=call_centre, backup=backup,
        sakura_csirt=gen_user(sakura, "incident_team", email="csirt-user@sakura.example"),
        sakura_privacy=gen_user(sakura, "privacy_office"),
        toto_staff=gen_user(toto, "contractor_user", email="staff@toto.example"),
        uf_staff=gen_user(uf, "contractor_user", email="staff@uf.example"),
        minato_staff=gen_user(minato, "contractor_user"))


def gen_shared_vendor() -> SimpleNamespace:
    """The graduation-album vendor of reference 001 in small: 京都市 and 大津市 (public bodies) entrust 420 pupils each
    to it directly; 学校法人さくら学園 entrusts 420 to a photo studio, which subcontracts the album to the same vendor
    (approved). Each has an incident contact and users; the vendor has staff."""
    vendor = gen_organisation("卒業アルバム制作株式会社")
    studio = gen_organisation("みやこ写真館株式会社")
    kyoto = gen_organisation("京都市教育委員会", kind="public_body")
    otsu = gen_organisation("大津市教育委員会", kind="public_body")
    sakura = gen_organisation("学校法人さくら学園")
    for org, address in ((kyoto, "privacy@kyoto.example"), (otsu, "privacy@otsu.example"),
                         (sakura, "office@sakura-gakuen.example"), (studio, "studio@miyako.example"),
                         (vendor, "soc@album.example")):
        registry.add_contact(SYSTEM, org.id, {"role": "incident", "name": "事故窓口", "email": address,
                                              "phone": "075-000-0000"})
    items = ["name", "photo", "school_class"]
    albums = {key: gen_entrustment(org, vendor, data_set=f"{org.name} 卒業アルバム", data_items=items, person_count=420)
              for key, org in (("kyoto", kyoto), ("otsu", otsu))}
    sakura_studio = gen_entrustment(sakura, studio, data_set="さくら学園 卒業アルバム", data_items=items,
                                    person_count=420)
    albums["sakura"] = gen_subcontract(sakura_studio, vendor, data_set="さくら学園 卒業アルバム制作",
                                       data_items=items, person_count=420)
    return SimpleNamespace(
        vendor=vendor, studio=studio, kyoto=kyoto, otsu=otsu, sakura=sakura, albums=albums,
        sakura_studio=sakura_studio,
        vendor_staff=gen_user(vendor, "contractor_user", email="staff@album.example"),
        studio_staff=gen_user(studio, "contractor_user", email="staff@miyako.example"),
        kyoto_privacy=gen_user(kyoto, "privacy_office", email="privacy-user@kyoto.example"),
        otsu_privacy=gen_user(otsu, "privacy_office", email="privacy-user@otsu.example"),
        sakura_csirt=gen_user(sakura, "incident_team", email="csirt@sakura-gakuen.example"))


STOLEN_LAPTOP = {"cause": "theft", "data_items": ["name", "photo", "school_class"], "max_persons": 1260,
                 "occurred_on": "2026-11-20", "known_at": "2026-11-21T09:00:00+09:00",
                 "report_items": {"overview": "制作担当者のノートPCが盗難に遭った。"}}
