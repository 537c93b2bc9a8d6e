"""Jobs as their users meet them (Huey's immediate mode: each job runs inside the request that submits it; the
real worker is tests/jobs/test_real_worker.py): progress, a failure that says why and its retry, one job per
submission, jobs whose worker died queued again, and who sees which."""

from __future__ import annotations

import os
import socket
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from oversight.accounts.services import issue_token
from oversight.errors import Conflict, NotFound
from oversight.extensions import db
from oversight.jobs import kinds, run, services
from oversight.jobs.models import Job
from oversight.timeutil import utcnow
from oversight.trail.models import TrailRecord
from tests.api.conftest import ApiClient
from tests.factories import gen_organisation, gen_user
from tests.helpers import text_of


@pytest.fixture
def sakura():
    return gen_organisation("さくらホールディングス株式会社")


@pytest.fixture
def staff(sakura):
    return gen_user(sakura, role="procurement")


def signed_in(make_client, user):
    client = make_client()
    client.login(user.email)
    return client


def fresh(job_id: int) -> Job:
    db.session.expire_all()
    return db.session.get(Job, job_id)


def test_a_job_runs_to_success_and_its_page_shows_the_progress_and_result(staff, make_client):
    job = services.submit(staff, "test.count", {"steps": 3})

    job = fresh(job.id)
    assert (job.status, job.done, job.total, job.attempts) == ("succeeded", 3, 3, 1)
    assert job.result == {"counted": 3, "by": staff.email}
    assert job.message == "step 3" and job.error is None and job.finished_at >= job.started_at
    page = signed_in(make_client, staff).get(f"/jobs/{job.id}")
    assert page.status_code == 200 and "Refresh" not in page.headers  # nothing left to wait for
    words = text_of(page)
    assert "数える" in words and "完了" in words and "3 / 3" in words and staff.email in words


def test_progress_is_visible_to_others_while_the_job_runs(staff):
    seen = {}

    def observe(job_run):
        job_run.progress(2, 5, message="二つ目まで")
        with db.engine.connect() as other:  # another connection: what the jobs page reads meanwhile
            seen["row"] = other.execute(text("SELECT status, done, total, message FROM job WHERE id = :id"),
                                        {"id": job_run.job_id}).one()
        db.session.rollback()
        return None

    kinds.register_kind("test.observe", observe, ja="観察", en="Observe")
    services.submit(staff, "test.observe", {})
    assert tuple(seen["row"]) == ("running", 2, 5, "二つ目まで")


def test_a_queued_or_running_job_page_refreshes_itself(staff, make_client):
    job = Job(key="k", kind="test.count", params={"steps": 1}, organisation_id=staff.organisation_id,
              user_id=staff.id, user_name=staff.email, status="running", done=4, total=10, message="4件目",
              attempts=1, worker="elsewhere:1", heartbeat_at=utcnow())
    db.session.add(job)
    db.session.commit()
    client = signed_in(make_client, staff)
    page = client.get(f"/jobs/{job.id}")
    assert page.headers["Refresh"] == "3"
    assert "実行中" in text_of(page) and "4 / 10" in text_of(page) and "4件目" in text_of(page)
    assert client.get("/jobs").headers["Refresh"] == "3"


def test_a_failing_job_says_why_and_once_the_cause_is_gone_a_retry_succeeds(staff, make_client, tmp_path):
    cured = tmp_path / "cured"
    job = services.submit(staff, "test.count", {"steps": 3, "fail_at": 2, "cured": str(cured)})

    job = fresh(job.id)
    assert (job.status, job.done, job.attempts) == ("failed", 1, 1)
    assert job.error == "step 2 of 3: the partner system is not answering"
    client = signed_in(make_client, staff)
    page = text_of(client.get(f"/jobs/{job.id}"))
    assert "失敗" in page and "the partner system is not answering" in page and "再実行" in page
    assert "the partner system is not answering" in text_of(client.get("/jobs"))

    cured.touch()
    retried = client.post(f"/jobs/{job.id}/retry", follow_redirects=True)
    assert "再実行の待ち行列に入れました。" in text_of(retried)
    job = fresh(job.id)
    assert (job.status, job.done, job.attempts, job.error) == ("succeeded", 3, 2, None)
    actions = db.session.scalars(select(TrailRecord.action).where(TrailRecord.object_type == "job",
                                                                  TrailRecord.object_id == job.id)
                                 .order_by(TrailRecord.seq)).all()
    assert actions == ["job_submit", "job_retry"]


