"""The audit trail page (監査証跡) reads as a record of who did what: actions in words, the object as a link,
labelled before/after of the changed fields only, people's formats, pages, filters, and a CSV export with the
hashes. It shows the scheduler's stored check instead of walking the chain on every view."""

import codecs
import csv
import io
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text

from oversight import permissions
from oversight.extensions import db
from oversight.incidents import services as incidents
from oversight.registry import services as registry
from oversight.trail import checks
from oversight.trail.integrity import chain_rows
from oversight.trail.models import TrailRecord
from tests.factories import (
    PASSWORD,
    SUSPECTED_LEAK,
    SYSTEM,
    contract_with_notice_hours,
    gen_call_centre_chain,
    gen_entrustment,
    gen_organisation,
    gen_user,
)
from tests.helpers import text_of

PYTHON_LITERALS = re.compile(r"\bNone\b|\bFalse\b|\bTrue\b|\{'|\['")


@pytest.fixture
def privacy(make_client):
    """さくら's privacy office, logged in: it may view the trail of what its organisation sees."""
    sakura = gen_organisation("さくら商事株式会社", address="東京都千代田区")
    user = gen_user(sakura, role="privacy_office", email="privacy@sakura.example", name="佐藤 花子")
    client = make_client()
    client.login(user.email, PASSWORD)
    return sakura, user, client


def trail_rows(response) -> list[str]:
    html = response.get_data(as_text=True)
    body = html.split('<table id="trail">', 1)[1].split("</table>\n", 1)[0]
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
            for row in re.findall(r'<tr id="record-\d+">(.*?)</tr>\s*(?=<tr id="record-|</tbody>)', body, re.S)]


def record_numbers(response) -> list[int]:
    return [int(n) for n in re.findall(r'<tr id="record-(\d+)">', response.get_data(as_text=True))]


def test_an_edit_reads_as_the_action_in_words_with_the_changed_field_labelled(privacy):
    sakura, user, client = privacy
    registry.update_organisation(user, sakura.id, {"address": "東京都港区"})

    page = client.get("/trail")

    assert page.status_code == 200
    newest = trail_rows(page)[0]
    assert "変更" in newest and "佐藤" not in newest and "privacy@sakura.example" in newest
    assert "所在地 東京都千代田区 東京都港区" in newest
    assert "名称" not in newest  # unchanged fields are left out
    assert f'href="/organisations/{sakura.id}">さくら商事株式会社</a>' in page.get_data(as_text=True)


def test_no_python_literal_or_raw_code_reaches_the_page(privacy):
    sakura, user, client = privacy
    vendor = gen_organisation("東都システム株式会社")
    registry.add_contact(SYSTEM, vendor.id, {"role": "incident", "name": "事故窓口", "email": "soc@toto.example",
                                              "phone": "03-1234-5678", "available_24_7": True})
    e = gen_entrustment(sakura, vendor, data_items=["name", "phone"], includes_sensitive=False)
    registry.transition_entrustment(SYSTEM, e.id, "terminate")
    incidents.open_incident(SYSTEM, {"organisation_id": sakura.id, "title": "会員情報の漏えいのおそれ",
                                     "scope": "own", "facts": SUSPECTED_LEAK})

    page = client.get("/trail")
    shown = text_of(page)

    assert not PYTHON_LITERALS.search(shown), PYTHON_LITERALS.search(shown)
    for code in ("incident_open", "entrustment_status", "unauthorised_access", "includes_sensitive"):
        assert code not in shown
    assert "事案を登録" in shown and "委託を終了" in shown and "委託中 終了" in shown
    assert "要配慮個人情報を含む いいえ" in shown
    assert "氏名、電話番号" in shown  # data items by their labels, joined
    assert "事実関係：原因 不正アクセス" in shown  # a nested field, and a code by its label
    assert "事実関係：報告事項：概要 コールセンターの端末" in shown
    assert "2026-11-21 09:00 JST" in shown and "2026年11月20日" in shown


