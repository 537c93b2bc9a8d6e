"""The cross-checks applied to an audit's submitted answers: the facts are read from the answers (the questions
that `declares` what they tell), the registry and the previous audit; audits.crosscheck_rules judges them; each
flag becomes a finding (origin cross_check, its reason as the detail), and a declared subcontractor the registry
does not have, or has unapproved, is recorded in the registry as a subcontract found in the audit (origin audit,
無承認再委託) — flagged on every page that shows it.

Idempotent: a finding's dedupe key names the audit, the check and its subject, and a subcontract already flagged
under the audited entrustment is not recorded twice; running the checks again (the vendor's revised answers, the
auditor's button) adds only what is new.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from audits import crosscheck_rules as rules
from audits.audit_models import Audit, Finding
from audits.audit_visibility import get_audit, is_auditor
from audits.declarations import Declared, name_key, parse_subcontractors
from audits.findings import DEFAULT_DAYS, raise_finding
from audits.models import QuestionnaireRequest
from oversight import permissions as perm
from oversight import uow
from oversight.errors import Conflict, Forbidden
from oversight.extensions import db
from oversight.registry import services as registry
from oversight.registry.models import Certification, Entrustment, Organisation, OrganisationRecord
from oversight.registry.queries import link_states, with_descendants
from oversight.timeutil import today_jst
from oversight.trail import services as trail

SEVERITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3}


@dataclass
class CrossCheckResult:
    """What one run found: every flag, the findings it raised (new ones among them) and the subcontracts recorded."""

    flags: list[rules.Flag]
    findings: list[Finding] = field(default_factory=list)
    new_findings: list[Finding] = field(default_factory=list)
    recorded: list[Entrustment] = field(default_factory=list)


def _declared_by(request: QuestionnaireRequest) -> dict:
    """What the request's answers declare (only questions that apply, as the score reads them)."""
    from audits.responses import as_of, current_score, questionnaire_of

    q = questionnaire_of(request)
    values = request.values()
    applies = {line.question for line in current_score(request).questions if line.status == "answered"}
    out: dict = {"as_of": as_of(request), "subcontracting": None, "subcontracting_question": None, "declared": (),
                 "declared_question": None, "claimed_schemes": {}, "expiry": {}, "evidence_dates": []}
    for question in q.questions:
        if not question.declares:
            continue
        value = values.get(question.id) if question.id in applies else None
        if question.declares == "subcontracting":
            out["subcontracting_question"] = question.id
            out["subcontracting"] = value if isinstance(value, str) else None
        elif question.declares == "subcontractors":
            out["declared_question"] = out["declared_question"] or question.id
            if isinstance(value, str):
                out["declared"] = tuple(parse_subcontractors(value)[0])
        elif question.declares == "certifications" and isinstance(value, list):
            exclusive = {c.code for c in question.choices if c.exclusive}
            out["claimed_schemes"].update({code: question.id for code in value if code not in exclusive})
        elif question.declares == "certification_expiry" and isinstance(value, str):
            out["expiry"][question.scheme] = (question.id, date.fromisoformat(value))
        elif question.declares == "evidence_date" and isinstance(value, str):
            out["evidence_dates"].append((question.id, date.fromisoformat(value)))
    return out


def _registered(audit: Audit) -> tuple[rules.RegisteredSub, ...]:
    seeds = select(Entrustment.id).where(Entrustment.parent_id == audit.entrustment_id)
    below = list(db.session.scalars(select(Entrustment).where(Entrustment.id.in_(with_descendants(seeds)))
                                    .options(selectinload(Entrustment.contractor)).order_by(Entrustment.id)))
    states = link_states([e.id for e in below])
    return tuple(rules.RegisteredSub(e.id, e.contractor.name, e.contractor.corporate_number or "",
                                     states[e.id].state if e.id in states else "unapproved",
                                     e.status != "terminated") for e in below)


def _recorded(audit: Audit) -> tuple[rules.Certificate, ...]:
    kept = select(OrganisationRecord.id).where(OrganisationRecord.organisation_id == audit.vendor_id,
                                               OrganisationRecord.tenant_id == audit.auditor_id)
    return tuple(rules.Certificate(c.scheme, c.expires_on) for c in db.session.scalars(
        select(Certification).where(Certification.organisation_id == audit.vendor_id,
                                    or_(Certification.record_id.is_(None), Certification.record_id.in_(kept)))))


def _previous(audit: Audit) -> rules.Previous | None:
    earlier = db.session.scalar(
        select(Audit).join(QuestionnaireRequest, Audit.request_id == QuestionnaireRequest.id)
        .where(Audit.auditor_id == audit.auditor_id, Audit.entrustment_id == audit.entrustment_id,
               Audit.id != audit.id, Audit.due_on < audit.due_on, QuestionnaireRequest.submitted_at.is_not(None))
        .order_by(Audit.due_on.desc()).limit(1))
    if earlier is None:
        return None
    said = _declared_by(earlier.request)
    return rules.Previous(earlier.id, said["subcontracting"], said["declared"], tuple(said["evidence_dates"]))


