"""Data items outside the vocabulary, entered on the incident form: the payroll vendor's mis-sent pay slips."""

import re

from oversight.extensions import db
from oversight.incidents.models import Incident
from tests.factories import PASSWORD, gen_organisation, gen_user

FORM = {"title": "給与明細の誤送付", "scope": "own", "cause": "mis_sent_mail", "max_persons": "1,200",
        "occurred_on": "2026-11-16", "known_at": "2026-11-17T10:00"}


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def test_salary_and_pension_number_are_recorded_as_other_items_and_count(make_client):
    payroll = gen_organisation("給与計算サービス株式会社")
    client = make_client()
    client.login(gen_user(payroll, role="privacy_office").email, PASSWORD)
    response = client.post("/incidents/new", {**FORM, "other.0.name": "給与額", "other.1.name": "年金番号",
                                              "other.1.financial": "on", "other.1.reason": "なりすまし請求のおそれ"})
    assert response.status_code == 302
    incident = db.session.query(Incident).one()
    assert [i["name"] for i in incident.facts["other_items"]] == ["給与額", "年金番号"]
    page = _text(client.get(response.headers["Location"]))
    assert "施行規則7条2号" in page and "なりすまし請求のおそれ" in page  # flagged, with the user's reason
    assert "施行規則7条1号" not in page  # never sensitive unless said


def test_an_other_item_flagged_without_a_name_or_a_reason_is_named_and_nothing_is_stored(make_client):
    payroll = gen_organisation("給与計算サービス株式会社")
    client = make_client()
    client.login(gen_user(payroll, role="privacy_office").email, PASSWORD)
    response = client.post("/incidents/new", {**FORM, "other.0.sensitive": "on", "other.1.name": "購買履歴",
                                              "other.1.sensitive": "on"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'data-field="other_items[0].name"' in page and 'data-field="other_items[1].reason"' in page
    assert db.session.query(Incident).count() == 0
