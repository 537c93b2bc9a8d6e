"""Each entrustment's tier is read from the database in one place (audits.risk): what it holds (My Number, persons,
storage abroad, depth), its contract's audit clause, and how it behaved — the last audit's score, open findings,
incidents and late notices of the past year, unapproved subcontracting below it, answers found false. The
entrustment page and the schedule explain it ("high: My Number; 12,000 persons")."""

from __future__ import annotations

from datetime import timedelta

import pytest

from audits import audit_services, campaigns
from audits.audit_models import Finding
from audits.risk import risk_facts
from audits.schedule import entrustment_tier
from oversight.extensions import db
from oversight.registry.models import Entrustment
from oversight.timeutil import today_jst
from tests.campaigns.world import answer, gen_audit_world, honest_answers, open_world_audit
from tests.factories import (
    SUSPECTED_LEAK,
    SYSTEM,
    contract_with_notice_hours,
    gen_entrustment,
    gen_organisation,
    gen_subcontract,
    gen_user,
)


@pytest.fixture
def payroll():
    shop, vendor = gen_organisation("さくら商事株式会社"), gen_organisation("寿給与計算株式会社")
    privacy = gen_user(shop, "privacy_office")
    e = gen_entrustment(shop, vendor, data_set="従業員の給与データ", person_count=12_000, includes_my_number=True,
                        data_items=["name", "my_number"],
                        start_on=(today_jst() - timedelta(days=30)).isoformat())
    return privacy, e


def facts(e):
    from sqlalchemy import select

    return risk_facts(select(Entrustment.id).where(Entrustment.id == e.id), today_jst())[e.id]


def test_the_entrustment_page_explains_its_tier_my_number_and_twelve_thousand_persons(payroll, make_client):
    from tests.factories import PASSWORD

    privacy, e = payroll
    row = entrustment_tier(privacy, e)
    assert row.tier.explanation("en") == "high: My Number; 12,000 persons"
    assert row.due.interval_months == 6 and row.due.bound_by == "tier" and row.due.basis == "start"
    client = make_client()
    client.login(privacy.email, PASSWORD)
    page = client.get(f"/entrustments/{e.id}").get_data(as_text=True)
    assert "高：特定個人情報（マイナンバー）、12,000人" in page and 'id="open-audit"' in page


def test_the_contract_audit_clause_binds_when_it_is_tighter(payroll):
    privacy, e = payroll
    from contracts import services as contracts

    request = contracts.default_request(e)
    request["params"].update(audit_interval_months=3, contract_date="2025-10-01")
    contracts.save_contract(SYSTEM, e.id, request)
    row = entrustment_tier(privacy, e)
    assert row.facts.risk.contract_audit_interval_months == 3
    assert (row.due.interval_months, row.due.bound_by) == (3, "contract")


def test_open_findings_and_a_weak_last_audit_raise_the_tier_of_a_small_entrustment():
    world = gen_audit_world()
    small = gen_entrustment(world.sakura, world.toto, data_set="小規模データ", person_count=300,
                            start_on=(today_jst() - timedelta(days=10)).isoformat())
    assert facts(small).risk.open_findings == {} and entrustment_tier(world.privacy, small).tier.level == "low"
    audit = campaigns.open_audit(world.privacy, small.id, {})
    answer(world.toto_staff, audit, {**honest_answers(), "per_purpose_only": False})
    audit_services.close_audit(world.privacy, audit.id, {"conclusion": "委託範囲外の利用あり"})
    db.session.add(Finding(auditor_id=world.sakura.id, vendor_id=world.toto.id, entrustment_id=small.id,
                           audit_id=audit.id, severity="critical", title="委託範囲外の複製", due_on=today_jst()))
    db.session.commit()
    found = facts(small)
    assert found.risk.open_findings == {"high": 1} and found.risk.last_audit_score is not None
    assert found.last_audit_on == today_jst()
    tier = entrustment_tier(world.privacy, small).tier
    assert tier.level == "high" and "1 open high-severity finding(s)" in tier.explanation("en")


def test_a_subcontractor_found_without_approval_makes_every_entrustment_above_it_critical():
    world = gen_audit_world()
    gen_subcontract(world.call_centre, gen_organisation("北斗入力サービス"), approve=False, origin="audit",
                    data_set="入力業務（無承認）")
    for e in (world.members, world.call_centre):
        assert facts(e).risk.unapproved_subcontracting is True
        assert entrustment_tier(world.privacy, e).tier.level == "critical"
    assert facts(world.album).risk.unapproved_subcontracting is False  # 大津市's chain is not touched


def test_an_incident_and_a_late_notice_of_the_past_year_count_for_that_entrustment_only():
    from oversight.notifications import filing

    world = gen_audit_world()
    small = gen_entrustment(world.sakura, world.toto, data_set="DM発送リスト", person_count=500, data_items=["name"])
    contract_with_notice_hours(small, 24)
    late = {**SUSPECTED_LEAK, "known_at": (today_jst() - timedelta(days=5)).isoformat() + "T09:00:00+09:00",
            "occurred_on": (today_jst() - timedelta(days=6)).isoformat()}
    filing.file_new(world.toto_staff, {"entrustment_id": small.id, "title": "誤送付", "facts": late})
    found = facts(small)
    assert found.risk.late_notifications_last_year == 1
    assert "1 late incident notice(s) in the past year" in entrustment_tier(world.privacy, small).tier.explanation("en")
    assert facts(world.album).risk.late_notifications_last_year == 0


def test_the_vendors_own_staff_and_a_sibling_consignor_see_no_tier(payroll):
    privacy, e = payroll
    vendor_staff = gen_user(e.contractor, "contractor_user")
    sibling = gen_user(gen_organisation("他社"), "privacy_office")
    assert entrustment_tier(vendor_staff, e) is None
    assert entrustment_tier(gen_user(e.contractor, "privacy_office"), e) is None
    assert privacy is not None and sibling is not None


def test_the_schedule_lists_each_supervised_entrustment_by_due_date_with_its_reasons(make_client):
    from tests.factories import PASSWORD

    world = gen_audit_world()
    client = make_client()
    client.login(world.privacy.email, PASSWORD)
    page = client.get("/audit-schedule").get_data(as_text=True)
    assert "会員の問合せ対応データ" in page and "1,380,000人" in page and "大津市 卒業アルバム" not in page
    rows = [line for line in page.splitlines() if "data-entrustment=" in line]
    assert [f'data-entrustment="{e.id}"' in row for e, row in zip((world.members, world.call_centre), rows,
                                                                  strict=False)] == [True, True]
    only_high = client.get("/audit-schedule?tier=low").get_data(as_text=True)
    assert "会員の問合せ対応データ" not in only_high
    api = client.get("/api/v1/audit-schedule")
    assert api.status_code == 401  # the API takes tokens, not the session
    assert open_world_audit(world).entrustment_id == world.members.id
