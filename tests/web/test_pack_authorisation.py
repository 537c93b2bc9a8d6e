"""Every evidence-pack route, web and API × every kind of user: the consignor's own roles, the vendor's staff, a
sibling consignor of the same vendor, an operator admin, anonymous visitors.

A pack is its requester's: a role without pack.build → 403; any pack but one's own → 404 (its existence is never
revealed, not to a colleague and never to another consignor of the same vendor); lists show none of another's.
"""

from __future__ import annotations

import pytest

from oversight.accounts.services import issue_token
from oversight.extensions import db
from oversight.packs import services
from oversight.permissions import ROLE_ACTIONS
from tests.factories import PASSWORD, gen_user
from tests.packs.world import gen_pack_world

WEB = {  # endpoint: (method, url template, data)
    "packs.contractor": ("GET", "/organisations/{vendor}/evidence-packs", None),
    "packs.build": ("POST", "/organisations/{vendor}/evidence-packs", "period"),
    "packs.show": ("GET", "/evidence-packs/{pack}", None),
    "packs.download": ("GET", "/evidence-packs/{pack}/download", None),
}
API = {
    "packs_api.list_packs": ("GET", "/api/v1/evidence-packs", None),
    "packs_api.build_pack": ("POST", "/api/v1/evidence-packs", "period"),
    "packs_api.get_pack": ("GET", "/api/v1/evidence-packs/{pack}", None),
    "packs_api.download_pack": ("GET", "/api/v1/evidence-packs/{pack}/download", None),
}
USERS = [("sakura", role) for role in ROLE_ACTIONS if role != "admin"] + [
    ("shared", "contractor_user"), ("shared", "privacy_office"), ("otsu", "privacy_office"), ("otsu", "auditor"),
    (None, "admin")]


@pytest.fixture(autouse=True)
def pack_dir(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "EVIDENCE_PACK_DIR", str(tmp_path / "packs"))


def test_every_pack_route_has_a_rule(app):
    endpoints = {r.endpoint for r in app.url_map.iter_rules() if r.endpoint.startswith(("packs.", "packs_api."))}
    assert endpoints == set(WEB) | set(API)


@pytest.fixture
def world():
    w = gen_pack_world()
    w.sakura_pack = services.request_pack(w.privacy, {"contractor_id": w.shared.id, **w.period})
    return w


def _url(template: str, vendor: int, pack_id: int) -> str:
    return template.format(vendor=vendor, pack=pack_id)


@pytest.mark.parametrize("org,role", USERS)
def test_each_user_gets_its_own_packs_and_never_learns_of_anothers(app, world, make_client, org, role):
    organisation = {"sakura": world.sakura, "shared": world.shared, "otsu": world.otsu, None: None}[org]
    user = gen_user(organisation, role=role)
    may_build = "pack.build" in ROLE_ACTIONS[role]
    own_pack = services.request_pack(user, {"contractor_id": world.shared.id, **world.period}).id \
        if may_build and org != "shared" else None
    foreign_pack = world.sakura_pack.id
    email, period, user_id, privacy_id = user.email, world.period, user.id, world.privacy.id
    secret = issue_token(user, "matrix")[1]
    vendor = world.shared.id
    db.session.commit()  # the test's reads end: outside a request they would hold SQLite's write lock
    failures = []
    client = make_client()
    client.login(email, PASSWORD)
    for table, api in ((WEB, False), (API, True)):
        for endpoint, (method, template, _data) in table.items():
            for which, pack_id in (("own", own_pack), ("foreign", foreign_pack)):
                if "{pack}" not in template and which == "foreign":
                    continue
                if pack_id is None and "{pack}" in template:
                    pack_id = foreign_pack if not may_build else None
                    if pack_id is None:
                        continue
                url = _url(template, vendor, pack_id)
                body = {"period_from": period["period_from"], "period_to": period["period_to"]}
                if api:
                    headers = {"Authorization": f"Bearer {secret}"}
                    if method == "GET":
                        response = client.client.get(url, headers=headers)
                    else:
                        response = client.client.post(url, json={**body, "contractor_id": vendor},
                                                      headers=headers)
                else:
                    response = client.get(url) if method == "GET" else client.post(url, body)
                status = response.status_code
                response.close()
                if not may_build:
                    expected = {403}
                elif "{pack}" in template and which == "foreign" and role != "admin" \
                        and user_id != privacy_id:
                    expected = {404}
                elif org == "shared" and not api:
                    expected = {403}  # not a pack of one's own organisation
                elif org == "shared" and method == "POST":
                    expected = {422}
                else:
                    expected = None
                ok = status in expected if expected else status not in (401, 403, 404, 500)
                if not ok:
                    failures.append(f"{org}/{role} {method} {endpoint} ({which}): {status}")
    assert not failures, "\n".join(failures)


def test_anonymous_visitors_are_sent_to_log_in_and_api_callers_without_a_token_are_refused(world, client):
    for method, template, _data in WEB.values():
        url = _url(template, world.shared.id, world.sakura_pack.id)
        response = client.get(url) if method == "GET" else client.post(url, {})
        assert response.status_code in (302, 400) and ("/login" in response.headers.get("Location", "/login"))
    for method, template, _data in API.values():
        url = _url(template, world.shared.id, world.sakura_pack.id)
        response = client.client.get(url) if method == "GET" else client.client.post(url, json={})
        assert response.status_code == 401


def test_the_sibling_consignors_lists_and_pages_show_nothing_of_the_other_consignors_pack(world, make_client):
    otsu = gen_user(world.otsu, role="privacy_office")
    email, secret, vendor = otsu.email, issue_token(otsu, "matrix")[1], world.shared.id
    pack_id, sub_id = world.sakura_pack.id, world.sub.id
    db.session.commit()
    client = make_client()
    client.login(email, PASSWORD)
    page = client.get(f"/organisations/{vendor}/evidence-packs").get_data(as_text=True)
    assert "no-packs" in page and f"/evidence-packs/{pack_id}" not in page
    listed = client.client.get("/api/v1/evidence-packs", headers={"Authorization": f"Bearer {secret}"}).get_json()
    assert listed["items"] == []
    jobs = client.client.get("/api/v1/jobs", headers={"Authorization": f"Bearer {secret}"}).get_json()
    assert jobs["items"] == []
    # Naming a subcontractor only さくら's chain holds is refused as unknown, and nothing is stored.
    response = client.client.post("/api/v1/evidence-packs", headers={"Authorization": f"Bearer {secret}"},
                                  json={"contractor_id": sub_id, "period_from": "2026-01-01",
                                        "period_to": "2026-12-31"})
    assert response.status_code == 422 and "contractor_id" in response.get_json()["errors"]
