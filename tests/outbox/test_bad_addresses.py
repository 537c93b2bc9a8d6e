"""One invalid address on file (a user created before addresses were checked) never blocks a filing or a
reminder sweep: the mail goes to the good addresses, the bad one is recorded on the message, and the
organisation holding it and the operator admins are told — the filer never sees a consignor's address."""

from datetime import datetime

import pytest
from sqlalchemy import select

from oversight.accounts.services import issue_token
from oversight.errors import Conflict
from oversight.extensions import db
from oversight.incidents import services as incidents
from oversight.incidents.reminders import enqueue_due_reminders
from oversight.notifications import filing
from oversight.outbox import services as outbox
from oversight.outbox.models import OutboxMessage
from oversight.registry import services as registry
from oversight.registry.models import Contact
from tests.api.conftest import ApiClient
from tests.factories import SUSPECTED_LEAK, SYSTEM, gen_entrustment, gen_organisation, gen_user
from tests.incidents.test_reminders import LEAK

BODY = "本文"
QUICK_REPORT_DUE_SOON = datetime.fromisoformat("2026-11-21T09:00:00+09:00")  # LEAK's quick window ends on 22 Nov


def user_from_before_the_check(organisation, role: str, email: str):
    """A user whose address was stored when nothing checked it (issue 13: privacy@toto.local)."""
    user = gen_user(organisation, role)
    user.email = email
    db.session.commit()
    return user


def mails() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def by_key(prefix: str) -> list[OutboxMessage]:
    return [m for m in mails() if m.key.startswith(prefix)]


@pytest.fixture
def api_as(app):
    return lambda user: ApiClient(app.test_client(), issue_token(user, "tests")[1])


@pytest.fixture
def operator():
    return gen_user(None, "admin", email="operator@oversight.example")


def test_a_filing_to_an_organisation_with_an_invalid_address_files_and_mails_the_others(
        api_as, chain, operator, smtp_server):
    user_from_before_the_check(chain.toto, "privacy_office", "privacy@toto.local")
    toto_admin = gen_user(chain.toto, "admin", email="admin@toto.example")

    response = api_as(chain.uf_staff).post("/api/v1/notifications", json={
        "entrustment_id": chain.call_centre.id, "title": "端末の不審通信", "facts": SUSPECTED_LEAK})

    assert response.status_code == 201, response.get_json()
    assert "toto" not in response.get_data(as_text=True)  # no address of the consignor reaches the filer
    [notice] = by_key("notification:")
    assert notice.recipients == ["soc@toto.example"] and notice.status == "pending"
    [skipped] = notice.skipped_recipients
    assert skipped["address"] == "privacy@toto.local" and skipped["reason"].startswith("予約済みのドメイン")

    [warning] = by_key("bad-address:")
    assert sorted(warning.recipients) == sorted([toto_admin.email, operator.email])  # never UFサポート's people
    assert "privacy@toto.local" in warning.body and "株式会社東都システム" in warning.subject

    outbox.deliver_due()
    delivered = {tuple(e.rcpt_tos): m for e, m in zip(smtp_server.envelopes, smtp_server.messages, strict=True)}
    assert delivered[("soc@toto.example",)]["Subject"] == notice.subject
    warning_mail = delivered[tuple(warning.recipients)]
    assert str(warning_mail["To"]) == "undisclosed-recipients:;"  # the operator's and 東都's admins see no other

    filer = api_as(chain.uf_staff).get(f"/api/v1/notifications/{response.get_json()['id']}")
    assert filer.status_code == 200 and "toto.example" not in filer.get_data(as_text=True)


def test_the_filers_page_shows_how_many_got_the_mail_but_no_address(chain, client, smtp_server):
    user_from_before_the_check(chain.toto, "privacy_office", "privacy@toto.local")
    smtp_server.refuse = {"soc@toto.example"}
    client.login(chain.uf_staff.email)
    n = filing.file_new(chain.uf_staff, {"entrustment_id": chain.call_centre.id, "title": "端末の不審通信",
                                                "facts": SUSPECTED_LEAK})
    outbox.deliver_due()  # the server refuses 東都's contact: the error names the address

    page = client.get(f"/notifications/{n.id}").get_data(as_text=True)
    assert "1件のアドレス" in page
    assert "soc@toto.example" not in page and "privacy@toto.local" not in page


