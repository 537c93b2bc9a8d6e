"""Schemas of the registry's JSON API (organisations, entrustments, the chain): what a client receives, and (for
the OpenAPI document only) what it sends.

Request bodies are not loaded through these schemas: a view hands the JSON object to the service, which cleans
it exactly as it cleans a web form or a spreadsheet row, so all three give the same answer. The input schemas
therefore document types and choice codes only, and let unknown keys through (they are ignored).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, fields

from oversight.api.schemas import (
    ListQuerySchema,
    PageSchema,
    always_present,
    choice_codes,
    one_of,
    search_text,
    whole_number,
)
from oversight.choices import (
    APPROVAL_STATE,
    CERTIFICATION_SCHEME,
    CONTACT_ROLE,
    ENTRUSTMENT_ORIGIN,
    ENTRUSTMENT_STATUS,
    ORGANISATION_KIND,
    ORGANISATION_STATUS,
    REPORT_AUTHORITY,
    SUBCONTRACTING_TERMS,
)
from oversight.inputs import MAX_ID
from oversight.vocabulary import data_items

CERTIFICATION_FILTERS = ("expired", "expiring", "none")


class OrganisationQuerySchema(ListQuerySchema):
    q = search_text("Part of the name or its kana, or the start of the corporate number.")
    kind = one_of(ORGANISATION_KIND.codes)
    status = one_of(ORGANISATION_STATUS.codes)
    certification = one_of(
        CERTIFICATION_SCHEME.codes + list(CERTIFICATION_FILTERS),
        metadata={"description": "A scheme (holding a certificate of it that has not expired), "
                                 "or expired / expiring (within 90 days) / none."})


class EntrustmentQuerySchema(ListQuerySchema):
    q = search_text("Part of the name of the data set.")
    status = one_of(ENTRUSTMENT_STATUS.codes)
    organisation_id = whole_number(1, MAX_ID, metadata={
        "description": "Only entrustments where this organisation is the consignor or the contractor."})
    flagged = fields.Boolean(
        truthy={"true"}, falsy={"false"}, load_default=False,
        error_messages={"invalid": _l("Must be true or false.")},
        metadata={"description": "true: only subcontracts without the approval they need (violations)."})


# ---------------------------------------------------------------- organisations

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

    role = fields.String(allow_none=True, metadata=choice_codes(
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

    scheme = fields.String(required=True, metadata=choice_codes(CERTIFICATION_SCHEME))
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

    status = fields.String(allow_none=True, metadata=choice_codes(ORGANISATION_STATUS))
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
    kind = fields.String(allow_none=True, metadata=choice_codes(ORGANISATION_KIND))
    industry = fields.String(allow_none=True)
    address = fields.String(allow_none=True)
    report_authority = fields.String(allow_none=True, metadata=choice_codes(REPORT_AUTHORITY))
    profile = fields.Nested(ProfileInputSchema, allow_none=True)
    record = fields.Nested(RecordInputSchema, allow_none=True)


class OrganisationCreateSchema(OrganisationPatchSchema):
    """A new organisation; keys left out take their defaults (a company reporting to the PPC). A corporate
    number already in the registry links to that company: its identity stays as registered, and your record
    is created beside it."""

    name = fields.String(required=True)


# ---------------------------------------------------------------- entrustments

@always_present
class EntrustmentSchema(Schema):
    """One entrustment (委託) or subcontract (再委託), with its approval state judged along the chain."""

    id = fields.Integer()
    parent_id = fields.Integer(allow_none=True, metadata={"description": "The entrustment it subcontracts."})
    consignor_id = fields.Integer()
    consignor_name = fields.String(attribute="consignor.name")
    contractor_id = fields.Integer()
    contractor_name = fields.String(attribute="contractor.name")
    data_set = fields.String()
    purpose = fields.String()
    data_categories = fields.String()
    data_items = fields.List(fields.String())
    person_count = fields.Integer()
    includes_sensitive = fields.Boolean()
    includes_my_number = fields.Boolean()
    storage_country = fields.String()
    start_on = fields.Date(allow_none=True)
    end_on = fields.Date(allow_none=True)
    status = fields.String(metadata={"enum": ENTRUSTMENT_STATUS.codes})
    subcontracting_terms = fields.String(metadata={"enum": SUBCONTRACTING_TERMS.codes})
    origin = fields.String(metadata={"enum": ENTRUSTMENT_ORIGIN.codes})
    proposed_at = fields.DateTime(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    approved_at = fields.DateTime(allow_none=True)
    approval_conditions = fields.String()
    approved_scope = fields.String()
    rejection_reason = fields.String()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    approval_state = fields.String(metadata={"enum": APPROVAL_STATE.codes})
    violation = fields.Boolean(metadata={
        "description": "Subcontracted without the approval the terms above require, or despite a prohibition."})
    upstream_settled = fields.Boolean(metadata={
        "description": "Every entrustment above this one is direct, approved or notified."})


class EntrustmentPageSchema(PageSchema):
    items = fields.List(fields.Nested(EntrustmentSchema), required=True)


class _EntrustmentTermsSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    data_set = fields.String(metadata={"description": "What data is entrusted (e.g. 顧客データ)."})
    purpose = fields.String(allow_none=True)
    data_categories = fields.String(allow_none=True)
    data_items = fields.List(fields.String(metadata={"enum": list(data_items())}), allow_none=True, metadata={
        "description": "Codes of the data-item vocabulary; includes_my_number adds my_number."})
    person_count = fields.Integer(allow_none=True, metadata={"description": "How many people's data."})
    includes_sensitive = fields.Boolean(allow_none=True, metadata={"description": "要配慮個人情報."})
    includes_my_number = fields.Boolean(allow_none=True)
    storage_country = fields.String(allow_none=True, metadata={"description": "Two letters; default JP."})
    start_on = fields.Date(allow_none=True)
    end_on = fields.Date(allow_none=True)
    subcontracting_terms = fields.String(allow_none=True, metadata=choice_codes(
        SUBCONTRACTING_TERMS, "What the contractor may do onward; default prior_approval."))


class EntrustmentPatchSchema(_EntrustmentTermsSchema):
    """Only the keys sent are changed. The parties, the parent and the origin are fixed once recorded."""


class SubcontractCreateSchema(_EntrustmentTermsSchema):
    """A subcontract under the entrustment in the path; its consignor is that entrustment's contractor."""

    data_set = fields.String(required=True)
    contractor_id = fields.Integer(allow_none=True, metadata={
        "description": "The subcontractor, one you can see; or name it by contractor_corporate_number."})
    contractor_corporate_number = fields.String(allow_none=True, metadata={
        "description": "法人番号 of the subcontractor, with contractor_name: a company already registered is "
                       "linked to (its registered facts stay), one that is not is registered under that name."})
    contractor_name = fields.String(allow_none=True)
    origin = fields.String(allow_none=True, metadata=choice_codes(
        ENTRUSTMENT_ORIGIN, "planned (default) asks the original consignor for approval; the others record "
                            "a subcontract that already exists without it."))


