"""The OpenAPI document the app serves at /api/v1/openapi.json describes every route of the API and its refusals."""

import re

import pytest

from contracts.docx_render import DOCX_MIME

API = "/api/v1"
ROUTES, BODIES = 100, 43


@pytest.fixture
def document(app):
    served = app.test_client().get(f"{API}/openapi.json")
    assert served.status_code == 200 and served.mimetype == "application/json"
    return served.get_json()


def operations(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method != "parameters":
                yield method, path, operation


def test_every_route_of_the_api_is_in_the_document_with_its_methods(app, document):
    routed = {(method.lower(), re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule))
              for rule in app.url_map.iter_rules() if rule.rule.startswith(API) and "openapi" not in rule.rule
              for method in rule.methods - {"HEAD", "OPTIONS"}}

    assert routed == {(method, path) for method, path, _ in operations(document)}
    assert len(routed) == ROUTES  # 43 + the jobs (list, get, retry) + the selections' 13 + closing a condition
    # + monthly handling reports (list, an entrustment's, file, plan) + the audit dashboard + the periodic audits,
    # their schedule and campaigns (11) + findings, obligations and the audit review (13)
    # + the evidence packs' 4 (list, build, get, download) + answer once, share with many (7)


def test_every_operation_needs_a_bearer_token_and_documents_the_401_challenge(document):
    assert document["components"]["securitySchemes"]["bearerAuth"] == {"type": "http", "scheme": "bearer"}
    assert document["security"] == [{"bearerAuth": []}]
    for method, path, operation in operations(document):
        unauthorised = operation["responses"]["401"]
        assert unauthorised["headers"]["WWW-Authenticate"]["required"], (method, path)
        assert unauthorised["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ApiError"}
        assert "default" in operation["responses"] and operation.get("summary"), (method, path)


def test_every_body_documents_its_schema_and_the_refusals_of_a_bad_body(document):
    bodies, uploads = 0, 0
    for method, path, operation in operations(document):
        content = operation.get("requestBody", {}).get("content", {})
        if "application/json" in content:
            bodies += 1
            assert content["application/json"]["schema"]["$ref"].split("/")[-1] in document["components"]["schemas"]
            assert {"400", "413", "415", "422"} <= set(operation["responses"]), (method, path)
        elif content:  # a contract sent as the raw .docx body
            uploads += 1
            assert content[DOCX_MIME]["schema"] == {"type": "string", "format": "binary"}
            assert {"413", "422"} <= set(operation["responses"]), (method, path)
    assert (bodies, uploads) == (BODIES, 1)  # + filing a monthly handling report, switching reports on or off
    # + opening, recording, closing, sharing and cancelling audits, launching a campaign + 8 of findings, reviews
    # and approval conditions + building an evidence pack + starting an entrustment with a reason, the company's
    # answers (start, change)


def test_every_object_path_documents_404_and_every_list_documents_its_query_refusal(document):
    for method, path, operation in operations(document):
        if path.endswith("_id}") or "_id}/" in path:
            assert "404" in operation["responses"], (method, path)
        if method == "get" and path in (f"{API}/organisations", f"{API}/entrustments"):
            assert "422" in operation["responses"]
            assert {"page", "per_page", "q"} <= {p["name"] for p in operation["parameters"]}


def test_a_created_object_is_documented_with_its_location(document):
    for path in (f"{API}/organisations", f"{API}/entrustments", f"{API}/entrustments/{{entrustment_id}}/subcontracts"):
        assert "Location" in document["paths"][path]["post"]["responses"]["201"]["headers"]
    assert "204" in document["paths"][f"{API}/organisations/{{organisation_id}}"]["delete"]["responses"]


def test_an_entrustment_is_documented_with_its_approval_state_and_violation_flag(document):
    entrustment = document["components"]["schemas"]["Entrustment"]

    assert {"approval_state", "violation", "upstream_settled", "consignor_name", "contractor_name", "parent_id"} \
        <= set(entrustment["required"])
    assert "unapproved" in entrustment["properties"]["approval_state"]["enum"]
