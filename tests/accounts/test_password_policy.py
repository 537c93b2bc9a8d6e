"""Weak passwords are refused with the reason, on every path that sets one (issue 13, point 17:
`aaaaaaaaaaaa` was accepted). NIST SP 800-63B: a minimum length and a list of common passwords, no
composition rules; plus what is trivially guessed and what is one's own address or name."""

from __future__ import annotations

import pytest

from oversight.accounts import password_policy
from oversight.accounts.password_policy import COMMON, PERSONAL, TOO_LONG, TOO_SHORT, TRIVIAL
from oversight.demo import DEMO_PASSWORD, DEMO_USERS
from tests.factories import PASSWORD, gen_organisation, gen_user
from tests.helpers import text_of

EMAIL, NAME = "yamada.taro@sakura-hd.example", "山田 太郎"

REFUSED = [
    # (name, password, the reason given)
    ("too short", "x7#Lq2!vB9", TOO_SHORT),
    ("one character repeated (the attack's example)", "aaaaaaaaaaaa", TRIVIAL),
    ("two characters alternating", "abababababab", TRIVIAL),
    ("the alphabet in order", "abcdefghijklm", TRIVIAL),
    ("the digits in order", "123456789012", TRIVIAL),
    ("backwards", "zyxwvutsrqpo", TRIVIAL),
    ("keyboard rows", "mnbvcxzlkjhgf", TRIVIAL),
    ("a short block repeated", "k9#mk9#mk9#mk9#m", TRIVIAL),
    ("a word repeated", "passwordpassword", TRIVIAL),
    ("on the list", "qwertyuiop12", COMMON),
    ("on the list, capitals do not help", "PASSWORD1234", COMMON),
    ("a listed word with digits and a mark added", "Sunshine2026!", COMMON),
    ("a listed word in full-width letters", "ｍｏｎｋｅｙ１２３４５６", COMMON),
    ("one's own address", "yamada.taro@sakura-hd.example", PERSONAL),
    ("one's own address's name and a year", "yamada.taro2026", PERSONAL),
    ("one's own name and a year", "山田太郎2026年4月1日", PERSONAL),
    ("longer than the form takes", "x" * 100 + "Lq2!vB9z" * 13, TOO_LONG),
]

ACCEPTED = [
    ("a passphrase", "rain on the tin roof at dusk"),
    ("the demo password", DEMO_PASSWORD),
    ("random characters", "kx8#Lq2!vB9zT"),
    ("a passphrase in Japanese", "春はあけぼのやうやう白くなりゆく"),
    ("a long phrase repeated once", "correcthorsebatterycorrecthorsebattery"),
    ("an address-like word that is not one's own", "privacy-office-2026"),
]


@pytest.mark.parametrize(("password", "reason"), [case[1:] for case in REFUSED], ids=[c[0] for c in REFUSED])
def test_a_weak_password_is_refused_with_the_reason(password, reason):
    problems = password_policy.problems(password, email=EMAIL, name=NAME)
    assert problems == [reason]


@pytest.mark.parametrize("password", [case[1] for case in ACCEPTED], ids=[c[0] for c in ACCEPTED])
def test_a_reasonable_password_is_accepted(password):
    assert password_policy.problems(password, email=EMAIL, name=NAME) == []


def test_the_demo_password_is_accepted_for_every_demo_user():
    assert [email for email, name, _role, _org in DEMO_USERS
            if password_policy.problems(DEMO_PASSWORD, email=email, name=name)] == []


def test_the_account_page_refuses_a_weak_new_password_in_japanese_and_keeps_the_old_one(client, make_client):
    user = gen_user(gen_organisation())
    client.login(user.email, PASSWORD)
    client.get("/account")

    response = client.post("/account", {"pw-current_password": PASSWORD, "pw-new_password": "aaaaaaaaaaaa"})

    assert response.status_code == 200
    assert "推測が容易です" in text_of(response)
    assert make_client().login(user.email, PASSWORD).status_code == 302
    assert make_client().login(user.email, "aaaaaaaaaaaa").status_code == 401


def test_an_admin_creating_a_user_with_a_common_password_is_told_why_and_nothing_is_created(client):
    admin = gen_user(role="admin")
    org = gen_organisation()
    client.login(admin.email, PASSWORD)
    client.get("/users")

    response = client.post("/users", {"email": "new@example.jp", "name": "新人", "role": "privacy_office",
                                      "organisation_id": str(org.id), "password": "password1234"})

    assert response.status_code == 422
    assert "よく使われるパスワード" in text_of(response)
    assert "new@example.jp" not in text_of(client.get("/users"))


def test_create_admin_from_the_command_line_refuses_a_trivial_password_and_says_why(app):
    result = app.test_cli_runner().invoke(args=["create-admin", "--email", "ops@example.jp"],
                                          input="123456789012\n123456789012\n")

    assert result.exit_code == 1
    assert "password:" in result.output and "推測が容易です" in result.output
