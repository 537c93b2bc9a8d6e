"""/api/v1/entrustments: entrustments (委託), subcontracts (再委託) and the approval of subcontractors."""

from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l

from oversight.api.base import (
    ID,
    LOCATION,
    WRITE_ERRORS,
    ApiBlueprint,
    Derived,
    actor,
    documented,
    json_object,
    page_body,
)
from oversight.choices import ENTRUSTMENT_ORIGIN
from oversight.errors import ValidationFailed
from oversight.registry import services
from oversight.registry.api_schemas import (
    ActivationSchema,
    ApprovalSchema,
    EntrustmentCreateSchema,
    EntrustmentPageSchema,
    EntrustmentPatchSchema,
    EntrustmentQuerySchema,
    EntrustmentSchema,
    RejectionSchema,
    SubcontractCreateSchema,
)

blp = ApiBlueprint("entrustments", __name__, url_prefix="/entrustments",
                   description="Entrustments down the outsourcing chain, and subcontracting approval (事前承認).")

DECISION_ERRORS = (400, 401, 403, 404, 413, 415, 422)
TRANSITION_ERRORS = (401, 403, 404, 422)


@blp.route("")
@blp.arguments(EntrustmentQuerySchema, location="query", as_kwargs=True)
@blp.response(200, EntrustmentPageSchema)
@documented(errors=(401, 403, 422))
def list_entrustments(**query):
    """List the entrustments you may see

    Each carries its approval state; `flagged=true` keeps only subcontracts without the approval they need.
    """
    page = services.search_entrustments(actor(), **query)
    return page_body(page, _assessed(page.items, page.extra["states"]))


@blp.route("", methods=["POST"])
@blp.response(201, EntrustmentSchema, headers=LOCATION)
@documented(errors=WRITE_ERRORS, body=EntrustmentCreateSchema)
def create_entrustment():
    """Record a direct entrustment, or propose a subcontract

    Without parent_id: your organisation (the consignor) entrusts data to a contractor. With parent_id: the
    contractor of that entrustment proposes a subcontractor, like POST /entrustments/{id}/subcontracts.
    """
    e = services.create_entrustment(actor(), json_object())
    return _one(e), 201, {"Location": url_for(".get_entrustment", entrustment_id=e.id)}


@blp.route(f"/<{ID}:entrustment_id>")
@blp.response(200, EntrustmentSchema)
@documented()
def get_entrustment(entrustment_id: int):
    """One entrustment, with its approval state"""
    return _one(services.get_entrustment(actor(), entrustment_id))


@blp.route(f"/<{ID}:entrustment_id>", methods=["PATCH"])
@blp.response(200, EntrustmentSchema)
@documented(errors=WRITE_ERRORS, body=EntrustmentPatchSchema)
def update_entrustment(entrustment_id: int):
    """Change the description and terms of an entrustment

    Only the keys sent change; the consignor, the contractor, the parent and the origin cannot.
    """
    return _one(services.update_entrustment(actor(), entrustment_id, json_object()))


@blp.route(f"/<{ID}:entrustment_id>/subcontracts", methods=["POST"])
@blp.response(201, EntrustmentSchema, headers=LOCATION)
@documented(errors=WRITE_ERRORS, body=SubcontractCreateSchema)
def create_subcontract(entrustment_id: int):
    """Propose or record a subcontract under this entrustment

    origin planned (the default) is the contractor's proposal, awaiting the original consignor's approval
    (or active at once under notice-after terms). audit, filing and declared_late record a subcontract
    that already exists without approval: it is flagged as a violation.
    """
    body = json_object()
    # The service takes the origin beside the body; a value it does not know stays in the body to be refused.
    origin = ENTRUSTMENT_ORIGIN.from_label(str(body.get("origin") or "")) or "planned"
    e = services.propose_subcontract(actor(), entrustment_id, body, origin=origin)
    return _one(e), 201, {"Location": url_for(".get_entrustment", entrustment_id=e.id)}


@blp.route(f"/<{ID}:entrustment_id>/approve", methods=["POST"])
@blp.response(200, EntrustmentSchema)
@documented(errors=DECISION_ERRORS, body=ApprovalSchema, body_required=False)
def approve_subcontract(entrustment_id: int):
    """Approve a subcontract (the original consignor only)

    Optionally with conditions and the scope of data allowed. Everything above it must be settled first.
    """
    body = json_object(required=False)
    return _one(services.decide_subcontract(actor(), entrustment_id, approve=True,
                                            conditions=_text(body, "conditions"), scope=_text(body, "scope")))


@blp.route(f"/<{ID}:entrustment_id>/reject", methods=["POST"])
@blp.response(200, EntrustmentSchema)
@documented(errors=DECISION_ERRORS, body=RejectionSchema)
def reject_subcontract(entrustment_id: int):
    """Reject a subcontract, giving the reason (the original consignor only)"""
    body = json_object(required=False)
    return _one(services.decide_subcontract(actor(), entrustment_id, approve=False,
                                            reason=_text(body, "reason")))


@blp.route(f"/<{ID}:entrustment_id>/activate", methods=["POST"])
@blp.response(200, EntrustmentSchema)
@documented(errors=DECISION_ERRORS, body=ActivationSchema, body_required=False)
def activate_entrustment(entrustment_id: int):
    """Start an approved subcontract (approved → active)

    With `override_reason` where a check the organisation requires is missing and its policy allows a start
    with a reason.
    """
    body = json_object(required=False)
    return _one(services.transition_entrustment(actor(), entrustment_id, "activate",
                                                override_reason=body.get("override_reason")))


@blp.route(f"/<{ID}:entrustment_id>/terminate", methods=["POST"])
@blp.response(200, EntrustmentSchema)
@documented(errors=TRANSITION_ERRORS)
def terminate_entrustment(entrustment_id: int):
    """End an entrustment; its live subcontracts must be terminated first"""
    return _one(services.transition_entrustment(actor(), entrustment_id, "terminate"))


def _assessed(entrustments, states) -> list[Derived]:
    return [Derived(e, approval_state=states[e.id].state, violation=states[e.id].violation,
                    upstream_settled=states[e.id].upstream_settled) for e in entrustments]


def _one(e) -> Derived:
    return _assessed([e], services.link_states([e.id]))[0]


def _text(body: dict, key: str) -> str:
    # decide_subcontract takes its texts as str arguments, not in a dict it cleans itself.
    value = body.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationFailed({key: [_l("Must be text.")]})
    return value