def test_a_contract_reads_with_the_clause_librarys_own_labels(privacy):
    sakura, user, client = privacy
    e = gen_entrustment(sakura, gen_organisation("東都システム株式会社"), data_items=["name", "phone"])
    contract_with_notice_hours(e, 48)

    shown = text_of(client.get(f"/trail?object_type=entrustment&object_id={e.id}"))

    assert "契約を作成" in shown and "ひな形" in shown
    assert "条項のパラメータ：事故の報告期限（知った時から・時間） 48" in shown
    assert "notice_hours" not in shown and not PYTHON_LITERALS.search(shown)


def test_english_readers_get_english_labels(privacy):
    sakura, user, client = privacy
    registry.update_organisation(user, sakura.id, {"address": "東京都港区"})
    client.post("/language/en", {"next": "/trail"})

    shown = text_of(client.get("/trail"))

    assert "Updated" in shown and "Address 東京都千代田区 東京都港区" in shown


def test_an_organisation_the_viewer_cannot_see_is_never_named(privacy):
    sakura, user, client = privacy
    chain = gen_call_centre_chain()  # さくら商事 there is another tenant of the same name
    incidents.open_incident(SYSTEM, {"organisation_id": chain.uf.id, "title": "大阪センター端末の不審通信",
                                     "scope": "engagements", "facts": SUSPECTED_LEAK})
    origin = gen_user(chain.uf, role="privacy_office")
    client.login(origin.email, PASSWORD)

    shown = text_of(client.get("/trail?object_type=incident"))

    assert "関係する組織" in shown and "株式会社東都システム" in shown
    assert "港データ株式会社" not in shown
    # A party other than where it happened reads none of the incident's own records: they name every party.
    client.login(gen_user(chain.toto, role="privacy_office").email, PASSWORD)
    assert "関係する組織" not in text_of(client.get("/trail?object_type=incident"))


def test_the_page_shows_the_stored_check_and_never_walks_the_chain(privacy, monkeypatch):
    sakura, user, client = privacy
    assert 'id="trail-unchecked"' in client.get("/trail").get_data(as_text=True)
    checks.run_check()

    def no_walk(**kwargs):
        raise AssertionError("the page walked the chain")

    monkeypatch.setattr("oversight.trail.integrity.verify", no_walk)
    monkeypatch.setattr("oversight.trail.checks.verify", no_walk)
    page = client.get("/trail").get_data(as_text=True)

    newest = db.session.scalar(select(TrailRecord.seq).order_by(TrailRecord.seq.desc()).limit(1))
    assert 'id="trail-ok"' in page and f"記録{newest}まで改ざんなし" in page
    assert f"データベース外の最新チェックポイント：記録{newest}" in page


def test_a_broken_chain_found_by_the_scheduler_is_shown(privacy):
    sakura, user, client = privacy
    registry.update_organisation(user, sakura.id, {"address": "東京都港区"})
    db.session.execute(text("UPDATE trail_record SET actor_name = 'someone@else.example' WHERE seq = 2"))
    db.session.commit()
    checks.run_check()

    page = client.get("/trail").get_data(as_text=True)

    assert 'id="trail-broken"' in page and "記録2で途切れています：内容がハッシュと一致しません" in page


def test_pages_go_from_the_newest_to_older_records_and_back(privacy, app, monkeypatch):
    sakura, user, client = privacy
    monkeypatch.setitem(app.config, "PAGE_SIZE", 3)
    for n in range(6):
        registry.update_organisation(user, sakura.id, {"address": f"東京都港区{n + 1}丁目"})
    newest = db.session.scalar(select(TrailRecord.seq).order_by(TrailRecord.seq.desc()).limit(1))

    first = client.get("/trail")
    assert record_numbers(first) == [newest, newest - 1, newest - 2]
    older = re.search(r'href="([^"]+)" rel="next"', first.get_data(as_text=True)).group(1)
    second = client.get(older.replace("&amp;", "&"))
    assert record_numbers(second) == [newest - 3, newest - 4, newest - 5]
    newer = re.search(r'href="([^"]+)" rel="prev"', second.get_data(as_text=True)).group(1)
    assert record_numbers(client.get(newer.replace("&amp;", "&"))) == [newest, newest - 1, newest - 2]


