"""Every periodic-audit route × every kind of user: the auditor's own roles (さくら), the audited vendor's staff and
its privacy office (東都), a sibling consignor of the same vendor (大津市, auditing 東都 for its own entrustment),
an operator admin, anonymous visitors. The web routes and their API twins follow the same rules.

anonymous → the login page; a role that may never do the action → 403; an object the user may not see → 404
(never revealed); otherwise anything but 403/404/500.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from flask import url_for

from audits import campaigns, links
from oversight.accounts.services import issue_token
from oversight.permissions import ROLE_ACTIONS
from tests.campaigns.world import gen_audit_world, open_world_audit
from tests.factories import PASSWORD, gen_user
from tests.helpers import matrix_failures, sent_to_login

READ = ("audit.view", "questionnaire.answer")


@dataclass(frozen=True)
class Route:
    method: str
    actions: tuple[str, ...]
    objects: str = ""  # "audit", "link" (of the audit's questionnaire), "entrustment" (the audited one)
    data: tuple = ()
    as_organisation: bool = False  # acts as the user's organisation: an operator admin may not


ROUTES: dict[str, Route] = {
    "campaigns.audits": Route("GET", READ),
    "campaigns.audit_page": Route("GET", READ, "audit"),
    "campaigns.checklist": Route("POST", ("audit.run",), "audit", (("result.area_control", "ok"),)),
    "campaigns.close": Route("POST", ("audit.run",), "audit", (("conclusion", ""),)),
    "campaigns.share": Route("POST", ("audit.run",), "audit"),
    "campaigns.owner": Route("POST", ("audit.run",), "audit", (("owner_id", "0"),)),
    "campaigns.cancel": Route("POST", ("audit.run",), "audit", (("reason", ""),)),
    "campaigns.link_create": Route("POST", ("audit.run",), "audit", (("recipient", "東都 高田"),),
                                   as_organisation=True),
    "campaigns.link_revoke": Route("POST", ("audit.run",), "link"),
    "campaigns.schedule_page": Route("GET", ("audit.view",)),
    "campaigns.open_": Route("POST", ("audit.run",), "entrustment", as_organisation=True),
    "campaigns.campaign": Route("POST", ("audit.run",), "", (("within_days", "90"),), as_organisation=True),
}


def test_every_audit_route_has_a_rule(app):
    assert {r.endpoint for r in app.url_map.iter_rules() if r.endpoint.startswith("campaigns.")} == set(ROUTES)


@pytest.fixture
def world():
    w = gen_audit_world()
    w.audit = open_world_audit(w)
    w.otsu_audit = campaigns.open_audit(w.otsu_privacy, w.album.id, {})
    w.link = links.create_link(w.auditor, w.audit.request_id, {"recipient": "東都 担当"})[0]
    w.otsu_link = links.create_link(w.otsu_privacy, w.otsu_audit.request_id, {"recipient": "東都 担当"})[0]
    w.toto_privacy = gen_user(w.toto, "privacy_office")
    return w


# Who asks: (organisation in the world, role). さくら audits 東都; 大津市 audits 東都 too, for its own entrustment.
USERS = [("sakura", role) for role in ROLE_ACTIONS if role != "admin"] + [
    ("toto", "contractor_user"), ("toto", "privacy_office"), ("otsu", "privacy_office"), ("otsu", "procurement"),
    (None, "admin")]


def _expected(route: Route, org: str | None, role: str, foreign: bool) -> set[int] | None:
    """The refusal the rule demands (None: anything but a refusal). `foreign`: 大津市's objects."""
    if not any(a in ROLE_ACTIONS[role] for a in route.actions):
        return {403}
    if role == "admin":
        return {403} if route.as_organisation else None
    if not route.objects:
        return None
    owner = "otsu" if foreign else "sakura"
    if route.objects == "entrustment":  # the vendor sees the entrustment, but does not audit itself
        return {403} if org == "toto" else None if org == owner else {404}
    auditor_side = org == owner and "audit.view" in ROLE_ACTIONS[role]
    vendor_side = org == "toto" and route.objects == "audit" and "questionnaire.answer" in ROLE_ACTIONS[role]
    return None if auditor_side or vendor_side else {404}


def _url(app, endpoint: str, route: Route, world, foreign: bool) -> str:
    audit = world.otsu_audit if foreign else world.audit
    args = {}
    if route.objects in ("audit", "link"):
        args["audit_id"] = audit.id
    if route.objects == "link":
        args["link_id"] = (world.otsu_link if foreign else world.link).id
    if route.objects == "entrustment":
        args["entrustment_id"] = (world.album if foreign else world.members).id
    with app.test_request_context():
        return url_for(endpoint, **args)


def _send(client, route: Route, url: str):
    return client.get(url) if route.method == "GET" else client.post(url, dict(route.data))


def _sides(route) -> tuple[str, ...]:
    return ("own", "sibling") if route.objects else ("own",)


@pytest.mark.parametrize(("org", "role"), USERS, ids=[f"{o}-{r}" for o, r in USERS])
def test_each_user_gets_exactly_what_the_rules_allow_on_the_web(app, world, make_client, org, role):
    user = gen_user(getattr(world, org) if org else None, role=role)
    failures = matrix_failures(
        make_client, user, ROUTES, password=PASSWORD, sides=_sides,
        send=lambda client, endpoint, route, side: _send(
            client, route, _url(app, endpoint, route, world, side == "sibling")),
        allowed=lambda route, side: _expected(route, org, role, side == "sibling"))
    assert not failures, f"{org} {role}\n" + "\n".join(failures)


