"""Where mail about an organisation goes: the contacts in its own profile, and those kept in the records of
the tenants who are party to the same matter (an incident, a notification) — who see that matter already, so
their own notes about whom to reach there reveal nothing to anyone else."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import or_, select

from oversight.extensions import db
from oversight.registry.models import Contact, OrganisationRecord


def _addresses(organisation_id: int, kept_by: Iterable[int], condition) -> list[str]:
    kept_by = [t for t in kept_by if t is not None and t != organisation_id]
    in_records = Contact.record_id.in_(select(OrganisationRecord.id).where(
        OrganisationRecord.organisation_id == organisation_id, OrganisationRecord.tenant_id.in_(kept_by)))
    place = or_(Contact.record_id.is_(None), in_records) if kept_by else Contact.record_id.is_(None)
    return sorted(set(db.session.scalars(select(Contact.email).where(
        Contact.organisation_id == organisation_id, Contact.email != "", place, condition))))


def incident_addresses(organisation_id: int, kept_by: Iterable[int] = ()) -> list[str]:
    """E-mail addresses of the organisation's incident contacts: its own, and those the tenants `kept_by` keep."""
    return _addresses(organisation_id, kept_by, Contact.role == "incident")


def round_the_clock_addresses(organisation_id: int, kept_by: Iterable[int] = ()) -> list[str]:
    """E-mail addresses of the organisation's contacts reachable 24/7: its own, and those `kept_by` keep."""
    return _addresses(organisation_id, kept_by, Contact.available_24_7.is_(True))
