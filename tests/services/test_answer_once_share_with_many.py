"""Answer once, share with many: the graduation-album vendor serving many schools keeps its answers to the
due-diligence questionnaire in its own company profile and shares them with each school that asks. Each school
sees only what was shared with it, with the date the answers were given (回答日); a sibling school never learns of
another's share — not its name, id or count — on a page, in the API or in the trail."""

from __future__ import annotations

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from audits import company_answers, responses, scoring
from audits.answers import is_unanswered
from audits.models import QuestionnaireRequest
from oversight.accounts.services import issue_token
from oversight.errors import Conflict, Forbidden, NotFound, ValidationFailed
from oversight.extensions import db
from oversight.registry import services as registry
from oversight.timeutil import today_jst
from oversight.trail.models import TrailRecord
from tests.audits.answers import best_answers
from tests.audits.selection_world import PDF, gen_selection
from tests.factories import PASSWORD, gen_organisation, gen_user
from tests.helpers import WebClient, text_of

CITIES = ("京都市", "大津市", "奈良市")


@pytest.fixture
def album():
    """The album vendor with its staff; three schools' boards (and a fourth that asked but got nothing yet), each
    with a selection that sent the due-diligence questionnaire to the vendor."""
    vendor = gen_organisation("株式会社フォトアルバム工房")
    staff = gen_user(vendor, "contractor_user", email="staff@photo-album.example")
    schools = []
    for city in (*CITIES, "宇治市"):
        board = gen_organisation(f"{city}教育委員会", kind="public_body")
        procurement = gen_user(board, "procurement")
        privacy = gen_user(board, "privacy_office")
        registry.create_organisation(procurement, {"name": vendor.name, "corporate_number": vendor.corporate_number})
        s, (request,) = gen_selection(procurement, [vendor], title=f"{city} 卒業アルバム制作の委託先選定")
        schools.append(SimpleNamespace(city=city, board=board, procurement=procurement, privacy=privacy,
                                       selection=s, request=request))
    return SimpleNamespace(vendor=vendor, staff=staff, schools=schools[:3], sibling=schools[3])


def _answer_once(staff):
    """The vendor answers dd-selection once, in its company profile, with the files evidence questions need."""
    kept = company_answers.start_company_answers(staff, {"questionnaire": "dd-selection"})
    q = responses.questionnaire_of(kept)
    values = {k: v for k, v in best_answers(q, today_jst()).items() if q.question(k).type != "evidence"}
    company_answers.update_company_answers(staff, kept.id, values)
    score = scoring.score(q, kept.values, as_of=today_jst())
    for question_id in score.unanswered_required:
        company_answers.attach_company_evidence(staff, kept.id, question_id, f"{question_id}.pdf",
                                                PDF + question_id.encode())
    return kept


def test_the_album_vendor_answers_once_and_each_of_three_schools_gets_its_own_share(album):
    kept = _answer_once(album.staff)
    assert kept.answered_on == today_jst()
    for school in album.schools:
        share = company_answers.share_into_request(album.staff, school.request.id)
        assert (share.consignor_id, share.answered_on, share.shared_by_name) == (
            school.board.id, today_jst(), album.staff.name)
        submitted = responses.submit(album.staff, school.request.id)  # nothing left to answer
        assert submitted.status == "submitted"
        assert {k: v for k, v in submitted.values().items()} == kept.values

    for school in album.schools:
        request = db.session.get(QuestionnaireRequest, school.request.id)
        (share,) = company_answers.shares_of_request(school.procurement, request)
        assert share.consignor_id == school.board.id
    sibling_request = db.session.get(QuestionnaireRequest, album.sibling.request.id)
    assert company_answers.shares_of_request(album.sibling.procurement, sibling_request) == []
    assert sorted(s.consignor.name for s in db.session.get(type(kept), kept.id).shares) == sorted(
        f"{c}教育委員会" for c in CITIES)


