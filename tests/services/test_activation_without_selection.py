"""Starting a direct entrustment to a contractor no selection review approved: the selection policy
(audits/selection_policy.yaml) allows it on an override reason kept in the trail, or forbids it. The registry only
offers the hook (oversight.registry.activation); the web form, the API and the CLI all pass through it."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from audits import selection
from audits.selection_policy import SelectionPolicyError, load_policy, parse_policy
from oversight.accounts.services import issue_token
from oversight.errors import ValidationFailed
from oversight.extensions import db
from oversight.registry import services as registry
from oversight.registry.models import Entrustment
from oversight.trail.models import TrailRecord
from tests.audits.selection_world import answer_all, gen_selection_world
from tests.factories import PASSWORD, gen_organisation, gen_subcontract
from tests.helpers import text_of

REASON = "既存の委託を継続するため。選定審査は2026年6月末までに実施する。"


@pytest.fixture
def world():
    return gen_selection_world()


@pytest.fixture
def forbidden(app, tmp_path, monkeypatch):
    path = tmp_path / "selection_policy.yaml"
    path.write_text('version: "test"\nactivation_without_selection: forbidden\nsource: テスト\n', encoding="utf-8")
    monkeypatch.setitem(app.config, "SELECTION_POLICY_FILE", str(path))


def _entrustments() -> int:
    return db.session.scalar(select(func.count()).select_from(Entrustment))


def _overrides() -> list[TrailRecord]:
    return list(db.session.scalars(select(TrailRecord).where(TrailRecord.action == "activate_override")))


def _data(world, vendor, **more) -> dict:
    return {"consignor_id": world.sakura.id, "contractor_id": vendor.id, "data_set": "会員コールセンター", **more}


def test_starting_an_entrustment_to_an_unreviewed_vendor_needs_a_reason_and_the_reason_goes_to_the_trail(world):
    before = _entrustments()
    with pytest.raises(ValidationFailed) as refused:
        registry.create_entrustment(world.procurement, _data(world, world.other))
    assert "override_reason" in refused.value.errors
    assert "審査なしで開始する理由を入力してください" in str(refused.value.errors["override_reason"][0])
    assert (_entrustments(), _overrides()) == (before, [])

    e = registry.create_entrustment(world.procurement, _data(world, world.other, override_reason=f"  {REASON} "))
    assert e.status == "active"
    (record,) = _overrides()
    assert (record.object_type, record.object_id, record.actor_user_id) == ("entrustment", e.id, world.procurement.id)
    assert record.after["reason"] == REASON
    assert record.after["missing"][0]["code"] == "selection:none"


def test_the_entrustment_page_says_who_started_it_without_a_review_and_why_to_its_consignor_only(world, make_client):
    e = registry.create_entrustment(world.procurement, _data(world, world.other, override_reason=REASON))
    db.session.commit()
    client = make_client()
    client.login(world.privacy.email, PASSWORD)
    page = text_of(client.get(f"/entrustments/{e.id}"))
    assert f"procurement@sakura.example が選定審査の承認なしで開始しました。理由：「{REASON}」" in page
    vendor = make_client()
    vendor.login(world.other_staff.email, PASSWORD)
    seen_by_vendor = vendor.get(f"/entrustments/{e.id}")
    assert seen_by_vendor.status_code == 200 and REASON not in text_of(seen_by_vendor)
    approved = answer_all(world.other_staff, world.other_request)
    selection.decide(world.procurement, approved.id, {"outcome": "approved"})
    db.session.commit()
    page = text_of(client.get(f"/entrustments/{e.id}"))
    assert REASON not in page and "委託先選定の審査で選定済み：承認" in page  # approved since: the line says so


def test_a_vendor_approved_or_approved_with_conditions_starts_without_a_reason_but_a_rejected_one_does_not(world):
    approved = answer_all(world.shared_staff, world.shared_request)
    selection.decide(world.procurement, approved.id, {"outcome": "conditional", "conditions": [
        {"text": "SOC 2 Type II 報告書の提出", "owner": "調達部", "due_on": "2027-03-31"}]})
    rejected = answer_all(world.other_staff, world.other_request)
    selection.decide(world.procurement, rejected.id, {"outcome": "rejected", "reason": "無承認の再委託"})

    registry.create_entrustment(world.procurement, _data(world, world.shared))
    assert _overrides() == []
    with pytest.raises(ValidationFailed) as refused:
        registry.create_entrustment(world.procurement, _data(world, world.other))
    assert "override_reason" in refused.value.errors


def test_under_a_policy_that_forbids_it_no_reason_starts_one_and_nothing_is_stored(world, forbidden):
    before = _entrustments()
    with pytest.raises(ValidationFailed) as refused:
        registry.create_entrustment(world.procurement, _data(world, world.other, override_reason=REASON))
    assert "contractor_id" in refused.value.errors
    assert "選定方針により審査なしで委託を開始することは認められていません" in str(
        refused.value.errors["contractor_id"][0])
    assert (_entrustments(), _overrides()) == (before, [])
    approved = answer_all(world.shared_staff, world.shared_request)
    selection.decide(world.procurement, approved.id, {"outcome": "approved"})
    assert registry.create_entrustment(world.procurement, _data(world, world.shared)).status == "active"


@pytest.mark.parametrize("reason, message", [
    (12, "文字列で入力してください。"), ("x" * 1001, "1000文字以内で入力してください。"),
    ("理由\x00", "制御文字を取り除いてください。"),
])
def test_a_malformed_reason_is_refused_naming_the_field(world, reason, message):
    before = _entrustments()
    with pytest.raises(ValidationFailed) as refused:
        registry.create_entrustment(world.procurement, _data(world, world.other, override_reason=reason))
    assert [str(m) for m in refused.value.errors["override_reason"]] == [message]
    assert _entrustments() == before


def test_subcontracts_and_recorded_entrustments_are_not_checked(world):
    top = registry.create_entrustment(world.procurement, _data(world, world.other), recorded=True)  # the import
    sub = gen_subcontract(top, gen_organisation("再委託先株式会社"))
    assert (top.status, sub.status, _overrides()) == ("active", "active", [])


def test_the_web_form_asks_for_the_reason_and_keeps_nothing_until_it_is_given(world, client):
    client.login(world.procurement.email, PASSWORD)
    client.get("/entrustments/new")
    form = {"consignor_id": world.sakura.id, "contractor_id": world.other.id, "data_set": "会員コールセンター",
            "storage_country": "JP", "subcontracting_terms": "prior_approval"}
    before = _entrustments()
    refused = client.post("/entrustments/new", form)
    assert refused.status_code == 422
    assert "審査なしで開始する理由を入力してください" in text_of(refused)
    assert _entrustments() == before
    created = client.post("/entrustments/new", {**form, "override_reason": REASON})
    assert created.status_code == 302
    assert _overrides()[0].after["reason"] == REASON


def test_the_api_refuses_without_a_reason_naming_the_field_and_accepts_with_one(world, app):
    headers = {"Authorization": f"Bearer {issue_token(world.procurement, 'tests')[1]}"}
    client = app.test_client()
    body = _data(world, world.other)
    refused = client.post("/api/v1/entrustments", json=body, headers=headers)
    assert refused.status_code == 422 and "override_reason" in refused.json["errors"]
    bad = client.post("/api/v1/entrustments", json={**body, "override_reason": ["理由"]}, headers=headers)
    assert bad.status_code == 422 and bad.json["errors"]["override_reason"] == ["文字列で入力してください。"]
    created = client.post("/api/v1/entrustments", json={**body, "override_reason": REASON}, headers=headers)
    assert created.status_code == 201 and created.json["status"] == "active"


def test_the_cli_refuses_without_a_reason_and_records_one(world, app):
    runner = app.test_cli_runner()
    args = ["entrustment", "create", "--as", world.procurement.email, "--contractor-id", str(world.other.id),
            "--data-set", "会員コールセンター"]
    refused = runner.invoke(args=args)
    assert refused.exit_code == 2 and refused.output.startswith("override_reason: ")
    done = runner.invoke(args=[*args, "--override-reason", REASON])
    assert done.exit_code == 0, done.output
    assert '"status": "active"' in done.output
    assert _overrides()[0].after["reason"] == REASON


def test_the_policy_file_names_every_bad_setting():
    assert load_policy().activation_without_selection == "with_override_reason"
    with pytest.raises(SelectionPolicyError) as bad:
        parse_policy({"version": "", "activation_without_selection": "sometimes", "extra": 1}, "p.yaml")
    text = str(bad.value)
    assert "p.yaml: extra: unknown setting" in text
    assert "p.yaml: activation_without_selection: one of with_override_reason, forbidden" in text
    assert "p.yaml: version:" in text and "p.yaml: source:" in text
