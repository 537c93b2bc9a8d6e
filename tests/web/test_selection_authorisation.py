"""Every selection route × every kind of user: the consignor's own roles, the addressed vendor's staff, a vendor
user without the answering role, a sibling consignor of the same vendor, an operator admin, anonymous visitors.

anonymous → the login page; a role that may never do the action → 403; an object the user may not see → 404
(never revealed); otherwise anything but 403/404/500. The web routes and their API twins follow the same rules.
"""

from __future__ import annotations

import base64
import io
import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from flask import url_for

from audits import company_answers, links, responses, selection
from oversight.accounts.services import issue_token
from oversight.permissions import ROLE_ACTIONS
from oversight.timeutil import today_jst
from tests.audits.selection_world import PDF, answer_all, gen_selection, gen_selection_world
from tests.factories import PASSWORD, gen_user
from tests.helpers import matrix_failures, sent_to_login


@dataclass(frozen=True)
class Route:
    method: str
    actions: tuple[str, ...]
    objects: str = ""  # "selection" (the consignor's), "request" (addressed to the vendor), "evidence"
    data: tuple = ()
    answers: bool = False  # acts as the addressed vendor: only its staff pass the object check
    as_organisation: bool = False  # acts as the consignor organisation: an operator admin may not
    company: bool = False  # the vendor's own company answers ("company", "company_evidence"): its own staff only


READ = ("selection.view", "questionnaire.answer")
ROUTES: dict[str, Route] = {
    "audits.selections": Route("GET", ("selection.view",)),
    "audits.selection_new": Route("GET", ("selection.edit",)),
    "audits.selection_page": Route("GET", ("selection.view",), "selection"),
    "audits.candidate_add": Route("POST", ("selection.edit",), "selection", (("vendor_id", "VENDOR2"),),
                                  as_organisation=True),
    "audits.send": Route("POST", ("selection.edit",), "selection"),
    "audits.comparison": Route("GET", ("selection.view",), "selection"),
    "audits.requests_index": Route("GET", READ),
    "audits.request_page": Route("GET", READ, "request"),
    "audits.answers_save": Route("POST", ("questionnaire.answer",), "request", (("a.bp_policy", "yes"),), answers=True),
    "audits.evidence_add": Route("POST", ("questionnaire.answer",), "request", (("question_id", "bp_policy_doc"),),
                                 answers=True),
    "audits.evidence": Route("GET", READ, "evidence"),
    "audits.evidence_remove": Route("POST", ("questionnaire.answer",), "evidence", answers=True),
    "audits.decide": Route("POST", ("selection.decide",), "request", (("outcome", "approved"),)),
    "audits.submit": Route("POST", ("questionnaire.answer",), "request", answers=True),
    "audits.workbook_export": Route("GET", READ, "request"),
    "audits.workbook_import": Route("POST", ("questionnaire.answer",), "request", answers=True),
    "audits.prefill": Route("POST", ("questionnaire.answer",), "request", answers=True),
    "audits.on_behalf": Route("POST", ("selection.edit",), "request", (("interview", "高田"), ("a.bp_policy", "yes")),
                              as_organisation=True),
    "audits.link_create": Route("POST", ("selection.edit",), "request", (("recipient", "高田"),), as_organisation=True),
    "audits.link_revoke": Route("POST", ("selection.edit",), "link"),
    "audits.condition_close": Route("POST", ("selection.condition",), "condition", (("closing", "met"),)),
    # Answer once, share with many: the company's answers are its own users' (the sibling's side: another vendor's).
    "audits.company_answers": Route("GET", ("questionnaire.answer",)),
    "audits.company_answers_new": Route("POST", ("questionnaire.answer",), "", (("questionnaire", "triage"),)),
    "audits.company_answers_page": Route("GET", ("questionnaire.answer",), "company", company=True),
    "audits.company_answers_save": Route("POST", ("questionnaire.answer",), "company", (("a.bp_policy", "yes"),),
                                         company=True),
    "audits.company_evidence_add": Route("POST", ("questionnaire.answer",), "company",
                                         (("question_id", "bp_policy_doc"),), company=True),
    "audits.company_evidence": Route("GET", ("questionnaire.answer",), "company_evidence", company=True),
    "audits.company_evidence_remove": Route("POST", ("questionnaire.answer",), "company_evidence", company=True),
    "audits.share_answers": Route("POST", ("questionnaire.answer",), "request", answers=True),
    "audits.company_answers_from_request": Route("POST", ("questionnaire.answer",), "request", answers=True),
}
# Static files, and the pages of a respondent link: its token is the authorisation (tests/web/test_selection_links.py).
PUBLIC = {"audits.static", "audits.link_page", "audits.link_answers_save", "audits.link_submit",
          "audits.link_evidence_add", "audits.link_evidence_remove", "audits.link_evidence"}


