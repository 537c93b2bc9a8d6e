"""An address that can never receive mail is refused where users and contacts are created — on the form, the
API and the command line — with a message on the field, and nothing is stored."""

import pytest
from sqlalchemy import func, select

from oversight.accounts import services as accounts
from oversight.accounts.models import User
from oversight.errors import ValidationFailed
from oversight.extensions import db
from oversight.registry import services as registry
from oversight.registry.models import Contact
from tests.api.conftest import ApiClient
from tests.factories import PASSWORD, SYSTEM, gen_organisation, gen_user

RESERVED = ("メールアドレスが予約済みのドメイン（.local、.localhost、.invalid、.test など）にあり、"
            "メールを受け取れません。")


@pytest.fixture
def api_as(app):
    return lambda user: ApiClient(app.test_client(), accounts.issue_token(user, "tests")[1])


@pytest.mark.parametrize("address, refusal", [
    ("privacy@toto.local", RESERVED),             # issue 13: mDNS, never a mail domain
    ("soc@mail.toto.localhost", RESERVED),
    ("noreply@sakura.invalid", RESERVED),
    ("csirt@sakura.test", RESERVED),
    ("privacy at toto", "メールアドレスの形式が正しくありません。"),
    ("privacy@toto", "メールアドレスの形式が正しくありません。"),
    ("privacy@sakura-hd.example", None),           # RFC 2606's documentation domain: the demo's addresses
    ("Privacy@Example.JP", None),
])
def test_a_user_address_is_checked_when_the_user_is_created(address, refusal):
    org = gen_organisation("株式会社東都システム")
    data = {"email": address, "name": "個人情報 窓口", "role": "privacy_office", "password": PASSWORD,
            "organisation_id": org.id}
    if refusal is None:
        assert "@" in accounts.create_user(None, data).email
        return
    with pytest.raises(ValidationFailed) as refused:
        accounts.create_user(None, data)
    assert [str(m) for m in refused.value.errors["email"]] == [refusal]
    db.session.rollback()
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_the_domain_is_stored_in_lower_case_so_the_same_address_cannot_be_added_twice():
    toto = gen_organisation("株式会社東都システム")
    gen_user(toto, email="Privacy@Toto-System.EXAMPLE")
    assert db.session.scalar(select(User.email)) == "Privacy@toto-system.example"
    with pytest.raises(ValidationFailed) as refused:
        gen_user(toto, email="privacy@toto-system.example")
    assert "email" in refused.value.errors


def test_the_users_page_names_the_field_and_keeps_nothing(client):
    admin = gen_user(None, "admin")
    org = gen_organisation("株式会社東都システム")
    client.login(admin.email)
    response = client.post("/users", {"email": "privacy@toto.local", "name": "山田", "role": "privacy_office",
                                      "organisation_id": str(org.id), "password": PASSWORD})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'data-field="email">{RESERVED}' in page
    assert db.session.scalar(select(func.count(User.id))) == 1


def test_the_command_line_refuses_an_operator_admin_at_a_reserved_domain(app):
    result = app.test_cli_runner().invoke(args=["create-admin", "--email", "root@oversight.local"],
                                          input="a long enough password\na long enough password\n")
    assert result.exit_code == 1 and "email:" in result.output and ".local" in result.output


def test_a_contact_address_is_checked_on_the_form_and_in_the_api(client, api_as):
    privacy = gen_user(gen_organisation("さくら商事株式会社"), "privacy_office")
    vendor = registry.create_organisation(privacy, {"name": "株式会社東都システム"})
    client.login(privacy.email)
    form = client.post(f"/organisations/{vendor.id}/contacts", {
        "contact-name": "東都SOC", "contact-role": "incident", "contact-email": "soc@toto.local",
        "contact-phone": "03-5555-0101"}, follow_redirects=True)
    assert RESERVED in form.get_data(as_text=True)

    api = api_as(privacy).post("/api/v1/organisations", json={
        "name": "株式会社みなとデータ入力", "record": {"contacts": [
            {"name": "品質管理課", "email": "qa@minato.example"},
            {"role": "incident", "name": "夜間窓口", "email": "night@minato.test", "phone": "045-777-0303"}]}})
    assert api.status_code == 422
    (field,) = api.get_json()["errors"]
    assert field.endswith("contacts[1].email") and api.get_json()["errors"][field] == [RESERVED]
    assert db.session.scalar(select(func.count(Contact.id))) == 0


def test_an_existing_contact_keeps_working_when_another_is_added():
    org = gen_organisation("株式会社東都システム")
    registry.add_contact(SYSTEM, org.id, {"name": "東都SOC", "email": "SOC@Toto-System.example"})
    registry.add_contact(SYSTEM, org.id, {"name": "総務", "email": "soumu@toto-system.example"})
    assert sorted(db.session.scalars(select(Contact.email))) == ["SOC@toto-system.example",
                                                                  "soumu@toto-system.example"]
