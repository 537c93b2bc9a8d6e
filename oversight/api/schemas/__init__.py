"""Schemas of the JSON API: what a client receives, and (for the OpenAPI document only) what it sends.

Request bodies are not loaded through these schemas: a view hands the JSON object to the service, which cleans
it exactly as it cleans a web form or a spreadsheet row, so all three give the same answer. The input schemas
therefore document types and choice codes only, and let unknown keys through (they are ignored).

One module per resource (`organisations`, `entrustments`, `chain`) beside what they share (`common`); callers
import from the package.
"""

from oversight.api.schemas.chain import ChainDownSchema, ChainLinkSchema, ChainNodeSchema, ChainUpSchema, PartySchema
from oversight.api.schemas.common import (
    CERTIFICATION_FILTERS,
    MAX_PER_PAGE,
    ApiErrorSchema,
    ListQuerySchema,
    PageSchema,
    always_present,
    codes,
    one_of,
    search_text,
    whole_number,
)
from oversight.api.schemas.entrustments import (
    ApprovalSchema,
    EntrustmentCreateSchema,
    EntrustmentPageSchema,
    EntrustmentPatchSchema,
    EntrustmentQuerySchema,
    EntrustmentSchema,
    RejectionSchema,
    SubcontractCreateSchema,
)
from oversight.api.schemas.organisations import (
    CertificationInputSchema,
    CertificationSchema,
    ContactInputSchema,
    ContactSchema,
    OrganisationCreateSchema,
    OrganisationPageSchema,
    OrganisationPatchSchema,
    OrganisationQuerySchema,
    OrganisationSchema,
    OrganisationSummarySchema,
    ProfileInputSchema,
    ProfileSchema,
    RecordInputSchema,
    RecordSchema,
    SeenCertificationSchema,
    VerifiedCertificationInputSchema,
    VerifiedCertificationSchema,
)

__all__ = [
    "ApiErrorSchema",
    "ApprovalSchema",
    "CERTIFICATION_FILTERS",
    "CertificationInputSchema",
    "CertificationSchema",
    "ChainDownSchema",
    "ChainLinkSchema",
    "ChainNodeSchema",
    "ChainUpSchema",
    "ContactInputSchema",
    "ContactSchema",
    "EntrustmentCreateSchema",
    "EntrustmentPageSchema",
    "EntrustmentPatchSchema",
    "EntrustmentQuerySchema",
    "EntrustmentSchema",
    "ListQuerySchema",
    "MAX_PER_PAGE",
    "OrganisationCreateSchema",
    "OrganisationPageSchema",
    "OrganisationPatchSchema",
    "OrganisationQuerySchema",
    "OrganisationSchema",
    "OrganisationSummarySchema",
    "PageSchema",
    "PartySchema",
    "ProfileInputSchema",
    "ProfileSchema",
    "RecordInputSchema",
    "RecordSchema",
    "RejectionSchema",
    "SeenCertificationSchema",
    "SubcontractCreateSchema",
    "VerifiedCertificationInputSchema",
    "VerifiedCertificationSchema",
    "always_present",
    "codes",
    "one_of",
    "search_text",
    "whole_number",
]