@pytest.mark.parametrize("endpoint", sorted(ROUTES))
def test_anonymous_visitors_are_sent_to_the_login_page(app, world, client, endpoint):
    route = ROUTES[endpoint]
    assert sent_to_login(_send(client, route, _url(app, endpoint, route, world, False)))


def test_the_sibling_consignor_sees_neither_the_name_nor_the_count_of_anothers_audits(world, make_client):
    client = make_client()
    client.login(world.otsu_privacy.email, PASSWORD)
    for url in ("/audits", "/audits?status=all", "/audit-schedule", f"/audits/{world.otsu_audit.id}",
                f"/entrustments/{world.album.id}"):
        page = client.get(url).get_data(as_text=True)
        assert "さくら商事" not in page and "会員の問合せ" not in page, url
    listing = client.get("/audits?status=all").get_data(as_text=True)
    assert len(re.findall(r'data-audit="\d+"', listing)) == 1


def test_the_vendor_reads_its_audit_without_the_auditors_tier_reasons(world, make_client):
    client = make_client()
    client.login(world.toto_staff.email, PASSWORD)
    page = client.get(f"/audits/{world.audit.id}").get_data(as_text=True)
    assert "会員の問合せ対応データ" in page and "1,380,000" not in page and "audit-tier" not in page
    assert f"/questionnaire-requests/{world.audit.request_id}" in page


# ---------------------------------------------------------------- the API twins

API_ROUTES = [
    ("GET", "/api/v1/audits", READ, ""),
    ("POST", "/api/v1/audits", ("audit.run",), "entrustment_body"),
    ("GET", "/api/v1/audits/{audit}", READ, "audit"),
    ("POST", "/api/v1/audits/{audit}/checklist", ("audit.run",), "audit"),
    ("POST", "/api/v1/audits/{audit}/owner", ("audit.run",), "audit"),
    ("POST", "/api/v1/audits/{audit}/close", ("audit.run",), "audit"),
    ("POST", "/api/v1/audits/{audit}/share", ("audit.run",), "audit"),
    ("POST", "/api/v1/audits/{audit}/cancel", ("audit.run",), "audit"),
    ("GET", "/api/v1/audit-schedule", ("audit.view",), ""),
    ("GET", "/api/v1/audit-schedule/{entrustment}", ("audit.view",), "schedule_row"),
    ("POST", "/api/v1/audit-campaigns", ("audit.run",), ""),
]
API_BODIES = {"checklist": {"items": {"area_control": {"result": "ok"}}}, "owner": {"owner_id": 1},
              "close": {"conclusion": ""}, "share": {}, "cancel": {"reason": ""},
              "audit-campaigns": {"within_days": 90}}


def test_every_audit_api_route_has_a_rule(app):
    served = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(("/api/v1/audits", "/api/v1/audit-schedule", "/api/v1/audit-campaigns")):
            path = re.sub(r"<[^>]*audit_id>", "{audit}", re.sub(r"<[^>]*entrustment_id>", "{entrustment}", rule.rule))
            served |= {(m, path) for m in rule.methods - {"HEAD", "OPTIONS"}}
    # The review of an audit's answers and its cross-checks have their matrix in test_findings_authorisation.py,
    # the dashboard in test_handling_reports_authorisation.py.
    others = ("/review", "/revision", "/cross-checks", "/api/v1/audits/dashboard")
    served = {(m, p) for m, p in served if not p.endswith(others)}
    assert served == {(m, p) for m, p, *_ in API_ROUTES}


def _api_expected(method, template, actions, objects, org, role, foreign):
    if not any(a in ROLE_ACTIONS[role] for a in actions):
        return {403}
    as_organisation = method == "POST" and template in ("/api/v1/audits", "/api/v1/audit-campaigns")
    if role == "admin":
        return {403} if as_organisation else None
    if objects == "entrustment_body":
        return _expected(Route(method, actions, "entrustment"), org, role, foreign)
    if objects == "schedule_row":  # the vendor's own staff read no tier of their own entrustment
        return None if org == ("otsu" if foreign else "sakura") else {404}
    return _expected(Route(method, actions, objects), org, role, foreign)


@pytest.mark.parametrize(("org", "role"), USERS, ids=[f"{o}-{r}" for o, r in USERS])
def test_each_user_gets_exactly_what_the_rules_allow_in_the_api(app, world, org, role):
    user = gen_user(getattr(world, org) if org else None, role=role)
    headers = {"Authorization": f"Bearer {issue_token(user, 'matrix')[1]}"}
    failures = []
    for method, template, actions, objects in API_ROUTES:
        for foreign in (False, True):
            if not objects and foreign:
                continue
            audit = world.otsu_audit if foreign else world.audit
            entrustment = world.album if foreign else world.members
            url = template.format(audit=audit.id, entrustment=entrustment.id)
            body = None
            if method == "POST":
                body = {"entrustment_id": entrustment.id} if objects == "entrustment_body" else \
                    API_BODIES.get(url.rsplit("/", 1)[-1], {})
            response = app.test_client().open(url, method=method, json=body, headers=headers)
            expected = _api_expected(method, template, actions, objects, org, role, foreign)
            status = response.status_code
            ok = status in expected if expected else status not in (401, 403, 404, 500)
            if not ok:
                failures.append(f"{org} {role} {method} {template} ({'sibling' if foreign else 'own'}): {status} "
                                f"{response.get_data(as_text=True)[:160]}")
    assert not failures, "\n".join(failures)
