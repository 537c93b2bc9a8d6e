"""Every monthly-handling-report route and the audit dashboard × every kind of user: the consignor's own roles,
the shared vendor's staff and privacy office, a sibling consignor of the same vendor, an operator admin, anonymous.

anonymous → the login page; a role that may never do the action → 403; an entrustment whose reports the user may
not read → 404 (never revealed); a party that reads them but may not act (the vendor switching, the consignor
filing) → 403; otherwise anything but 403/404/500. The API twins follow the same rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from flask import url_for

from audits import handling_months as hm
from oversight.accounts.services import issue_token
from oversight.permissions import ROLE_ACTIONS
from tests.audits.handling_world import ANSWERS, gen_handling_world, months_ago
from tests.factories import PASSWORD, gen_user
from tests.helpers import matrix_failures, sent_to_login

BLUEPRINTS = ("handling_reports.", "audit_dashboard.")
API_PREFIXES = ("/api/v1/handling-reports", "/api/v1/entrustments/<int(min=1, max=2147483647):entrustment_id>/handling",
                "/api/v1/audits/dashboard")


@dataclass(frozen=True)
class Route:
    method: str
    actions: tuple[str, ...]
    entrustment: bool = False
    acts_as: str = ""  # "consignor" or "contractor": a party that reads the reports but is the other side gets 403
    data: tuple = ()


def _report_form() -> tuple:
    return (("period", hm.period_text(months_ago(0))),
            *((f"a.{k}", {True: "yes", False: "no"}.get(v, v)) for k, v in ANSWERS.items()))


ROUTES: dict[str, Route] = {
    "handling_reports.index": Route("GET", ("handling_report.view",)),
    "handling_reports.entrustment": Route("GET", ("handling_report.view",), True),
    "handling_reports.plan": Route("POST", ("handling_report.configure",), True, "consignor", (("enabled", "1"),)),
    "handling_reports.file": Route("POST", ("handling_report.file",), True, "contractor"),
    "audit_dashboard.index": Route("GET", ("audit.view",)),
}
API_ROUTES = {
    ("GET", "/api/v1/handling-reports"): Route("GET", ("handling_report.view",)),
    ("GET", "/api/v1/entrustments/{e}/handling-reports"): Route("GET", ("handling_report.view",), True),
    ("POST", "/api/v1/entrustments/{e}/handling-reports"): Route("POST", ("handling_report.file",), True, "contractor"),
    ("POST", "/api/v1/entrustments/{e}/handling-report-plan"): Route("POST", ("handling_report.configure",), True,
                                                                     "consignor"),
    ("GET", "/api/v1/audits/dashboard"): Route("GET", ("audit.view",)),
}
# Who asks: "kyoto" is the consignor whose entrustment is "own", "vendor" the shared contractor, "otsu" a sibling
# consignor of the same vendor (its entrustment is the "foreign" one).
USERS = [("kyoto", role) for role in ROLE_ACTIONS if role != "admin"] + [
    ("vendor", "contractor_user"), ("vendor", "privacy_office"), ("otsu", "procurement"), ("otsu", "privacy_office"),
    (None, "admin")]


def test_every_route_of_these_pages_and_their_api_has_a_rule(app):
    endpoints = {r.endpoint for r in app.url_map.iter_rules() if r.endpoint.startswith(BLUEPRINTS)}
    assert endpoints == set(ROUTES)
    served = {(m, re.sub(r"<[^>]*entrustment_id>", "{e}", r.rule)) for r in app.url_map.iter_rules()
              if r.rule.startswith(API_PREFIXES) for m in r.methods - {"HEAD", "OPTIONS"}}
    assert served == set(API_ROUTES)


@pytest.fixture
def world():
    return gen_handling_world()


def _expected(route: Route, org: str | None, role: str, foreign: bool) -> set[int] | None:
    if not any(a in ROLE_ACTIONS[role] for a in route.actions):
        return {403}
    if role == "admin" or not route.entrustment:
        return None
    consignor = "otsu" if foreign else "kyoto"
    if org not in (consignor, "vendor"):
        return {404}
    if (route.acts_as == "consignor" and org != consignor) or (route.acts_as == "contractor" and org != "vendor"):
        return {403}
    return None

def _send(app, client, endpoint: str, route: Route, world, foreign: bool):
    with app.test_request_context():
        url = url_for(endpoint, **({"entrustment_id": world.albums["otsu" if foreign else "kyoto"].id}
                                   if route.entrustment else {}))
    if route.method == "GET":
        return client.get(url)
    return client.post(url, dict(_report_form()) if endpoint.endswith(".file") else dict(route.data))


@pytest.mark.parametrize(("org", "role"), USERS, ids=[f"{o}-{r}" for o, r in USERS])
def test_each_user_gets_exactly_what_the_rules_allow_on_the_web(app, world, make_client, org, role):
    user = gen_user(getattr(world, org) if org else None, role=role)
    failures = matrix_failures(
        make_client, user, ROUTES, password=PASSWORD,
        sides=lambda route: ("own", "sibling") if route.entrustment else ("own",),
        send=lambda client, endpoint, route, side: _send(app, client, endpoint, route, world, side == "sibling"),
        allowed=lambda route, side: _expected(route, org, role, side == "sibling"))
    assert not failures, f"{org} {role}\n" + "\n".join(failures)


@pytest.mark.parametrize("endpoint", sorted(ROUTES))
def test_anonymous_visitors_are_sent_to_the_login_page(app, world, client, endpoint):
    assert sent_to_login(_send(app, client, endpoint, ROUTES[endpoint], world, False))


@pytest.mark.parametrize(("org", "role"), USERS, ids=[f"{o}-{r}" for o, r in USERS])
def test_each_user_gets_exactly_what_the_rules_allow_in_the_api(app, world, org, role):
    user = gen_user(getattr(world, org) if org else None, role=role)
    headers = {"Authorization": f"Bearer {issue_token(user, 'matrix')[1]}"}
    failures = []
    for (method, template), route in API_ROUTES.items():
        for foreign in (False, True) if route.entrustment else (False,):
            url = template.format(e=world.albums["otsu" if foreign else "kyoto"].id)
            body = None
            if method == "POST":
                body = {"enabled": True} if url.endswith("plan") else {
                    "period": hm.period_text(months_ago(0)), "answers": ANSWERS}
            response = app.test_client().open(url, method=method, json=body, headers=headers)
            expected = _expected(route, org, role, foreign)
            status = response.status_code
            if not (status in expected if expected else status not in (401, 403, 404, 500)):
                failures.append(f"{org} {role} {method} {template} ({'sibling' if foreign else 'own'}): {status} "
                                f"{response.get_data(as_text=True)[:120]}")
    assert not failures, "\n".join(failures)


def test_a_sibling_consignor_reads_neither_the_name_nor_the_count_of_anothers_reports(app, world, make_client):
    client = make_client()
    client.login(world.otsu_privacy.email, PASSWORD)
    listing = client.get("/handling-reports").get_data(as_text=True)
    assert "京都市" not in listing and len(re.findall(r'data-entrustment="\d+"', listing)) == 1
    page = client.get(f"/entrustments/{world.albums['otsu'].id}/handling-reports").get_data(as_text=True)
    assert "京都市" not in page
    assert client.get(f"/entrustments/{world.albums['kyoto'].id}/handling-reports").status_code == 404
    token = issue_token(world.otsu_privacy, "sibling")[1]
    api = app.test_client().get("/api/v1/handling-reports", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert [item["entrustment_id"] for item in api["items"]] == [world.albums["otsu"].id]
    trail = client.get("/trail").get_data(as_text=True)
    assert "京都市" not in trail and world.albums["kyoto"].data_set not in trail
    # The shared vendor reads each consignor's page without the other's name on it.
    vendor = make_client()
    vendor.login(world.vendor_staff.email, PASSWORD)
    kyoto_page = vendor.get(f"/entrustments/{world.albums['kyoto'].id}/handling-reports").get_data(as_text=True)
    assert "大津市" not in kyoto_page


def test_the_contractor_files_on_the_page_and_a_bad_answer_is_named_in_place(world, make_client):
    client = make_client()
    client.login(world.vendor_staff.email, PASSWORD)
    url = f"/entrustments/{world.albums['kyoto'].id}/handling-reports"
    page = client.get(url).get_data(as_text=True)
    assert 'id="report-form"' in page and "事故・ヒヤリハットの有無" in page
    refused = client.post(url, {**dict(_report_form()), "a.persons_handled": "約400", "a.incident": "yes"})
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert 'data-field="persons_handled"' in text and 'data-field="incident_detail"' in text
    filed = client.post(url, dict(_report_form()), follow_redirects=True).get_data(as_text=True)
    assert f"{hm.period_text(months_ago(0))}の報告を提出しました" in filed