def test_filters_by_object_and_by_actor_name_or_email(privacy):
    sakura, user, client = privacy
    vendor = gen_organisation("東都システム株式会社")
    e = gen_entrustment(sakura, vendor)
    registry.update_organisation(user, sakura.id, {"address": "東京都港区"})

    by_object = trail_rows(client.get(f"/trail?object_type=entrustment&object_id={e.id}"))
    assert len(by_object) == 1 and f"登録 委託 #{e.id}" in by_object[0]
    by_name = trail_rows(client.get("/trail?actor=佐藤"))
    by_email = trail_rows(client.get("/trail?actor=PRIVACY@sakura"))
    assert len(by_name) == len(by_email) == 1 and "東京都港区" in by_name[0]


def insert_at(*moments: datetime) -> None:
    """Records at given moments (bulk, as a migration or an import would), chained with the key."""
    last = db.session.execute(select(TrailRecord.seq, TrailRecord.hash).order_by(TrailRecord.seq.desc())
                              .limit(1)).first()
    rows = [{"at": at, "actor_user_id": None, "actor_name": "system:tests", "actor_org_id": None,
             "action": "update", "object_type": "organisation", "object_id": None, "object_label": at.isoformat(),
             "before": None, "after": None, "request_id": ""} for at in moments]
    chain_rows(rows, tuple(last))
    db.session.execute(TrailRecord.__table__.insert(), rows)
    db.session.commit()


def test_dates_are_days_in_japan(make_client):
    admin = gen_user(None, role="admin")
    client = make_client()
    client.login(admin.email, PASSWORD)
    late_on_the_23rd = datetime(2026, 11, 23, 14, 30, tzinfo=UTC)  # 23:30 JST
    early_on_the_24th = datetime(2026, 11, 23, 15, 30, tzinfo=UTC)  # 00:30 JST on the 24th
    insert_at(late_on_the_23rd, early_on_the_24th)

    on_the_23rd = trail_rows(client.get("/trail?from=2026-11-23&to=2026-11-23"))
    on_the_24th = trail_rows(client.get("/trail?from=2026-11-24&to=2026-11-24"))

    assert len(on_the_23rd) == 1 and "2026-11-23 23:30 JST" in on_the_23rd[0]
    assert len(on_the_24th) == 1 and "2026-11-24 00:30 JST" in on_the_24th[0]


@pytest.mark.parametrize("query, field", [
    ("object_id=abc", "object_id"), ("from=2026-13-01", "from"), ("from=2026-11-24&to=2026-11-23", "to"),
    ("object_type=secret", "object_type"), ("before=-1", "before")])
def test_a_bad_filter_is_named_and_shows_nothing(privacy, query, field):
    sakura, user, client = privacy

    refused = client.get(f"/trail?{query}")

    assert refused.status_code == 400
    assert f'data-field="{field}"' in refused.get_data(as_text=True)
    assert 'id="record-' not in refused.get_data(as_text=True)


def exported(response) -> list[dict]:
    body = response.get_data()
    assert body.startswith(codecs.BOM_UTF8)
    return list(csv.DictReader(io.StringIO(body[len(codecs.BOM_UTF8):].decode("utf-8"))))


