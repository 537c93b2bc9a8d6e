"""The checklists and the campaign policy are data a lawyer or auditor edits: both files load, and every kind of bad
data is refused as a whole, each problem named by file and field."""

from __future__ import annotations

import copy

import pytest
import yaml

from audits.campaign_policy import POLICY_FILE, CampaignPolicyError, load_campaign_policy, parse_campaign_policy
from audits.checklists import CHECKLISTS_DIR, KINDS, ChecklistError, load_checklist, parse_checklist
from audits.tiers import load_policy

TIERS = [level.name for level in load_policy().levels]


def test_both_checklists_load_with_every_item_in_both_languages_and_its_guideline():
    for kind in KINDS:
        checklist = load_checklist(kind)
        assert checklist.kind == kind and len(checklist.items) >= 8
        assert all(item.ja and item.en and item.guideline for item in checklist.items)
        assert all(entry["result"] is None for entry in checklist.as_items())
    onsite = {item.id for item in load_checklist("onsite").items}
    assert {"people_on_site", "subcontractors_match"} <= onsite  # 000: who does the work, and for whom


def _checklist():
    return yaml.safe_load((CHECKLISTS_DIR / "onsite.yaml").read_text(encoding="utf-8"))


CHECKLIST_REFUSALS = [
    ("an item without English", lambda d: d["items"][0]["text"].pop("en"), "items[0].text"),
    ("an item without its guideline", lambda d: d["items"][1].pop("guideline"), "items[1].guideline"),
    ("two items with one id", lambda d: d["items"][2].update(id=d["items"][1]["id"]), "items[2].id"),
    ("an unknown kind", lambda d: d.update(kind="phone_call"), "kind"),
    ("an unknown key (a typo)", lambda d: d["items"][0].update(guidline="x"), "items[0].guidline"),
    ("no items", lambda d: d.update(items=[]), "items"),
]


@pytest.mark.parametrize(("case", "spoil", "field"), CHECKLIST_REFUSALS, ids=[c[0] for c in CHECKLIST_REFUSALS])
def test_a_bad_checklist_is_refused_naming_the_field(case, spoil, field):
    data = _checklist()
    spoil(data)
    with pytest.raises(ChecklistError) as refused:
        parse_checklist(data, "onsite.yaml")
    assert any(p.startswith(f"onsite.yaml: {field}:") for p in refused.value.problems), refused.value.problems


def test_the_campaign_policy_loads_and_gives_each_tier_its_plan():
    policy = load_campaign_policy(TIERS)
    assert policy.questionnaire == "periodic"
    assert policy.plan("medium").kind == "questionnaire" and policy.plan("medium").open_days_before == 30
    assert policy.plan("critical").open_days_before == 45


POLICY_REFUSALS = [
    ("a lead time of 0 days", lambda d: d["default"].update(open_days_before=0), "default.open_days_before"),
    ("a lead time of half a year and more", lambda d: d["tiers"]["critical"].update(open_days_before=181),
     "tiers.critical.open_days_before"),
    ("an unknown kind of audit", lambda d: d["default"].update(kind="telephone"), "default.kind"),
    ("a tier the tier policy does not have", lambda d: d["tiers"].update(urgent={"open_days_before": 10}),
     "tiers.urgent"),
    ("no source", lambda d: d.pop("source"), "source"),
]


@pytest.mark.parametrize(("case", "spoil", "field"), POLICY_REFUSALS, ids=[c[0] for c in POLICY_REFUSALS])
def test_a_bad_campaign_policy_is_refused_naming_the_field(case, spoil, field):
    data = copy.deepcopy(yaml.safe_load(POLICY_FILE.read_text(encoding="utf-8")))
    spoil(data)
    with pytest.raises(CampaignPolicyError) as refused:
        parse_campaign_policy(data, TIERS, "campaign_policy.yaml")
    assert any(p.startswith(f"campaign_policy.yaml: {field}:") for p in refused.value.problems), refused.value.problems
