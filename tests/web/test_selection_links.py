"""A link for a person without an account: it opens one request only, records every use, and stops working
when it expires or is revoked; only the SHA-256 of its secret is kept."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from audits import links
from audits.models import QuestionnaireRequest, RespondentLink
from oversight.extensions import db
from oversight.timeutil import utcnow
from oversight.trail.models import TrailRecord
from tests.audits.selection_world import gen_selection_world
from tests.factories import PASSWORD
from tests.helpers import text_of


@pytest.fixture
def world():
    return gen_selection_world()


def _make_link(make_client, world, request_id: int) -> str:
    client = make_client()
    client.login(world.procurement.email, PASSWORD)
    client.get(f"/questionnaire-requests/{request_id}")
    made = client.post(f"/questionnaire-requests/{request_id}/links", {"recipient": "候補ベンダー 高田", "days": "7"},
                       follow_redirects=True)
    found = re.search(r"(/answer/[A-Za-z0-9_-]+)", text_of(made))
    assert found, text_of(made)
    return found.group(1)


def test_a_person_without_an_account_answers_one_request_through_the_link(world, make_client):
    path = _make_link(make_client, world, world.other_request.id)
    secret = path.rsplit("/", 1)[-1]
    stored = db.session.scalar(select(RespondentLink))
    assert stored.token_sha256 == hashlib.sha256(secret.encode()).hexdigest() and secret not in stored.token_sha256
    db.session.commit()  # the test's own transaction must not hold SQLite's write lock against the page's count

    visitor = make_client()
    page = visitor.get(path)
    assert page.status_code == 200 and "会員コールセンター業務の委託先選定" in text_of(page)
    assert "共通ベンダー" not in text_of(page)
    saved = visitor.post(f"{path}/answers", {"a.bp_policy": "yes", "action": "save"}, follow_redirects=True)
    assert "回答を保存しました。" in text_of(saved)
    assert db.session.get(QuestionnaireRequest, world.other_request.id).values() == {"bp_policy": True}
    db.session.commit()
    uses = db.session.scalars(select(TrailRecord).where(TrailRecord.action == "respondent_link_use")).all()
    assert [u.after["action"] for u in uses] == ["save"]
    assert all(u.actor_name == f"link:{stored.id}" and u.actor_user_id is None for u in uses)
    db.session.expire_all()
    assert db.session.get(RespondentLink, stored.id).uses == 3  # two page reads and the save
    assert visitor.get("/selections").status_code == 302  # still not logged in: nothing else opens


def test_an_expired_or_revoked_link_opens_nothing_and_says_why(world, make_client):
    path = _make_link(make_client, world, world.other_request.id)
    link = db.session.scalar(select(RespondentLink))
    link.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    expired = make_client().get(path)
    assert expired.status_code == 410 and "有効期限が切れています" in text_of(expired)
    link.expires_at = utcnow() + timedelta(days=1)
    db.session.commit()
    links.revoke_link(world.procurement, world.other_request.id, link.id)
    revoked = make_client().post(f"{path}/answers", {"a.bp_policy": "yes"})
    assert revoked.status_code == 410 and "取り消されました" in text_of(revoked)
    assert db.session.get(QuestionnaireRequest, world.other_request.id).values() == {}
    assert make_client().get("/answer/not-a-real-token").status_code == 404


def test_only_the_requesting_procurement_makes_or_revokes_links(world, make_client):
    for user in (world.otsu_procurement, world.shared_staff, world.privacy):
        client = make_client()
        client.login(user.email, PASSWORD)
        made = client.post(f"/questionnaire-requests/{world.other_request.id}/links", {"recipient": "誰か"})
        assert made.status_code in (403, 404), user.email
    assert db.session.scalar(select(RespondentLink)) is None
