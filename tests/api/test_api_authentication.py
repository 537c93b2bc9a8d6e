"""Only a live bearer token opens the API: no token, a revoked one, a disabled user or a browser session get 401."""

import re

import pytest
from sqlalchemy import select

from oversight.accounts import services as accounts
from oversight.extensions import db
from oversight.registry.models import Organisation
from tests.factories import gen_organisation, gen_user


def every_operation(app):
    """(method, url) of each API operation in the served OpenAPI document, with 1 for each path id."""
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    for path, operations in spec["paths"].items():
        for method in operations:
            if method != "parameters":
                yield method.upper(), re.sub(r"\{\w+_id\}", "1", path)


@pytest.mark.parametrize("header", [None, "Bearer ovs_not-a-real-token", "Bearer ", "Basic dXNlcjpwYXNz"])
def test_every_operation_refuses_a_request_without_a_live_token_with_a_bearer_challenge(app, api_as, header):
    org = gen_organisation()
    client = api_as(None)
    headers = {"Authorization": header} if header else {}

    for method, url in every_operation(app):
        refused = client.open(method, url, headers=headers, json={"name": "侵入株式会社"})
        assert refused.status_code == 401, (method, url)
        assert refused.headers["WWW-Authenticate"].startswith("Bearer")
        assert refused.get_json()["code"] == "unauthorised"
    assert db.session.scalars(select(Organisation.name)).all() == [org.name]


def test_a_revoked_token_stops_working_at_once(api_as):
    user = gen_user(gen_organisation(), role="privacy_office")
    token, secret = accounts.issue_token(user, "基幹システム連携")
    client = api_as(user, secret)
    assert client.get("/api/v1/organisations").status_code == 200

    accounts.revoke_token(user, token.id)

    refused = client.get("/api/v1/organisations")
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"] == 'Bearer realm="oversight", error="invalid_token"'


def test_the_token_of_a_disabled_user_is_refused(api_as):
    user = gen_user(gen_organisation(), role="privacy_office")
    client = api_as(user)
    user.is_enabled = False
    db.session.commit()

    assert client.get("/api/v1/organisations").status_code == 401


def test_a_logged_in_browser_session_does_not_open_the_api(client):
    user = gen_user(gen_organisation(), role="admin")
    client.login(user.email)
    assert client.get("/").status_code == 200

    refused = client.open("/api/v1/organisations", method="POST", json={"name": "クッキー経由株式会社"})

    assert refused.status_code == 401
    assert client.get("/api/v1/organisations").status_code == 401


def test_a_token_needs_no_csrf_token_although_the_web_forms_do(app, api_as):
    assert app.config.get("WTF_CSRF_ENABLED", True)
    client = api_as(gen_user(role="admin"))

    created = client.post("/api/v1/organisations", json={"name": "トークン連携株式会社"})

    assert created.status_code == 201
