"""Entrustments and subcontracts: what a client receives and sends, and the approval decisions."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, fields

from oversight.api.schemas.common import (
    ListQuerySchema,
    PageSchema,
    always_present,
    codes,
    one_of,
    search_text,
    whole_number,
)
from oversight.choices import APPROVAL_STATE, ENTRUSTMENT_ORIGIN, ENTRUSTMENT_STATUS, SUBCONTRACTING_TERMS
from oversight.inputs import MAX_ID
from oversight.vocabulary import data_items


class EntrustmentQuerySchema(ListQuerySchema):
    q = search_text("Part of the name of the data set.")
    status = one_of(ENTRUSTMENT_STATUS.codes)
    organisation_id = whole_number(1, MAX_ID, metadata={
        "description": "Only entrustments where this organisation is the consignor or the contractor."})
    flagged = fields.Boolean(
        truthy={"true"}, falsy={"false"}, load_default=False,
        error_messages={"invalid": _l("Must be true or false.")},
        metadata={"description": "true: only subcontracts without the approval they need (violations)."})



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
    subcontracting_terms = fields.String(allow_none=True, metadata=codes(
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
    origin = fields.String(allow_none=True, metadata=codes(
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


class ApprovalSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    conditions = fields.String(allow_none=True, metadata={"description": "Conditions of the approval."})
    scope = fields.String(allow_none=True, metadata={"description": "The part of the data it may handle."})


class RejectionSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    reason = fields.String(required=True)
