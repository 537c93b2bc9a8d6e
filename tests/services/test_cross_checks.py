"""The UF Japan pattern caught in an audit's answers: a declared subcontractor the registry does not have (or has
unapproved) becomes a finding and a flagged subcontract found in the audit (無承認再委託) wherever it appears;
"we do not subcontract" against the registry; certifications; evidence dates; the previous audit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from audits import responses
from audits.audit_models import Finding
from audits.crosschecks import flags_of, run_cross_checks
from oversight.corporate_number import with_check_digit
from oversight.errors import Conflict, Forbidden, NotFound, ValidationFailed
from oversight.extensions import db
from oversight.registry import services as registry
from oversight.registry.models import Entrustment
from oversight.timeutil import today_jst
from tests.audits.audit_world import answer_audit, gen_audit, gen_audit_world, unknown_company

HONEST = {"per_sub_status": "unchanged", "per_cert_held": ["none"]}


@pytest.fixture
def world():
    return gen_audit_world()


def _declare(world, lines: list[str], **more):
    return answer_audit(world.staff, world.audit, {**HONEST, "per_sub_declared": "\n".join(lines), **more})


def _checks(audit) -> list[str]:
    return [f.check for f in flags_of(audit)]


def test_an_honest_answer_raises_no_flag(world):
    audit = _declare(world, [f"東都コール株式会社, {world.sub.corporate_number}"])
    assert _checks(audit) == []


def test_an_unknown_subcontractor_becomes_a_finding_and_an_unapproved_subcontract_everywhere(world):
    name, number = unknown_company()
    audit = _declare(world, [f"東都コール株式会社, {world.sub.corporate_number}", f"{name}　{number}"])
    [flag] = flags_of(audit)
    assert (flag.check, flag.severity, flag.origin, flag.question_id) == (
        "unknown_subcontractor", "critical", "cross_check", "per_sub_declared")
    assert number in flag.detail and "無承認再委託" in flag.detail
    found = db.session.scalar(select(Entrustment).where(Entrustment.parent_id == world.entrustment.id,
                                                        Entrustment.origin == "audit"))
    assert found.contractor.corporate_number == number and found.contractor.name == name
    state = registry.link_states([found.id])[found.id]
    assert state.state == "unapproved" and state.violation
    # flagged in the registry's lists as in its chain view, for the consignor
    flagged = registry.search_entrustments(world.privacy, flagged=True)
    assert [e.id for e in flagged.items] == [found.id]
    assert any(s.link.id == found.id and s.violation
               for root in registry.chain_down(world.privacy, world.sakura.id).roots for s in _walk(root))


def _walk(state):
    yield state
    for child in state.children:
        yield from _walk(child)


def test_running_the_checks_again_adds_nothing(world):
    name, number = unknown_company()
    audit = _declare(world, [f"東都コール株式会社, {world.sub.corporate_number}", f"{name}, {number}"])
    findings_before = db.session.scalar(select(func.count(Finding.id)))
    entrustments_before = db.session.scalar(select(func.count(Entrustment.id)))
    result = run_cross_checks(world.auditor, audit.id)
    assert result.new_findings == [] and result.recorded == [] and len(result.flags) == 1
    assert db.session.scalar(select(func.count(Finding.id))) == findings_before
    assert db.session.scalar(select(func.count(Entrustment.id))) == entrustments_before


def test_a_subcontractor_awaiting_approval_but_in_use_is_flagged(world):
    pending = registry.propose_subcontract(world.staff, world.entrustment.id, {
        "contractor_corporate_number": with_check_digit("777000000001"), "contractor_name": "株式会社申請中",
        "data_set": "会員データ（発送）", "person_count": 100})
    assert pending.status == "proposed"
    audit = _declare(world, [f"東都コール株式会社, {world.sub.corporate_number}",
                             f"株式会社申請中, {with_check_digit('777000000001')}"])
    assert _checks(audit) == ["unapproved_subcontractor"]
    recorded = db.session.scalars(select(Entrustment).where(Entrustment.origin == "audit")).all()
    assert len(recorded) == 1 and registry.link_states([recorded[0].id])[recorded[0].id].violation


def test_a_wrong_check_digit_is_a_clear_error_on_the_answer_and_nothing_is_stored(world):
    base = "123456789012"
    wrong = f"{(int(with_check_digit(base)[0]) + 1) % 10}{base}"
    with pytest.raises(ValidationFailed) as refused:
        responses.save_answers(world.staff, world.audit.request_id, {
            "per_sub_status": "unchanged", "per_sub_declared": f"東都コール株式会社\n株式会社北斗, {wrong}"})
    [message] = refused.value.errors["per_sub_declared"]
    assert "2行目" in message and wrong in message and "チェックデジット" in message
    assert responses.questionnaire_of(world.audit.request) and world.audit.request.values() == {}


def test_we_do_not_subcontract_while_the_registry_shows_a_subcontract_is_flagged(world):
    audit = answer_audit(world.staff, world.audit, {"per_sub_status": "none", "per_cert_held": ["none"]})
    [flag] = flags_of(audit)
    assert flag.check == "no_subcontracting_contradicted" and "東都コール株式会社" in flag.detail


def test_a_certification_claimed_but_expired_or_unrecorded_is_flagged(world):
    registry.update_organisation(world.privacy, world.vendor.id, {"record": {"certifications": [
        {"scheme": "pmark", "number": "P-1", "expires_on": (today_jst() - timedelta(days=10)).isoformat(),
         "verified_on": today_jst().isoformat()}]}})
    audit = _declare(world, [f"東都コール株式会社, {world.sub.corporate_number}"],
                     per_cert_held=["iso27001", "pmark"],
                     per_cert_iso27001_expiry=(today_jst() + timedelta(days=200)).isoformat(),
                     per_cert_pmark_expiry=(today_jst() + timedelta(days=200)).isoformat())
    assert sorted((f.check, f.question_id) for f in flags_of(audit)) == [
        ("certificate_unrecorded", "per_cert_iso27001_expiry"), ("certificate_unrecorded", "per_cert_pmark_expiry")]


def test_evidence_before_the_period_and_answers_contradicting_the_previous_audit_are_flagged(world):
    first = answer_audit(world.staff, world.audit, {**HONEST, "per_sub_declared": f"東都コール株式会社, "
                                                                                 f"{world.sub.corporate_number}"})
    assert _checks(first) == []
    second = gen_audit(world.entrustment, due_on=first.due_on + timedelta(days=365),
                       period_start=today_jst() - timedelta(days=30))
    name, number = unknown_company()
    audit = answer_audit(world.staff, second, {
        **HONEST, "per_sub_declared": f"東都コール株式会社, {world.sub.corporate_number}\n{name}, {number}",
        "per_training_date": (today_jst() - timedelta(days=400)).isoformat()})  # the first said 365 days ago
    assert sorted(_checks(audit)) == ["contradicts_previous_audit", "contradicts_previous_audit",
                                      "evidence_before_period", "unknown_subcontractor"]


def test_only_the_auditor_runs_the_checks_and_a_sibling_consignor_cannot_find_the_audit(world):
    audit = _declare(world, [f"東都コール株式会社, {world.sub.corporate_number}"])
    with pytest.raises(Forbidden):
        run_cross_checks(world.procurement, audit.id)
    with pytest.raises(NotFound):
        run_cross_checks(world.otsu_privacy, audit.id)
    with pytest.raises(Conflict):
        run_cross_checks(world.otsu_privacy, world.otsu_audit.id)
