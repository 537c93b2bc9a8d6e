"""Changing one's own password from the account page (issue 13, point 1: it used to kill the server)."""

from __future__ import annotations

from tests.factories import PASSWORD, gen_organisation, gen_user
from tests.helpers import text_of

NEW_PASSWORD = "rain on the tin roof at dusk"


def test_a_user_changes_the_password_on_the_account_page_and_keeps_working(client):
    user = gen_user(gen_organisation())
    client.login(user.email, PASSWORD)
    client.get("/account")

    response = client.post("/account", {"pw-current_password": PASSWORD, "pw-new_password": NEW_PASSWORD})

    assert response.status_code == 302
    page = client.get("/account")
    assert page.status_code == 200
    assert user.email in text_of(page)
    assert client.get("/").status_code == 200


def test_after_a_password_change_other_sessions_end_and_only_the_new_password_logs_in(client, make_client):
    user = gen_user(gen_organisation())
    other_browser = make_client()
    other_browser.login(user.email, PASSWORD)
    client.login(user.email, PASSWORD)
    client.get("/account")

    client.post("/account", {"pw-current_password": PASSWORD, "pw-new_password": NEW_PASSWORD})

    assert other_browser.get("/account").status_code == 302  # sent to the login page
    assert make_client().login(user.email, PASSWORD).status_code == 401
    assert make_client().login(user.email, NEW_PASSWORD).status_code == 302