def test_every_selection_route_has_a_rule(app):
    endpoints = {r.endpoint for r in app.url_map.iter_rules() if r.endpoint.startswith("audits.")}
    assert endpoints - PUBLIC == set(ROUTES)


@pytest.fixture
def world():
    w = gen_selection_world()
    responses.attach_evidence(w.shared_staff, w.shared_request.id, "bp_policy_doc", "方針.pdf", PDF)
    w.evidence = w.shared_request.evidence[0]
    w.otsu_evidence = responses.attach_evidence(w.shared_staff, w.otsu_request.id, "bp_policy_doc", "方針.pdf", PDF)
    w.link = links.create_link(w.procurement, w.shared_request.id, {"recipient": "共通ベンダー 担当"})[0]
    w.otsu_link = links.create_link(w.otsu_procurement, w.otsu_request.id, {"recipient": "共通ベンダー 担当"})[0]
    w.company, w.other_company = (_company_answers(staff) for staff in (w.shared_staff, w.other_staff))
    return w


def _company_answers(staff):
    """A vendor's own company answers to dd-selection, with one file."""
    kept = company_answers.start_company_answers(staff, {"questionnaire": "dd-selection"})
    company_answers.update_company_answers(staff, kept.id, {"bp_policy": True})
    company_answers.attach_company_evidence(staff, kept.id, "bp_policy_doc", "方針.pdf", PDF + b"%company")
    return kept


@pytest.fixture
def matrix_world(world):
    """The world, with a condition of an approval in each consignor's own further selection (for the routes on
    conditions)."""
    world.condition = _condition(world.procurement, world.other, world.other_staff)
    world.otsu_condition = _condition(world.otsu_procurement, world.shared, world.shared_staff)
    return world


def _condition(procurement, vendor, staff):
    """A condition of a conditional approval, in a selection of its own (the world's requests stay open)."""
    _s, (request,) = gen_selection(procurement, [vendor], title="条件付きで承認した選定")
    answer_all(staff, request)
    due = (today_jst() + timedelta(days=60)).isoformat()
    decision = selection.decide(procurement, request.id, {"outcome": "conditional", "conditions": [
        {"text": "SOC 2 Type II報告書の提出", "owner": "調達部", "due_on": due}]})
    return decision.conditions[0]


def _url(app, endpoint: str, route: Route, world, foreign: bool) -> str:
    request = world.otsu_request if foreign else world.shared_request
    evidence = world.otsu_evidence if foreign else world.evidence
    args = {}
    if route.objects == "selection":
        args["selection_id"] = request.selection_id
    if route.objects in ("request", "evidence", "link"):
        args["request_id"] = request.id
    if route.objects == "link":
        args["link_id"] = (world.otsu_link if foreign else world.link).id
    if route.objects == "evidence":
        args["evidence_id"] = evidence.id
    if route.objects == "condition":
        args["condition_id"] = (world.otsu_condition if foreign else world.condition).id
    if route.objects in ("company", "company_evidence"):
        kept = world.other_company if foreign else world.company
        args["answers_id"] = kept.id
        if route.objects == "company_evidence":
            args["evidence_id"] = kept.evidence[0].id
    with app.test_request_context():
        return url_for(endpoint, **args)


def _send(client, route: Route, url: str, world):
    if route.method == "GET":
        return client.get(url)
    data = {k: (str(world.other.id) if v == "VENDOR2" else v) for k, v in route.data}
    if "evidence" in url and url.endswith("/evidence"):
        data["file"] = (io.BytesIO(PDF + b"%matrix"), "追加.pdf")
        return client.post(url, data, content_type="multipart/form-data")
    return client.post(url, data)


