"""What one actor sees of organisations: the identity, the company's own profile where it may read it, and its
own organisation's record — in one page, a list, an export — and never another tenant's record."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import selectinload

from oversight import corporate_number
from oversight import permissions as perm
from oversight.errors import NotFound
from oversight.extensions import db
from oversight.registry import permissions as rules
from oversight.registry.models import Certification, Contact, Organisation, OrganisationRecord
from oversight.registry.queries import Page, expiry_warning_days, like_pattern, search_text, violations_by_contractor
from oversight.timeutil import today_jst


def get_organisation(actor, organisation_id: int) -> Organisation:
    """The organisation if the actor may see it; NotFound otherwise (never reveal what exists)."""
    perm.require(actor, "org.view")
    org = db.session.get(Organisation, organisation_id)
    if org is None or not perm.can_see(actor, "organisation", organisation_id):
        raise NotFound(_l("Organisation not found."))
    return org


def own_record(actor, organisation_id: int) -> OrganisationRecord | None:
    """The record the actor's organisation keeps of this organisation, if any (operator admins keep none)."""
    tenant = getattr(actor, "organisation_id", None)
    if tenant is None:
        return None
    return db.session.scalar(select(OrganisationRecord).where(
        OrganisationRecord.tenant_id == tenant, OrganisationRecord.organisation_id == organisation_id))


def own_records(actor, organisation_ids) -> dict[int, OrganisationRecord]:
    """The actor's organisation's records of these organisations, by organisation id."""
    tenant = getattr(actor, "organisation_id", None)
    ids = list(organisation_ids)
    if tenant is None or not ids:
        return {}
    return {r.organisation_id: r for r in db.session.scalars(select(OrganisationRecord).where(
        OrganisationRecord.tenant_id == tenant, OrganisationRecord.organisation_id.in_(ids)))}


@dataclass
class SeenOrganisation:
    """One organisation as one actor sees it: the identity; the company's own profile if the actor may read it
    (else None); the actor's own record of it; every tenant's record for an operator admin; and what it may do."""

    organisation: Organisation
    profile: Organisation | None
    record: OrganisationRecord | None
    other_records: list[OrganisationRecord] = field(default_factory=list)
    unapproved_subcontracts: int = 0
    can_edit_identity: bool = False
    can_edit_profile: bool = False
    can_keep_record: bool = False
    can_delete: bool = False


def seen_organisation(actor, organisation_id: int) -> SeenOrganisation:
    """The identity, profile and records of one organisation that the actor may read."""
    org = get_organisation(actor, organisation_id)
    record = own_record(actor, org.id)
    others = []
    if perm.is_admin(actor):
        others = list(db.session.scalars(select(OrganisationRecord).where(OrganisationRecord.organisation_id == org.id)
                                         .options(selectinload(OrganisationRecord.tenant))
                                         .order_by(OrganisationRecord.id)))
    return SeenOrganisation(
        organisation=org, profile=org if perm.can_see(actor, "organisation_profile", org.id) else None, record=record,
        other_records=others, unapproved_subcontracts=violations_by_contractor(actor, [org.id]).get(org.id, 0),
        can_edit_identity=rules.can_edit_identity(actor, org), can_edit_profile=rules.can_edit_profile(actor, org),
        can_keep_record=rules.can_keep_record(actor, org), can_delete=rules.can_delete_organisation(actor, org))


def _in_profile(column_record_id, column_organisation_id, actor):
    """The rows of companies' own profiles the actor may read."""
    if perm.is_admin(actor):
        return column_record_id.is_(None)
    return column_record_id.is_(None) & column_organisation_id.in_(
        perm.visible(actor, "organisation_profile"))


def _in_own_records(column_record_id, actor):
    return column_record_id.in_(select(OrganisationRecord.id).where(
        OrganisationRecord.tenant_id == actor.organisation_id))


