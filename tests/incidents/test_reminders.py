"""Reminders before each deadline go out once, by real SMTP, from the durable outbox — even if the sweeper runs
again after a restart — and stop once the report is recorded."""

from datetime import datetime

import pytest

from oversight.extensions import db
from oversight.incidents import services
from oversight.incidents.art26.deadlines import JST
from oversight.incidents.reminders import enqueue_due_reminders, stage_for
from oversight.outbox.models import OutboxMessage
from oversight.outbox.services import deliver_due
from oversight.registry import services as registry
from tests.factories import SYSTEM, gen_entrustment, gen_organisation, gen_user

LEAK = {"data_items": ["name", "credit_card_number"], "cause": "unauthorised_access", "max_persons": 800,
        "occurred_on": "2026-11-16", "known_at": "2026-11-17T10:00:00+09:00"}


def _at(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T09:00:00").replace(tzinfo=JST)


@pytest.fixture
def leak_at_vendor():
    shop, vendor = gen_organisation("さくら商事株式会社"), gen_organisation("株式会社東都システム")
    registry.add_contact(SYSTEM, shop.id, {"name": "CSIRT窓口", "role": "incident", "email": "csirt@sakura.example",
                                            "phone": "03-1234-5678", "available_24_7": True})
    gen_user(shop, role="privacy_office", email="privacy@sakura.example")
    gen_user(shop, role="viewer", email="viewer@sakura.example")  # not a recipient
    gen_entrustment(shop, vendor, data_set="会員データ")
    incident = services.open_incident(SYSTEM, {"organisation_id": vendor.id, "title": "会員サイトへの不正アクセス",
                                               "facts": LEAK, "notified_consignor_at": "2026-11-17T15:00:00+09:00"})
    return incident, incident.party_for(shop.id)


@pytest.mark.parametrize("kind, due, today, stage", [
    ("final", "2027-01-18", "2027-01-10", None), ("final", "2027-01-18", "2027-01-11", "7d"),
    ("final", "2027-01-18", "2027-01-16", "3d"), ("final", "2027-01-18", "2027-01-17", "1d"),
    ("final", "2027-01-18", "2027-01-18", "0d"), ("final", "2027-01-18", "2027-01-19", "overdue"),
    ("quick", "2026-11-22", "2026-11-19", None), ("quick", "2026-11-22", "2026-11-21", "2d"),
])
def test_the_stage_of_a_reminder(kind, due, today, stage):
    assert stage_for(kind, datetime.fromisoformat(due).date(), datetime.fromisoformat(today).date()) == stage


def test_the_consignor_is_reminded_once_of_its_quick_report_even_after_a_restart(leak_at_vendor, smtp_server):
    incident, party = leak_at_vendor
    assert enqueue_due_reminders(_at("2026-11-19")) == 0  # the window closes on 22 Nov: too early
    assert enqueue_due_reminders(_at("2026-11-21")) == 1
    assert enqueue_due_reminders(_at("2026-11-21")) == 0  # the scheduler restarted and swept again
    assert deliver_due().sent == 1 and deliver_due().sent == 0
    (mail,) = smtp_server.messages
    assert "速報（目安）" in mail["Subject"] and "会員サイトへの不正アクセス" in mail["Subject"]
    assert sorted(smtp_server.envelopes[0].rcpt_tos) == ["csirt@sakura.example", "privacy@sakura.example"]
    assert f"/incidents/{incident.id}" in mail.get_content()


def test_reminders_move_to_the_final_report_and_stop_when_it_is_recorded(leak_at_vendor, smtp_server):
    incident, party = leak_at_vendor
    services.record_for_party(SYSTEM, incident.id, party.id, "quick_report", {"at": "2026-11-19T10:00:00+09:00"})
    assert enqueue_due_reminders(_at("2026-11-21")) == 0  # quick report done; final due 18 Jan
    assert enqueue_due_reminders(_at("2027-01-11")) == 1
    assert enqueue_due_reminders(_at("2027-01-17")) == 1
    services.record_for_party(SYSTEM, incident.id, party.id, "final_report", {"at": "2026-11-20T10:00:00+09:00"})
    assert enqueue_due_reminders(_at("2027-01-18")) == 0
    keys = [m.key for m in db.session.query(OutboxMessage).order_by(OutboxMessage.id)]
    assert keys == [f"incident-reminder:{party.id}:final:2027-01-18:{stage}" for stage in ("7d", "1d")]
    assert deliver_due().sent == 2 and len(smtp_server.messages) == 2
