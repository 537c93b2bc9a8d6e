"""Links for a person without an account (vendors often refuse portals): procurement makes one for a request;
whoever holds it answers that request only, until it expires or is revoked. Only the SHA-256 of the secret is
kept, and every use is written to the trail under the link's name."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from audits.models import RespondentLink
from audits.visibility import get_request
from oversight import permissions as perm
from oversight import uow
from oversight.errors import DomainError, Forbidden, NotFound, ValidationFailed
from oversight.extensions import db
from oversight.timeutil import utcnow
from oversight.trail import services as trail

MAX_DAYS = 60
DEFAULT_DAYS = 14


class LinkUnusable(DomainError):
    """The link expired or was revoked: it opens nothing (and says why)."""

    status = 410
    code = "gone"


@dataclass(frozen=True)
class LinkRespondent:
    """Who acts through a link: the addressed vendor's side, named by the link (no user account)."""

    link_id: int
    organisation_id: int
    name: str
    role: str = "contractor_user"  # answers as the vendor's staff would, for this one request only
    id: None = None
    is_authenticated: bool = True

    @property
    def email(self) -> str:
        return f"link:{self.link_id}"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _managed(actor, request_id: int):
    """The request whose links the actor manages: a selection's by procurement (selection.edit), a periodic
    audit's by the auditors (audit.run)."""
    if not (perm.allows(actor, "selection.edit") or perm.allows(actor, "audit.run")):
        raise Forbidden(_l("Your role does not allow this action."))
    request = get_request(actor, request_id)
    perm.require(actor, "selection.edit" if request.selection_id is not None else "audit.run")
    return request


@uow.atomic()
def create_link(actor, request_id: int, data: dict) -> tuple[RespondentLink, str]:
    """A new link to one request (the consignor's procurement, while the request is open); the secret is returned
    once and never stored."""
    request = _managed(actor, request_id)
    if request.requester_id != actor.organisation_id:
        raise Forbidden(_l("Your role does not allow this action."))
    errors: dict = {}
    recipient = data.get("recipient")
    recipient = recipient.strip() if isinstance(recipient, str) else ""
    if not recipient or len(recipient) > 200:
        errors["recipient"] = [_l("Name the person who will answer (at most 200 characters).")]
    try:
        days = int(data.get("days") or DEFAULT_DAYS)
    except (TypeError, ValueError):
        days = 0
    if not 1 <= days <= MAX_DAYS:
        errors["days"] = [_l("Between 1 and %(n)s days.", n=MAX_DAYS)]
    if not request.is_open:
        errors["request"] = [_l("The answers were submitted; they can no longer be changed.")]
    if errors:
        raise ValidationFailed(errors)
    secret = secrets.token_urlsafe(32)
    link = RespondentLink(request_id=request.id, token_sha256=_digest(secret), recipient=recipient,
                          expires_at=utcnow() + timedelta(days=days), created_by_id=getattr(actor, "id", None),
                          created_by_name=getattr(actor, "name", "") or "")
    db.session.add(link)
    db.session.flush()
    trail.record(actor, "respondent_link_create", "questionnaire_request", request.id, label=recipient,
                 after={"link_id": link.id, "recipient": recipient, "expires_at": link.expires_at.isoformat()})
    return link, secret


def links_of(actor, request_id: int) -> list[RespondentLink]:
    """The links made for a request (its requester only)."""
    request = get_request(actor, request_id)
    if not perm.is_admin(actor) and request.requester_id != actor.organisation_id:
        return []
    return list(db.session.scalars(select(RespondentLink).where(RespondentLink.request_id == request.id)
                                   .order_by(RespondentLink.id)))


@uow.atomic()
def revoke_link(actor, request_id: int, link_id: int) -> RespondentLink:
    """Revoke a link at once: it opens nothing any more."""
    request = _managed(actor, request_id)
    link = db.session.get(RespondentLink, link_id)
    if link is None or link.request_id != request.id or (
            not perm.is_admin(actor) and request.requester_id != actor.organisation_id):
        raise NotFound(_l("No such link."))
    if link.revoked_at is None:
        link.revoked_at = utcnow()
        trail.record(actor, "respondent_link_revoke", "questionnaire_request", request.id, label=link.recipient,
                     after={"link_id": link.id})
    return link


def open_link(secret: str) -> tuple[RespondentLink, LinkRespondent]:
    """The link a secret names, and who acts through it; refused when unknown (404), expired or revoked (410).
    Nothing is written: a use is recorded by record_use (an action) or count_view (a page read)."""
    link = db.session.scalar(select(RespondentLink).where(RespondentLink.token_sha256 == _digest(secret or "")))
    if link is None:
        raise NotFound(_l("This link is not valid."))
    if link.revoked_at is not None:
        raise LinkUnusable(_l("This link was revoked. Ask the organisation that sent it for a new one."))
    if link.expires_at <= utcnow():
        raise LinkUnusable(_l("This link has expired. Ask the organisation that sent it for a new one."))
    return link, LinkRespondent(link.id, link.request.vendor_id, f"{link.recipient}（回答用リンク / link {link.id}）")


@uow.atomic()
def record_use(link: RespondentLink, respondent: LinkRespondent, action: str) -> None:
    """Count an action through the link and write it to the trail, committed before the action itself, so that
    a refused attempt is recorded too."""
    link.uses += 1
    link.last_used_at = utcnow()
    trail.record(respondent, "respondent_link_use", "questionnaire_request", link.request_id, label=link.recipient,
                 after={"link_id": link.id, "action": action})


def count_view(link: RespondentLink) -> None:
    """Count a page read through the link (a read request writes apart from its own transaction)."""
    uow.write_apart(update(RespondentLink).where(RespondentLink.id == link.id).values(
        uses=RespondentLink.uses + 1, last_used_at=utcnow()))
