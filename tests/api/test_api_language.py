"""The API answers Japanese as UTF-8 text and in the language the client asks for: Accept-Language first, then the
token user's saved language, then Japanese. Pages keep the switch, then the saved language, then Japanese."""

import pytest

from oversight.extensions import db
from tests.factories import PASSWORD, gen_organisation, gen_user
from tests.helpers import text_of

MISSING = "/api/v1/organisations/999999"
NOT_FOUND = {"ja": "組織が見つかりません。", "en": "Organisation not found."}


def saved_language(user, locale: str):
    """The user as if they had chosen `locale` on their account (what the language switch saves)."""
    user.locale = locale
    db.session.commit()
    return user


def test_japanese_is_sent_as_utf_8_text_not_escapes(api_as):
    admin_api = api_as(gen_user(role="admin"))
    gen_organisation("さくら商事株式会社")

    response = admin_api.get("/api/v1/organisations")

    assert "さくら商事株式会社".encode() in response.data and b"\\u" not in response.data
    assert response.mimetype == "application/json" and response.get_json()["items"][0]["name"] == "さくら商事株式会社"
    refusal = admin_api.get(MISSING)
    assert "見つかりません".encode() in refusal.data and b"\\u" not in refusal.data


@pytest.mark.parametrize(("saved", "header", "language"), [
    ("", None, "ja"), ("", "en", "en"), ("", "en-GB,en;q=0.9", "en"), ("", "ja-JP", "ja"),
    ("en", None, "en"), ("en", "ja", "ja"), ("ja_JP", "en-US", "en"), ("en", "fr", "en"), ("", "fr, de", "ja"),
])
def test_accept_language_chooses_the_language_over_the_saved_one(api_as, saved, header, language):
    user = saved_language(gen_user(role="admin"), saved)
    headers = {"Accept-Language": header} if header else {}

    response = api_as(user).get(MISSING, headers=headers)

    assert response.status_code == 404
    assert NOT_FOUND[language] in response.get_json()["message"], response.get_json()
    assert "Accept-Language" in response.headers["Vary"]


def test_the_header_chooses_the_language_of_a_refusal_before_the_token_is_checked(api_as):
    refused = api_as(None).get("/api/v1/organisations", headers={"Accept-Language": "en"})

    assert refused.status_code == 401 and refused.get_json()["message"].startswith("A valid API token is required")
    assert api_as(None).get("/api/v1/organisations").get_json()["message"].startswith("有効な API トークン")


def test_a_browser_sessions_language_does_not_reach_the_api(make_client, api_as):
    user = gen_user(gen_organisation(), role="privacy_office")
    browser = make_client()
    browser.login(user.email, PASSWORD)
    browser.post("/language/en", {"next": "/"})  # the switch: this session and the account's saved language
    saved_language(user, "")  # …then the saved language reset elsewhere: only the session still says English

    assert "What needs attention" in text_of(browser.get("/"))
    answer = browser.get(MISSING, headers={"Authorization": f"Bearer {api_as(user).secret}"})
    assert NOT_FOUND["ja"] in answer.get_json()["message"]


def test_pages_ignore_accept_language_and_follow_the_switch_then_the_saved_language(make_client):
    english = saved_language(gen_user(gen_organisation(), role="privacy_office"), "en")
    anonymous = make_client()
    assert "ログイン" in text_of(anonymous.get("/login", headers={"Accept-Language": "en"}))

    browser = make_client()
    browser.login(english.email, PASSWORD)
    assert "What needs attention" in text_of(browser.get("/", headers={"Accept-Language": "ja"}))
    browser.post("/language/ja_JP", {"next": "/"})
    assert "対応が必要な事項" in text_of(browser.get("/", headers={"Accept-Language": "en"}))