class EntrustmentCreateSchema(_EntrustmentTermsSchema):
    """A direct entrustment; with parent_id, a proposal to subcontract under that entrustment instead."""

    data_set = fields.String(required=True)
    consignor_id = fields.Integer(allow_none=True, metadata={
        "description": "Required for a direct entrustment: your own organisation unless you are an admin."})
    contractor_id = fields.Integer(required=True)
    parent_id = fields.Integer(allow_none=True, metadata={
        "description": "Set to propose a subcontract under this entrustment (consignor_id is then ignored)."})
    override_reason = fields.String(allow_none=True, metadata={
        "description": "Why the entrustment starts although a check the organisation requires is missing (e.g. no "
                       "due-diligence review approved the contractor, where the selection policy allows a start "
                       "with a reason); kept in the audit trail. Refused with 422 naming this field when needed and "
                       "missing.", "example": "緊急の業務継続のため。選定審査は2026年5月末までに実施する。"})


class ActivationSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    override_reason = fields.String(allow_none=True, metadata={
        "description": "Why it starts although a check the organisation requires is missing; kept in the trail."})


class ApprovalSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    conditions = fields.String(allow_none=True, metadata={"description": "Conditions of the approval."})
    scope = fields.String(allow_none=True, metadata={"description": "The part of the data it may handle."})


class RejectionSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    reason = fields.String(required=True)


# ---------------------------------------------------------------- the chain

@always_present
class PartySchema(Schema):
    id = fields.Integer()
    name = fields.String()


@always_present
class ChainLinkSchema(Schema):
    """One entrustment in a chain, with its approval state judged against everything above it."""

    entrustment_id = fields.Integer()
    parent_id = fields.Integer(allow_none=True)
    consignor = fields.Nested(PartySchema)
    contractor = fields.Nested(PartySchema)
    data_set = fields.String()
    status = fields.String(metadata={"enum": ENTRUSTMENT_STATUS.codes})
    subcontracting_terms = fields.String(metadata={"enum": SUBCONTRACTING_TERMS.codes})
    origin = fields.String(metadata={"enum": ENTRUSTMENT_ORIGIN.codes})
    approval_state = fields.String(metadata={"enum": APPROVAL_STATE.codes})
    violation = fields.Boolean()
    upstream_settled = fields.Boolean()
    settled = fields.Boolean(metadata={"description": "Approved (or direct, or notified) here and all the way up."})
    depth = fields.Integer(metadata={"description": "0 for a direct entrustment, 1 for its subcontracts, …"})


@always_present
class ChainNodeSchema(ChainLinkSchema):
    children = fields.List(fields.Nested(lambda: ChainNodeSchema()))


@always_present
class ChainDownSchema(Schema):
    """Everyone who holds the organisation's data: a tree per direct entrustment it made."""

    organisation_id = fields.Integer()
    roots = fields.List(fields.Nested(ChainNodeSchema))


@always_present
class ChainUpSchema(Schema):
    """Whose data the organisation holds: one path per holding, from the top consignor down to it."""

    organisation_id = fields.Integer()
    paths = fields.List(fields.List(fields.Nested(ChainLinkSchema)))
