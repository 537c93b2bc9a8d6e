"""A large vendor list is applied by the worker: the apply button leads to the job's page, which shows the rows
applied and the result; a small one is still applied at once. (Immediate mode: the job runs inside the request.)"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from oversight.extensions import db
from oversight.jobs.models import Job
from oversight.registry import services as registry
from tests.factories import corporate_number, gen_organisation, gen_user
from tests.helpers import text_of
from tests.web.test_importexport_web import ORG_HEADER, apply, csv_bytes, organisation_count, upload


@pytest.fixture
def buyer(app, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_WORKER_ROWS", 2)  # more than two rows: the worker applies them
    return gen_user(gen_organisation("さくらホールディングス株式会社"), role="procurement")


@pytest.fixture
def client(make_client, buyer):
    client = make_client()
    client.login(buyer.email)
    return client


VENDORS = [("トト・システム株式会社", corporate_number()), ("北斗印刷株式会社", corporate_number()),
           ("はやぶさ物流株式会社", corporate_number())]


def test_a_large_vendor_list_is_applied_by_the_worker_and_its_page_shows_rows_and_result(client, buyer):
    before = organisation_count()
    preview = upload(client, csv_bytes([ORG_HEADER, *[[name, number, "company"] for name, number in VENDORS]]),
                     "vendors.csv")

    applied = apply(client, preview)

    job = db.session.scalar(select(Job))
    assert applied.request.path == f"/jobs/{job.id}"
    page = text_of(applied)
    assert "ファイルが大きいため、バックグラウンドのワーカーが反映します。" in page
    assert "登録簿の取込み" in page and "完了" in page and "3 / 3" in page
    assert "インポートしました：新規 3 件、変更 0 件、変更なし 0 件。" in page
    assert (job.status, job.done, job.total, job.result["counts"]["create"]) == ("succeeded", 3, 3, 3)
    assert organisation_count() == before + 3
    assert f'href="/data/import/{job.params["batch_id"]}" id="details"' in applied.get_data(as_text=True)
    assert "トト・システム株式会社" in text_of(client.get(f"/data/import/{job.params['batch_id']}"))
    assert "vendors.csv" in text_of(client.get("/jobs"))


def test_when_the_registry_changed_since_the_preview_the_job_says_so_and_a_retry_applies_the_new_plan(client,
                                                                                                      buyer):
    preview = upload(client, csv_bytes([ORG_HEADER, *[[name, number, "company"] for name, number in VENDORS]]),
                     "vendors.csv")
    registry.create_organisation(buyer, {"name": VENDORS[0][0], "corporate_number": VENDORS[0][1]})
    before = organisation_count()

    failed = apply(client, preview)

    page = text_of(failed)
    assert "失敗" in page and "インポートしていません：プレビュー後に登録データが変更されました。" in page
    assert organisation_count() == before  # all rows or none
    job = db.session.scalar(select(Job))
    retried = client.post(f"/jobs/{job.id}/retry", follow_redirects=True)
    assert "完了" in text_of(retried) and "新規 2 件、変更 0 件、変更なし 1 件" in text_of(retried)
    assert organisation_count() == before + 2
    db.session.expire_all()
    assert db.session.get(Job, job.id).attempts == 2


def test_pressing_apply_twice_is_one_job(client):
    preview = upload(client, csv_bytes([ORG_HEADER, *[[name, number, "company"] for name, number in VENDORS]]),
                     "vendors.csv")
    first, second = apply(client, preview), apply(client, preview)
    assert first.request.path == second.request.path
    assert len(db.session.scalars(select(Job)).all()) == 1


def test_a_small_vendor_list_is_still_applied_at_once(client):
    preview = upload(client, csv_bytes([ORG_HEADER, *[[name, number, "company"] for name, number in VENDORS[:2]]]),
                     "vendors.csv")
    applied = apply(client, preview)
    assert applied.request.path.startswith("/data/import/")
    assert "インポートしました：新規 2 件" in text_of(applied)
    assert db.session.scalar(select(Job)) is None


def test_another_users_upload_cannot_be_submitted_to_the_worker(client, make_client, buyer):
    preview = upload(client, csv_bytes([ORG_HEADER, *[[name, number, "company"] for name, number in VENDORS]]),
                     "vendors.csv")
    colleague = make_client()
    colleague.login(gen_user(buyer.organisation, role="procurement").email)
    assert apply(colleague, preview).status_code == 404
    assert db.session.scalar(select(Job)) is None
