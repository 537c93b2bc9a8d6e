"""The chain most portal tests walk: さくら商事 entrusts member data to 東都システム, which subcontracts the call
centre to UFサポート (approved); 東都 also runs a backup with 港データ that さくら never approved."""

from types import SimpleNamespace

import pytest

from contracts import services as contracts
from oversight.registry import services as registry
from tests.factories import SYSTEM, gen_entrustment, gen_organisation, gen_subcontract, gen_user

SUSPECTED_LEAK = {"certainty": "suspected", "cause": "unauthorised_access", "data_items": ["name", "phone"],
                  "occurred_on": "2026-11-20", "known_at": "2026-11-21T09:00:00+09:00",
                  "report_items": {"overview": "コールセンターの端末に不審な通信。会員情報の流出のおそれ。"}}


def contract_with_notice_hours(entrustment, hours: int):
    request = contracts.default_request(entrustment)
    request["params"].update(notice_hours=hours, contract_date="2025-10-01")
    return contracts.save_contract(SYSTEM, entrustment.id, request)


@pytest.fixture
def chain():
    sakura = gen_organisation("さくら商事株式会社")
    toto = gen_organisation("株式会社東都システム")
    uf = gen_organisation("UFサポート株式会社")
    minato = gen_organisation("港データ株式会社")
    for org, address in ((sakura, "csirt@sakura.example"), (toto, "soc@toto.example"), (uf, "ops@uf.example")):
        registry.add_contact(SYSTEM, org.id, {"role": "incident", "name": "事故窓口", "email": address,
                                              "phone": "03-1234-5678"})
    members = gen_entrustment(sakura, toto, data_set="会員の問合せ対応データ", data_items=["name", "phone"],
                              person_count=1_380_000)
    call_centre = gen_subcontract(members, uf, data_set="会員の問合せ対応データ（大阪センター）", person_count=1_200_000,
                                  data_items=["name", "phone"])
    backup = gen_subcontract(members, minato, approve=False, data_set="録音データのバックアップ")
    return SimpleNamespace(
        sakura=sakura, toto=toto, uf=uf, minato=minato, members=members, call_centre=call_centre, backup=backup,
        sakura_csirt=gen_user(sakura, "incident_team", email="csirt-user@sakura.example"),
        sakura_privacy=gen_user(sakura, "privacy_office"),
        toto_staff=gen_user(toto, "contractor_user", email="staff@toto.example"),
        uf_staff=gen_user(uf, "contractor_user", email="staff@uf.example"),
        minato_staff=gen_user(minato, "contractor_user"))
