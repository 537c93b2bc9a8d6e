"""/api/v1/organisations: the registry of consignors, contractors and public bodies, and their chains."""

from __future__ import annotations

from flask import Response, jsonify, url_for

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
from oversight.registry import services
from oversight.registry.api_schemas import (
    ChainDownSchema,
    ChainUpSchema,
    OrganisationCreateSchema,
    OrganisationPageSchema,
    OrganisationPatchSchema,
    OrganisationQuerySchema,
    OrganisationSchema,
)

blp = ApiBlueprint("organisations", __name__, url_prefix="/organisations",
                   description="Organisations: consignors (委託元), contractors (委託先) and public bodies.")


@blp.route("")
@blp.arguments(OrganisationQuerySchema, location="query", as_kwargs=True)
@blp.response(200, OrganisationPageSchema)
@documented(errors=(401, 403, 422))
def list_organisations(**query):
    """List the organisations you may see

    Ordered by kana. Each carries your trading status with it (from your record), the certifications you read
    (its own and those you verified) and the number of its live subcontracts, among those you may see, that
    lack the approval they need.
    """
    page = services.search_organisations(actor(), **query)
    violations, records, certifications = (page.extra[key] for key in ("violations", "records", "certifications"))
    items = [Derived(org, unapproved_subcontracts=violations.get(org.id, 0),
                     status=records[org.id].status if org.id in records else None,
                     certifications=certifications.get(org.id, [])) for org in page.items]
    return page_body(page, items)


def _seen(organisation_id: int) -> Derived:
    seen = services.seen_organisation(actor(), organisation_id)
    return Derived(seen.organisation, profile=seen.profile, record=seen.record)


@blp.route("", methods=["POST"])
@blp.response(201, OrganisationSchema, headers=LOCATION)
@documented(errors=WRITE_ERRORS, body=OrganisationCreateSchema)
def create_organisation():
    """Register an organisation

    The corporate number (法人番号) is checked, including its check digit. A number already in the registry
    links to that company: the answer is the same as for a new one, your record is created beside its identity,
    and nothing another organisation keeps about it is shown. Your contacts, notes and verified certifications
    go in `record`.
    """
    org = services.create_organisation(actor(), json_object())
    return _seen(org.id), 201, {"Location": url_for(".get_organisation", organisation_id=org.id)}


@blp.route(f"/<{ID}:organisation_id>")
@blp.response(200, OrganisationSchema)
@documented()
def get_organisation(organisation_id: int):
    """One organisation: its identity, its own profile if you may read it, and your record of it"""
    return _seen(organisation_id)


@blp.route(f"/<{ID}:organisation_id>", methods=["PATCH"])
@blp.response(200, OrganisationSchema)
@documented(errors=WRITE_ERRORS, body=OrganisationPatchSchema)
def update_organisation(organisation_id: int):
    """Change an organisation

    Only the keys sent change. Identity facts change only for the company's own users, operator admins, and
    the organisation that registered a company without a corporate number; `profile` only for the company's
    own users and operator admins; `record` is your own (created when first sent). `contacts` and
    `certifications`, when sent, replace the whole list.
    """
    services.update_organisation(actor(), organisation_id, json_object())
    return _seen(organisation_id)


@blp.route(f"/<{ID}:organisation_id>", methods=["DELETE"])
@blp.response(204)
@documented(errors=(401, 403, 404, 409))
def delete_organisation(organisation_id: int):
    """Delete your record of an organisation (an operator admin: the organisation)

    Refused while it is party to an entrustment you can see. Operator admins delete organisations that are
    party to no entrustment and have no users.
    """
    services.delete_organisation(actor(), organisation_id)
    return Response(status=204)


@blp.route(f"/<{ID}:organisation_id>/chain/down")
@blp.response(200, ChainDownSchema)
@documented()
def chain_down(organisation_id: int):
    """Everyone who holds this consignor's data

    A tree per direct entrustment it made, down through every subcontract you may see, each link with
    its approval state.
    """
    view = services.chain_down(actor(), organisation_id, detail=False)
    return jsonify({"organisation_id": organisation_id, "roots": [_tree(root, view) for root in view.roots]})


@blp.route(f"/<{ID}:organisation_id>/chain/up")
@blp.response(200, ChainUpSchema)
@documented()
def chain_up(organisation_id: int):
    """Whose data this vendor holds

    One path per entrustment or subcontract it holds, from the original consignor down to it (as far up as
    you may see).
    """
    view = services.chain_up(actor(), organisation_id, detail=False)
    # Built here already in the documented shape: a Response skips a second pass through the schema.
    return jsonify({"organisation_id": organisation_id,
                    "paths": [[_link(state, view) for state in path] for path in view.paths]})


def _party(organisation_id: int, view) -> dict:
    org = view.organisations.get(organisation_id)
    return {"id": organisation_id, "name": org.name if org else ""}


def _link(state, view) -> dict:
    link = state.link
    return {
        "entrustment_id": link.id, "parent_id": link.parent_id,
        "consignor": _party(link.consignor_id, view), "contractor": _party(link.contractor_id, view),
        "data_set": view.entrustments[link.id].data_set, "status": link.status,
        "subcontracting_terms": link.subcontracting_terms, "origin": link.origin,
        "approval_state": state.state, "violation": state.violation,
        "upstream_settled": state.upstream_settled, "settled": state.settled, "depth": state.depth,
    }


def _tree(state, view) -> dict:
    return {**_link(state, view), "children": [_tree(child, view) for child in state.children]}