def test_only_a_failed_job_can_be_retried(staff):
    job = services.submit(staff, "test.count", {"steps": 1})
    with pytest.raises(Conflict):
        services.retry(staff, job.id)
    assert fresh(job.id).attempts == 1


def test_an_unexpected_error_is_named_without_internals(staff):
    def broken(job_run):
        raise KeyError("secret internal detail")

    kinds.register_kind("test.broken", broken, ja="壊れた", en="Broken")
    job = fresh(services.submit(staff, "test.broken", {}).id)
    assert job.status == "failed" and "KeyError" in job.error and "secret internal detail" not in job.error
    assert "予期しないエラー" in job.error  # in the language of the user who started it


def test_the_same_submission_twice_is_one_job(staff, sakura):
    first = services.submit(staff, "test.count", {"steps": 2})
    again = services.submit(staff, "test.count", {"steps": 2})
    by_key = services.submit(staff, "test.count", {"steps": 1}, key="月次"), services.submit(
        staff, "test.count", {"steps": 5}, key="月次")
    other_params = services.submit(staff, "test.count", {"steps": 4})
    colleague = services.submit(gen_user(sakura, role="procurement"), "test.count", {"steps": 2})

    assert again.id == first.id and by_key[0].id == by_key[1].id
    assert len({first.id, by_key[0].id, other_params.id, colleague.id}) == 4
    assert fresh(first.id).attempts == 1  # not run twice
    submitted = db.session.scalars(select(TrailRecord.object_id).where(TrailRecord.action == "job_submit")).all()
    assert sorted(submitted) == sorted({first.id, by_key[0].id, other_params.id, colleague.id})


def test_an_unknown_kind_or_parameters_that_are_not_json_are_refused_and_nothing_is_stored(staff):
    from oversight.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        services.submit(staff, "no.such.kind", {})
    with pytest.raises(ValidationFailed):
        services.submit(staff, "test.count", {"steps": object()})
    assert db.session.scalar(select(Job.id)) is None


def test_a_job_of_a_disabled_account_fails_saying_so(staff):
    job = Job(key="disabled", kind="test.count", params={"steps": 1}, organisation_id=staff.organisation_id,
              user_id=staff.id, user_name=staff.email, status="queued", attempts=0, worker="")
    db.session.add(job)
    staff.is_enabled = False  # the account was disabled after the job was queued
    db.session.commit()
    assert run.execute(job.id) == "failed"
    assert "無効" in fresh(job.id).error


def _running_job(user, worker: str, heartbeat_age: timedelta, key: str) -> Job:
    job = Job(key=key, kind="test.count", params={"steps": 2}, organisation_id=user.organisation_id,
              user_id=user.id, user_name=user.email, status="running", done=1, total=2, attempts=1, worker=worker,
              heartbeat_at=utcnow() - heartbeat_age, started_at=utcnow() - heartbeat_age)
    db.session.add(job)
    db.session.commit()
    return job


def test_jobs_whose_worker_died_are_run_again_and_live_ones_are_left_alone(staff):
    host = socket.gethostname()
    dead_here = _running_job(staff, f"{host}:{2**22 + 12345}", timedelta(seconds=1), "dead-here")
    alive_here = _running_job(staff, f"{host}:{os.getpid()}", timedelta(hours=1), "alive-here")
    silent_elsewhere = _running_job(staff, "other-host:10", timedelta(hours=1), "silent-elsewhere")
    beating_elsewhere = _running_job(staff, "other-host:11", timedelta(seconds=5), "beating-elsewhere")

    report = run.requeue_abandoned()

    assert report.startswith("2 re-queued")
    for job in (dead_here, silent_elsewhere):
        job = fresh(job.id)
        assert (job.status, job.attempts, job.done) == ("succeeded", 2, 2)
    for job in (alive_here, beating_elsewhere):
        assert fresh(job.id).status == "running"


def test_a_job_queued_long_ago_that_no_worker_took_is_sent_again(staff, app, monkeypatch):
    job = Job(key="lost", kind="test.count", params={"steps": 1}, organisation_id=staff.organisation_id,
              user_id=staff.id, user_name=staff.email, status="queued", attempts=0, worker="",
              enqueued_at=utcnow() - timedelta(hours=1))
    recent = Job(key="recent", kind="test.count", params={"steps": 1}, organisation_id=staff.organisation_id,
                 user_id=staff.id, user_name=staff.email, status="queued", attempts=0, worker="")
    db.session.add_all([job, recent])
    db.session.commit()

    assert run.requeue_abandoned().endswith("1 sent again")
    assert fresh(job.id).status == "succeeded" and fresh(recent.id).status == "queued"


