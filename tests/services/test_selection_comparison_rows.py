"""The comparison's rows from outside the answers: the subcontractors a candidate declared and those the consignor's
registry shows under it, whether it accepts the contract clauses, and its late notifications to this consignor —
never what a sibling consignor of the same vendor keeps."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event

from audits import selection
from oversight.extensions import db
from oversight.notifications import filing
from oversight.registry import services as registry
from tests.audits.selection_world import answer_all, gen_selection
from tests.factories import (
    SUSPECTED_LEAK,
    contract_with_notice_hours,
    gen_call_centre_chain,
    gen_entrustment,
    gen_organisation,
    gen_subcontract,
    gen_user,
)


def test_the_comparison_shows_subcontractors_clauses_and_late_notices_of_this_consignor_only():
    chain = gen_call_centre_chain()
    procurement = gen_user(chain.sakura, "procurement")
    otsu = gen_organisation("大津商事株式会社")  # a sibling consignor of the same vendor
    albums = gen_entrustment(otsu, chain.toto, data_set="卒業アルバム", data_items=["name", "phone"])
    gen_subcontract(albums, gen_organisation("北陸印刷株式会社"), data_set="アルバム印刷")
    contract_with_notice_hours(chain.members, 12)
    contract_with_notice_hours(albums, 12)
    for entrustment, title in ((chain.members, "東都の端末紛失"), (albums, "大津市分の端末紛失")):
        filing.file_new(chain.toto_staff, {"entrustment_id": entrustment.id, "title": title,
                                           "facts": SUSPECTED_LEAK, "message": "端末を回収中。"})
    s, (toto, uf) = gen_selection(procurement, [chain.toto, chain.uf])
    answer_all(chain.toto_staff, toto, {"sub_practice": "prior_approval", "sub_list": "UFサポート株式会社（大阪）",
                                        "att_contract_clauses": False})
    answer_all(chain.uf_staff, uf)

    toto_column, uf_column = selection.compare(procurement, s.id)
    assert [said.ja for said in toto_column["subcontractors_declared"]] == [
        "委託元の事前の書面承認を得て再委託する", "UFサポート株式会社（大阪）"]
    assert [e.contractor.name for e in toto_column["subcontracted"]] == ["UFサポート株式会社", "港データ株式会社"]
    assert [n.title for n in toto_column["late_notifications"]] == ["東都の端末紛失"]
    assert toto_column["clauses_question"] and toto_column["clauses_answer"].ja == "いいえ"
    assert uf_column["clauses_answer"].ja == "はい"
    assert [said.ja for said in uf_column["subcontractors_declared"]] == ["再委託しない"]
    assert uf_column["subcontracted"] == [] and uf_column["late_notifications"] == []


@contextmanager
def counted():
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def test_comparing_four_candidates_costs_the_statements_of_comparing_two():
    consignor = gen_organisation("委託元")
    procurement = gen_user(consignor, "procurement")
    vendors = [gen_organisation(f"候補{i}株式会社") for i in range(4)]
    for vendor in vendors:
        registry.create_organisation(procurement, {"name": vendor.name, "corporate_number": vendor.corporate_number})
    _s2, two = gen_selection(procurement, vendors[:2], title="二社の比較")
    _s4, four = gen_selection(procurement, vendors, title="四社の比較")
    for vendor, request in zip(vendors + vendors[:2], four + two, strict=True):
        answer_all(gen_user(vendor, "contractor_user"), request)
    counts = {}
    for s in (_s2, _s4):
        selection.compare(procurement, s.id)  # warm: each frozen questionnaire is thawed once
        db.session.expire_all()
        with counted() as statements:
            assert len(selection.compare(procurement, s.id)) in (2, 4)
        counts[len(s.requests)] = len(statements)
    assert counts[4] == counts[2]


def test_the_comparison_page_and_api_show_the_new_rows(make_client):
    from tests.factories import PASSWORD
    from tests.helpers import text_of

    chain = gen_call_centre_chain()
    procurement = gen_user(chain.sakura, "procurement")
    contract_with_notice_hours(chain.members, 12)
    filing.file_new(chain.toto_staff, {"entrustment_id": chain.members.id, "title": "東都の端末紛失",
                                       "facts": SUSPECTED_LEAK, "message": "端末を回収中。"})
    s, (toto,) = gen_selection(procurement, [chain.toto])
    answer_all(chain.toto_staff, toto, {"att_contract_clauses": True})
    client = make_client()
    client.login(procurement.email, PASSWORD)
    page = text_of(client.get(f"/selections/{s.id}/comparison"))
    assert "申告された再委託先" in page and "UFサポート株式会社" in page and "港データ株式会社" in page
    assert "契約条項の受入れ" in page and "貴組織への報告の遅延" in page and "東都の端末紛失" in page
    from oversight.accounts.services import issue_token

    headers = {"Authorization": f"Bearer {issue_token(procurement, 'test')[1]}"}
    (candidate,) = client.get(f"/api/v1/selections/{s.id}/comparison", headers=headers).get_json()["candidates"]
    assert [e["contractor"] for e in candidate["subcontractors"]["in_registry"]] == ["UFサポート株式会社",
                                                                                     "港データ株式会社"]
    assert [n["title"] for n in candidate["late_notifications"]] == ["東都の端末紛失"]
    assert candidate["accepts_contract_clauses"] in ("はい", "Yes")
