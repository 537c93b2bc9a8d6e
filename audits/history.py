"""A vendor's whole history with the reader's organisation, for its organisation page: the selection reviews that
chose it (or not), its periodic audits, and the findings with their closure — only what the reader may see, so a
sibling consignor of a shared vendor reads none of another's reviews, audits or findings."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from audits.audit_models import Audit, Finding
from audits.audit_visibility import restrict_audits, restrict_findings
from audits.models import QuestionnaireRequest
from audits.visibility import restrict_requests
from oversight import permissions as perm
from oversight.extensions import db

LIMIT = 100


@dataclass
class VendorHistory:
    """What the organisation page shows: reviews (selection requests), audits, findings; `shown` is False when the
    reader's role reads none of them."""

    shown: bool = False
    reviews: list[QuestionnaireRequest] = field(default_factory=list)
    audits: list[Audit] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def open_findings(self) -> int:
        return sum(1 for f in self.findings if f.is_open)


def history_of(actor, organisation_id: int) -> VendorHistory:
    """The vendor's history as the actor may see it, newest first."""
    reads_reviews = perm.is_admin(actor) or perm.allows(actor, "selection.view")
    reads_audits = perm.is_admin(actor) or perm.allows(actor, "audit.view")
    if not (reads_reviews or reads_audits) or organisation_id == getattr(actor, "organisation_id", None):
        return VendorHistory()
    history = VendorHistory(shown=True)
    if reads_reviews:
        history.reviews = list(db.session.scalars(
            restrict_requests(select(QuestionnaireRequest), actor)
            .where(QuestionnaireRequest.vendor_id == organisation_id, QuestionnaireRequest.selection_id.is_not(None))
            .options(selectinload(QuestionnaireRequest.selection), selectinload(QuestionnaireRequest.decision))
            .order_by(QuestionnaireRequest.id.desc()).limit(LIMIT)))
    if reads_audits:
        history.audits = list(db.session.scalars(
            restrict_audits(select(Audit), actor).where(Audit.vendor_id == organisation_id)
            .options(selectinload(Audit.entrustment)).order_by(Audit.due_on.desc(), Audit.id.desc()).limit(LIMIT)))
        history.findings = list(db.session.scalars(
            restrict_findings(select(Finding), actor).where(Finding.vendor_id == organisation_id)
            .order_by(Finding.created_at.desc(), Finding.id.desc()).limit(LIMIT)))
    return history
