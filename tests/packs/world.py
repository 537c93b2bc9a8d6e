"""A shared vendor with two consignors, each supervising it, for the evidence-pack stories: さくら商事 selected
共通ベンダー (answers, evidence, an approval with a condition), entrusts it member data under a contract, audited it
(a finding closed with remediation evidence), received a notification from it, and approved a subcontract below
it; 大津市 does the same things of its own with the same vendor — none of which may reach さくら's pack.

The periodic-audit rows are written through the tables (their services are built elsewhere)."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

from audits import selection
from audits.audit_models import AnswerReview, Audit, Finding, FindingEvent, FindingEvidence
from audits.models import QuestionnaireRequest
from contracts import services as contracts
from oversight.extensions import db
from oversight.notifications import filing
from oversight.timeutil import today_jst, utcnow
from tests.audits.selection_world import PDF, answer_all, gen_selection_world
from tests.factories import gen_entrustment, gen_organisation, gen_subcontract, gen_user


def gen_audit(auditor, entrustment, *, due_on: date, finding: str, evidence: bytes, closed: bool = True,
              request: QuestionnaireRequest | None = None) -> Audit:
    """An audit of `entrustment` by `auditor` with one finding whose remediation carries `evidence`."""
    audit = Audit(auditor_id=auditor.id, entrustment_id=entrustment.id, vendor_id=entrustment.contractor_id,
                  kind="onsite" if request is None else "questionnaire", status="closed" if closed else "open",
                  due_on=due_on, period_start=due_on - timedelta(days=365), period_end=due_on, tier="high",
                  tier_reasons=["要配慮個人情報"], opened_by_name="clock", closed_at=utcnow() if closed else None,
                  closed_by_name="監査担当" if closed else "", conclusion="指摘1件、是正済み" if closed else "",
                  request_id=request.id if request else None,
                  checklist=[{"id": "c1", "text": {"ja": "入退室管理", "en": "Entry control"}, "result": "ng",
                              "note": "記録なし"}])
    db.session.add(audit)
    db.session.flush()
    f = Finding(auditor_id=auditor.id, vendor_id=entrustment.contractor_id, entrustment_id=entrustment.id,
                audit_id=audit.id, origin="manual", severity="high", title=finding, due_on=due_on + timedelta(30),
                status="closed" if closed else "open", closed_at=utcnow() if closed else None)
    db.session.add(f)
    db.session.flush()
    event = FindingEvent(finding_id=f.id, kind="remediation", text="入退室記録を開始", author_name="ベンダー担当")
    db.session.add(event)
    db.session.flush()
    db.session.add(FindingEvidence(finding_id=f.id, event_id=event.id, filename="入退室記録.pdf",
                                   media_type="application/pdf", size=len(evidence),
                                   sha256=hashlib.sha256(evidence).hexdigest(), content=evidence))
    if closed:
        db.session.add(FindingEvent(finding_id=f.id, kind="closed", text="確認済み", author_name="監査担当"))
    if request is not None:
        db.session.add(AnswerReview(request_id=request.id, question_id="bp_policy", verdict="accepted",
                                    author_name="監査担当"))
    db.session.commit()
    return audit


def gen_pack_world():
    """The two consignors of one vendor, each with its whole supervision record of it."""
    w = gen_selection_world()
    w.shared_request = answer_all(w.shared_staff, w.shared_request)
    w.otsu_request = answer_all(w.shared_staff, w.otsu_request)
    selection.decide(w.procurement, w.shared_request.id, {
        "outcome": "conditional", "reason": "SOC 2 報告書の提出を条件に承認",
        "conditions": [{"text": "SOC 2 Type II報告書の提出", "owner": "調達部", "due_on": "2027-03-31"}]})
    selection.decide(w.otsu_procurement, w.otsu_request.id, {"outcome": "approved", "reason": "大津市の承認理由"})
    w.entrustment = gen_entrustment(w.sakura, w.shared, data_set="会員データ（さくら）", includes_sensitive=True,
                                   data_items=["name", "phone"])
    w.otsu_entrustment = gen_entrustment(w.otsu, w.shared, data_set="卒業アルバム（大津市）", data_items=["name"])
    w.sub = gen_organisation("再委託先サブ株式会社")
    w.subcontract = gen_subcontract(w.entrustment, w.sub, data_set="コールセンター（さくら分）")
    w.otsu_sub = gen_organisation("大津だけの再委託先")
    w.otsu_subcontract = gen_subcontract(w.otsu_entrustment, w.otsu_sub)
    w.version = contracts.generate(w.privacy, w.entrustment.id)
    w.otsu_privacy = gen_user(w.otsu, "privacy_office", email="privacy@otsu.example")
    w.otsu_version = contracts.generate(w.otsu_privacy, w.otsu_entrustment.id)
    today = today_jst()
    w.audit = gen_audit(w.sakura, w.entrustment, due_on=today - timedelta(days=10), finding="入退室管理の記録がない",
                        evidence=PDF + b"sakura-remediation")
    w.otsu_audit = gen_audit(w.otsu, w.otsu_entrustment, due_on=today - timedelta(days=12),
                             finding="大津市だけの指摘事項", evidence=PDF + b"otsu-remediation")
    notice = {"facts": {"cause": "lost_outside", "known_at": f"{today - timedelta(days=3)}T10:00:00+09:00"}}
    w.notification = filing.file_new(w.shared_staff, {**notice, "title": "さくら分の紛失",
                                                      "entrustment_id": w.entrustment.id}, [("報告.pdf", PDF)])
    w.otsu_notification = filing.file_new(w.shared_staff, {**notice, "title": "大津市分の紛失",
                                                           "entrustment_id": w.otsu_entrustment.id},
                                          [("大津報告.pdf", PDF + b"otsu")])
    w.period = {"period_from": (today - timedelta(days=365)).isoformat(), "period_to": today.isoformat()}
    return w
