"""Who a queued mail can go to, and who is told when an address on file can never receive mail.

An invalid address of one user or contact must not stop a filing or a reminder sweep for everybody else
(issue 13): `sort_out` keeps the good addresses and records the others with their reason, and
`warn_owners` tells the organisation that holds the bad address (its privacy office and admins) and the
operator admins, by a mail of its own — never the sender of the mail that skipped it, who may be another
tenant and must not learn its partner's staff addresses.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import func, select

from oversight import email_address, mail
from oversight.accounts.models import User
from oversight.extensions import db
from oversight.registry.models import Contact, Organisation
from oversight.registry.recipients import owner_addresses
from oversight.timeutil import today_jst


@dataclass
class SortedRecipients:
    """The addresses a mail goes to (normalised, without duplicates) and those left out, with the reason."""

    valid: list[str] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)


def sort_out(recipients: Iterable[str] | str) -> SortedRecipients:
    """Split recipients into deliverable addresses and skipped ones ({"address", "reason"}); blanks are dropped."""
    if isinstance(recipients, str):
        recipients = [recipients]
    result = SortedRecipients()
    for raw in recipients or ():
        address = str(raw or "").strip()
        if not address:
            continue
        try:
            normalised = email_address.normalise(address)
        except email_address.InvalidAddress as error:
            if address not in (s["address"] for s in result.skipped):
                result.skipped.append({"address": address, "reason": error.stored_reason})
            continue
        if normalised not in result.valid:
            result.valid.append(normalised)
    return result


@dataclass(frozen=True)
class _Holder:
    organisation_id: int | None
    where_ja: str
    where_en: str


def _holders(address: str) -> list[_Holder]:
    """The users and contacts that carry this address, so that their organisation can correct it."""
    lowered = address.lower()
    holders = [_Holder(u.organisation_id, f"利用者「{u.name}」", f"user “{u.name}”")
               for u in db.session.execute(select(User.organisation_id, User.name)
                                           .where(func.lower(User.email) == lowered))]
    holders += [_Holder(c.organisation_id, f"連絡先「{c.name}」", f"contact “{c.name}”")
                for c in db.session.execute(select(Contact.organisation_id, Contact.name)
                                            .where(func.lower(Contact.email) == lowered))]
    return holders or [_Holder(None, "（登録元不明）", "(not found on any user or contact)")]


def warn_owners(message, enqueue) -> None:
    """Queue, for each address the message skipped and each organisation holding it, one warning a day to
    that organisation's privacy office and admins and to the operator admins. `enqueue` queues a mail
    without warning again (a warning's own bad address is only recorded)."""
    if message.id is None:
        db.session.flush()  # the warning names the message by its number
    base = current_app.config.get("BASE_URL", "").rstrip("/")
    day = today_jst().isoformat()
    for skipped in message.skipped_recipients:
        address = skipped["address"]
        digest = hashlib.sha256(address.lower().encode()).hexdigest()[:16]
        by_organisation: dict[int | None, list[_Holder]] = {}
        for holder in _holders(address):
            by_organisation.setdefault(holder.organisation_id, []).append(holder)
        for organisation_id, holders in by_organisation.items():
            recipients = owner_addresses(organisation_id)
            if not recipients:
                continue
            organisation = db.session.get(Organisation, organisation_id) if organisation_id else None
            name = organisation.name if organisation else "運営管理者 / operator admins"
            where_ja = "、".join(h.where_ja for h in holders)
            where_en = ", ".join(h.where_en for h in holders)
            link = f"{base}/organisations/{organisation_id}" if organisation_id else f"{base}/users"
            current_app.logger.warning("outbox: invalid address skipped on message %s (%s), held by organisation %s",
                                       message.key, address, organisation_id)
            subject, body = mail.render(
                "outbox/bad_address", name=name, message_id=message.id, address=address, where_ja=where_ja,
                where_en=where_en, reason=skipped["reason"], link=link)
            enqueue(f"bad-address:{organisation_id or 0}:{digest}:{day}", recipients, subject, body,
                object_type="organisation" if organisation_id else None, object_id=organisation_id)
