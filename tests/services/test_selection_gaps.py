"""An active entrustment whose contractor no selection review approved shows 「選定審査の記録なし」 in the contract gap
analysis, at the severity the contract policy sets; activation itself is never blocked."""

from __future__ import annotations

import pytest

from audits import selection
from audits.selection_gaps import unselected_gaps
from contracts import gaps
from contracts import services as contracts
from tests.audits.selection_world import answer_all, gen_selection_world
from tests.factories import PASSWORD, gen_entrustment, gen_organisation, gen_subcontract
from tests.helpers import text_of


@pytest.fixture
def world():
    return gen_selection_world()


def _codes(row) -> list[str]:
    return [g.code for g in row.gaps]


def test_only_an_entrustment_no_review_approved_carries_the_gap(world):
    approved = answer_all(world.shared_staff, world.shared_request)
    selection.decide(world.procurement, approved.id, {"outcome": "approved"})
    rejected = answer_all(world.other_staff, world.other_request)
    selection.decide(world.procurement, rejected.id, {"outcome": "rejected", "reason": "再委託の管理が不十分"})
    unreviewed_vendor = gen_organisation("未審査ベンダー株式会社")
    to_shared = gen_entrustment(world.sakura, world.shared, data_set="会員コールセンター")
    to_other = gen_entrustment(world.sakura, world.other, data_set="配送")
    to_unreviewed = gen_entrustment(world.sakura, unreviewed_vendor, data_set="印刷")
    subcontract = gen_subcontract(to_shared, gen_organisation("再委託先株式会社"), data_set="夜間対応")
    assert to_unreviewed.status == "active"  # activation is not blocked
    rows = {row.entrustment.id: row for row in contracts.portfolio(world.privacy).rows}
    assert "selection:none" not in _codes(rows[to_shared.id])
    assert "selection:none" in _codes(rows[to_other.id])  # the latest decision rejected it
    assert "selection:none" in _codes(rows[to_unreviewed.id])
    assert "selection:none" not in _codes(rows[subcontract.id])  # the vendor's own choice, not this review's
    (gap,) = [g for g in rows[to_unreviewed.id].gaps if g.code == "selection:none"]
    assert gap.severity == "high" and gap.message.ja.startswith("選定審査の記録なし")
    assert "selection:none" in _codes(contracts.gaps_for_entrustment(world.privacy, to_unreviewed.id))


def test_another_consignors_approval_of_the_same_vendor_does_not_count(world):
    otsu_answers = answer_all(world.shared_staff, world.otsu_request)
    selection.decide(world.otsu_procurement, otsu_answers.id, {"outcome": "approved"})
    to_shared = gen_entrustment(world.sakura, world.shared, data_set="会員コールセンター")
    otsu_albums = gen_entrustment(world.otsu, world.shared, data_set="卒業アルバム")
    policy = gaps.load_policy()
    assert list(unselected_gaps(world.privacy, [to_shared, otsu_albums], policy)) == [to_shared.id]
    assert unselected_gaps(world.otsu_procurement, [to_shared, otsu_albums], policy) == {}


def test_the_vendor_does_not_read_whether_its_consignor_reviewed_it(world):
    from tests.factories import gen_user

    to_shared = gen_entrustment(world.sakura, world.shared, data_set="会員コールセンター")
    vendor_privacy = gen_user(world.shared, "privacy_office")
    assert unselected_gaps(vendor_privacy, [to_shared], gaps.load_policy()) == {}
    assert "selection:none" in _codes(contracts.gaps_for_entrustment(world.privacy, to_shared.id))


def test_the_policy_sets_the_severity_high_or_medium(world, tmp_path):
    source = gaps.POLICY_FILE.read_text(encoding="utf-8")
    medium = tmp_path / "policy.yaml"
    medium.write_text(source.replace("unselected_contractor: high", "unselected_contractor: medium"),
                      encoding="utf-8")
    entrustment = gen_entrustment(world.sakura, world.other, data_set="配送")
    (gap,) = unselected_gaps(world.privacy, [entrustment], gaps.load_policy(medium))[entrustment.id]
    assert gap.severity == "medium"
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text(source.replace("unselected_contractor: high", "unselected_contractor: blocker"),
                     encoding="utf-8")
    with pytest.raises(ValueError, match="unselected_contractor"):
        gaps.load_policy(wrong)


def test_the_gap_page_and_the_entrustment_page_say_no_selection_review_is_on_record(world, make_client):
    entrustment = gen_entrustment(world.sakura, world.other, data_set="配送")
    client = make_client()
    client.login(world.privacy.email, PASSWORD)
    assert "選定審査の記録なし" in text_of(client.get("/contracts"))
    assert "選定審査の記録なし" in text_of(client.get(f"/entrustments/{entrustment.id}"))
    reviewed = answer_all(world.other_staff, world.other_request)
    selection.decide(world.procurement, reviewed.id, {"outcome": "conditional", "conditions": [
        {"text": "再委託先一覧の提出", "owner": "調達部", "due_on": "2099-01-31"}]})
    assert "選定審査の記録なし" not in text_of(client.get(f"/entrustments/{entrustment.id}"))
    assert "選定審査の記録なし" not in text_of(client.get("/contracts"))


