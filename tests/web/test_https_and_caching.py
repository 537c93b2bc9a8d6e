"""What browsers and proxies may keep (issue 13, point 16): no page or API answer is stored anywhere, and an
installation served over HTTPS marks its session cookie Secure and sends HSTS."""

from __future__ import annotations

import pytest

from oversight import create_app
from oversight.accounts.services import issue_token
from oversight.config import TestConfig
from oversight.extensions import db, limiter
from tests.factories import PASSWORD, gen_organisation, gen_user
from tests.helpers import WebClient

SITE = "https://oversight.example.jp"
FROM_LOGIN_PAGE = {"Referer": f"{SITE}/login"}  # Flask-WTF checks it over HTTPS, as browsers send it


@pytest.fixture
def https_app(database_url):
    """The app as production runs it: BASE_URL on https, behind one reverse proxy, log-ins limited per address."""
    limiter.reset()
    yield create_app(TestConfig, {"SQLALCHEMY_DATABASE_URI": database_url, "BASE_URL": SITE,
                                  "TRUSTED_PROXY_COUNT": 1, "LOGIN_RATE_LIMIT": "2 per hour"})
    limiter.reset()


def account() -> str:
    """A user's e-mail, with this test's transaction ended: the second app writes through its own connection."""
    email = gen_user(gen_organisation()).email
    db.session.commit()
    return email


def session_cookie_header(response) -> str:
    return next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))


def test_pages_and_api_answers_with_personal_data_are_never_stored_but_static_files_may_be(client):
    user = gen_user(gen_organisation())
    _token, secret = issue_token(user, "ticketing")
    client.login(user.email, PASSWORD)

    for page in ("/", "/account", "/organisations"):
        assert client.get(page).headers["Cache-Control"] == "no-store", page
    answer = client.get("/api/v1/organisations", headers={"Authorization": f"Bearer {secret}"})
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    static = client.get("/static/app.css")
    static.close()
    assert static.status_code == 200 and "no-store" not in static.headers.get("Cache-Control", "")


def test_over_plain_http_the_cookie_is_not_secure_and_there_is_no_hsts(client):
    user = gen_user(gen_organisation())
    client.get("/login")

    response = client.post("/login", {"email": user.email, "password": PASSWORD})

    assert "Secure" not in session_cookie_header(response)
    assert "Strict-Transport-Security" not in response.headers


def test_over_https_the_session_cookie_is_secure_and_hsts_is_sent(https_app):
    email = account()
    browser = WebClient(https_app.test_client())
    browser.get("/login", base_url=SITE)

    response = browser.post("/login", {"email": email, "password": PASSWORD}, base_url=SITE,
                            headers=FROM_LOGIN_PAGE)

    assert response.status_code == 302
    assert "; Secure" in session_cookie_header(response)
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert browser.get("/", base_url=SITE).status_code == 200


def test_behind_the_proxy_each_client_address_is_limited_on_its_own(https_app):
    email = account()
    browser = WebClient(https_app.test_client())
    browser.get("/login", base_url=SITE)

    def attempt(address: str) -> int:
        return browser.post("/login", {"email": email, "password": "not the password"},
                            base_url=SITE, headers={**FROM_LOGIN_PAGE, "X-Forwarded-For": address}).status_code

    assert [attempt("203.0.113.1") for _ in range(3)] == [401, 401, 429]
    assert attempt("203.0.113.2") == 401
