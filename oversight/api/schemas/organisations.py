"""Organisations: what a client receives (identity, profile, the record its organisation keeps) and sends."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields

from oversight.api.schemas.common import (
    CERTIFICATION_FILTERS,
    ListQuerySchema,
    PageSchema,
    always_present,
    codes,
    one_of,
    search_text,
)
from oversight.choices import (
    CERTIFICATION_SCHEME,
    CONTACT_ROLE,
    ORGANISATION_KIND,
    ORGANISATION_STATUS,
    REPORT_AUTHORITY,
)


class OrganisationQuerySchema(ListQuerySchema):
    q = search_text("Part of the name or its kana, or the start of the corporate number.")
    kind = one_of(ORGANISATION_KIND.codes)
    status = one_of(ORGANISATION_STATUS.codes)
    certification = one_of(
        CERTIFICATION_SCHEME.codes + list(CERTIFICATION_FILTERS),
        metadata={"description": "A scheme (holding a certificate of it that has not expired), "
                                 "or expired / expiring (within 90 days) / none."})



@always_present
class ContactSchema(Schema):
    id = fields.Integer()
    role = fields.String(metadata={"enum": CONTACT_ROLE.codes})
    name = fields.String()
    email = fields.String()
    phone = fields.String()
    available_24_7 = fields.Boolean()


@always_present
class CertificationSchema(Schema):
    id = fields.Integer()
    scheme = fields.String(metadata={"enum": CERTIFICATION_SCHEME.codes})
    number = fields.String()
    scope = fields.String()
    expires_on = fields.Date(allow_none=True)


@always_present
class VerifiedCertificationSchema(CertificationSchema):
    """A certification as your organisation verified it."""

    verified_on = fields.Date(allow_none=True)
    verified_by = fields.Function(lambda c: c.verified_by.name if c.verified_by else "", metadata={
        "type": "string", "description": "Who recorded the verification (empty if unknown)."})


@always_present
class SeenCertificationSchema(CertificationSchema):
    """A certification in a list, with where it comes from."""

    source = fields.Function(lambda c: "profile" if c.record_id is None else "record", metadata={
        "type": "string", "enum": ["profile", "record"],
        "description": "profile: declared by the company itself; record: as your organisation verified it."})


@always_present
class ProfileSchema(Schema):
    """会社の情報: what the company's own users keep and share with the organisations whose data it holds."""

    contacts = fields.List(fields.Nested(ContactSchema))
    certifications = fields.List(fields.Nested(CertificationSchema))


@always_present
class RecordSchema(Schema):
    """当社の記録: your organisation's private record of the company. No other organisation sees it."""

    status = fields.String(metadata={"enum": ORGANISATION_STATUS.codes, "description": "Your trading status."})
    notes = fields.String()
    contacts = fields.List(fields.Nested(ContactSchema))
    certifications = fields.List(fields.Nested(VerifiedCertificationSchema))
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class _OrganisationFields(Schema):
    id = fields.Integer()
    name = fields.String()
    name_kana = fields.String()
    corporate_number = fields.String(allow_none=True, metadata={"description": "法人番号, 13 digits."})
    kind = fields.String(metadata={"enum": ORGANISATION_KIND.codes})
    industry = fields.String()
    address = fields.String()
    report_authority = fields.String(metadata={
        "enum": REPORT_AUTHORITY.codes, "description": "Where a leak is reported: the PPC unless delegated."})


@always_present
class OrganisationSchema(_OrganisationFields):
    """One organisation: its identity (public facts shared by everyone who names it), the company's own profile
    if you may read it, and your organisation's record of it."""

    profile = fields.Nested(ProfileSchema, allow_none=True, metadata={
        "description": "null unless it is your organisation or it holds data of yours (down the chain)."})
    record = fields.Nested(RecordSchema, allow_none=True, metadata={
        "description": "null if your organisation keeps no record of it (operator admins keep none)."})


@always_present
class OrganisationSummarySchema(_OrganisationFields):
    """An organisation in a list: no contacts (personal data, one request away), your trading status, the
    certifications you read, and its unapproved subcontracts that you may see."""

    status = fields.String(allow_none=True, metadata={
        "enum": ORGANISATION_STATUS.codes, "description": "Your trading status; null if you keep no record."})
    certifications = fields.List(fields.Nested(SeenCertificationSchema))
    unapproved_subcontracts = fields.Integer(metadata={
        "description": "Live subcontracts it holds as contractor without the approval they need (those you "
                       "may see)."})


class OrganisationPageSchema(PageSchema):
    items = fields.List(fields.Nested(OrganisationSummarySchema), required=True)


class ContactInputSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    role = fields.String(allow_none=True, metadata=codes(
        CONTACT_ROLE, "Default general. An incident contact needs an e-mail address and a phone number."))
    name = fields.String(required=True)
    email = fields.String(allow_none=True, metadata={
        "description": "Refused when malformed or at a special-use domain that never receives mail (.local, "
                       ".localhost, .invalid, .test, .arpa, .onion); stored with the domain in lower case."})
    phone = fields.String(allow_none=True)
    available_24_7 = fields.Boolean(allow_none=True)


class CertificationInputSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    scheme = fields.String(required=True, metadata=codes(CERTIFICATION_SCHEME))
    number = fields.String(allow_none=True)
    scope = fields.String(allow_none=True)
    expires_on = fields.Date(allow_none=True)


class VerifiedCertificationInputSchema(CertificationInputSchema):
    verified_on = fields.Date(allow_none=True, metadata={"description": "When you verified it; default today."})


class ProfileInputSchema(Schema):
    """The company's own contacts and certifications: its own users and operator admins only. A list, when
    sent, replaces the old one."""

    class Meta:
        unknown = EXCLUDE

    contacts = fields.List(fields.Nested(ContactInputSchema), allow_none=True)
    certifications = fields.List(fields.Nested(CertificationInputSchema), allow_none=True)


class RecordInputSchema(Schema):
    """Your organisation's record of the company (created when first sent). Only the keys sent change; a list,
    when sent, replaces the old one."""

    class Meta:
        unknown = EXCLUDE

    status = fields.String(allow_none=True, metadata=codes(ORGANISATION_STATUS))
    notes = fields.String(allow_none=True)
    contacts = fields.List(fields.Nested(ContactInputSchema), allow_none=True)
    certifications = fields.List(fields.Nested(VerifiedCertificationInputSchema), allow_none=True)


class OrganisationPatchSchema(Schema):
    """Only the keys sent are changed. Identity facts: the company's own users, operator admins, and the
    organisation that registered a company without a corporate number (until the company has users)."""

    class Meta:
        unknown = EXCLUDE

    name = fields.String()
    name_kana = fields.String(allow_none=True)
    corporate_number = fields.String(allow_none=True, metadata={
        "description": "法人番号: 13 digits, the first a check digit; full-width digits, spaces and dashes are "
                       "accepted."})
    kind = fields.String(allow_none=True, metadata=codes(ORGANISATION_KIND))
    industry = fields.String(allow_none=True)
    address = fields.String(allow_none=True)
    report_authority = fields.String(allow_none=True, metadata=codes(REPORT_AUTHORITY))
    profile = fields.Nested(ProfileInputSchema, allow_none=True)
    record = fields.Nested(RecordInputSchema, allow_none=True)


class OrganisationCreateSchema(OrganisationPatchSchema):
    """A new organisation; keys left out take their defaults (a company reporting to the PPC). A corporate
    number already in the registry links to that company: its identity stays as registered, and your record
    is created beside it."""

    name = fields.String(required=True)