def _sides(route) -> tuple[str, ...]:
    return ("own", "sibling") if route.objects else ("own",)


# Who asks: (organisation in the world, role). "sakura" is the consignor, "shared" the addressed vendor, "otsu" a
# sibling consignor of the same vendor.
USERS = [("sakura", role) for role in ROLE_ACTIONS if role != "admin"] + [
    ("shared", "contractor_user"), ("shared", "privacy_office"), ("otsu", "procurement"), ("otsu", "privacy_office"),
    (None, "admin")]


def _expected(route: Route, org: str | None, role: str, foreign: bool) -> set[int] | None:
    """The refusal the rule demands (None: anything but a refusal). `foreign`: the sibling consignor's objects."""
    if not any(a in ROLE_ACTIONS[role] for a in route.actions):
        return {403}
    if role == "admin":
        return {403} if route.as_organisation else None
    if not route.objects:
        return None
    if route.company:
        return None if org == "shared" and not foreign else {404}
    sees_as_consignor = org == ("otsu" if foreign else "sakura") and "selection.view" in ROLE_ACTIONS[role]
    sees_as_vendor = (org == "shared" and route.objects not in ("selection", "link", "condition")
                      and "questionnaire.answer" in ROLE_ACTIONS[role])
    if route.answers:
        return None if sees_as_vendor else {404}
    return None if sees_as_consignor or sees_as_vendor else {404}


@pytest.mark.parametrize(("org", "role"), USERS, ids=[f"{o}-{r}" for o, r in USERS])
def test_each_user_gets_exactly_what_the_rules_allow_on_the_web(app, matrix_world, make_client, org, role):
    world = matrix_world
    user = gen_user(getattr(world, org) if org else None, role=role)
    failures = matrix_failures(
        make_client, user, ROUTES, password=PASSWORD, sides=_sides,
        send=lambda client, endpoint, route, side: _send(
            client, route, _url(app, endpoint, route, world, side == "sibling"), world),
        allowed=lambda route, side: _expected(route, org, role, side == "sibling"))
    assert not failures, f"{org} {role}\n" + "\n".join(failures)


@pytest.mark.parametrize("endpoint", sorted(ROUTES))
def test_anonymous_visitors_are_sent_to_the_login_page(app, matrix_world, client, endpoint):
    world = matrix_world
    route = ROUTES[endpoint]
    assert sent_to_login(_send(client, route, _url(app, endpoint, route, world, False), world))


def test_the_shared_vendor_never_reads_one_consignors_request_on_anothers_page(world, make_client):
    client = make_client()
    client.login(world.shared_staff.email, PASSWORD)
    page = client.get(f"/questionnaire-requests/{world.shared_request.id}").get_data(as_text=True)
    assert "大津市" not in page and "卒業アルバム" not in page
    otsu_page = client.get(f"/questionnaire-requests/{world.otsu_request.id}").get_data(as_text=True)
    assert "さくら商事" not in otsu_page and "会員コールセンター" not in otsu_page
    assert client.get(f"/selections/{world.selection.id}").status_code == 403


def test_a_sibling_consignor_sees_neither_the_name_nor_the_count_of_anothers_requests(world, make_client):
    gen_selection(world.procurement, [world.shared], title="二件目の選定")
    client = make_client()
    client.login(world.otsu_procurement.email, PASSWORD)
    for url in ("/selections", "/questionnaire-requests", f"/selections/{world.otsu_selection.id}",
                f"/selections/{world.otsu_selection.id}/comparison",
                f"/questionnaire-requests/{world.otsu_request.id}"):
        page = client.get(url).get_data(as_text=True)
        assert "さくら商事" not in page and "会員コールセンター" not in page and "二件目" not in page, url
    listing = client.get("/questionnaire-requests").get_data(as_text=True)
    assert len(re.findall(r'data-request="\d+"', listing)) == 1


def test_a_comparison_including_another_consignors_candidate_is_not_found(world, make_client):
    client = make_client()
    client.login(world.procurement.email, PASSWORD)
    url = f"/selections/{world.selection.id}/comparison?candidate={world.shared_request.id}" \
          f"&candidate={world.otsu_request.id}"
    assert client.get(url).status_code == 404


# ---------------------------------------------------------------- the API twins

