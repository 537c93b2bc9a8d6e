"""Changing organisations: a company's shared identity, its own profile, and each tenant's record of it.

An `Organisation` is the identity (public facts) with the profile its own users keep; an `OrganisationRecord` is
what one tenant keeps about it. Input and output keep the three apart: identity fields at the top, `profile`
({contacts, certifications}) and `record` ({status, notes, contacts, certifications}) beside them. Naming a
company by its corporate number links to its identity and never reveals another tenant's record.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from oversight import permissions as perm
from oversight import uow
from oversight.errors import Conflict, Forbidden, NotFound, ValidationFailed
from oversight.extensions import db
from oversight.registry import permissions as rules
from oversight.registry.models import Certification, Contact, Entrustment, Organisation, OrganisationRecord
from oversight.registry.seen import get_organisation, own_record
from oversight.registry.validation import clean_corporate_number, clean_organisation
from oversight.timeutil import today_jst
from oversight.trail import services as trail

DUPLICATE = _l("Another organisation already has this corporate number.")


def _by_number(number: str) -> Organisation | None:
    return db.session.scalar(select(Organisation).where(Organisation.corporate_number == number))


def _identity_for(actor, values: dict, fields: Mapping[str, str], *, registering: bool) -> Organisation:
    """The identity with this corporate number, or a new one.

    Another tenant's identity is linked to exactly as a new one would be created: same answer, same shape.
    Operator admins see everything, so registering a duplicate is simply refused for them."""
    number = values.get("corporate_number")
    tenant = getattr(actor, "organisation_id", None)
    if number:
        existing = _by_number(number)
        if existing is not None:
            return _linkable(actor, existing, fields, registering)
    org = Organisation(**values, registered_by_org_id=tenant)
    try:
        with uow.savepoint():
            db.session.add(org)
            db.session.flush()
    except IntegrityError:
        existing = _by_number(number) if number else None
        if existing is None:
            raise
        return _linkable(actor, existing, fields, registering)  # registered this very moment elsewhere
    trail.record(actor, "create", "organisation", org.id, label=org.name, after=org.snapshot())
    return org


def _linkable(actor, existing: Organisation, fields: Mapping[str, str], registering: bool) -> Organisation:
    if perm.is_admin(actor) and registering:
        raise ValidationFailed({fields["corporate_number"]: [DUPLICATE]})
    if existing.id == actor.organisation_id:
        raise ValidationFailed({fields["corporate_number"]: [_l(
            "This is the corporate number of your own organisation.")]})
    return existing


def _new_record(actor, org: Organisation) -> OrganisationRecord:
    record = OrganisationRecord(tenant_id=actor.organisation_id, organisation_id=org.id)
    db.session.add(record)
    db.session.flush()
    return record


def _replace_rows(current: list, wanted: list[dict], make) -> list:
    """The new list: a wanted row equal to a current one keeps that row (its id, who verified it); others are new."""
    left = list(current)
    rows = []
    for values in wanted:
        same = next((row for row in left if row.snapshot() == _comparable(row, values)), None)
        if same is not None:
            left.remove(same)
            rows.append(same)
        else:
            rows.append(make(values))
    return rows


def _comparable(row, values: dict) -> dict:
    wanted = {key: (value.isoformat() if isinstance(value, date) else value) for key, value in values.items()}
    return {**row.snapshot(), **wanted}


def _apply_profile(actor, org: Organisation, values: dict) -> None:
    before = org.profile_snapshot()
    if "contacts" in values:
        org.contacts = _replace_rows(org.contacts, values["contacts"], lambda v: Contact(**v))
    if "certifications" in values:
        org.certifications = _replace_rows(org.certifications, values["certifications"],
                                           lambda v: Certification(**v))
    db.session.flush()
    after = org.profile_snapshot()
    if after != before:
        trail.record(actor, "update", "organisation_profile", org.id, label=org.name, before=before, after=after)


def _apply_record(actor, record: OrganisationRecord, values: dict, *, created: bool) -> None:
    before = None if created else record.snapshot()
    for key in ("status", "notes"):
        if key in values:
            setattr(record, key, values[key])
    org_id = record.organisation_id
    if "contacts" in values:
        record.contacts = _replace_rows(record.contacts, values["contacts"],
                                        lambda v: Contact(**v, organisation_id=org_id))
    if "certifications" in values:
        verifier = getattr(actor, "id", None)

        def verified(v: dict) -> Certification:
            return Certification(**{**v, "verified_on": v.get("verified_on") or today_jst()},
                                 organisation_id=org_id, verified_by_id=verifier)
        record.certifications = _replace_rows(record.certifications, values["certifications"], verified)
    db.session.flush()
    after = record.snapshot()
    if after != before:
        trail.record(actor, "create" if created else "update", "organisation_record", record.id,
                     label=record.organisation.name, before=before, after=after)


def _check_parts(actor, org: Organisation | None, profile, record) -> None:
    if record is not None and getattr(actor, "organisation_id", None) is None:
        raise ValidationFailed({"record": [_l("An operator admin keeps no record of an organisation: records "
                                              "belong to the organisations using oversight.")]})
    if record is not None and org is not None and org.id == actor.organisation_id:
        raise ValidationFailed({"record": [_l("Your organisation keeps no record of itself: its contacts and "
                                              "certifications are its own profile.")]})
    if profile is not None and not (perm.is_admin(actor) or (org is not None and rules.can_edit_profile(actor, org))):
        raise Forbidden(_l("Only the company's own users keep its profile."))


def _flush_unique() -> None:
    """Write now, so that a corporate number registered meanwhile is refused by name (and the use case undone)."""
    try:
        db.session.flush()
    except IntegrityError as error:
        if "corporate_number" in str(error.orig):
            raise ValidationFailed({"corporate_number": [DUPLICATE]}) from error
        raise Conflict(_l("The change conflicts with existing data. Nothing was saved.")) from error


@uow.atomic()
def create_organisation(actor, data: Mapping) -> Organisation:
    """Register an organisation (a vendor, a consignor or a public body) and the caller's record of it.

    A corporate number already in the registry links to that company's identity — the identity's public facts
    stay as they are — and gives the caller its own record beside it. An organisation without a corporate
    number is an identity of its own."""
    perm.require(actor, "org.create")
    values = clean_organisation(data)
    profile, record_values = values.pop("profile", None), values.pop("record", None)
    _check_parts(actor, None, profile, record_values)
    org = _identity_for(actor, values, {"corporate_number": "corporate_number"}, registering=True)
    if profile is not None:
        _apply_profile(actor, org, profile)
    if getattr(actor, "organisation_id", None) is not None:
        if own_record(actor, org.id) is not None:
            raise ValidationFailed({"corporate_number": [_l(
                "Your organisation has already registered this company: %(name)s.", name=org.name)]})
        _apply_record(actor, _new_record(actor, org), record_values or {}, created=True)
    _flush_unique()
    return org


@uow.atomic()
def identify(actor, number_text, name, *, fields: Mapping[str, str]) -> Organisation:
    """The company with this corporate number — linked to, or registered under `name` — and the caller's record
    of it; used where a form names a company instead of choosing one. `fields` names the form's fields for errors.
    A name is always required, so the answer never depends on whether the company is already registered."""
    number, errors = clean_corporate_number(number_text, fields["corporate_number"])
    values = {}
    if not (name or "").strip():
        errors[fields["name"]] = [_l("Give the company's name with its corporate number.")]
    else:
        try:
            values = clean_organisation({"name": name})
        except ValidationFailed as error:
            errors.update({fields.get(key, key): messages for key, messages in error.errors.items()})
    if errors:
        raise ValidationFailed(errors)
    values["corporate_number"] = number
    org = _identity_for(actor, values, fields, registering=False)
    if getattr(actor, "organisation_id", None) is not None and own_record(actor, org.id) is None:
        _apply_record(actor, _new_record(actor, org), {}, created=True)
    return org


@uow.atomic()
def update_organisation(actor, organisation_id: int, data: Mapping) -> Organisation:
    """Change the given fields: identity facts (if the actor may), `profile` (the company's own users), `record`
    (the actor's own record, created if it keeps none yet). Contact and certification lists, when given, replace
    the old ones."""
    org = get_organisation(actor, organisation_id)
    values = clean_organisation(data, partial=True)
    profile, record_values = values.pop("profile", None), values.pop("record", None)
    _check_parts(actor, org, profile, record_values)
    changed = {key: value for key, value in values.items() if getattr(org, key) != value}
    if changed:
        _update_identity(actor, org, changed)
    if profile is not None:
        _apply_profile(actor, org, profile)
    if record_values is not None:
        if not rules.can_keep_record(actor, org):
            raise Forbidden(_l("You may not change your organisation's record of this organisation."))
        record = own_record(actor, org.id)
        created = record is None
        _apply_record(actor, record or _new_record(actor, org), record_values, created=created)
    _flush_unique()
    return org


def _update_identity(actor, org: Organisation, changed: dict) -> None:
    if not rules.can_edit_identity(actor, org):
        raise Forbidden(_l("Only the company's own users or an operator admin may change its public facts "
                           "(name, address, kind). Keep what you know in your organisation's record."))
    if "corporate_number" in changed:
        if not (perm.is_admin(actor) or org.id == actor.organisation_id):
            raise ValidationFailed({"corporate_number": [_l(
                "To record the company's corporate number, register it with the number (that links to the "
                "company), then delete this entry.")]})
        number = changed["corporate_number"]
        if number and _by_number(number) is not None:
            raise ValidationFailed({"corporate_number": [DUPLICATE]})
    before = org.snapshot()
    for key, value in changed.items():
        setattr(org, key, value)
    db.session.flush()
    trail.record(actor, "update", "organisation", org.id, label=org.name, before=before, after=org.snapshot())


def _kept_place(actor, org: Organisation) -> str:
    """Where the actor keeps contacts and certifications of `org`: the profile of its own organisation (operator
    admins: of any), its record of every other."""
    return "profile" if rules.can_edit_profile(actor, org) else "record"


def _kept_rows(actor, org: Organisation, key: str) -> tuple[str, list]:
    place = _kept_place(actor, org)
    if place == "profile":
        return place, getattr(org, key)
    record = own_record(actor, org.id)
    return place, getattr(record, key) if record else []


@uow.atomic()
def add_contact(actor, organisation_id: int, contact: Mapping) -> Organisation:
    """Add a contact where the actor keeps them: its own organisation's profile, or its record of another."""
    org = get_organisation(actor, organisation_id)
    place, rows = _kept_rows(actor, org, "contacts")
    return update_organisation(actor, organisation_id,
                               {place: {"contacts": [c.snapshot() for c in rows] + [dict(contact)]}})


@uow.atomic()
def remove_contact(actor, organisation_id: int, contact_id: int) -> Organisation:
    """Remove one of the contacts the actor keeps of this organisation."""
    org = get_organisation(actor, organisation_id)
    place, rows = _kept_rows(actor, org, "contacts")
    if contact_id not in {c.id for c in rows}:
        raise NotFound(_l("Contact not found."))
    return update_organisation(actor, organisation_id,
                               {place: {"contacts": [c.snapshot() for c in rows if c.id != contact_id]}})


@uow.atomic()
def add_certification(actor, organisation_id: int, certification: Mapping) -> Organisation:
    """Add a certification: to the company's own profile, or as verified by the actor's organisation."""
    org = get_organisation(actor, organisation_id)
    place, rows = _kept_rows(actor, org, "certifications")
    return update_organisation(actor, organisation_id,
                               {place: {"certifications": [c.snapshot() for c in rows] + [dict(certification)]}})


@uow.atomic()
def remove_certification(actor, organisation_id: int, certification_id: int) -> Organisation:
    """Remove one of the certifications the actor keeps of this organisation."""
    org = get_organisation(actor, organisation_id)
    place, rows = _kept_rows(actor, org, "certifications")
    if certification_id not in {c.id for c in rows}:
        raise NotFound(_l("Certification not found."))
    return update_organisation(actor, organisation_id, {
        place: {"certifications": [c.snapshot() for c in rows if c.id != certification_id]}})


IN_USE = _l("This organisation is party to entrustments or has users; end those first. Nothing was deleted.")


@uow.atomic()
def delete_organisation(actor, organisation_id: int) -> None:
    """An operator admin deletes an identity that is party to no entrustment and has no users (with every
    record of it). A tenant deletes its own record; the identity goes too only when nothing else uses it."""
    from oversight.accounts.models import User

    org = get_organisation(actor, organisation_id)
    if not rules.can_delete_organisation(actor, org):
        raise Forbidden(_l("You may not delete this organisation."))
    parties = select(func.count()).select_from(Entrustment).where(
        or_(Entrustment.consignor_id == org.id, Entrustment.contractor_id == org.id))
    if perm.is_admin(actor):
        users = db.session.scalar(select(func.count()).select_from(User).where(User.organisation_id == org.id))
        if db.session.scalar(parties) or users:
            raise Conflict(IN_USE)
        trail.record(actor, "delete", "organisation", org.id, label=org.name,
                     before={**org.snapshot(), **org.profile_snapshot()})
        db.session.delete(org)
        return
    if db.session.scalar(perm.restrict(parties, actor, "entrustment")):
        raise Conflict(IN_USE)
    record = own_record(actor, org.id)
    trail.record(actor, "delete", "organisation_record", record.id, label=org.name, before=record.snapshot())
    db.session.delete(record)
    db.session.flush()
    if org.registered_by_org_id == actor.organisation_id and not _referenced(org.id):
        trail.record(actor, "delete", "organisation", org.id, label=org.name, before=org.snapshot())
        db.session.delete(org)


# Columns whose rows belong to the organisation itself and go with it.
_OWN_ROWS = {("contact", "organisation_id"), ("certification", "organisation_id"),
             ("organisation", "registered_by_org_id")}


def _referenced(organisation_id: int) -> bool:
    """Whether any row anywhere (another tenant's record, an entrustment, a user, an incident …) refers to it."""
    for table in db.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table.name != "organisation" or (table.name, fk.parent.name) in _OWN_ROWS:
                continue
            if db.session.execute(select(fk.parent).where(fk.parent == organisation_id).limit(1)).first():
                return True
    return False


__all__ = [
    "add_certification", "add_contact", "create_organisation", "delete_organisation", "identify",
    "remove_certification", "remove_contact", "update_organisation",
]
