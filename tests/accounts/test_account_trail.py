"""Logging in and out and changing the language leave a trail record (issue 13, point 18); failures and
lockouts are in test_login_throttling.py."""

from __future__ import annotations

from sqlalchemy import select

from oversight.extensions import db
from oversight.trail import services as trail
from oversight.trail.models import TrailRecord
from tests.factories import PASSWORD, gen_organisation, gen_user


def account_records() -> list[tuple]:
    return [(r.action, r.actor_user_id, r.object_type, r.object_id, r.before, r.after)
            for r in db.session.scalars(select(TrailRecord).where(
                TrailRecord.action.in_(("login", "logout", "language_change"))).order_by(TrailRecord.seq))]


def test_a_login_a_language_change_and_a_logout_are_each_recorded_as_the_user(client):
    user = gen_user(gen_organisation())

    client.login(user.email, PASSWORD)
    client.post("/language/en", {"next": "/"})
    client.post("/language/en", {"next": "/"})  # already English: nothing changes, nothing is recorded
    client.post("/logout")

    assert account_records() == [
        ("login", user.id, "user", user.id, None, None),
        ("language_change", user.id, "user", user.id, {"locale": ""}, {"locale": "en"}),
        ("logout", user.id, "user", user.id, None, None),
    ]
    assert trail.verify().ok


def test_a_visitor_switching_the_language_before_logging_in_records_nothing(client):
    client.post("/language/en", {"next": "/login"})

    assert account_records() == []