API_ROUTES = [
    ("GET", "/api/v1/selections", ("selection.view",), "", False),
    ("POST", "/api/v1/selections", ("selection.edit",), "", False),
    ("GET", "/api/v1/selections/{selection}", ("selection.view",), "selection", False),
    ("POST", "/api/v1/selections/{selection}/candidates", ("selection.edit",), "selection", False),
    ("POST", "/api/v1/selections/{selection}/send", ("selection.edit",), "selection", False),
    ("GET", "/api/v1/selections/{selection}/comparison", ("selection.view",), "selection", False),
    ("GET", "/api/v1/questionnaire-requests", READ, "", False),
    ("GET", "/api/v1/questionnaire-requests/{request}", READ, "request", False),
    ("POST", "/api/v1/questionnaire-requests/{request}/answers", ("questionnaire.answer",), "request", True),
    ("POST", "/api/v1/questionnaire-requests/{request}/evidence", ("questionnaire.answer",), "request", True),
    ("GET", "/api/v1/questionnaire-requests/{request}/score", ("selection.view",), "request", False),
    ("POST", "/api/v1/questionnaire-requests/{request}/decision", ("selection.decide",), "request", False),
    ("POST", "/api/v1/questionnaire-requests/{request}/submit", ("questionnaire.answer",), "request", True),
    ("POST", "/api/v1/selection-conditions/{condition}/closing", ("selection.condition",), "condition", False),
    ("POST", "/api/v1/questionnaire-requests/{request}/company-answers", ("questionnaire.answer",), "request", True),
    ("POST", "/api/v1/questionnaire-requests/{request}/share", ("questionnaire.answer",), "request", True),
    ("GET", "/api/v1/questionnaire-requests/{request}/shares", READ, "request", False),
]
API_BODIES = {
    "selections": {"title": "API経由の選定"},
    "candidates": {"vendor_id": 0},
    "answers": {"answers": {"bp_policy": True}},
    "evidence": {"question_id": "bp_policy_doc", "filename": "追加.pdf",
                 "content_base64": base64.b64encode(PDF + b"%api").decode()},
    "decision": {"outcome": "approved"},
    "closing": {"closing": "met", "note": "報告書を受領"},
}


def test_every_selection_api_route_has_a_rule(app):
    documented = {(m, p) for m, p, *_ in API_ROUTES}
    served = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(("/api/v1/selections", "/api/v1/questionnaire-requests",
                                 "/api/v1/selection-conditions")):
            path = re.sub(r"<[^>]*selection_id>", "{selection}", re.sub(r"<[^>]*request_id>", "{request}", rule.rule))
            path = re.sub(r"<[^>]*condition_id>", "{condition}", path)
            served |= {(m, path) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert served == documented


@pytest.mark.parametrize(("org", "role"), USERS, ids=[f"{o}-{r}" for o, r in USERS])
def test_each_user_gets_exactly_what_the_rules_allow_in_the_api(app, matrix_world, org, role):
    world = matrix_world
    user = gen_user(getattr(world, org) if org else None, role=role)
    headers = {"Authorization": f"Bearer {issue_token(user, 'matrix')[1]}"}
    failures = []
    for method, template, actions, objects, answers in API_ROUTES:
        for foreign in (False, True):
            if not objects and foreign:
                continue
            request = world.otsu_request if foreign else world.shared_request
            condition = world.otsu_condition if foreign else world.condition
            url = template.format(selection=request.selection_id, request=request.id, condition=condition.id)
            body = API_BODIES.get(url.rsplit("/", 1)[-1], {}) if method == "POST" else None
            if body and "vendor_id" in body:
                body = {"vendor_id": world.other.id}
            response = app.test_client().open(url, method=method, json=body, headers=headers)
            creates = method == "POST" and template.endswith(("/selections", "/candidates"))
            route = Route(method, actions, objects, answers=answers, as_organisation=creates)
            expected = _expected(route, org, role, foreign)
            status = response.status_code
            ok = status in expected if expected else status not in (401, 403, 404, 500)
            if not ok:
                failures.append(f"{org} {role} {method} {template} ({'sibling' if foreign else 'own'}): {status} "
                                f"{response.get_data(as_text=True)[:120]}")
    assert not failures, "\n".join(failures)