def test_each_school_reads_its_share_with_the_answer_date_and_a_sibling_reads_nothing_of_it(album, make_client, app):
    _answer_once(album.staff)
    kyoto, otsu = album.schools[0], album.schools[1]
    for school in album.schools:
        company_answers.share_into_request(album.staff, school.request.id)

    web = make_client()
    web.login(kyoto.procurement.email, PASSWORD)
    page = text_of(web.get(f"/questionnaire-requests/{kyoto.request.id}"))
    day = today_jst()
    assert f"回答日：{day.year}年{day.month}月{day.day}日" in page
    assert f"会社の回答（{kyoto.request.questionnaire_version}）から" in page and f"{album.staff.name}が共有" in page
    for other in (otsu, album.sibling):
        assert web.get(f"/questionnaire-requests/{other.request.id}").status_code == 404
    for url in ("/questionnaire-requests", "/selections", f"/selections/{kyoto.selection.id}",
                f"/selections/{kyoto.selection.id}/comparison"):
        text = web.get(url).get_data(as_text=True)
        assert not any(f"{c}教育委員会" in text for c in CITIES[1:]) and "宇治市" not in text, url
    assert web.get("/company/answers").status_code == 403  # a school is not the company

    headers = {"Authorization": f"Bearer {issue_token(album.sibling.procurement, 'tests')[1]}"}
    api = WebClient(app.test_client())  # each request with its own `g` (tests.helpers.fresh_g)
    own = api.get(f"/api/v1/questionnaire-requests/{album.sibling.request.id}/shares", headers=headers)
    assert own.status_code == 200 and own.json == {"items": []}
    for school in album.schools:
        assert api.get(f"/api/v1/questionnaire-requests/{school.request.id}/shares",
                       headers=headers).status_code == 404
    kyoto_headers = {"Authorization": f"Bearer {issue_token(kyoto.procurement, 'tests')[1]}"}
    got = api.get(f"/api/v1/questionnaire-requests/{kyoto.request.id}/shares", headers=kyoto_headers)
    assert got.status_code == 200, got.get_data(as_text=True)
    mine = got.json["items"]
    assert [(s["consignor"]["name"], s["answered_on"]) for s in mine] == [("京都市教育委員会", day.isoformat())]

    # The trail: each school's privacy office reads its own share record, never another's (nor how many there are).
    counts = {}
    for school in (kyoto, album.sibling):
        reader = make_client()
        reader.login(school.privacy.email, PASSWORD)
        trail = reader.get("/trail").get_data(as_text=True)
        assert not any(f"{c}教育委員会" in trail for c in CITIES if c != school.city)
        counts[school.city] = len(re.findall("会社の回答を委託元に共有", trail))
    assert counts["京都市"] == counts["宇治市"] + 1  # its own share's record; the sibling reads none


def test_the_vendor_keeps_a_submitted_requests_answers_and_a_new_request_highlights_what_changed(album, make_client):
    kyoto, otsu = album.schools[0], album.schools[1]
    q = responses.questionnaire_of(kyoto.request)
    values = {k: v for k, v in best_answers(q, today_jst()).items() if q.question(k).type != "evidence"}
    responses.save_answers(album.staff, kyoto.request.id, values)
    for question_id in responses.current_score(db.session.get(QuestionnaireRequest, kyoto.request.id)) \
            .unanswered_required:
        responses.attach_evidence(album.staff, kyoto.request.id, question_id, f"{question_id}.pdf",
                                  PDF + question_id.encode())
    with pytest.raises(Conflict):  # not submitted yet
        company_answers.save_from_request(album.staff, kyoto.request.id)
    responses.submit(album.staff, kyoto.request.id)
    kept = company_answers.save_from_request(album.staff, kyoto.request.id)
    assert (kept.answered_on, len(kept.evidence)) == (today_jst(), len(
        db.session.get(QuestionnaireRequest, kyoto.request.id).evidence))

    company_answers.share_into_request(album.staff, otsu.request.id)
    responses.save_answers(album.staff, otsu.request.id, {"bp_policy": False})
    web = make_client()
    web.login(album.staff.email, PASSWORD)
    page = web.get(f"/questionnaire-requests/{otsu.request.id}").get_data(as_text=True)
    marked = re.findall(r'id="q-([a-z_0-9]+)"[^>]*>\s*<label[^>]*>.*?</label>\s*<small class="badge warn change" '
                        r'data-change="(\w+)"', page, re.S)
    assert marked == [("bp_policy", "differs")]
    assert "1件の回答が共有後に変更されています。" in text_of(web.get(f"/questionnaire-requests/{otsu.request.id}"))