def test_a_second_delivery_of_the_same_job_does_not_run_it_again(staff):
    job = services.submit(staff, "test.count", {"steps": 1})
    assert run.execute(job.id) == "skipped"
    assert fresh(job.id).attempts == 1


# ---------------------------------------------------------------- who sees which


@pytest.fixture
def jobs_of_two_organisations(sakura, staff):
    colleague = gen_user(sakura, role="privacy_office")
    stranger_org = gen_organisation("他社ホールディングス")
    stranger = gen_user(stranger_org, role="admin")
    return {"own": services.submit(staff, "test.count", {"steps": 1}),
            "colleague": services.submit(colleague, "test.count", {"steps": 2, "fail_at": 1}),
            "foreign": services.submit(stranger, "test.count", {"steps": 3, "fail_at": 1}),
            "colleague_user": colleague, "stranger": stranger}


def _listed(client) -> set[int]:
    import re

    return {int(n) for n in re.findall(r'data-job="(\d+)"', client.get("/jobs").get_data(as_text=True))}


def test_each_user_sees_their_own_jobs_an_admin_their_organisations_and_an_operator_all(
        sakura, staff, make_client, jobs_of_two_organisations):
    own, colleague, foreign = (jobs_of_two_organisations[k].id for k in ("own", "colleague", "foreign"))
    org_admin = gen_user(sakura, role="admin")
    operator = gen_user(None, role="admin")

    assert _listed(signed_in(make_client, staff)) == {own}
    assert _listed(signed_in(make_client, jobs_of_two_organisations["colleague_user"])) == {colleague}
    assert _listed(signed_in(make_client, org_admin)) == {own, colleague}
    assert _listed(signed_in(make_client, jobs_of_two_organisations["stranger"])) == {foreign}
    assert _listed(signed_in(make_client, operator)) == {own, colleague, foreign}


def test_another_organisations_job_is_not_found_on_the_page_the_api_or_the_retry(
        app, staff, make_client, jobs_of_two_organisations):
    foreign = jobs_of_two_organisations["foreign"]
    client = signed_in(make_client, staff)
    assert client.get(f"/jobs/{foreign.id}").status_code == 404
    assert client.post(f"/jobs/{foreign.id}/retry").status_code == 404
    api = ApiClient(app.test_client(), issue_token(staff, "jobs")[1])
    assert api.get(f"/api/v1/jobs/{foreign.id}").status_code == 404
    assert api.post(f"/api/v1/jobs/{foreign.id}/retry").status_code == 404
    listed = api.get("/api/v1/jobs").get_json()["items"]
    assert [job["id"] for job in listed] == [jobs_of_two_organisations["own"].id]
    assert (fresh(foreign.id).status, fresh(foreign.id).attempts) == ("failed", 1)
    with pytest.raises(NotFound):
        services.retry(staff, foreign.id)


def test_a_colleague_who_is_not_an_admin_cannot_open_or_retry_anothers_job(staff, make_client,
                                                                            jobs_of_two_organisations):
    colleague_job = jobs_of_two_organisations["colleague"]
    client = signed_in(make_client, staff)
    assert client.get(f"/jobs/{colleague_job.id}").status_code == 404
    assert client.post(f"/jobs/{colleague_job.id}/retry").status_code == 404


def test_the_api_shows_a_job_with_its_progress_and_retries_a_failed_one(app, jobs_of_two_organisations):
    colleague = jobs_of_two_organisations["colleague_user"]
    job = jobs_of_two_organisations["colleague"]
    api = ApiClient(app.test_client(), issue_token(colleague, "jobs")[1])
    headers = {"Accept-Language": "en"}

    body = api.get(f"/api/v1/jobs/{job.id}", headers=headers).get_json()
    assert (body["status"], body["kind_label"], body["done"], body["total"], body["attempts"]) == (
        "failed", "Count", 0, None, 1)
    assert body["error"] == "step 1 of 2: the partner system is not answering"
    retried = api.post(f"/api/v1/jobs/{job.id}/retry", headers=headers)
    assert retried.status_code == 200
    assert (retried.get_json()["status"], fresh(job.id).attempts) == ("failed", 2)  # the cause is still there
    assert ApiClient(app.test_client(), None).get(f"/api/v1/jobs/{job.id}").status_code == 401