def test_the_reminder_sweep_queues_everyone_elses_reminders_despite_an_invalid_address(operator):
    vendor = gen_organisation("株式会社東都システム")
    careless, careful, lost = (gen_organisation(name) for name in ("さくら商事株式会社", "みなと銀行株式会社",
                                                                   "ひかり生命保険株式会社"))
    user_from_before_the_check(careless, "privacy_office", "privacy@sakura.local")
    gen_user(careless, "incident_team", email="csirt@sakura.example")
    gen_user(careful, "privacy_office", email="privacy@minato.example")
    user_from_before_the_check(lost, "privacy_office", "privacy at hikari")  # its only address
    for consignor in (careless, careful, lost):
        gen_entrustment(consignor, vendor)
    incidents.open_incident(SYSTEM, {"organisation_id": vendor.id, "title": "会員サイトへの不正アクセス",
                                     "scope": "engagements", "facts": LEAK,
                                     "notified_consignor_at": "2026-11-17T15:00:00+09:00"})

    assert enqueue_due_reminders(QUICK_REPORT_DUE_SOON) == 3

    reminders = {m.recipients[0] if m.recipients else None: m for m in by_key("incident-reminder:")}
    assert set(reminders) == {"csirt@sakura.example", "privacy@minato.example", None}
    assert reminders["csirt@sakura.example"].skipped_recipients[0]["address"] == "privacy@sakura.local"
    unsendable = reminders[None]
    assert unsendable.status == "no_address" and "有効な宛先がない" in unsendable.last_error
    assert unsendable.skipped_recipients[0]["address"] == "privacy at hikari"
    assert enqueue_due_reminders(QUICK_REPORT_DUE_SOON) == 0  # the sweep runs again: nothing twice
    assert len(by_key("bad-address:")) == 2  # one warning per address and organisation


def test_a_mail_with_no_valid_address_is_kept_but_never_sent_nor_sent_again(smtp_server):
    message = outbox.enqueue("notice:1", ["privacy@toto.local", "not an address"], "件名", BODY)
    db.session.commit()
    assert message.status == "no_address" and message.recipients == []
    assert [s["address"] for s in message.skipped_recipients] == ["privacy@toto.local", "not an address"]
    assert outbox.deliver_due().sent == 0 and smtp_server.messages == []
    with pytest.raises(Conflict):
        outbox.retry(message.id)


def test_the_warning_goes_once_a_day_to_each_organisation_holding_the_address_and_names_only_it(operator):
    sakura, toto = gen_organisation("さくら商事株式会社"), gen_organisation("株式会社東都システム")
    sakura_privacy = gen_user(sakura, "privacy_office", email="privacy@sakura.example")
    toto_privacy = gen_user(toto, "privacy_office", email="privacy@toto.example")
    for org in (sakura, toto):
        registry.add_contact(SYSTEM, org.id, {"name": f"{org.name}の窓口", "email": "desk@shared.example"})
    for contact in db.session.scalars(select(Contact)):
        contact.email = "desk@shared.local"  # stored before addresses were checked
    db.session.commit()

    for n in range(2):
        outbox.enqueue(f"notice:{n}", ["desk@shared.local", "ok@example.jp"], "件名", BODY)
    db.session.commit()

    warnings = {m.object_id: m for m in by_key("bad-address:")}
    assert set(warnings) == {sakura.id, toto.id}
    assert sorted(warnings[sakura.id].recipients) == sorted([sakura_privacy.email, operator.email])
    assert sorted(warnings[toto.id].recipients) == sorted([toto_privacy.email, operator.email])
    assert "株式会社東都システム" not in warnings[sakura.id].body and "さくら" not in warnings[toto.id].body


def test_a_message_to_several_recipients_shows_none_of_them_to_the_others(smtp_server):
    outbox.enqueue("notice:1", ["csirt@sakura.example", "ops@uf.example"], "件名", BODY)
    outbox.enqueue("notice:2", ["csirt@sakura.example"], "件名", BODY)
    db.session.commit()
    outbox.deliver_due()
    several, one = smtp_server.messages
    assert str(several["To"]) == "undisclosed-recipients:;"
    assert sorted(smtp_server.envelopes[0].rcpt_tos) == ["csirt@sakura.example", "ops@uf.example"]
    assert one["To"] == "csirt@sakura.example"