def test_bad_input_is_refused_naming_the_field_and_nothing_changes(album):
    kyoto = album.schools[0]
    with pytest.raises(Conflict):  # nothing kept yet
        company_answers.share_into_request(album.staff, kyoto.request.id)
    kept = company_answers.start_company_answers(album.staff, {"questionnaire": "dd-selection"})
    with pytest.raises(ValidationFailed) as twice:
        company_answers.start_company_answers(album.staff, {"questionnaire": "dd-selection"})
    assert "questionnaire" in twice.value.errors
    with pytest.raises(ValidationFailed) as unknown:
        company_answers.start_company_answers(album.staff, {"questionnaire": "no-such"})
    assert "questionnaire" in unknown.value.errors
    company_answers.update_company_answers(album.staff, kept.id, {"bp_policy": True})
    with pytest.raises(ValidationFailed) as bad:
        company_answers.update_company_answers(album.staff, kept.id, {"bp_policy": "perhaps", "nope": 1,
                                                                      "inc_count": "many"})
    assert set(bad.value.errors) == {"nope"}  # unknown questions are named before the values are read
    with pytest.raises(ValidationFailed) as wrong:
        company_answers.update_company_answers(album.staff, kept.id, {"bp_policy": "perhaps"})
    assert "bp_policy" in wrong.value.errors
    with pytest.raises(ValidationFailed) as not_pdf:
        company_answers.attach_company_evidence(album.staff, kept.id, "bp_policy_doc", "方針.pdf", b"MZ\x90\x00")
    assert "file" in not_pdf.value.errors
    assert db.session.get(type(kept), kept.id).values == {"bp_policy": True}
    with pytest.raises(Forbidden):  # a school never opens the company's answers (its role answers none)
        company_answers.get_company_answers(kyoto.procurement, kept.id)
    other_vendor_staff = gen_user(gen_organisation("別のアルバム会社"), "contractor_user")
    with pytest.raises(NotFound):
        company_answers.get_company_answers(other_vendor_staff, kept.id)


def test_shared_answers_that_no_longer_fit_are_left_out(album):
    kept = _answer_once(album.staff)
    past = (today_jst() - timedelta(days=1)).isoformat()
    date_questions = [x.id for x in responses.questionnaire_of(kept).questions if x.type == "date"
                      and x.dates == "future" and x.id in kept.values]
    kept.values = {**kept.values, **{k: past for k in date_questions}}  # an expiry given earlier, now passed
    db.session.commit()
    share = company_answers.share_into_request(album.staff, album.schools[0].request.id)
    assert not set(date_questions) & set(share.questions)
    filled = db.session.get(QuestionnaireRequest, album.schools[0].request.id).values()
    assert all(k not in filled or not is_unanswered(filled[k]) for k in date_questions)


def test_the_cli_keeps_and_shares(album, app):
    kept = _answer_once(album.staff)
    runner = app.test_cli_runner()
    done = runner.invoke(args=["selection", "share", "--as", album.staff.email, str(album.schools[0].request.id)])
    assert done.exit_code == 0, done.output
    assert f"answer date {kept.answered_on.isoformat()}" in done.output
    refused = runner.invoke(args=["selection", "keep-answers", "--as", album.staff.email,
                                  str(album.schools[1].request.id)])
    assert refused.exit_code == 2 and "error: " in refused.output
    trail = list(db.session.scalars(select(TrailRecord).where(TrailRecord.action == "company_answers_share")))
    assert [(r.object_type, r.actor_user_id) for r in trail] == [("answer_share", album.staff.id)]


def test_the_company_answers_api_serves_the_companys_own_users_only(album, app):
    kept = _answer_once(album.staff)
    other = gen_user(gen_organisation("別のアルバム会社"), "contractor_user")
    others = company_answers.start_company_answers(other, {"questionnaire": "triage"})
    api = WebClient(app.test_client())

    def as_(user):
        return {"Authorization": f"Bearer {issue_token(user, 'tests')[1]}"} if user else {}

    staff = as_(album.staff)
    listed = api.get("/api/v1/company-answers", headers=staff)
    assert [a["id"] for a in listed.json["items"]] == [kept.id]
    detail = api.get(f"/api/v1/company-answers/{kept.id}", headers=staff).json
    assert detail["answered_on"] == today_jst().isoformat() and detail["questions"]
    assert api.get(f"/api/v1/company-answers/{others.id}", headers=staff).status_code == 404
    bad = api.post(f"/api/v1/company-answers/{kept.id}/answers", json={"answers": {"bp_policy": "perhaps"}},
                   headers=staff)
    assert bad.status_code == 422 and set(bad.json["errors"]) == {"bp_policy"}
    started = api.post("/api/v1/company-answers", json={"questionnaire": "triage"}, headers=staff)
    assert started.status_code == 201 and started.headers["Location"].endswith(f"/{started.json['id']}")
    school = as_(album.schools[0].procurement)
    assert api.get("/api/v1/company-answers", headers=school).status_code == 403
    assert api.get(f"/api/v1/company-answers/{kept.id}", headers=school).status_code == 403
    assert api.get("/api/v1/company-answers").status_code == 401
    shared = api.post(f"/api/v1/questionnaire-requests/{album.schools[0].request.id}/share", headers=staff)
    assert shared.status_code == 201 and shared.json["consignor"]["name"] == "京都市教育委員会"
