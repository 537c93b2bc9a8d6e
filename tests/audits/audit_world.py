"""Periodic audits for the tests of review, findings and cross-checks: an Audit row of an entrustment with its
questionnaire request (the periodic questionnaire, frozen as audits.library.freeze does), sent to the vendor; the
vendor's staff answer through the services.

(The campaign opens audits by the clock; these tests build the rows directly, as the campaign would leave them.)
"""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

from audits import library, responses
from audits.audit_models import Audit
from audits.models import QuestionnaireRequest
from oversight.extensions import db
from oversight.registry import services as registry
from oversight.timeutil import today_jst, utcnow
from tests.audits.answers import best_answers
from tests.factories import SYSTEM, corporate_number, gen_entrustment, gen_organisation, gen_subcontract, gen_user

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def gen_audit(entrustment, *, auditor=None, due_on: date | None = None, period_start: date | None = None,
              owner=None, questionnaire: str = "periodic") -> Audit:
    """An open questionnaire audit of `entrustment` by its consignor (or `auditor`), its request sent."""
    q = library.current(questionnaire)
    frozen, digest = library.freeze(q)
    auditor_id = auditor.id if auditor is not None else entrustment.consignor_id
    today = today_jst()
    request = QuestionnaireRequest(
        selection_id=None, vendor_id=entrustment.contractor_id, requester_id=auditor_id, questionnaire_id=q.id,
        questionnaire_version=q.version, questionnaire_sha256=digest, questionnaire_frozen=frozen, status="sent",
        due_on=today + timedelta(days=14), question_count=len(q.questions), sent_at=utcnow())
    audit = Audit(auditor_id=auditor_id, entrustment_id=entrustment.id, vendor_id=entrustment.contractor_id,
                  kind="questionnaire", status="open", due_on=due_on or today + timedelta(days=14),
                  period_start=period_start if period_start is not None else today - timedelta(days=365),
                  period_end=today, request=request, owner_id=owner.id if owner else None,
                  owner_name=(owner.name if owner else ""), opened_by_name="tests")
    db.session.add(audit)
    db.session.commit()
    return audit


def answer_audit(staff, audit: Audit, overrides: dict | None = None, *, submit: bool = True) -> Audit:
    """The vendor answers every question as well as it can (then `overrides`), attaching a PDF to every evidence
    question that applies, and submits."""
    request = db.session.get(QuestionnaireRequest, audit.request_id)
    q = responses.questionnaire_of(request)
    values = {k: v for k, v in best_answers(q, today_jst()).items() if q.question(k).type != "evidence"}
    values.update(overrides or {})
    responses.save_answers(staff, request.id, values)
    for line in responses.current_score(request).questions:
        if q.question(line.question).type == "evidence" and line.status == "unanswered":
            responses.attach_evidence(staff, request.id, line.question, f"{line.question}.pdf",
                                      PDF + line.question.encode())
    if submit:
        responses.submit(staff, request.id)
    return db.session.get(Audit, audit.id)


def gen_audit_world() -> SimpleNamespace:
    """さくら商事 entrusts member data to UFサポート (a vendor 大津市 also entrusts data to), which subcontracts the
    call centre, approved, to 東都コール. さくら has a privacy office, an auditor and procurement; 大津市 a privacy
    office; UFサポート its staff. An audit of さくら's entrustment is open."""
    sakura, otsu = gen_organisation("さくら商事株式会社"), gen_organisation("大津市", kind="public_body")
    vendor, sub = gen_organisation("UFサポート株式会社"), gen_organisation("東都コール株式会社")
    w = SimpleNamespace(sakura=sakura, otsu=otsu, vendor=vendor, sub=sub)
    w.privacy = gen_user(sakura, "privacy_office", email="privacy@sakura.example", name="さくら 個人情報保護")
    w.auditor = gen_user(sakura, "auditor", email="auditor@sakura.example", name="監査部 佐藤")
    w.procurement = gen_user(sakura, "procurement", email="procurement@sakura.example")
    w.otsu_privacy = gen_user(otsu, "privacy_office", email="privacy@otsu.example")
    w.staff = gen_user(vendor, "contractor_user", email="staff@uf.example", name="UFサポート 高田")
    w.entrustment = gen_entrustment(sakura, vendor, data_set="会員データ", person_count=12000)
    w.subcontract = gen_subcontract(w.entrustment, sub, data_set="会員データ（コールセンター）")
    w.otsu_entrustment = gen_entrustment(otsu, vendor, data_set="卒業アルバム", person_count=420)
    w.audit = gen_audit(w.entrustment, owner=w.auditor)
    w.otsu_audit = gen_audit(w.otsu_entrustment)
    return w


def unknown_company() -> tuple[str, str]:
    """(name, corporate number) of a company the registry does not have."""
    return "株式会社北斗オペレーション", corporate_number()


def registered(name: str, number: str):
    """Register a company as the operator would (for tests that need it known)."""
    return registry.create_organisation(SYSTEM, {"name": name, "corporate_number": number})
