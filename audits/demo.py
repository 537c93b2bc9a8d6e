"""The demo's vendor selection for `flask load-demo`: さくら's procurement chooses the vendor of its next call
centre between two candidates. 東都 has answered (with evidence; its ISMS certificate expires in 45 days); UFサポート
is still answering and has said it subcontracts without the consignor's approval (a blocker).

The album vendor serving many schools keeps its answers to dd-selection in its own company profile (会社の回答,
answered a month ago), ready to share with each school that sends it the questionnaire.

Call `load(users, orgs)` after the demo users exist (oversight.demo.load does).
"""

from __future__ import annotations

from datetime import timedelta

from audits import responses, selection
from oversight.timeutil import today_jst

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"

# A complete set of good answers to dd-selection (the questions that apply when no subcontracting is planned).
GOOD = {
    "bp_policy": True, "bp_policy_review": "yearly", "hr_rules": True,
    "hr_stages": ["acquisition", "use", "storage", "transfer", "disposal"], "hr_purpose_limit": True,
    "org_officer": True, "org_officer_name": "情報セキュリティ部長 佐々木 学", "org_handlers": True,
    "org_operation_records": True, "org_access_logs": "reviewed", "org_inventory": True,
    "org_incident_response": True, "org_notice_hours": 24, "org_internal_audit": "yearly",
    "hum_training": "yearly", "hum_confidentiality": True, "phy_area": "controlled", "phy_theft": True,
    "phy_media": "prohibited", "tec_access_control": True, "tec_authentication": "mfa",
    "tec_protection": ["firewall", "antimalware", "patching", "monitoring"], "tec_encryption": "transit_and_rest",
    "tec_vulnerability_test": True, "tec_backup": True, "ext_storage": "japan_only", "cert_held": ["isms"],
    "inc_any": False, "sub_practice": "none", "del_at_end": True, "del_copies": True, "del_certificate": True,
    "del_days": 30, "att_audit": True, "att_truthful": True, "att_responder": "情報セキュリティ部 部長 佐々木 学",
}


def _valid(questionnaire, answers: dict) -> dict:
    """Only the answers this version of the questionnaire takes (codes checked), so an edit of the YAML never
    breaks the demo: what no longer fits is left unanswered."""
    out = {}
    for question_id, value in answers.items():
        question = questionnaire.question(question_id)
        if question is None:
            continue
        codes = value if isinstance(value, list) else [value]
        if question.type in ("single_choice", "multiple_choice") and any(question.choice(c) is None for c in codes):
            continue
        out[question_id] = value
    return out


def load(users: dict, orgs: dict):
    """Open the demo selection, send it, and let the two candidates answer; return the selection."""
    procurement = users["procurement@sakura-hd.example"]
    s = selection.create_selection(procurement, {
        "title": "さくらポイント会員コールセンター（次期）の委託先選定",
        "purpose": "2027年度からの会員問合せ窓口の運営。通話録音と問合せ履歴を含む。",
        "data_items": ["name", "phone", "address"], "person_count": 1_380_000})
    toto = selection.add_candidate(procurement, s.id, {"vendor_id": orgs["toto"].id, "questionnaire": "dd-selection",
                                                       "message": "現行の委託業務の実績も踏まえて回答してください。"})
    ufs = selection.add_candidate(procurement, s.id, {"vendor_id": orgs["ufs"].id, "questionnaire": "dd-selection"})
    selection.send_all(procurement, s.id)

    staff = users["staff@toto-system.example"]
    q = responses.questionnaire_of(toto)
    today = today_jst()
    responses.save_answers(staff, toto.id, _valid(q, {
        **GOOD, "cert_isms_expiry": (today + timedelta(days=45)).isoformat(),
        "org_last_audit": (today - timedelta(days=120)).isoformat(),
        "hum_last_training": (today - timedelta(days=60)).isoformat()}))
    for question_id in responses.current_score(toto).unanswered_required:
        question = q.question(question_id)
        if question.type == "evidence":
            responses.attach_evidence(staff, toto.id, question_id, f"{question.text.ja[:20]}.pdf",
                                      PDF + question_id.encode())
    if not responses.current_score(toto).unanswered_required:
        responses.submit(staff, toto.id)

    _album_answers(users["staff@photo-album.example"], today)

    ufs_staff = users["staff@uf-support.example"]
    responses.save_answers(ufs_staff, ufs.id, _valid(q, {
        "bp_policy": True, "hr_rules": True, "org_officer": True, "sub_practice": "without_approval",
        "cert_held": ["pmark"], "cert_pmark_expiry": (today_jst() + timedelta(days=400)).isoformat()}))
    from audits import handling_demo

    handling_demo.load(users)
    from audits import finding_demo

    finding_demo.load(users, orgs)  # last month's periodic audit of the call centre: review, cross-check, finding
    return s


def _album_answers(staff, today) -> None:
    """The album vendor answered dd-selection once, in its company profile, a month ago (with its files)."""
    from audits import company_answers, scoring

    kept = company_answers.start_company_answers(staff, {"questionnaire": "dd-selection"})
    q = responses.questionnaire_of(kept)
    company_answers.update_company_answers(staff, kept.id, _valid(q, {
        **GOOD, "cert_held": ["pmark"], "cert_pmark_expiry": (today + timedelta(days=300)).isoformat(),
        "org_last_audit": (today - timedelta(days=90)).isoformat(),
        "hum_last_training": (today - timedelta(days=40)).isoformat(),
        "att_responder": "情報管理室 室長 中村 由美"}))
    for question_id in scoring.score(q, kept.values, as_of=today).unanswered_required:
        question = q.question(question_id)
        if question.type == "evidence":
            company_answers.attach_company_evidence(staff, kept.id, question_id, f"{question.text.ja[:20]}.pdf",
                                                    PDF + question_id.encode())
    kept.answered_on = today - timedelta(days=30)
