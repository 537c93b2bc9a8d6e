"""The API keeps the promises of its own OpenAPI document: schemathesis calls every operation of the document the
app serves with generated valid and invalid requests, and with malformed values (NUL in text, ids past bigint, a
string for an object), as an admin, and runs its checks on every answer."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import negative_data_rejection

from contracts.docx_render import DOCX_MIME
from oversight import create_app
from oversight.accounts import services as accounts
from oversight.config import TestConfig
from tests.factories import gen_chain, gen_organisation, gen_subcontract, gen_user
from tests.helpers import fresh_g

# Path ids name objects the fixture creates, so the calls reach the services instead of stopping at a 404.
EXISTING = {"organisation_id": 1, "entrustment_id": 3}

CHECKS = {
    # Valid by the document is not valid by the registry: a corporate number's check digit, an organisation
    # that exists and that you may see, the state an entrustment is in. The API answers those with a
    # documented 422, so "schema-valid data is accepted" does not hold for this API, by design.
    "positive_data_acceptance": {"enabled": False},
}



@schemathesis.serializer(DOCX_MIME)
def _docx_body(ctx, value) -> bytes:
    """A .docx upload is sent as raw bytes; generated bodies are arbitrary, so the check must refuse them cleanly."""
    return value if isinstance(value, bytes) else str(value).encode()


# The document is read once, at collection, from an app of its own: schemathesis.pytest.from_fixture (the lazy
# loader) cannot run under pytest 9, whose nodes no longer have the `_nodeid` it rewrites. Every call goes to
# the test's app and database instead; the document depends on neither.
schema = schemathesis.openapi.from_wsgi(
    "/api/v1/openapi.json", create_app(TestConfig, {"SQLALCHEMY_DATABASE_URI": "sqlite://"}),
    config=SchemathesisConfig.from_dict({
        "checks": CHECKS,
        "parameters": EXISTING,
        # The test sends a real admin token; ignored_auth still checks that every operation refuses none.
        "generation": {"max-examples": 20, "database": "none", "with-security-parameters": False},
    }))


# Malformed values that once gave 500s on PostgreSQL (which cannot store NUL in text, nor a number past bigint in an
# id), added to the examples of every operation that takes them: one case per parameter and per body property.
NUL_TEXT = "a\x00b"
HUGE = 2**70


def _resolved(node: dict) -> dict:
    while "$ref" in node:
        node = schema.raw_schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def _malformed(kind: str | None):
    return {"string": NUL_TEXT, "integer": HUGE, "object": "x"}.get(kind)


@schema.hook
def before_add_examples(ctx, examples) -> None:
    """Add each operation's malformed cases to its explicit examples (a refusal is expected: never a 500)."""
    operation = ctx.operation
    ids = {p.name: EXISTING.get(p.name, 1) for p in operation.path_parameters}
    for parameter in operation.query:
        value = _malformed(parameter.definition.get("schema", {}).get("type"))
        if value is not None:
            examples.append(operation.Case(path_parameters=ids, query={parameter.name: str(value)}))
    if ids:
        examples.append(operation.Case(path_parameters=dict.fromkeys(ids, HUGE)))
    body = operation.definition.raw.get("requestBody", {}).get("content", {}).get("application/json")
    for name, definition in _resolved(body["schema"]).get("properties", {}).items() if body else ():
        value = _malformed(_resolved(definition).get("type"))
        if value is not None:
            examples.append(operation.Case(path_parameters=ids, body={name: value}, media_type="application/json"))


@pytest.fixture
def admin_token() -> str:
    """A chain A → B → C with an unapproved subcontract under it found in an audit, and an admin's token."""
    orgs, chain = gen_chain(2)
    found = gen_subcontract(chain[-1], gen_organisation(), origin="audit")
    assert (orgs[0].id, found.id) == (EXISTING["organisation_id"], EXISTING["entrustment_id"])
    return accounts.issue_token(gen_user(role="admin"), "schemathesis")[1]


def each_request_on_its_own(app):
    """The app as a WSGI callable whose requests do not share the test's `g` (where the API caches its user)."""

    def wsgi(environ, start_response):
        with fresh_g():
            return app(environ, start_response)

    return wsgi


def checks_not_applicable(case) -> list:
    """Checks that do not apply to this case, each for the reason given."""
    excluded = []
    # The registry's cleaners accept what a web form or a spreadsheet cell would hold — a label for a code,
    # "1,000" for a number, null, "" or false for "not given" — so that the web form, the importer and the
    # API answer alike. A body that breaks the documented JSON types may therefore be accepted. Invalid
    # query and path values are still checked: those the API parses itself, strictly.
    if case.meta is not None and case.meta.is_negative_at(ParameterLocation.BODY):
        excluded.append(negative_data_rejection)
    return excluded


@schema.parametrize()
# The fixtures build one database per operation on purpose: all its examples run against the same data.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_every_operation_answers_as_its_document_says(case, app, admin_token):
    case.call_and_validate(app=each_request_on_its_own(app), headers={"Authorization": f"Bearer {admin_token}"},
                           excluded_checks=checks_not_applicable(case))