def seen_certification(actor):
    """The condition on Certification for those the actor reads in lists: the company's own (where it may read
    the profile) and its own organisation's verified ones — never another tenant's record."""
    profile = _in_profile(Certification.record_id, Certification.organisation_id, actor)
    if getattr(actor, "organisation_id", None) is None:
        return profile
    return or_(profile, _in_own_records(Certification.record_id, actor))


def seen_certifications(actor, organisation_ids) -> dict[int, list[Certification]]:
    """The certifications the actor reads for each of these organisations (profile first, then its record)."""
    ids = list(organisation_ids)
    if not ids:
        return {}
    found: dict[int, list[Certification]] = {}
    for cert in db.session.scalars(select(Certification).where(
            Certification.organisation_id.in_(ids), seen_certification(actor))
            .order_by(Certification.organisation_id, Certification.record_id.is_not(None), Certification.expires_on,
                      Certification.id)):
        found.setdefault(cert.organisation_id, []).append(cert)
    return found


def seen_contacts(actor, organisation_ids) -> dict[int, list[Contact]]:
    """The contacts the actor reads for each of these organisations (profile first, then its record)."""
    ids = list(organisation_ids)
    if not ids:
        return {}
    profile = _in_profile(Contact.record_id, Contact.organisation_id, actor)
    condition = profile if getattr(actor, "organisation_id", None) is None else or_(
        profile, _in_own_records(Contact.record_id, actor))
    found: dict[int, list[Contact]] = {}
    for contact in db.session.scalars(select(Contact).where(Contact.organisation_id.in_(ids), condition)
                                      .order_by(Contact.organisation_id, Contact.record_id.is_not(None), Contact.id)):
        found.setdefault(contact.organisation_id, []).append(contact)
    return found


def search_organisations(actor, *, q: str = "", kind: str = "", certification: str = "", status: str = "",
                         page: int = 1, per_page: int = 50, today: date | None = None) -> Page:
    """Visible organisations matching name, kana or corporate number, filtered and paginated.

    Status and certifications are the actor's to judge: its own record's status, and the certifications it
    reads (the company's own, its own verified ones)."""
    perm.require(actor, "org.view")
    today = today or today_jst()
    query = perm.restrict(select(Organisation), actor, "organisation")
    q = search_text(q)
    if q:
        conditions = [func.lower(Organisation.name).like(like_pattern(q), escape="\\"),
                      func.lower(Organisation.name_kana).like(like_pattern(q), escape="\\")]
        digits = corporate_number.normalise(q)
        if digits.isascii() and digits.isdigit():
            conditions.append(Organisation.corporate_number.like(f"{digits}%"))
        query = query.where(or_(*conditions))
    if kind:
        query = query.where(Organisation.kind == kind)
    if status:
        query = query.where(Organisation.id.in_(select(OrganisationRecord.organisation_id).where(
            OrganisationRecord.tenant_id == getattr(actor, "organisation_id", None),
            OrganisationRecord.status == status)))
    seen = seen_certification(actor)
    of_row = Certification.organisation_id == Organisation.id
    if certification == "expired":
        query = query.where(exists().where(and_(of_row, seen, Certification.expires_on < today)))
    elif certification == "expiring":
        warning_end = today + timedelta(days=expiry_warning_days())
        query = query.where(exists().where(and_(of_row, seen, Certification.expires_on >= today,
                                                Certification.expires_on <= warning_end)))
    elif certification == "none":
        query = query.where(~exists().where(and_(of_row, seen)))
    elif certification:
        query = query.where(exists().where(and_(
            of_row, seen, Certification.scheme == certification,
            or_(Certification.expires_on.is_(None), Certification.expires_on >= today))))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    page = max(1, page)
    items = db.session.scalars(query.order_by(Organisation.name_kana, Organisation.name, Organisation.id)
                               .limit(per_page).offset((page - 1) * per_page)).all()
    ids = [o.id for o in items]
    return Page(items, total, page, per_page, extra={
        "violations": violations_by_contractor(actor, ids), "records": own_records(actor, ids),
        "certifications": seen_certifications(actor, ids), "today": today})