def facts_of(audit: Audit) -> rules.AuditFacts:
    """The facts the rules read about the audit's answers as they stand."""
    said = _declared_by(audit.request)
    claimed = []
    for scheme, question_id in said["claimed_schemes"].items():
        expiry_question, expires_on = said["expiry"].get(scheme, (question_id, None))
        claimed.append((expiry_question, rules.Certificate(scheme, expires_on)))
    return rules.AuditFacts(
        as_of=said["as_of"], period_start=audit.period_start, subcontracting=said["subcontracting"],
        subcontracting_question=said["subcontracting_question"], declared=said["declared"],
        declared_question=said["declared_question"], registered=_registered(audit), claimed=tuple(claimed),
        recorded=_recorded(audit), evidence_dates=tuple(said["evidence_dates"]), previous=_previous(audit))


def _already_flagged(audit: Audit, declared: Declared) -> bool:
    """A subcontract to this company under the audited entrustment, live and recorded as found (not planned)."""
    for e in db.session.scalars(select(Entrustment).join(Organisation, Entrustment.contractor_id == Organisation.id)
                                .where(Entrustment.parent_id == audit.entrustment_id,
                                       Entrustment.origin != "planned", Entrustment.approved_at.is_(None),
                                       Entrustment.status.not_in(("rejected", "terminated")))):
        c = e.contractor
        if (declared.corporate_number and c.corporate_number == declared.corporate_number) or (
                not declared.corporate_number and name_key(c.name) == name_key(declared.name)):
            return True
    return False


def _record_subcontract(actor, audit: Audit, flag: rules.Flag) -> Entrustment | None:
    declared = flag.declared
    if flag.registered is not None and flag.registered.state in rules.VIOLATION_STATES:
        return None  # the registry flags it already
    if _already_flagged(audit, declared):
        return None
    parent = audit.entrustment
    data = {"data_set": parent.data_set, "purpose": f"{audit.due_on.isoformat()}の定期監査で発覚（回答に記載）",
            "data_items": list(parent.data_items or []), "person_count": parent.person_count,
            "includes_sensitive": parent.includes_sensitive, "includes_my_number": parent.includes_my_number}
    if declared.corporate_number:
        data.update(contractor_corporate_number=declared.corporate_number, contractor_name=declared.name)
    else:
        data["contractor_id"] = registry.create_organisation(actor, {"name": declared.name}).id
    return registry.propose_subcontract(actor, parent.id, data, origin="audit")


def _finding_data(audit: Audit, flag: rules.Flag) -> dict:
    label = rules.CHECKS[flag.check]
    return {"audit_id": audit.id, "severity": flag.severity, "title": f"{label.ja} / {label.en}",
            "detail": f"{flag.reason.ja}\n{flag.reason.en}\n根拠 / Ground: {flag.ground}",
            "owner_id": audit.owner_id,
            "due_on": today_jst() + timedelta(days=DEFAULT_DAYS[flag.severity])}


def dedupe_key(audit: Audit, flag: rules.Flag) -> str:
    """The key of the finding a flag raises: the audit, the check, the subject. An unknown subcontractor, once
    recorded, reads as an unapproved one: both are one finding."""
    check = "subcontractor" if flag.records_subcontract else flag.check
    return f"xc:{audit.id}:{check}:{flag.subject}"[:200]


@uow.atomic()
def run_cross_checks(actor, audit_id: int) -> CrossCheckResult:
    """Apply the cross-checks to the audit's submitted answers: a finding per flag (once), and each unknown or
    unapproved subcontractor recorded as a subcontract found in the audit (once). The auditor's button, the API,
    the CLI and the vendor's submission (as the clock's actor) call this."""
    perm.require(actor, "audit.review")
    audit = get_audit(actor, audit_id)
    if not is_auditor(actor, audit):
        raise Forbidden(_l("Only the auditor runs the cross-checks."))
    if audit.request is None or audit.request.submitted_at is None:
        raise Conflict(_l("The cross-checks read the submitted answers: wait for the vendor to submit them."))
    flags = sorted(rules.cross_check(facts_of(audit)), key=lambda f: SEVERITY_ORDER[f.severity])
    result = CrossCheckResult(flags)
    for flag in flags:
        key = dedupe_key(audit, flag)
        known = db.session.scalar(select(Finding).where(Finding.dedupe_key == key))
        finding = known or raise_finding(actor, _finding_data(audit, flag), origin="cross_check", check=flag.check,
                                         question_id=flag.question_id, dedupe_key=key)
        result.findings.append(finding)
        if known is None:
            result.new_findings.append(finding)
        if flag.records_subcontract:
            recorded = _record_subcontract(actor, audit, flag)
            if recorded is not None:
                result.recorded.append(recorded)
    trail.record(actor, "cross_check_run", "audit", audit.id,
                 label=f"{audit.entrustment.data_set} / {audit.vendor.name}",
                 after={"flags": [f"{f.check}:{f.subject}" for f in flags],
                        "new_findings": [f.id for f in result.new_findings],
                        "recorded_subcontracts": [e.id for e in result.recorded]})
    return result


def flags_of(audit: Audit) -> list[Finding]:
    """The findings the cross-checks raised on the audit, the most serious first (what the auditor sees)."""
    found = db.session.scalars(select(Finding).where(Finding.audit_id == audit.id, Finding.origin == "cross_check"))
    return sorted(found, key=lambda f: (SEVERITY_ORDER.get(f.severity, 9), f.id))
