"""A ticketing system that retries a timed-out POST with the same Idempotency-Key files once: one notification, one
receipt, one incident, and the retry gets the first answer again (Stripe's model)."""

import json
from datetime import timedelta

from sqlalchemy import func, select

from oversight.accounts import services as accounts
from oversight.api import idempotency
from oversight.api.idempotency import IdempotencyKey
from oversight.extensions import db
from oversight.incidents.models import Incident
from oversight.notifications.models import Notification
from oversight.outbox.models import OutboxMessage
from oversight.scheduler import registered_jobs
from oversight.timeutil import utcnow
from tests.factories import SUSPECTED_LEAK
from tests.helpers import all_at_once

NOTIFICATIONS = "/api/v1/notifications"


def notice(chain, **changes) -> dict:
    return {"entrustment_id": chain.call_centre.id, "title": "大阪センター端末の不審通信", "facts": SUSPECTED_LEAK,
            **changes}


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_retried_filing_with_the_same_key_files_once_with_one_receipt_and_one_incident(api_as, chain):
    uf_api = api_as(chain.uf_staff)
    key = {"Idempotency-Key": "ticket-4711-attempt"}

    first = uf_api.post(NOTIFICATIONS, json=notice(chain), headers=key)
    retry = uf_api.post(NOTIFICATIONS, json=notice(chain), headers=key)

    assert first.status_code == retry.status_code == 201
    assert retry.get_json() == first.get_json() and retry.headers["Location"] == first.headers["Location"]
    assert retry.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    assert count(Notification) == 1 and count(Incident) == 1
    assert count(OutboxMessage) == 1  # the consignor is told once


def test_without_a_key_a_second_post_files_a_second_notification(api_as, chain):
    uf_api = api_as(chain.uf_staff)

    numbers = [uf_api.post(NOTIFICATIONS, json=notice(chain)).get_json()["receipt"]["number"] for _ in range(2)]

    assert len(set(numbers)) == 2 and count(Notification) == 2


def test_the_same_key_with_another_request_is_refused_and_changes_nothing(api_as, chain):
    uf_api = api_as(chain.uf_staff)
    key = {"Idempotency-Key": "ticket-4712"}
    uf_api.post(NOTIFICATIONS, json=notice(chain), headers=key)

    refused = uf_api.post(NOTIFICATIONS, json=notice(chain, title="別の事案"), headers=key)

    assert refused.status_code == 422
    assert "別のリクエストで使用済み" in refused.get_json()["errors"]["Idempotency-Key"][0]
    assert count(Notification) == 1


def test_a_second_request_while_the_first_still_runs_gets_409(api_as, chain):
    uf_api = api_as(chain.uf_staff)
    body = json.dumps(notice(chain)).encode()
    running = idempotency.claim(chain.uf_staff.id, "ticket-4713",
                                idempotency.fingerprint("POST", NOTIFICATIONS, b"", body))
    assert isinstance(running, idempotency.Claim)

    second = uf_api.post(NOTIFICATIONS, data=body, content_type="application/json",
                         headers={"Idempotency-Key": "ticket-4713"})

    assert second.status_code == 409 and "処理中" in second.get_json()["message"]
    assert count(Notification) == 0


def test_a_refused_request_keeps_no_key_so_the_corrected_retry_runs(api_as, chain):
    uf_api = api_as(chain.uf_staff)
    key = {"Idempotency-Key": "ticket-4714"}

    refused = uf_api.post(NOTIFICATIONS, json=notice(chain, title=""), headers=key)
    corrected = uf_api.post(NOTIFICATIONS, json=notice(chain), headers=key)

    assert refused.status_code == 422 and list(refused.get_json()["errors"]) == ["title"]
    assert corrected.status_code == 201 and count(Notification) == 1


def test_keys_belong_to_their_caller(api_as, chain):
    key = {"Idempotency-Key": "same-key"}
    uf_api = api_as(chain.uf_staff)
    uf_api.post(NOTIFICATIONS, json=notice(chain), headers=key)

    minato = api_as(chain.minato_staff).post(NOTIFICATIONS, json=notice(chain, entrustment_id=chain.backup.id),
                                             headers=key)

    assert minato.status_code == 201 and "Idempotent-Replayed" not in minato.headers
    assert count(Notification) == 2


def test_a_key_that_is_not_printable_ascii_is_refused_naming_the_header(api_as, chain):
    refused = api_as(chain.uf_staff).post(NOTIFICATIONS, json=notice(chain), headers={"Idempotency-Key": "x" * 256})

    assert refused.status_code == 422 and list(refused.get_json()["errors"]) == ["Idempotency-Key"]
    assert count(Notification) == 0


def test_every_creating_call_accepts_a_key(api_as, chain):
    uf_api, toto_api = api_as(chain.uf_staff), api_as(chain.toto_staff)
    filed = uf_api.post(NOTIFICATIONS, json=notice(chain)).get_json()
    calls = [
        (uf_api, "/api/v1/incidents", {"title": "端末の紛失", "facts": SUSPECTED_LEAK}),
        (uf_api, NOTIFICATIONS, notice(chain, draft=True)),
        (toto_api, f"{NOTIFICATIONS}/{filed['id']}/forward", {"message": "東都でも調査中"}),
    ]
    for api, url, body in calls:
        headers = {"Idempotency-Key": f"once:{url}"}
        first, again = api.post(url, json=body, headers=headers), api.post(url, json=body, headers=headers)
        assert first.status_code == again.status_code == 201, (url, first.get_json())
        assert again.get_json()["id"] == first.get_json()["id"] and again.headers["Idempotent-Replayed"] == "true"
    assert count(Notification) == 3 and count(Incident) == 2


def test_keys_expire_and_the_scheduler_prunes_them(app, api_as, chain):
    uf_api = api_as(chain.uf_staff)
    key = {"Idempotency-Key": "ticket-4715"}
    uf_api.post(NOTIFICATIONS, json=notice(chain), headers=key)
    later = utcnow() + timedelta(hours=app.config["IDEMPOTENCY_KEY_HOURS"], minutes=1)

    assert "idempotency-key-expiry" in [job.name for job in registered_jobs()]
    assert idempotency.prune_expired(now=later) == 1 and count(IdempotencyKey) == 0
    again = uf_api.post(NOTIFICATIONS, json=notice(chain), headers=key)
    assert again.status_code == 201 and "Idempotent-Replayed" not in again.headers
    assert count(Notification) == 2


def test_the_header_is_documented_on_every_post(app):
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    posts = [op for path in document["paths"].values() for method, op in path.items() if method == "post"]

    assert posts and all(any(p["in"] == "header" and p["name"] == "Idempotency-Key" for p in op["parameters"])
                         for op in posts)


def test_eight_retries_at_once_with_one_key_file_once(app, chain):
    secret = accounts.issue_token(chain.uf_staff, "ticketing")[1]

    answers = all_at_once(app, secret, NOTIFICATIONS, 8, json=notice(chain),
                          headers={"Idempotency-Key": "ticket-4716"})

    created = [b for status, b in answers if status == 201]
    assert {status for status, _ in answers} <= {201, 409}, answers
    assert created and all(b == created[0] for b in created)
    assert all("処理中" in b["message"] for status, b in answers if status == 409)
    assert count(Notification) == 1 and count(Incident) == 1
