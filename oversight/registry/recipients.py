"""Who receives mail about an organisation, and in which role: every area asks here.

Two sources: the contacts in the organisation's own profile, with those kept in the records of the tenants who
are party to the same matter (an incident, a notification) — who see that matter already, so their own notes
about whom to reach there reveal nothing to anyone else — and the organisation's users, by their role.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import or_, select

from oversight.accounts.models import User
from oversight.extensions import db
from oversight.registry.models import Contact, OrganisationRecord

INCIDENT_ROLES = ("privacy_office", "incident_team")  # users told of incidents, notices and their deadlines
OWNER_ROLES = ("privacy_office", "admin")  # users who answer for the organisation: fix its addresses, act when
# a notification waits unacknowledged


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


def user_addresses(organisation_id: int, roles: Iterable[str]) -> list[str]:
    """E-mail addresses of the organisation's enabled users in one of `roles`."""
    return list(db.session.scalars(select(User.email).where(
        User.organisation_id == organisation_id, User.role.in_(tuple(roles)), User.is_enabled.is_(True))))


def incident_recipients(organisation_id: int, kept_by: Iterable[int] = ()) -> list[str]:
    """Who is told of the organisation's incidents and notices: its incident contacts (its own, and those the
    organisations `kept_by` — parties to the same matter — keep in their records of it) and its privacy-office and
    incident-team users."""
    return sorted(set(incident_addresses(organisation_id, kept_by)) | set(user_addresses(organisation_id,
                                                                                         INCIDENT_ROLES)))


def owner_addresses(organisation_id: int | None) -> list[str]:
    """Who corrects what is wrong in an organisation's records (its privacy office and admins) and the operator
    admins; the operator admins alone for None."""
    operator_admins = (User.role == "admin") & User.organisation_id.is_(None)
    who = operator_admins if organisation_id is None else or_(
        operator_admins, (User.organisation_id == organisation_id) & User.role.in_(OWNER_ROLES))
    return sorted(db.session.scalars(select(User.email).where(who, User.is_enabled.is_(True))))
