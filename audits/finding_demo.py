"""The demo's periodic audit for `flask load-demo`: さくら's auditor audited the Osaka call centre of its
subcontractor 株式会社ユーエフ・サポート directly (the original consignor audits a subcontractor, 通則編 3-4-4). The
vendor's answers list 有限会社北斗オペレーション among its subcontractors: the cross-check flags it (無承認再委託,
the registry already has it unapproved), and the auditor's query on the log reviews raised a finding the vendor
has answered with evidence, awaiting verification.

Called from audits.demo.load after the selection demo.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from audits import findings, library, responses, review
from audits.audit_models import Audit
from audits.models import QuestionnaireRequest
from oversight import uow
from oversight.extensions import db
from oversight.registry.models import Entrustment
from oversight.timeutil import today_jst, utcnow

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def load(users: dict, orgs: dict) -> Audit | None:
    """Open last month's audit of the call centre, let the vendor answer, review one answer; return the audit."""
    entrustment = db.session.scalar(select(Entrustment).where(Entrustment.contractor_id == orgs["ufs"].id,
                                                              Entrustment.parent_id.is_not(None)))
    if entrustment is None:
        return None
    auditor, staff = users["audit@sakura-hd.example"], users["staff@uf-support.example"]
    today = today_jst()
    q = library.current("periodic")
    frozen, digest = library.freeze(q)
    request = QuestionnaireRequest(
        selection_id=None, vendor_id=orgs["ufs"].id, requester_id=orgs["sakura"].id, questionnaire_id=q.id,
        questionnaire_version=q.version, questionnaire_sha256=digest, questionnaire_frozen=frozen, status="sent",
        due_on=today - timedelta(days=5), question_count=len(q.questions), sent_at=utcnow())
    audit = Audit(auditor_id=orgs["sakura"].id, entrustment_id=entrustment.id, vendor_id=orgs["ufs"].id,
                  kind="questionnaire", due_on=today - timedelta(days=5), period_start=today - timedelta(days=370),
                  period_end=today - timedelta(days=5), tier="high", request=request, owner_id=auditor.id,
                  owner_name=auditor.name, opened_by_name="時計（自動） / the clock")
    with uow.atomic():
        db.session.add(audit)
    minato, hokuto = orgs["minato"], orgs["hokuto"]
    responses.save_answers(staff, request.id, {
        "per_purpose_only": True, "per_storage": "unchanged", "per_monthly_reports": True, "per_access_review": True,
        "per_logs_reviewed": "quarterly", "per_training_date": (today - timedelta(days=90)).isoformat(),
        "per_sub_status": "unchanged",
        "per_sub_declared": f"{minato.name}, {minato.corporate_number}\n{hokuto.name}, {hokuto.corporate_number}",
        "per_sub_corporate_numbers": True, "per_sub_audited": False, "per_incidents": False,
        "per_deletion": "with_certificate", "per_truthful": True, "per_cert_held": ["pmark"],
        "per_cert_pmark_expiry": (today + timedelta(days=45)).isoformat()})
    for question_id in ("per_log_review_record", "per_training_record", "per_sub_list", "per_deletion_certificate"):
        responses.attach_evidence(staff, request.id, question_id, f"{q.question(question_id).text.ja[:16]}.pdf",
                                  PDF + question_id.encode())
    responses.submit(staff, request.id)
    review.review_answer(auditor, audit.id, "per_truthful", {"verdict": "accepted"})
    review.review_answer(auditor, audit.id, "per_log_review_record", {
        "verdict": "rejected", "comment": "確認記録が四半期分しかなく、確認者の記名がありません。",
        "finding": {"severity": "medium", "title": "アクセスログ確認の記録が不十分", "owner_id": auditor.id,
                    "detail": "毎月の確認記録（確認者・日付・所見）を整備すること。"}})
    finding = next(f for f in db.session.get(Audit, audit.id).findings if f.origin == "review")
    findings.propose_remediation(staff, finding.id, {"text": "毎月の確認記録の様式を定め、記名して保管しています。"},
                                 [("アクセスログ確認記録.pdf", PDF + b"april")])
    return audit
