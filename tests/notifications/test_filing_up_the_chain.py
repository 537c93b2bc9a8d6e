"""UFサポート suspects a leak at the call centre and tells 東都, which passes it to さくら: each notice is proved by a
receipt, each tier is exempt once it has told its consignor (法26条1項ただし書), and さくら's clock starts when the
news reaches it."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from oversight.errors import NotFound, ValidationFailed
from oversight.extensions import db
from oversight.incidents.models import Incident
from oversight.notifications import documents, drafts, filing, services
from oversight.notifications.models import Notification
from oversight.trail import services as trail
from oversight.trail.models import TrailRecord
from tests.factories import SUSPECTED_LEAK, contract_with_notice_hours


def file_suspected_leak(chain, **changes):
    data = {"entrustment_id": chain.call_centre.id, "title": "大阪センター端末の不審通信", "facts": SUSPECTED_LEAK,
            "message": "端末をネットワークから切り離した。", **changes}
    return filing.file_new(chain.uf_staff, data)


def test_filing_gives_a_receipt_and_opens_the_incident_with_the_subcontractor_exempt(chain):
    n = file_suspected_leak(chain)

    assert n.is_filed and n.sequence == 1 and n.receipt_number == f"R{chain.toto.id:05d}-000001"
    assert n.recipient_id == chain.toto.id and filing.verify(n)
    assert len(n.content_sha256) == 64
    incident = db.session.get(Incident, n.incident_id)
    assert incident.organisation_id == chain.uf.id and incident.scope == "entrustment"
    uf, toto, sakura = (incident.party_for(o.id) for o in (chain.uf, chain.toto, chain.sakura))
    assert uf.exempt and uf.notified_consignor_at == n.filed_at
    assert toto.known_at == n.filed_at  # 東都 knows from the moment the notice reached it
    assert toto.must_report  # …and must report itself until it tells さくら
    assert sakura.known_at is None
    record = db.session.scalar(select(TrailRecord).where(TrailRecord.action == "notification_file"))
    assert record.after["content_sha256"] == n.content_sha256 and trail.verify().ok


def test_forwarding_exempts_the_contractor_and_starts_the_consignors_deadlines(chain):
    first = file_suspected_leak(chain)
    up = filing.forward(chain.toto_staff, first.id, {"message": "東都でも同じ時間帯の不審ログを確認中。"})

    assert up.kind == "forward" and up.recipient_id == chain.sakura.id and up.entrustment_id == chain.members.id
    assert up.incident_id == first.incident_id and up.facts == first.facts
    assert up.receipt_number == f"R{chain.sakura.id:05d}-000001"
    incident = db.session.get(Incident, first.incident_id)
    uf, toto, sakura = (incident.party_for(o.id) for o in (chain.uf, chain.toto, chain.sakura))
    assert uf.exempt and toto.exempt
    assert sakura.must_report and sakura.known_at == up.filed_at
    assert sakura.quick_from is not None and sakura.final_due is not None
    # The top consignor sees the whole path, and each tier's receipt.
    assert [t.id for t in services.path(chain.sakura_csirt, up)] == [first.id, up.id]
    assert services.get_notification(chain.sakura_csirt, first.id) == first
    assert documents.receipt_document(chain.sakura_csirt, first.id)[0] == f"receipt-{first.receipt_number}.pdf"


def test_forwarding_a_notification_acknowledges_it(chain):
    first = file_suspected_leak(chain)
    assert first.acknowledged_at is None
    filing.forward(chain.toto_staff, first.id, {"message": "東都から転送します。"})
    db.session.refresh(first)
    assert first.acknowledged_at is not None and first.acknowledged_by_name
    assert first not in services.lists(chain.toto_staff).unacknowledged


def test_a_filed_notification_never_changes_and_later_facts_are_follow_ups(chain):
    first = file_suspected_leak(chain)
    with pytest.raises(ValidationFailed) as refused:
        drafts.update_draft(chain.uf_staff, first.id, {"title": "書き換え"})
    assert "続報" in str(refused.value.errors["status"][0])

    later = filing.file_new(chain.uf_staff, {"follow_up_to": first.id, "title": "続報：対象は1,500名",
                                               "facts": {"max_persons": 1500, "certainty": "occurred"}})
    assert later.kind == "follow_up" and later.parent_id == first.id and later.sequence == 2
    assert later.facts["max_persons"] == 1500 and later.facts["cause"] == "unauthorised_access"
    incident = db.session.get(Incident, first.incident_id)
    assert incident.facts["max_persons"] == 1500  # the origin's follow-up records the facts on the incident
    assert filing.verify(first) and first.title == "大阪センター端末の不審通信"
    assert [t.id for t in services.thread(chain.toto_staff, later)] == [first.id, later.id]


def test_the_contracts_hours_to_notify_decide_whether_it_came_in_time(chain):
    contract_with_notice_hours(chain.call_centre, 12)
    contract_with_notice_hours(chain.members, 24)
    late = file_suspected_leak(chain)  # known on 21 Nov 09:00, filed days later: over 12 hours
    assert late.notice_hours == 12 and late.late is True
    assert late.notice_due_at == late.filer_known_at + timedelta(hours=12)

    up = filing.forward(chain.toto_staff, late.id, {})
    assert up.notice_hours == 24 and up.late is False  # 東都 passed it on at once: in time
    assert services.breaches(chain.toto_staff) == [late]
    assert services.breaches(chain.sakura_privacy) == [late]  # さくら sees it through the forward
    assert services.breaches(chain.minato_staff) == []


def test_news_about_an_unapproved_subcontract_is_accepted_and_flagged(chain):
    n = filing.file_new(chain.minato_staff, {"entrustment_id": chain.backup.id, "title": "バックアップ媒体の紛失",
                                               "facts": {**SUSPECTED_LEAK, "cause": "lost_outside"}})
    assert n.is_filed and n.unapproved and n.approval_state == "pending"
    assert n.recipient_id == chain.toto.id


def count(model=Notification):
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_filing_for_another_organisations_engagement_is_refused_and_stores_nothing(chain):
    before = count(TrailRecord)
    with pytest.raises(ValidationFailed) as refused:
        filing.file_new(chain.minato_staff, {"entrustment_id": chain.call_centre.id, "title": "なりすまし",
                                               "facts": SUSPECTED_LEAK})
    assert "直接の委託元" in str(refused.value.errors["entrustment_id"][0])
    db.session.rollback()
    assert count() == 0 and count(Incident) == 0 and count(TrailRecord) == before


def test_a_known_date_in_the_future_is_refused(chain):
    with pytest.raises(ValidationFailed) as refused:
        file_suspected_leak(chain, facts={**SUSPECTED_LEAK, "known_at": "2099-01-01T09:00:00+09:00"})
    assert "未来" in str(refused.value.errors["known_at"][0])
    db.session.rollback()
    assert count() == 0


def test_a_follow_up_to_a_notification_that_does_not_exist_or_is_not_yours_is_refused(chain):
    theirs = file_suspected_leak(chain)
    for target in (999_999, theirs.id, "abc"):
        with pytest.raises(ValidationFailed) as refused:
            filing.file_new(chain.minato_staff, {"follow_up_to": target, "title": "続報", "facts": SUSPECTED_LEAK})
        assert "自社の提出済み報告はありません" in str(refused.value.errors["follow_up_to"][0])
        db.session.rollback()
    assert count() == 1


def test_only_filer_recipient_and_those_it_was_forwarded_to_see_a_notification(chain):
    n = file_suspected_leak(chain)
    assert services.get_notification(chain.toto_staff, n.id) == n
    with pytest.raises(NotFound):
        services.get_notification(chain.minato_staff, n.id)
    with pytest.raises(NotFound):  # さくら has not heard of it yet
        services.get_notification(chain.sakura_csirt, n.id)


def test_a_draft_is_private_to_its_writer_until_filed(chain):
    draft = drafts.create_draft(chain.uf_staff, {"entrustment_id": chain.call_centre.id, "title": "下書き",
                                                   "facts": SUSPECTED_LEAK})
    assert not draft.is_filed and draft.sequence is None
    with pytest.raises(NotFound):
        services.get_notification(chain.toto_staff, draft.id)
    filed = filing.file_draft(chain.uf_staff, draft.id)
    assert filed.is_filed and filed.sequence == 1 and services.get_notification(chain.toto_staff, draft.id)


def test_a_follow_up_forwarded_up_joins_the_thread_at_the_top(chain):
    first = file_suspected_leak(chain)
    up = filing.forward(chain.toto_staff, first.id, {})
    later = filing.file_new(chain.uf_staff, {"follow_up_to": first.id, "title": "続報：C2サーバーへの通信を確認",
                                               "facts": {"cause": "c2_traffic"}})
    up_later = filing.forward(chain.toto_staff, later.id, {"message": "東都の端末は感染なし"})
    assert up_later.parent_id == up.id and up_later.forwarded_from_id == later.id
    assert filing.receipt_content(up_later)["follows_up"] == up.content_sha256
    assert [t.id for t in services.thread(chain.sakura_csirt, up_later)] == [up.id, up_later.id]
    # さくら learned on the first forward: the follow-up does not move its clock.
    incident = db.session.get(Incident, first.incident_id)
    assert incident.party_for(chain.sakura.id).known_at == up.filed_at


def test_only_the_recipient_forwards_and_only_what_it_received(chain):
    first = file_suspected_leak(chain)
    for actor in (chain.uf_staff, chain.sakura_csirt):
        with pytest.raises((ValidationFailed, NotFound)):
            filing.forward(actor, first.id, {})
        db.session.rollback()
    assert count() == 1
