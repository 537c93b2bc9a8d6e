"""The chain of entrustments above or below an organisation, link by link."""

from __future__ import annotations

from marshmallow import Schema, fields

from oversight.api.schemas.common import always_present
from oversight.choices import APPROVAL_STATE, ENTRUSTMENT_ORIGIN, ENTRUSTMENT_STATUS, SUBCONTRACTING_TERMS


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