def test_the_export_has_one_row_per_filtered_record_with_its_hashes(privacy):
    sakura, user, client = privacy
    vendor = gen_organisation("=HYPERLINK(\"http://evil.example\")")
    gen_entrustment(sakura, vendor)
    registry.update_organisation(user, sakura.id, {"address": "東京都港区"})

    response = client.get(f"/trail/export.csv?object_type=organisation&object_id={sakura.id}")

    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = exported(response)
    stored = db.session.scalars(select(TrailRecord).where(TrailRecord.object_type == "organisation",
                                                          TrailRecord.object_id == sakura.id)
                                .order_by(TrailRecord.seq)).all()
    assert [int(r["記録番号 (seq)"]) for r in rows] == [s.seq for s in stored]
    assert [r["ハッシュ (hash)"] for r in rows] == [s.hash for s in stored]
    assert [r["直前の記録のハッシュ (prev_hash)"] for r in rows] == [s.prev_hash for s in stored]
    assert rows[-1]["操作 (action)"] == "変更" and '"address": "東京都港区"' in rows[-1]["変更後（JSON） (after)"]

    everything = exported(client.get("/trail/export.csv?object_type=organisation"))
    evil = [r for r in everything if "HYPERLINK" in r["対象 (object)"]]
    assert evil and all(r["対象 (object)"].startswith("'=") for r in evil)


@pytest.mark.parametrize("inline_ids", [permissions.INLINE_IDS, 0])  # 0: more visible objects than ids inlined
def test_neither_page_nor_export_shows_another_tenants_records(privacy, monkeypatch, inline_ids):
    monkeypatch.setattr(permissions, "INLINE_IDS", inline_ids)
    sakura, user, client = privacy
    own = gen_entrustment(sakura, gen_organisation("東都システム株式会社"))
    other = gen_organisation("他社F1")
    gen_entrustment(other, gen_organisation("他社F2"))

    page = client.get("/trail").get_data(as_text=True)
    assert "他社F" not in page
    assert f'href="/entrustments/{own.id}"' in page and f'href="/organisations/{sakura.id}"' in page
    assert not any("他社F" in ",".join(r.values()) for r in exported(client.get("/trail/export.csv")))


def test_a_consignor_reads_the_trail_of_a_notice_forwarded_up_to_it_and_its_sibling_does_not(make_client):
    from oversight.notifications import filing as notifications

    chain = gen_call_centre_chain()
    first = notifications.file_new(chain.uf_staff, {
        "entrustment_id": chain.call_centre.id, "title": "大阪センター端末の不審通信", "facts": SUSPECTED_LEAK})
    notifications.forward(chain.toto_staff, first.id, {"message": "東都から転送します。"})
    sibling = gen_organisation("他社の委託元")
    gen_entrustment(sibling, chain.toto)
    readers = {}
    for org, email in ((chain.sakura, "trail@sakura.example"), (sibling, "trail@sibling.example")):
        user = gen_user(org, role="privacy_office", email=email)
        readers[org.id] = make_client()
        readers[org.id].login(user.email, PASSWORD)

    about_first = f"/trail?object_type=notification&object_id={first.id}"
    sakura_rows = trail_rows(readers[chain.sakura.id].get(about_first))
    assert any("大阪センター端末の不審通信" in row for row in sakura_rows)
    assert f'href="/notifications/{first.id}"' in readers[chain.sakura.id].get(about_first).get_data(as_text=True)
    assert trail_rows(readers[sibling.id].get(about_first)) == []


def test_a_new_kind_of_object_reaches_the_trail_page_once_its_area_declares_who_sees_it(privacy, monkeypatch):
    from oversight.registry.models import Organisation
    from oversight.trail import services as trail

    sakura, user, client = privacy
    other = gen_organisation("他社G")
    trail.record(SYSTEM, "survey_send", "survey", sakura.id, label="さくら宛ての調査票")
    trail.record(SYSTEM, "survey_send", "survey", other.id, label="他社G宛ての調査票")
    db.session.commit()
    assert "調査票" not in client.get("/trail").get_data(as_text=True)

    monkeypatch.setattr(permissions, "_rules", dict(permissions._rules))

    def addressed_to_own(actor):
        return select(Organisation.id).where(Organisation.id == actor.organisation_id)

    permissions.register_visibility("survey", Organisation.id, addressed_to_own)
    page = client.get("/trail").get_data(as_text=True)
    assert "さくら宛ての調査票" in page and "他社G宛ての調査票" not in page
