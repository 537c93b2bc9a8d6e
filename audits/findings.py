"""Findings (指摘事項) to closure: raised by the auditor (from a review, by hand, or by a cross-check), remediated by
the vendor with evidence, verified and closed by the auditor — or reopened.

A finding is closed only with a verification note: the auditor says how the remediation was verified (通則編 3-4-4
(3): the consignor grasps, not merely hears, how the contractor handles the data). Each step is in the finding's
thread (FindingEvent) and the trail; the other side is mailed through the outbox.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from audits import fields
from audits.audit_models import FINDING_SEVERITIES, Audit, Finding, FindingEvent, FindingEvidence
from audits.audit_visibility import get_audit, get_finding, is_audited, is_auditor
from audits.review import actor_name
from oversight import files, inputs, mail, uow
from oversight import permissions as perm
from oversight.accounts.models import User
from oversight.errors import Conflict, Forbidden, ValidationFailed
from oversight.extensions import db
from oversight.outbox import services as outbox
from oversight.registry.models import Entrustment
from oversight.registry.queries import chain_path
from oversight.registry.recipients import user_addresses
from oversight.timeutil import today_jst, utcnow
from oversight.trail import services as trail

# Days to remedy by default, by severity (the auditor may set any due date not in the past).
DEFAULT_DAYS = {"critical": 14, "high": 30, "medium": 60, "low": 90}
MAX_TITLE, MAX_TEXT, MAX_FILES = 300, 4000, 10
VERIFY_FIRST = _l("A finding is closed only once verified: write how you verified the remediation (what you saw, "
                  "checked or tested).")






def _owner(data: Mapping, errors: dict, auditor_id: int) -> User | None:
    raw = data.get("owner_id")
    if raw in (None, ""):
        return None
    owner_id = inputs.object_id(raw)
    owner = db.session.get(User, owner_id) if owner_id else None
    if owner is None or owner.organisation_id != auditor_id or not owner.is_enabled:
        errors["owner_id"] = [_l("Choose a user of your organisation.")]
        return None
    return owner


def _target(actor, data: Mapping) -> tuple[Audit | None, Entrustment]:
    """The audit the finding is raised on, or — without one — the entrustment, if the actor's organisation is its
    consignor or further up its chain."""
    if data.get("audit_id") not in (None, ""):
        audit_id = inputs.object_id(data["audit_id"])
        if audit_id is None:
            raise ValidationFailed({"audit_id": [_l("Choose an audit.")]})
        audit = get_audit(actor, audit_id)
        if not is_auditor(actor, audit):
            raise Forbidden(_l("Only the auditor raises findings on an audit."))
        return audit, audit.entrustment
    entrustment_id = inputs.object_id(data.get("entrustment_id"))
    entrustment = db.session.get(Entrustment, entrustment_id) if entrustment_id else None
    if entrustment is None or not perm.can_see(actor, "entrustment", entrustment.id):
        raise ValidationFailed({"entrustment_id": [_l("Choose an entrustment.")]})
    if not perm.is_admin(actor) and actor.organisation_id not in {e.consignor_id for e in chain_path(entrustment)}:
        raise Forbidden(_l("Only an organisation that entrusts this data raises findings on it."))
    return None, entrustment


def _auditor_id(actor, audit: Audit | None, entrustment: Entrustment) -> int:
    if audit is not None:
        return audit.auditor_id
    return actor.organisation_id if actor.organisation_id is not None else entrustment.consignor_id


@uow.atomic()
def raise_finding(actor, data: Mapping, *, origin: str = "manual", check: str | None = None,
                  question_id: str | None = None, dedupe_key: str | None = None) -> Finding:
    """Raise a finding on an audit (`audit_id`) or an entrustment (`entrustment_id`): severity, title, detail, owner
    (`owner_id`, a user of the auditor's organisation) and due date (by default from the severity). With a
    `dedupe_key` already used, the finding raised then is returned and nothing changes."""
    perm.require(actor, "finding.manage")
    if dedupe_key is not None:
        existing = db.session.scalar(select(Finding).where(Finding.dedupe_key == dedupe_key))
        if existing is not None:
            return existing
    audit, entrustment = _target(actor, data)
    auditor_id = _auditor_id(actor, audit, entrustment)
    errors: dict = {}
    severity = data.get("severity")
    if severity not in FINDING_SEVERITIES:
        errors["severity"] = [_l("Choose one of the answers.")]
    title = fields.text(data, "title", errors, limit=MAX_TITLE, required=True)
    detail = fields.text(data, "detail", errors, limit=MAX_TEXT)
    owner = _owner(data, errors, auditor_id)
    days = DEFAULT_DAYS.get(severity, 30) if isinstance(severity, str) else 30
    due_on = fields.day(data, "due_on", errors, required=True, not_before=today_jst(),
                        default=today_jst() + timedelta(days=days))
    if audit is not None and not audit.is_open and origin != "cross_check":
        raise Conflict(_l("This audit is closed."))
    if errors:
        raise ValidationFailed(errors)
    owner_name = owner.name or owner.email if owner else fields.text(data, "owner_name", {}, limit=254)
    finding = Finding(auditor_id=auditor_id, vendor_id=entrustment.contractor_id, entrustment_id=entrustment.id,
                      audit_id=audit.id if audit else None, request_id=audit.request_id if audit else None,
                      question_id=question_id, origin=origin, check=check, severity=severity, title=title,
                      detail=detail, owner_id=owner.id if owner else None, owner_name=owner_name, due_on=due_on,
                      dedupe_key=dedupe_key, created_by_id=getattr(actor, "id", None),
                      created_by_name=actor_name(actor))
    finding.events.append(FindingEvent(kind="opened", text=detail, author_id=getattr(actor, "id", None),
                                       author_name=actor_name(actor), author_organisation_id=actor.organisation_id))
    db.session.add(finding)
    db.session.flush()
    trail.record(actor, "finding_raise", "finding", finding.id, label=_label(finding), after=snapshot(finding))
    _mail(finding, "finding_opened", vendor_staff(finding.vendor_id), f"finding:{finding.id}:opened")
    return finding


def snapshot(finding: Finding) -> dict:
    """Plain fields for the trail."""
    return {"audit_id": finding.audit_id, "entrustment_id": finding.entrustment_id, "vendor_id": finding.vendor_id,
            "origin": finding.origin, "check": finding.check, "question": finding.question_id,
            "severity": finding.severity, "title": finding.title, "owner": finding.owner_name,
            "due_on": finding.due_on.isoformat(), "status": finding.status}


def _label(finding: Finding) -> str:
    return f"{finding.vendor.name}: {finding.title}"


def vendor_staff(vendor_id: int) -> list[str]:
    """The vendor's staff who answer and remediate."""
    return sorted(user_addresses(vendor_id, ("contractor_user",)))


def auditor_addresses(finding: Finding) -> list[str]:
    """The finding's owner, else the auditor organisation's privacy office."""
    owner = db.session.get(User, finding.owner_id) if finding.owner_id else None
    if owner is not None and owner.is_enabled:
        return [owner.email]
    return sorted(user_addresses(finding.auditor_id, ("privacy_office",)))


def _mail(finding: Finding, template: str, to: Iterable[str], key: str, **context) -> None:
    to = sorted(set(to))
    if not to:
        return
    subject, body = mail.render(f"audits/{template}", finding=finding, **context)
    outbox.enqueue(key, to, subject, body, object_type="finding", object_id=finding.id)


def _event(finding: Finding, actor, kind: str, text: str) -> FindingEvent:
    event = FindingEvent(kind=kind, text=text, author_id=getattr(actor, "id", None), author_name=actor_name(actor),
                         author_organisation_id=getattr(actor, "organisation_id", None))
    finding.events.append(event)
    db.session.flush()
    return event


@uow.atomic()
def comment_finding(actor, finding_id: int, data: Mapping) -> FindingEvent:
    """A comment in the finding's thread, by the auditor or the vendor."""
    if not (perm.allows(actor, "finding.manage") or perm.allows(actor, "finding.remediate")):
        raise Forbidden(_l("Your role does not allow this action."))
    finding = get_finding(actor, finding_id)
    if not ((perm.allows(actor, "finding.manage") and is_auditor(actor, finding))
            or (perm.allows(actor, "finding.remediate") and is_audited(actor, finding))):
        raise Forbidden(_l("Your role does not allow this action."))
    errors: dict = {}
    text = fields.text(data, "text", errors, limit=MAX_TEXT, required=True)
    if errors:
        raise ValidationFailed(errors)
    event = _event(finding, actor, "comment", text)
    trail.record(actor, "finding_comment", "finding", finding.id, label=_label(finding), after={"text": text})
    return event


def _checked_files(uploads: list[tuple[str, bytes]], finding: Finding) -> list[tuple[str, str, bytes, str]]:
    """(filename, media type, content, sha256) of each upload, checked by its bytes as every evidence file is."""
    if len(uploads) > MAX_FILES:
        raise ValidationFailed({"file": [_l("At most %(max)s files.", max=MAX_FILES)]})
    kept = {e.sha256 for e in finding.evidence}
    out = []
    for filename, content in uploads:
        filename = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()[:255]
        if not filename:
            raise ValidationFailed({"file": [_l("Choose a file to upload.")]})
        media_type, refusal = files.check(filename, content, current_app.config["ATTACHMENT_MAX_BYTES"])
        if refusal is not None:
            raise ValidationFailed({"file": [files.refusal_message(refusal)]})
        digest = hashlib.sha256(content).hexdigest()
        if digest in kept:
            raise ValidationFailed({"file": [_l("%(name)s is attached already.", name=filename)]})
        kept.add(digest)
        out.append((filename, media_type, content, digest))
    return out


@uow.atomic()
def propose_remediation(actor, finding_id: int, data: Mapping, uploads: list[tuple[str, bytes]] = ()) -> FindingEvent:
    """The vendor says how it remedied the finding, with evidence files (PDF or Office, recognised by their bytes,
    hashed); the auditor is asked to verify."""
    perm.require(actor, "finding.remediate")
    finding = get_finding(actor, finding_id)
    if not is_audited(actor, finding):
        raise Forbidden(_l("Only the vendor's staff propose a remediation."))
    if finding.status == "closed":
        raise Conflict(_l("This finding is closed."))
    errors: dict = {}
    text = fields.text(data, "text", errors, limit=MAX_TEXT, required=_l("Say what was done to remedy the finding."))
    if errors:
        raise ValidationFailed(errors)
    checked = _checked_files(list(uploads), finding)
    event = _event(finding, actor, "remediation", text)
    for filename, media_type, content, digest in checked:
        finding.evidence.append(FindingEvidence(
            event_id=event.id, filename=filename, media_type=media_type, size=len(content), sha256=digest,
            content=content, uploaded_by_id=getattr(actor, "id", None), uploaded_by_name=actor_name(actor)))
    finding.status = "remediation_proposed"
    db.session.flush()
    trail.record(actor, "finding_remediation", "finding", finding.id, label=_label(finding), after={
        "text": text, "files": [{"filename": f, "size": len(c), "sha256": d} for f, _m, c, d in checked]})
    _mail(finding, "finding_remediation", auditor_addresses(finding), f"finding:{finding.id}:remediation:{event.id}",
          event=event)
    return event


@uow.atomic()
def close_finding(actor, finding_id: int, data: Mapping) -> Finding:
    """The auditor closes a finding it verified: `verification` (how it was verified) is required — closing without
    it is refused."""
    perm.require(actor, "finding.manage")
    finding = get_finding(actor, finding_id)
    if not is_auditor(actor, finding):
        raise Forbidden(_l("Only the auditor closes a finding."))
    if finding.status == "closed":
        raise Conflict(_l("This finding is closed already."))
    errors: dict = {}
    verification = fields.text(data, "verification", errors, limit=MAX_TEXT, required=VERIFY_FIRST)
    if errors:
        raise ValidationFailed(errors, VERIFY_FIRST)
    before = snapshot(finding)
    finding.status, finding.closed_at = "closed", utcnow()
    finding.closed_by_id, finding.closed_by_name = getattr(actor, "id", None), actor_name(actor)
    event = _event(finding, actor, "closed", verification)
    trail.record(actor, "finding_close", "finding", finding.id, label=_label(finding), before=before,
                 after={**snapshot(finding), "verification": verification})
    _mail(finding, "finding_closed", vendor_staff(finding.vendor_id), f"finding:{finding.id}:closed:{event.id}",
          event=event)
    return finding


@uow.atomic()
def reopen_finding(actor, finding_id: int, data: Mapping) -> Finding:
    """The auditor reopens a closed finding, or refuses a proposed remediation: the reason is required; a new due
    date (`due_on`) may be set, and must be when the old one has passed."""
    perm.require(actor, "finding.manage")
    finding = get_finding(actor, finding_id)
    if not is_auditor(actor, finding):
        raise Forbidden(_l("Only the auditor reopens a finding."))
    if finding.status == "open":
        raise Conflict(_l("This finding is open already."))
    errors: dict = {}
    reason = fields.text(data, "reason", errors, limit=MAX_TEXT,
                         required=_l("Say why the finding is reopened: the vendor reads this."))
    keep = finding.due_on if finding.due_on >= today_jst() else None
    due_on = fields.day(data, "due_on", errors, required=True, not_before=today_jst(), default=keep)
    if errors:
        raise ValidationFailed(errors)
    before = snapshot(finding)
    finding.status, finding.due_on = "open", due_on
    finding.closed_at, finding.closed_by_id, finding.closed_by_name = None, None, ""
    event = _event(finding, actor, "reopened", reason)
    trail.record(actor, "finding_reopen", "finding", finding.id, label=_label(finding), before=before,
                 after={**snapshot(finding), "reason": reason})
    _mail(finding, "finding_reopened", vendor_staff(finding.vendor_id), f"finding:{finding.id}:reopened:{event.id}",
          event=event)
    return finding


def get_evidence(actor, finding_id: int, evidence_id: int) -> FindingEvidence:
    """One remediation file, for whoever may see the finding."""
    finding = get_finding(actor, finding_id)
    evidence = next((e for e in finding.evidence if e.id == evidence_id), None)
    if evidence is None:
        from oversight.errors import NotFound

        raise NotFound(_l("No such file."))
    return evidence
